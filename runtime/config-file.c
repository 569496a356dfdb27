#include "config-internal.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

void conf_file_free(struct ve_conf_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->lines[i].raw);
		free(f->lines[i].key);
		free(f->lines[i].value);
	}
	free(f->lines);
	free(f);
}

int conf_key_valid(const char *key)
{
	if (!key || !(isupper((unsigned char)*key) || *key == '_'))
		return 0;
	for (const char *p = key; *p; p++)
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parses one line: blank, comment, or KEY=value / KEY="value" / KEY='value' [# comment]. */
static int parse_line(const char *line, char **ret_key, char **ret_value, const char **ret_err)
{
	const char *p = skip_ws(line), *eq, *v, *end;
	_cleanup_free_ char *key = NULL;

	*ret_key = *ret_value = NULL;
	if (*p == '\0' || *p == '#')
		return 0;
	eq = strchr(p, '=');
	if (!eq) {
		*ret_err = "expected KEY=\"value\"";
		return -EINVAL;
	}
	key = strndup(p, eq - p);
	if (!key)
		return -ENOMEM;
	if (!conf_key_valid(key)) {
		*ret_err = "invalid key name";
		return -EINVAL;
	}
	v = eq + 1;
	if (*v == '"' || *v == '\'') {
		end = strchr(v + 1, *v);
		if (!end) {
			*ret_err = "unterminated quote";
			return -EINVAL;
		}
		const char *rest = skip_ws(end + 1);
		if (*rest && *rest != '#') {
			*ret_err = "junk after closing quote";
			return -EINVAL;
		}
		*ret_value = strndup(v + 1, end - v - 1);
	} else {
		size_t len = strcspn(v, " \t#");
		const char *rest = skip_ws(v + len);
		if (*rest && *rest != '#') {
			*ret_err = "unquoted value with spaces";
			return -EINVAL;
		}
		*ret_value = strndup(v, len);
	}
	if (!*ret_value)
		return -ENOMEM;
	*ret_key = TAKE_PTR(key);
	return 0;
}

int conf_file_parse(const char *path, const char *text, struct ve_conf_file **ret)
{
	struct ve_conf_file *f = calloc(1, sizeof(*f));
	const char *p = text;
	int lineno = 0;

	if (!f)
		return -ENOMEM;
	while (*p) {
		size_t len = strcspn(p, "\n");
		const char *err = NULL;
		struct ve_conf_line *nl;
		char *raw = strndup(p, len);
		int r;

		lineno++;
		p += len + (p[len] == '\n');
		if (!raw)
			goto nomem;
		nl = realloc(f->lines, (f->n + 1) * sizeof(*nl));
		if (!nl) {
			free(raw);
			goto nomem;
		}
		f->lines = nl;
		nl = &f->lines[f->n++];
		memset(nl, 0, sizeof(*nl));
		nl->raw = raw;
		nl->lineno = lineno;
		r = parse_line(raw, &nl->key, &nl->value, &err);
		if (r == -EINVAL) {
			log_error("%s:%d: %s", path, lineno, err);
			conf_file_free(f);
			return r;
		}
		if (r < 0)
			goto nomem;
	}
	*ret = f;
	return 0;
nomem:
	conf_file_free(f);
	return -ENOMEM;
}

int conf_file_load(const char *path, struct ve_conf_file **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = ve_read_file(path, &text, &len);

	if (r < 0)
		return r;
	/* The parser sees a C string: what follows a NUL would be lost by the next save. */
	if (strlen(text) != len)
		return log_errno(-EINVAL, "%s: contains a NUL byte", path);
	return conf_file_parse(path, text, ret);
}

const char *conf_file_get(const struct ve_conf_file *f, const char *key)
{
	for (size_t i = f->n; i > 0; i--)
		if (ve_streq(f->lines[i - 1].key, key))
			return f->lines[i - 1].value;
	return NULL;
}

static void line_clear(struct ve_conf_line *l)
{
	free(l->raw);
	free(l->key);
	free(l->value);
	l->raw = l->key = l->value = NULL;
}

int conf_file_set(struct ve_conf_file *f, const char *key, const char *value)
{
	ssize_t last = -1;

	/* The file format has no escapes: such a value could not be read back. */
	if (!conf_key_valid(key) ||
	    (value && (strchr(value, '\n') || (strchr(value, '"') && strchr(value, '\'')))))
		return -EINVAL;

	for (size_t i = 0; i < f->n; i++)
		if (ve_streq(f->lines[i].key, key))
			last = i;
	/* Drop duplicates: the last occurrence is the one that counted. */
	for (ssize_t i = 0; i < last; i++)
		if (ve_streq(f->lines[i].key, key))
			line_clear(&f->lines[i]);
	if (last >= 0 && !value) {
		line_clear(&f->lines[last]);
		return 0;
	}
	if (!value)
		return 0;
	if (last < 0) {
		struct ve_conf_line *nl = realloc(f->lines, (f->n + 1) * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		f->lines = nl;
		last = f->n++;
		memset(&f->lines[last], 0, sizeof(*nl));
	}
	struct ve_conf_line *l = &f->lines[last];
	char *k = strdup(key), *v = strdup(value);
	/* A value read from single quotes may hold a double quote: write it the same way. */
	char *raw = strchr(value, '"') ? ve_strdup_printf("%s='%s'", key, value)
				       : ve_strdup_printf("%s=\"%s\"", key, value);
	if (!k || !v || !raw) {
		free(k);
		free(v);
		free(raw);
		return -ENOMEM;
	}
	line_clear(l);
	l->key = k;
	l->value = v;
	l->raw = raw;
	return 0;
}

char *conf_file_format(const struct ve_conf_file *f)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < f->n; i++)
		if (f->lines[i].raw)
			len += strlen(f->lines[i].raw) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < f->n; i++) {
		if (!f->lines[i].raw)
			continue;
		p = stpcpy(p, f->lines[i].raw);
		*p++ = '\n';
	}
	*p = '\0';
	return s;
}
