/* vzctl start, stop, restart, status, mount, umount, destroy. */
#include "cmd/opts.h"
#include "runtime/util.h"
#include "runtime/ve.h"

#include <string.h>

/* Parses the command's flags, then opens and locks the VE. */
static int open_ve(struct cli *x, const char *cmd, int argc, char **argv,
		   const struct cli_flag *flags)
{
	_cleanup_free_ char **rest = NULL;
	int r;

	/* Options may come before or after the CTID, which is the one positional argument. */
	r = cli_parse(cmd, argc, argv, flags, NULL, &rest);
	if (r)
		return r;
	if (!rest[0] || rest[1]) {
		cli_usage_error(cmd, rest[0] ? "unexpected argument '%s'" : "CT ID missing%s",
				rest[0] ? rest[1] : "");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	return cli_open(x, rest[0], true, cmd);
}

int cmd_start(struct cli *x, int argc, char **argv)
{
	struct ve_start_opts o = {.then_exit = true}; /* vzctl exits after it */
	struct cli_flag flags[] = {{"wait", false, &o.wait, NULL},
				   {"force", false, &o.force, NULL},
				   {"skip-fsck", false, NULL, NULL},
				   {NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {{EALREADY, VZ_VE_RUNNING},
						{ENOENT, VZ_FS_NOPRVT},
						{ENOPKG, VZ_OSTEMPLATE_NOT_FOUND},
						{EPERM, VZ_VE_START_DISABLED},
						{ETIMEDOUT, VZ_WAIT_FAILED},
						{ENOEXEC, VZ_FS_BAD_TMPL},
						{0, VZ_ENVCREATE_ERROR}};
	int r = open_ve(x, "start", argc, argv, flags);

	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_FS_NOPRVT;
	}
	return cli_exit_code(ve_start(x->c, &o), map);
}

static int parse_timeout(const char *s, unsigned *ret)
{
	uint64_t v;

	if (!s)
		return 0;
	if (ve_parse_u64(s, &v) < 0 || v == 0 || v > 86400) {
		fprintf(stderr, "Invalid --timeout value: %s\n", s);
		return VZ_INVALID_PARAMETER_VALUE;
	}
	*ret = (unsigned)v;
	return 0;
}

int cmd_stop(struct cli *x, int argc, char **argv)
{
	struct ve_stop_opts o = {0};
	const char *timeout = NULL;
	struct cli_flag flags[] = {{"fast", false, &o.fast, NULL},
				   {"timeout", true, NULL, &timeout},
				   {"skip-umount", false, NULL, NULL},
				   {NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {{ESRCH, VZ_VE_NOT_RUNNING}, {0, VZ_STOP_ERROR}};
	int r = open_ve(x, "stop", argc, argv, flags);

	if (r == 0)
		r = parse_timeout(timeout, &o.timeout);
	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container is not running\n");
		return VZ_VE_NOT_RUNNING;
	}
	return cli_exit_code(ve_stop(x->c, &o), map);
}

int cmd_restart(struct cli *x, int argc, char **argv)
{
	struct ve_start_opts o = {.then_exit = true};
	struct ve_stop_opts so = {0};
	struct cli_flag flags[] = {{"wait", false, &o.wait, NULL},
				   {"force", false, &o.force, NULL},
				   {"fast", false, &so.fast, NULL},
				   {NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {{ENOENT, VZ_FS_NOPRVT},
						{ENOPKG, VZ_OSTEMPLATE_NOT_FOUND},
						{EPERM, VZ_VE_START_DISABLED},
						{ETIMEDOUT, VZ_WAIT_FAILED},
						{0, VZ_ENVCREATE_ERROR}};
	int r = open_ve(x, "restart", argc, argv, flags);

	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_FS_NOPRVT;
	}
	log_info("Restarting container");
	return cli_exit_code(ve_restart(x->c, &so, &o), map);
}

int cmd_status(struct cli *x, int argc, char **argv)
{
	struct ve_status st = {0};
	int r;

	if (argc != 1) {
		cli_usage_error("status", argc ? "unexpected argument '%s'" : "CT ID missing%s",
				argc ? argv[1] : "");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	/* Status never waits for or takes the lock: it only reads. */
	r = cli_open(x, argv[0], false, "status");
	if (r)
		return r;
	if (x->c && ve_get_status(x->c, &st) < 0)
		return VZ_SYSTEM_ERROR;
	printf("CTID %u %s %s %s\n", x->veid, st.exists ? "exist" : "deleted",
	       st.mounted ? "mounted" : "unmounted", st.running ? "running" : "down");
	return 0;
}

int cmd_mount(struct cli *x, int argc, char **argv)
{
	struct cli_flag flags[] = {{NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {{EALREADY, VZ_FS_MOUNTED},
						{ENOENT, VZ_FS_NOPRVT},
						{ENOPKG, VZ_OSTEMPLATE_NOT_FOUND},
						{0, VZ_FS_CANTMOUNT}};
	int r = open_ve(x, "mount", argc, argv, flags);

	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_FS_NOPRVT;
	}
	return cli_exit_code(ve_mount(x->c), map);
}

int cmd_umount(struct cli *x, int argc, char **argv)
{
	struct cli_flag flags[] = {{NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {
	    {EBUSY, VZ_VE_RUNNING}, {ENOTCONN, VZ_FS_NOT_MOUNTED}, {0, VZ_FS_CANTUMOUNT}};
	int r = open_ve(x, "umount", argc, argv, flags);

	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container is not mounted\n");
		return VZ_FS_NOT_MOUNTED;
	}
	return cli_exit_code(ve_umount(x->c), map);
}

int cmd_destroy(struct cli *x, int argc, char **argv)
{
	struct cli_flag flags[] = {{NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {
	    {EBUSY, VZ_VE_RUNNING}, {EISCONN, VZ_FS_MOUNTED}, {0, VZ_FS_DEL_PRVT}};
	int r = open_ve(x, "destroy", argc, argv, flags);

	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_FS_NOPRVT;
	}
	return cli_exit_code(ve_destroy(x->c), map);
}
