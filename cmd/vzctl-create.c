#include "cmd/opts.h"
#include "runtime/util.h"
#include "runtime/ve.h"

#include <string.h>

/* A name or an IP address may belong to one VE only on this host. */
int cli_check_unique(struct cli *x, struct ve_config *c)
{
	unsigned other;

	if (c->name && ve_config_find_value(x->g, "NAME", c->name, c->veid, &other) == 0) {
		fprintf(stderr, "Name %s is already used by CT %u\n", c->name, other);
		return VZ_SET_NAME_ERROR;
	}
	for (char **ip = c->net.ip_addresses; ip && *ip; ip++) {
		if (ve_config_find_ip(x->g, *ip, c->veid, &other) == 0) {
			fprintf(stderr, "IP address %s is already used by CT %u\n", *ip, other);
			return VZ_IP_INUSE;
		}
	}
	return 0;
}

int cmd_create(struct cli *x, int argc, char **argv)
{
	struct ve_create_opts o = {0};
	const char *sample = NULL, *privileged = NULL;
	_cleanup_free_ char **rest = NULL;
	struct cli_flag flags[] = {{"ostemplate", true, NULL, &o.ostemplate},
				   {"config", true, NULL, &sample},
				   {"layout", true, NULL, &o.layout},
				   {"private", true, NULL, &o.private_dir},
				   {"root", true, NULL, &o.root_dir},
				   {"privileged", true, NULL, &privileged},
				   {NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {{EEXIST, VZ_FS_PRVT_AREA_EXIST},
						{ENOPKG, VZ_OSTEMPLATE_NOT_FOUND},
						{EINVAL, VZ_INVALID_PARAMETER_VALUE},
						{ENOSPC, VZ_FS_NO_DISK_SPACE},
						{0, VZ_FS_NEW_VE_PRVT}};
	struct ve_config *c = NULL;
	int r;

	const char *id = cli_first_positional(argc, argv);

	if (!id || ve_config_parse_veid(id, &x->veid) < 0) {
		fprintf(stderr, "Invalid or missing CT ID: %s\n", id ? id : "");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = cli_open(x, id, true, "create");
	if (r)
		return r;
	if (x->c) {
		fprintf(stderr, "Container %u already exists\n", x->veid);
		return VZ_FS_PRVT_AREA_EXIST;
	}
	/* The sample is read before the options so that they override it. */
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--config"))
			sample = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			sample = argv[i] + 9;
	r = ve_config_new(x->g, x->veid, sample ? sample : x->g->configfile, &c);
	if (r < 0)
		return r == -ENOENT ? VZ_NOVECONFIG : VZ_INVALID_CONFIG;
	x->c = c;
	r = cli_parse("create", argc, argv, flags, c, &rest);
	if (r)
		return r;
	if (rest[1]) {
		cli_usage_error("create", "unexpected argument '%s'", rest[1]);
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = cli_check_unique(x, c);
	if (r)
		return r;
	if (privileged && ve_parse_bool(privileged, &o.privileged) < 0) {
		cli_usage_error("create", "--privileged takes yes or no");
		return VZ_INVALID_PARAMETER_VALUE;
	}
	/* Everything the options set is written by ve_create's save. */
	return cli_exit_code(ve_create(c, &o), map);
}
