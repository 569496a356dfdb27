/* Shared by the config fuzzers: the save/reload fixed point every config must reach. */
#ifndef VZ_FUZZ_COMMON_H
#define VZ_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/config-internal.h"
#include "runtime/config.h"
#include "runtime/util.h"

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz check failed: %s: ", #cond);                         \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static inline void fuzz_mark_all(struct ve_config *c)
{
	for (size_t i = 0; i < conf_n_keys; i++)
		ve_config_mark(c, conf_keys[i].name);
}

/* Whether a known key's line holds a value the file format cannot hold (both quote kinds). */
static inline bool fuzz_unwritable(const struct ve_conf_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->lines[i].key && conf_key_find(f->lines[i].key) &&
		    strchr(f->lines[i].value, '"') && strchr(f->lines[i].value, '\''))
			return true;
	return false;
}

/*
 * Writes every known key of c, parses the result and writes every key again: the text must
 * be the same, i.e. what vzkit saves it reads back unchanged.
 */
static inline void fuzz_fixed_point(struct ve_config *c)
{
	struct ve_config *c2 = NULL;
	char *s1, *s2;
	int r;

	fuzz_mark_all(c);
	s1 = ve_config_format(c);
	if (!s1) {
		FUZZ_CHECK(fuzz_unwritable(c->file), "format of all keys failed");
		return;
	}
	r = ve_config_parse(NULL, c->veid, "fuzz-rewritten", s1, &c2);
	FUZZ_CHECK(r == 0, "rewritten text does not parse (%d):\n%s", r, s1);
	fuzz_mark_all(c2);
	s2 = ve_config_format(c2);
	FUZZ_CHECK(s2, "format of the reparsed config failed");
	FUZZ_CHECK(!strcmp(s1, s2), "not a fixed point:\n--- first\n%s--- second\n%s", s1, s2);
	free(s1);
	free(s2);
	ve_config_free(c2);
}

#endif
