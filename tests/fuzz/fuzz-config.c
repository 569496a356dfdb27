/*
 * libFuzzer target: CTID.conf text through ve_config_parse. A parsed file formats back byte
 * for byte; rewriting every key gives text that parses and rewrites to itself.
 */
#include <stdint.h>

#include "tests/fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ve_config *c = NULL, *c2 = NULL;
	char *text, *s, *s2;
	size_t len;
	int r;

	ve_log_set_level(-1);
	/* The loader refuses embedded NULs; the parser sees C strings only. */
	if (memchr(data, '\0', size))
		return 0;
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	r = ve_config_parse(NULL, 101, "fuzz", text, &c);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "unexpected error %d", r);
		free(text);
		return 0;
	}
	FUZZ_CHECK(c->changed == 0, "a parsed config is not changed");

	/* Unchanged: the same bytes, plus a final newline if the text had none. */
	s = ve_config_format(c);
	FUZZ_CHECK(s, "format of an unchanged config failed");
	len = strlen(text);
	FUZZ_CHECK(
	    !strncmp(s, text, len) &&
		(!strcmp(s + len, "") || (len && !strcmp(s + len, "\n") && text[len - 1] != '\n')),
	    "unchanged text differs");
	r = ve_config_parse(NULL, 101, "fuzz-formatted", s, &c2);
	FUZZ_CHECK(r == 0, "formatted text does not parse (%d)", r);
	s2 = ve_config_format(c2);
	FUZZ_CHECK(s2 && !strcmp(s, s2), "formatting is not stable");
	free(s);
	free(s2);
	ve_config_free(c2);

	fuzz_fixed_point(c);
	ve_config_free(c);
	free(text);
	return 0;
}
