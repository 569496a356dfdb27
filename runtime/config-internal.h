/* Private to runtime/config*.c: the KEY="value" file with its lines kept for writing back. */
#ifndef VE_CONFIG_INTERNAL_H
#define VE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ve_conf_line {
	char *raw;   /* the line as read (without newline); NULL once replaced */
	char *key;   /* NULL for comments and blank lines */
	char *value; /* unquoted value */
	int lineno;
};

struct ve_conf_file {
	struct ve_conf_line *lines;
	size_t n;
	uint64_t dirty; /* bit i: conf_keys[i] changed since load */
};

/* Parses text; a malformed line is logged as "path:line: ..." and gives -EINVAL. */
int conf_file_parse(const char *path, const char *text, struct ve_conf_file **ret);
/* Loads path; -ENOENT if missing. */
int conf_file_load(const char *path, struct ve_conf_file **ret);
/* Last value of key, or NULL. */
const char *conf_file_get(const struct ve_conf_file *f, const char *key);
/* Sets key (replacing its last line, dropping earlier duplicates) or appends; value NULL
 * removes it. A value with a double quote is written in single quotes; -EINVAL for a value
 * with both kinds of quote or a newline.
 * Returns 0 or -ENOMEM. */
int conf_file_set(struct ve_conf_file *f, const char *key, const char *value);
char *conf_file_format(const struct ve_conf_file *f);
void conf_file_free(struct ve_conf_file *f);
int conf_key_valid(const char *key);

#endif

#include "config.h"

/* How a key's value is stored in struct ve_config. */
enum conf_type {
	CT_STR,	   /* char *, "" = NULL */
	CT_BOOL,   /* bool, yes/no */
	CT_UINT,   /* unsigned */
	CT_U64,	   /* uint64_t; unit-less = bytes */
	CT_BARLIM, /* struct ve_barlim, unit-less values in key->unit */
	CT_STRV,   /* char **, space separated */
	CT_CUSTOM, /* parse/format functions */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;	  /* offset in struct ve_config */
	uint64_t unit;	  /* CT_BARLIM/CT_U64 default unit */
	unsigned changed; /* VE_CHANGED_* */
	int (*parse)(struct ve_config *c, const char *value);
	char *(*format)(const struct ve_config *c);
};

extern const struct conf_key conf_keys[];
extern const size_t conf_n_keys;
const struct conf_key *conf_key_find(const char *name);
/* Parses value into c for key k; -EINVAL/-ERANGE on a bad value (not logged). */
int conf_key_parse(struct ve_config *c, const struct conf_key *k, const char *value);
/* The key's current value as it is written to the file; NULL on ENOMEM. */
char *conf_key_format(const struct ve_config *c, const struct conf_key *k);
/* Marks key as changed: it is written by the next save. */
void conf_mark(struct ve_config *c, const char *key);
/* Sets c's defaults from the global config. */
void conf_defaults(struct ve_config *c, const struct ve_global *g);
/* Frees what c's fields own (not c itself). */
void conf_free_fields(struct ve_config *c);
int conf_parse_ip(const char *s, int *ret_family);
/* Writes the canonical form of an "addr[/prefix]" (the prefix kept when with_prefix); returns
 * AF_INET or AF_INET6, or -EINVAL. */
int conf_ip_canon(const char *s, bool with_prefix, char *out, size_t outlen);
/* Whether two "addr[/prefix]" strings name the same address, whatever the spelling. */
bool conf_ip_same(const char *a, const char *b);
/* One DEVICES entry c:MAJOR:MINOR|*:ACCESS; -EINVAL if malformed. */
int conf_parse_device(const char *s, struct ve_device *d);
/* An interface name: 1..15 of [A-Za-z0-9._-], not "." or "..". */
bool conf_ifname_valid(const char *s);
/* A unicast MAC "xx:xx:xx:xx:xx:xx". */
bool conf_mac_valid(const char *s);
