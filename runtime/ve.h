/*
 * VE lifecycle: create, start, stop, exec, set, destroy. The commands never know which
 * backend runs a VE: a container (runtime/ct/) or, later, a QEMU/KVM machine (runtime/vm/).
 * The caller holds the VE's lock (runtime/lock.h) around every call that changes state.
 */
#ifndef VE_VE_H
#define VE_VE_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

struct ve_status {
	bool exists;  /* config and private area present */
	bool mounted; /* VE_ROOT mounted */
	bool running; /* init alive in the VE's cgroup */
	bool suspended;
	pid_t init_pid; /* host pid of the VE's init, 0 when down */
};

struct ve_create_opts {
	const char *ostemplate;	 /* NULL: DEF_OSTEMPLATE */
	const char *sample;	 /* --config NAME, NULL: CONFIGFILE */
	const char *layout;	 /* --layout, NULL: probe */
	const char *private_dir; /* --private, NULL: from vz.conf */
	const char *root_dir;	 /* --root */
	bool privileged;	 /* --privileged yes: no user namespace */
};

struct ve_start_opts {
	bool wait;  /* return when init has started its services */
	bool force; /* start even if DISABLED */
	/* The caller exits right after the start: the container backend may then leave it the
	 * real-time task it is for the start's last wait (see ct_start), and spare it the
	 * switch back. */
	bool then_exit;
};

struct ve_stop_opts {
	bool fast;	  /* kill at once, no clean shutdown */
	unsigned timeout; /* seconds; 0: STOP_TIMEOUT */
};

struct ve_exec_opts {
	char **argv; /* command to exec inside (argv[0] looked up in the VE's PATH) */
	int stdin_fd, stdout_fd, stderr_fd; /* host fds handed over as 0/1/2, -1: /dev/null */
	char **env;	  /* extra environment, NULL: none; the base is a clean VE environment */
	bool pty;	  /* allocate a pty inside the VE and relay (enter) */
	unsigned timeout; /* seconds, 0 = none */
};

struct ve_backend_ops {
	const char *name;
	int (*create)(struct ve_config *c, const struct ve_create_opts *o);
	int (*destroy)(struct ve_config *c);
	int (*mount)(struct ve_config *c);
	int (*umount)(struct ve_config *c);
	int (*start)(struct ve_config *c, const struct ve_start_opts *o);
	int (*stop)(struct ve_config *c, const struct ve_stop_opts *o);
	int (*status)(const struct ve_config *c, struct ve_status *ret);
	/* Runs o->argv inside; *ret_status is a wait(2) status. */
	int (*exec)(const struct ve_config *c, const struct ve_exec_opts *o, int *ret_status);
	/* Applies the changed parts (VE_CHANGED_*) of c to the running VE. */
	int (*apply)(struct ve_config *c, unsigned changed);
};

const struct ve_backend_ops *ve_backend_get(enum ve_type type);

/*
 * Public entry points. Each returns 0 or a negative errno, with the failure logged. Errnos
 * with a fixed meaning, which the CLI turns into vzctl exit codes:
 *   -EALREADY  already running (start) / -ESRCH not running (stop, exec)
 *   -EEXIST    private area exists (create) / -ENOENT VE or its config does not exist
 *   -ENOPKG    OS template not found / -EBUSY VE running or mounted (destroy, umount)
 *   -ENOSPC    disk full / -ETIMEDOUT a wait timed out
 */
int ve_create(struct ve_config *c, const struct ve_create_opts *o);
int ve_destroy(struct ve_config *c);
int ve_mount(struct ve_config *c);
int ve_umount(struct ve_config *c);
int ve_start(struct ve_config *c, const struct ve_start_opts *o);
int ve_stop(struct ve_config *c, const struct ve_stop_opts *o);
int ve_restart(struct ve_config *c, const struct ve_stop_opts *so, const struct ve_start_opts *o);
int ve_get_status(const struct ve_config *c, struct ve_status *ret);
/* Status of a VE that may not exist (no config): fills exists=false etc. */
int ve_get_status_id(const struct ve_global *g, unsigned veid, struct ve_status *ret);
int ve_exec(const struct ve_config *c, const struct ve_exec_opts *o, int *ret_status);
/* Applies c->changed to a running VE (no-op when stopped). */
int ve_apply(struct ve_config *c);
/*
 * Runs a distribution script (templates/<distro>/<action>) inside the running VE with env
 * (NULL-terminated "KEY=value" list). -ENOENT when the distribution has no such script.
 */
int ve_run_dist_script(const struct ve_config *c, const char *action, char **env, int *ret_status);
/* Runs a host-side script file inside the VE (vzctl runscript). */
int ve_run_script_file(const struct ve_config *c, const char *path, int *ret_status);

#endif
