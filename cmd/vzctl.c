/* vzctl: the command dispatcher. Each command lives in cmd/vzctl-<command>.c. */
#include "cmd/cli.h"
#include "runtime/util.h"

#include <signal.h>
#include <string.h>

#define VZKIT_VERSION "0.1.0"

const struct cli_command cli_commands[] = {
    {"create", cmd_create,
     "[--ostemplate NAME] [--config NAME] [--layout NAME] [--private PATH] [--root PATH] "
     "[--privileged yes|no] [set options]"},
    {"destroy", cmd_destroy, ""},
    {"delete", cmd_destroy, ""},
    {"mount", cmd_mount, ""},
    {"umount", cmd_umount, ""},
    {"start", cmd_start, "[--wait] [--force]"},
    {"stop", cmd_stop, "[--fast] [--timeout SECONDS]"},
    {"restart", cmd_restart, "[--wait] [--force] [--fast]"},
    {"status", cmd_status, ""},
    {"exec", cmd_exec, "COMMAND [ARG ...] | -"},
    {"exec2", cmd_exec2, "COMMAND [ARG ...] | -"},
    {"runscript", cmd_runscript, "SCRIPT"},
    {"enter", cmd_enter, ""},
    {"set", cmd_set, "[set options] [--save] [--force]"},
    {"snapshot", cmd_snapshot, "[--id UUID] [--name NAME] [--description TEXT] [--skip-suspend]"},
    {"snapshot-list", cmd_snapshot_list, "[-H] [-o FIELD[,FIELD...]] [--id UUID]"},
    {"snapshot-switch", cmd_snapshot_switch, "--id UUID [--skip-resume]"},
    {"snapshot-delete", cmd_snapshot_delete, "--id UUID"},
    {"snapshot-mount", cmd_snapshot_mount, "--id UUID --target DIR"},
    {"snapshot-umount", cmd_snapshot_umount, "--id UUID"},
    {"compact", cmd_compact, ""},
    {NULL, NULL, NULL},
};

/* Commands about the host, not one VE: they take no CTID. */
static const struct cli_command host_commands[] = {
    {"template-list", cmd_template_list, "[-j] [NAME]"},
    {"template-update", cmd_template_update, "NAME"},
    {"template-remove", cmd_template_remove, "NAME[/VERSION] [--version VERSION]"},
    {"pool-status", cmd_pool_status, "[-j]"},
    {NULL, NULL, NULL},
};

static const struct cli_command *find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	for (const struct cli_command *c = host_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: vzctl [--quiet | --verbose] [--wait-lock] COMMAND CTID [OPTIONS]\n"
		   "       vzctl --help | --version\n\nCommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  vzctl %s CTID %s\n", c->name, c->usage);
	for (const struct cli_command *c = host_commands; c->name; c++)
		fprintf(f, "  vzctl %s %s\n", c->name, c->usage);
	fprintf(f,
		"\nSet options:\n"
		"  --ram SIZE --swap SIZE --physpages B:L --swappages B:L --numproc B:L\n"
		"  --cpuunits N --cpulimit PCT --cpus N --cpumask LIST --ioprio 0-7\n"
		"  --iolimit SIZE --iopslimit N --diskspace S:H --diskinodes S:H\n"
		"  --diskprovisioning thin|thick\n"
		"  --hostname NAME --ipadd IP --ipdel IP|all --nameserver IP --searchdomain NAME\n"
		"  --netif_add IFNAME[,MAC,HOST_IFNAME,HOST_MAC,BRIDGE] --netif_del IFNAME|all\n"
		"  --userpasswd USER:PASS --name NAME --description TEXT --onboot yes|no\n"
		"  --disabled yes|no --capability CAP:on|off --devices c|b:MAJ:MIN|all:r|w|m|none\n"
		"  --features nesting:on|off --stop-timeout SECONDS --ipv6 yes|no\n");
}

int main(int argc, char **argv)
{
	struct cli x = {.lock_fd = -1};
	const struct cli_command *c;
	int i = 1, r;

	/* A pipe whose reader died (a helper, a VE's init, the user's pager) is an error to
	 * report, not a reason for vzctl to die half-way through a command. */
	signal(SIGPIPE, SIG_IGN);

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--quiet"))
			ve_log_set_level(VE_LOG_WARN);
		else if (!strcmp(argv[i], "--verbose"))
			ve_log_set_level(VE_LOG_DEBUG);
		else if (!strcmp(argv[i], "--wait-lock"))
			x.wait_lock = true;
		else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("vzctl (vzkit) " VZKIT_VERSION "\n");
			return 0;
		} else {
			fprintf(stderr, "vzctl: unrecognized option '%s'\n", argv[i]);
			usage(stderr);
			return VZ_INVALID_PARAMETER_SYNTAX;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	c = find_command(argv[i]);
	if (c) {
		if (!ve_is_root()) {
			fprintf(stderr, "vzctl: this command must be run as root\n");
			return VZ_NO_ACCES;
		}
		r = ve_global_load(false, &x.g);
		if (r < 0)
			return r == -ENOENT ? VZ_NOCONFIG : VZ_INVALID_CONFIG;
		if (x.g->logging)
			ve_log_set_file(x.g->logfile);
		r = c->run(&x, argc - i - 1, argv + i + 1);
		cli_close(&x);
		ve_global_free(x.g);
		return r;
	}
	fprintf(stderr, "vzctl: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return VZ_INVALID_PARAMETER_SYNTAX;
}
