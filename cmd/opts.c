/* Option parsing shared by the vzctl commands: the command's own flags plus config options. */
#include "cmd/opts.h"
#include "runtime/util.h"

#include <string.h>

static const struct cli_flag *find_flag(const struct cli_flag *flags, const char *name)
{
	for (const struct cli_flag *f = flags; f && f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int apply_config_option(const char *cmd, struct ve_config *c, const char *name,
			       const char *value)
{
	int r = ve_config_set_option(c, name, value);

	switch (r) {
	case 0:
		return 0;
	case -ENOENT:
		return ve_config_option_known(name) ? VZ_INVALID_PARAMETER_VALUE
						    : VZ_INVALID_PARAMETER_SYNTAX;
	case -EEXIST:
		return !strcmp(name, "ipadd") ? VZ_IP_INUSE : VZ_INVALID_PARAMETER_VALUE;
	case -ENOMEM:
		return VZ_RESOURCE_ERROR;
	default:
		return VZ_INVALID_PARAMETER_VALUE;
	}
}

int cli_parse(const char *cmd, int argc, char **argv, const struct cli_flag *flags,
	      struct ve_config *c, char ***ret_rest)
{
	char **rest = calloc(argc + 1, sizeof(char *));
	int nrest = 0;

	if (!rest)
		return VZ_RESOURCE_ERROR;
	for (int i = 0; i < argc; i++) {
		char name[64], *a = argv[i], *eq;
		const char *value = NULL;
		const struct cli_flag *f;

		if (strncmp(a, "--", 2) || !a[2]) {
			if (!strcmp(a, "--")) /* everything after -- is positional */
				while (++i < argc)
					rest[nrest++] = argv[i];
			else
				rest[nrest++] = a;
			continue;
		}
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - a - 2 : (long)strlen(a + 2)),
			 a + 2);
		f = find_flag(flags, name);
		bool takes = f ? f->has_arg : (c && ve_config_option_known(name));
		if (!f && !(c && ve_config_option_known(name))) {
			cli_usage_error(cmd, "unrecognized option '--%s'", name);
			free(rest);
			return VZ_INVALID_PARAMETER_SYNTAX;
		}
		if (takes) {
			value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!value) {
				cli_usage_error(cmd, "option '--%s' requires a value", name);
				free(rest);
				return VZ_INVALID_PARAMETER_SYNTAX;
			}
		} else if (eq) {
			cli_usage_error(cmd, "option '--%s' takes no value", name);
			free(rest);
			return VZ_INVALID_PARAMETER_SYNTAX;
		}
		if (f && f->flag)
			*f->flag = true;
		if (f && f->value)
			*f->value = value;
		if (!f) {
			int code = apply_config_option(cmd, c, name, value);
			if (code) {
				free(rest);
				return code;
			}
		}
	}
	*ret_rest = rest;
	return 0;
}

const char *cli_first_positional(int argc, char **argv)
{
	static const char *const booleans[] = {"save", "force", "wait", "fast", NULL};

	for (int i = 0; i < argc; i++) {
		bool boolean = false;

		if (strncmp(argv[i], "--", 2))
			return argv[i];
		if (!strcmp(argv[i], "--")) /* as in cli_parse: the rest is positional */
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (strchr(argv[i], '='))
			continue;
		for (const char *const *b = booleans; *b; b++)
			if (!strcmp(argv[i] + 2, *b))
				boolean = true;
		if (!boolean)
			i++; /* skip the option's value */
	}
	return NULL;
}
