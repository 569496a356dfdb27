/*
 * vzctl template-list, template-update, template-remove: the host's OS template caches
 * (templates/template.h). They take no CTID.
 */
#include "cmd/opts.h"
#include "runtime/util.h"
#include "templates/template.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

/* Parses flags and at most max_pos positional arguments, "-j" meaning --json. */
static int parse(const char *cmd, int argc, char **argv, const struct cli_flag *flags, bool *json,
		 const char **pos, int max_pos)
{
	_cleanup_free_ char **rest = NULL;
	int n = 0, r = cli_parse(cmd, argc, argv, flags, NULL, &rest);

	if (r)
		return r;
	for (char **p = rest; *p; p++) {
		if (json && !strcmp(*p, "-j")) {
			*json = true;
			continue;
		}
		if (n == max_pos || (*p)[0] == '-') {
			cli_usage_error(cmd, "unexpected argument '%s'", *p);
			return VZ_INVALID_PARAMETER_SYNTAX;
		}
		pos[n++] = *p;
	}
	return 0;
}

static int list_json(const struct ve_template_infos *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++) {
		const struct ve_template_info *t = &l->v[i];
		json_t *ids = json_array();

		for (size_t k = 0; ids && k < t->n_veids; k++)
			json_array_append_new(ids, json_integer(t->veids[k]));
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:I, s:I, s:o}", "name", t->name, "version",
				 t->version, "size", (json_int_t)t->size, "ves",
				 (json_int_t)t->n_veids, "ctids", ids ? ids : json_null()));
	}
	if (!a || json_dumpf(a, stdout, JSON_INDENT(2)) < 0) {
		json_decref(a);
		return VZ_RESOURCE_ERROR;
	}
	putchar('\n');
	json_decref(a);
	return 0;
}

static void list_text(const struct ve_template_infos *l)
{
	printf("%-24s %-20s %10s %4s %s\n", "TEMPLATE", "VERSION", "SIZE_KB", "VES", "CTIDS");
	for (size_t i = 0; i < l->n; i++) {
		const struct ve_template_info *t = &l->v[i];

		printf("%-24s %-20s %10" PRIu64 " %4zu ", t->name, t->version,
		       (t->size + 1023) / 1024, t->n_veids);
		for (size_t k = 0; k < t->n_veids; k++)
			printf("%s%u", k ? "," : "", t->veids[k]);
		printf("%s\n", t->n_veids ? "" : "-");
	}
}

int cmd_template_list(struct cli *x, int argc, char **argv)
{
	bool json = false;
	struct cli_flag flags[] = {{"json", false, &json, NULL}, {NULL, false, NULL, NULL}};
	struct ve_template_infos l;
	const char *name = NULL;
	int r = parse("template-list", argc, argv, flags, &json, &name, 1);

	if (r)
		return r;
	if (name && !ve_template_name_valid(name)) {
		fprintf(stderr, "Invalid OS template name '%s'\n", name);
		return VZ_INVALID_PARAMETER_VALUE;
	}
	r = ve_template_scan(x->g, name, true, &l);
	if (r < 0)
		return r == -ENOMEM ? VZ_RESOURCE_ERROR : VZ_SYSTEM_ERROR;
	if (json)
		r = list_json(&l);
	else
		list_text(&l);
	ve_template_infos_free(&l);
	return r;
}

int cmd_template_update(struct cli *x, int argc, char **argv)
{
	static const struct cli_errmap map[] = {{ENOENT, VZ_OSTEMPLATE_NOT_FOUND},
						{EINVAL, VZ_INVALID_PARAMETER_VALUE},
						{0, VZ_SYSTEM_ERROR}};
	struct cli_flag flags[] = {{NULL, false, NULL, NULL}};
	_cleanup_free_ char *version = NULL;
	const char *name = NULL;
	int r = parse("template-update", argc, argv, flags, NULL, &name, 1);

	if (r)
		return r;
	if (!name) {
		cli_usage_error("template-update", "template name missing");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = ve_template_update(x->g, name, &version);
	if (r < 0)
		return cli_exit_code(r, map);
	printf("OS template %s/%s created\n", name, version);
	return 0;
}

int cmd_template_remove(struct cli *x, int argc, char **argv)
{
	static const struct cli_errmap map[] = {{EBUSY, VZ_TEMPLATE_IN_USE},
						{ENOENT, VZ_OSTEMPLATE_NOT_FOUND},
						{EINVAL, VZ_INVALID_PARAMETER_VALUE},
						{0, VZ_SYSTEM_ERROR}};
	const char *version = NULL, *arg = NULL;
	struct cli_flag flags[] = {{"version", true, NULL, &version}, {NULL, false, NULL, NULL}};
	_cleanup_free_ char *name = NULL;
	char *slash;
	int r = parse("template-remove", argc, argv, flags, NULL, &arg, 1);

	if (r)
		return r;
	if (!arg) {
		cli_usage_error("template-remove", "template name missing");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	/* NAME/VERSION, as template-list and the errors write it, is NAME --version VERSION. */
	name = strdup(arg);
	if (!name)
		return VZ_RESOURCE_ERROR;
	slash = strchr(name, '/');
	if (slash && version) {
		cli_usage_error("template-remove", "give the version once");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	if (slash) {
		*slash = '\0';
		version = slash + 1;
	}
	return cli_exit_code(ve_template_remove(x->g, name, version), map);
}
