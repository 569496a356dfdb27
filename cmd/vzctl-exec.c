/* vzctl exec, exec2, runscript, enter. */
#include "cmd/opts.h"
#include "runtime/util.h"
#include "runtime/ve.h"

#include <string.h>
#include <sys/wait.h>

static int open_running(struct cli *x, const char *cmd, int argc, char **argv)
{
	int r;

	if (argc < 1) {
		cli_usage_error(cmd, "CT ID missing");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	/* Commands run beside other vzctl commands on the same VE: no lock, like vzctl. */
	r = cli_open(x, argv[0], false, cmd);
	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_VE_NOT_RUNNING;
	}
	return 0;
}

/* The wait status as a shell reports it: the exit code, or 128 + the signal. */
static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return VZ_SYSTEM_ERROR;
}

static int run(struct cli *x, char **cmdv, int in_fd, bool exec2)
{
	static const struct cli_errmap map[] = {{ESRCH, VZ_VE_NOT_RUNNING}, {0, VZ_SYSTEM_ERROR}};
	struct ve_exec_opts o = {.argv = cmdv, .stdin_fd = in_fd, .stdout_fd = 1, .stderr_fd = 2};
	int status, r = ve_exec(x->c, &o, &status);

	if (r < 0)
		return cli_exit_code(r, map);
	if (exec2)
		return status_code(status);
	return status == 0 ? 0 : VZ_COMMAND_EXECUTION_ERROR;
}

/* vzctl exec joins its arguments into one shell command line, as vzctl did. */
static int exec_common(struct cli *x, const char *cmd, int argc, char **argv, bool exec2)
{
	size_t len = 1;
	_cleanup_free_ char *line = NULL;
	int r = open_running(x, cmd, argc, argv);

	if (r)
		return r;
	if (argc < 2) {
		cli_usage_error(cmd, "command missing");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	if (argc == 2 && !strcmp(argv[1], "-")) { /* commands come from our stdin */
		char *shv[] = {"/bin/sh", NULL};
		return run(x, shv, 0, exec2);
	}
	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	line = calloc(1, len);
	if (!line)
		return VZ_RESOURCE_ERROR;
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			strcat(line, " ");
		strcat(line, argv[i]);
	}
	char *shv[] = {"/bin/sh", "-c", line, NULL};
	return run(x, shv, 0, exec2);
}

int cmd_exec(struct cli *x, int argc, char **argv)
{
	return exec_common(x, "exec", argc, argv, false);
}

int cmd_exec2(struct cli *x, int argc, char **argv)
{
	return exec_common(x, "exec2", argc, argv, true);
}

int cmd_runscript(struct cli *x, int argc, char **argv)
{
	_cleanup_free_ char *script = NULL;
	int r = open_running(x, "runscript", argc, argv);

	if (r)
		return r;
	if (argc != 2) {
		cli_usage_error("runscript", "usage: vzctl runscript CTID SCRIPT");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	/* The script is read on the host and handed over as text: nothing is copied into the
	 * VE's filesystem, so no path inside it is ever resolved by the host. */
	r = ve_read_file(argv[1], &script, NULL);
	if (r < 0) {
		fprintf(stderr, "Unable to read script %s: %s\n", argv[1], strerror(-r));
		return VZ_NOSCRIPT;
	}
	char *shv[] = {"/bin/sh", "-c", script, "runscript", NULL};
	return run(x, shv, -1, true);
}

int cmd_enter(struct cli *x, int argc, char **argv)
{
	static const struct cli_errmap map[] = {{ESRCH, VZ_VE_NOT_RUNNING}, {0, VZ_SYSTEM_ERROR}};
	char *shv[] = {"/bin/sh", "-l", NULL};
	struct ve_exec_opts o = {
	    .argv = shv, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2, .pty = true};
	int status, r = open_running(x, "enter", argc, argv);

	if (r)
		return r;
	if (argc != 1) {
		cli_usage_error("enter", "unexpected argument '%s'", argv[1]);
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = ve_exec(x->c, &o, &status);
	if (r < 0)
		return cli_exit_code(r, map);
	return status_code(status);
}
