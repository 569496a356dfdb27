/*
 * libFuzzer target: sequences of vzctl set options (NETIF, DEVICES, CAPABILITY and the
 * others) through ve_config_set_option. Whatever the options accept must save to a file
 * that parses back to the same config.
 * Input: one option per line; the line's first byte picks the option, the rest is the value.
 */
#include <stdint.h>

#include "tests/fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const options[] = {
    "netif_add", "netif_del",	 "devices",	 "capability",	"features", "ipadd",
    "ipdel",	 "nameserver",	 "searchdomain", "ram",		"swap",	    "physpages",
    "swappages", "numproc",	 "diskspace",	 "diskinodes",	"cpuunits", "cpulimit",
    "cpus",	 "stop-timeout", "cpumask",	 "ioprio",	"iolimit",  "iopslimit",
    "onboot",	 "disabled",	 "name",	 "description", "hostname", "userpasswd",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ve_config *c = NULL;
	char *text, *line, *save = NULL;

	ve_log_set_level(-1);
	if (memchr(data, '\0', size))
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	if (ve_config_parse(NULL, 101, "fuzz", "", &c) < 0) {
		free(text);
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *opt = options[(unsigned char)line[0] % ARRAY_SIZE(options)];
		int r = ve_config_set_option(c, opt, line + 1);

		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -EEXIST || r == -ENOENT || r == -ENOMEM,
			   "--%s %s: unexpected error %d", opt, line + 1, r);
	}
	fuzz_fixed_point(c);
	ve_config_free(c);
	free(text);
	return 0;
}
