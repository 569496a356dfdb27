/*
 * libFuzzer target: cli_parse and cli_first_positional on argv split from the input at NUL
 * bytes, with the flags of vzctl set and a config to apply options to.
 */
#include <stdint.h>

#include "cmd/opts.h"
#include "tests/fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool save = false, force = false;
	const char *setmode = NULL;
	struct cli_flag flags[] = {{"save", false, &save, NULL},
				   {"force", false, &force, NULL},
				   {"setmode", true, NULL, &setmode},
				   {NULL, false, NULL, NULL}};
	char *buf, *argv[MAX_ARGS + 1], **rest = NULL;
	struct ve_config *c = NULL;
	const char *first;
	int argc = 0, code;

	ve_log_set_level(-1);
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i < size && argc < MAX_ARGS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;

	first = cli_first_positional(argc, argv);
	if (first) {
		bool in_argv = false;

		for (int i = 0; i < argc; i++)
			in_argv |= first == argv[i];
		FUZZ_CHECK(in_argv, "first positional is not an argument");
	}

	if (ve_config_parse(NULL, 101, "fuzz", "", &c) < 0) {
		free(buf);
		return 0;
	}
	/* The usage messages go to stderr; keep them out of libFuzzer's log. */
	static FILE *devnull;
	FILE *saved = stderr;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (devnull)
		stderr = devnull;
	code = cli_parse("set", argc, argv, flags, c, &rest);
	stderr = saved;
	FUZZ_CHECK(code == 0 || code == 20 || code == 21 || code == 78 || code == 6,
		   "unexpected exit code %d", code);
	if (code == 0) {
		int n = 0;

		for (char **p = rest; *p; p++, n++) {
			bool in_argv = false;

			for (int i = 0; i < argc; i++)
				in_argv |= *p == argv[i];
			FUZZ_CHECK(in_argv, "positional is not an argument");
		}
		FUZZ_CHECK(n <= argc, "more positionals than arguments");
		free(rest);
		FUZZ_CHECK(!setmode || (setmode >= buf && setmode <= buf + size),
			   "setmode points outside argv");
	}
	fuzz_fixed_point(c);
	ve_config_free(c);
	free(buf);
	return 0;
}
