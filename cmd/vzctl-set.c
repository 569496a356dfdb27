/* vzctl set: change a VE's parameters, live when it runs, and with --save in its config. */
#include "cmd/opts.h"
#include "fs/storage.h"
#include "net/net.h"
#include "runtime/util.h"
#include "runtime/ve.h"

#include <string.h>

/* A disk that grows takes from the pool: refused when it is full, warned near a threshold. */
static int check_pool(struct cli *x, const struct ve_fs *old)
{
	const struct ve_fs *fs = &x->c->fs;

	if (fs->diskspace.limit <= old->diskspace.limit &&
	    fs->diskspace.barrier <= old->diskspace.barrier &&
	    fs->diskinodes.limit <= old->diskinodes.limit &&
	    fs->diskinodes.barrier <= old->diskinodes.barrier && (!fs->thick || old->thick))
		return 0;
	return ve_pool_check(x->c, NULL) == -ENOSPC ? VZ_FS_NO_DISK_SPACE : 0;
}

int cmd_set(struct cli *x, int argc, char **argv)
{
	_cleanup_free_ char **rest = NULL;
	bool save = false, force = false;
	const char *setmode = NULL;
	struct cli_flag flags[] = {{"save", false, &save, NULL},
				   {"force", false, &force, NULL},
				   {"setmode", true, NULL, &setmode},
				   {NULL, false, NULL, NULL}};
	int r;

	const char *id = cli_first_positional(argc, argv);

	if (!id) {
		cli_usage_error("set", "CT ID missing");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = cli_open(x, id, true, "set");
	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_NOVECONFIG;
	}
	struct ve_fs old = x->c->fs; /* the limits only: its strings may be replaced */
	r = cli_parse("set", argc, argv, flags, x->c, &rest);
	if (r)
		return r;
	if (rest[1]) {
		cli_usage_error("set", "unexpected argument '%s'", rest[1]);
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	if (setmode && strcmp(setmode, "restart") && strcmp(setmode, "ignore")) {
		cli_usage_error("set", "--setmode takes restart or ignore");
		return VZ_INVALID_PARAMETER_VALUE;
	}
	if (!x->c->changed) {
		cli_usage_error("set", "nothing to set");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = cli_check_unique(x, x->c);
	if (r == 0)
		r = check_pool(x, &old);
	if (r)
		return r;
	/* Network input that only the host can judge is refused before anything changes. */
	if ((x->c->changed & VE_CHANGED_NET) && ve_net_check(x->c) < 0)
		return VZ_INVALID_PARAMETER_VALUE;
	r = ve_apply(x->c);
	if (r == -EACCES)
		return VZ_CHANGEPASS;
	if (r == -ESRCH)
		return VZ_VE_NOT_RUNNING;
	if (r == -ERANGE && (x->c->changed & VE_CHANGED_FS))
		return VZ_INVALID_PARAMETER_VALUE; /* a disk limit the layout cannot reach */
	if (r == -EBUSY && (x->c->changed & VE_CHANGED_FS))
		return VZ_VE_RUNNING; /* the disk can only change on a stopped VE here */
	if (r < 0)
		return VZ_APPLY_CONFIG_ERROR;
	if (save) {
		static const struct cli_errmap map[] = {{0, VZ_SYSTEM_ERROR}};
		ve_fault_point("set", "save");
		r = ve_config_save(x->c);
		if (r < 0)
			return cli_exit_code(r, map);
		printf("Saved parameters for CT %u\n", x->veid);
	} else if (x->c->changed & ~VE_CHANGED_USERPASSWD) {
		struct ve_status st;
		if (ve_get_status(x->c, &st) == 0 && !st.running)
			log_warn("Settings were not saved and will be lost (use --save)");
	}
	return 0;
}
