/* Shared by the vzctl commands: resolving a VE, locking it, mapping errors to exit codes. */
#ifndef VZ_CLI_H
#define VZ_CLI_H

#include <stdbool.h>

#include "cmd/exitcode.h"
#include "runtime/config.h"

struct cli {
	struct ve_global *g;
	unsigned veid;
	struct ve_config *c; /* NULL when the VE has no config */
	int lock_fd;
	bool wait_lock;
	int argc; /* the command's own arguments, after the CTID */
	char **argv;
};

/* One errno to exit code mapping; a table ends with {0, default}. */
struct cli_errmap {
	int err; /* positive errno */
	int code;
};

int cli_exit_code(int r, const struct cli_errmap *map);

/*
 * Resolves argv[0] (a CTID or a --name alias) into x->veid, takes the lock when lock is set,
 * and loads the config (x->c stays NULL when it does not exist). Returns 0 or an exit code.
 */
int cli_open(struct cli *x, const char *id, bool lock, const char *what);
void cli_close(struct cli *x);

/* A vzctl command: argv[0] is the command name's first argument (the CTID). */
struct cli_command {
	const char *name;
	int (*run)(struct cli *x, int argc, char **argv);
	const char *usage; /* one line of options after the CTID */
};

extern const struct cli_command cli_commands[];

/* Refuses a NAME or an IP address that another VE on this host has; 0 or an exit code. */
int cli_check_unique(struct cli *x, struct ve_config *c);

int cmd_create(struct cli *x, int argc, char **argv);
int cmd_destroy(struct cli *x, int argc, char **argv);
int cmd_start(struct cli *x, int argc, char **argv);
int cmd_restart(struct cli *x, int argc, char **argv);
int cmd_stop(struct cli *x, int argc, char **argv);
int cmd_status(struct cli *x, int argc, char **argv);
int cmd_mount(struct cli *x, int argc, char **argv);
int cmd_umount(struct cli *x, int argc, char **argv);
int cmd_exec(struct cli *x, int argc, char **argv);
int cmd_exec2(struct cli *x, int argc, char **argv);
int cmd_runscript(struct cli *x, int argc, char **argv);
int cmd_enter(struct cli *x, int argc, char **argv);
int cmd_set(struct cli *x, int argc, char **argv);
int cmd_snapshot(struct cli *x, int argc, char **argv);
int cmd_snapshot_list(struct cli *x, int argc, char **argv);
int cmd_snapshot_switch(struct cli *x, int argc, char **argv);
int cmd_snapshot_delete(struct cli *x, int argc, char **argv);
int cmd_snapshot_mount(struct cli *x, int argc, char **argv);
int cmd_snapshot_umount(struct cli *x, int argc, char **argv);
/* Host commands (no CTID; x->g only): templates and the storage pool. */
int cmd_template_list(struct cli *x, int argc, char **argv);
int cmd_template_update(struct cli *x, int argc, char **argv);
int cmd_template_remove(struct cli *x, int argc, char **argv);
int cmd_pool_status(struct cli *x, int argc, char **argv);
int cmd_compact(struct cli *x, int argc, char **argv);

/* Parses "--opt value"/"--opt=value" style arguments with getopt_long; prints the error. */
void cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
