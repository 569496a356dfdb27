/* Private to the container backend (runtime/ct/). */
#ifndef VE_CT_INTERNAL_H
#define VE_CT_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/config.h"
#include "runtime/ve.h"

#define CT_INIT_PATH   "/sbin/init"
#define CT_BOOT_MARKER "run/vzkit-booted"

extern const struct ve_backend_ops ve_ct_ops;

/* Everything the VE's init process needs, prepared on the host before the fork. */
struct ct_spawn {
	const struct ve_config *c;
	const char *root;      /* VE_ROOT: the mount point init attaches its root on */
	char *prestart_script; /* run inside before init (hostname, dns), or NULL */
	char **prestart_env;
	int sync_rd;	   /* child reads the "go" byte here */
	int sync_wr;	   /* the runtime's end, closed in the child */
	int err_wr;	   /* child reports a failure here; CLOEXEC, so EOF means init was exec'd */
	pid_t helper;	   /* the helper that joins the cgroup and clones init */
	bool in_cgroup;	   /* the helper was born in the VE's cgroup (clone3, cgroup v2) */
	bool wait_cgroup;  /* the helper was forked before the cgroup was made (v1) */
	pid_t runtime_pid; /* vzctl, the helper's parent */
	int root_wr; /* the runtime hands init its root here; init says when its netns is made */
	int pid_rd;  /* the helper reports init's pid here */
};

/* ct/spawn.c: the helper, which joins the VE's cgroup and clones init at once; init waits for
 * its root. Where it must join the cgroup by a migration (v1), it is forked before the cgroup is
 * made and waits for ct_spawn_attach; on v2 ct_spawn_attach forks it into the cgroup. */
int ct_spawn_helper(struct ct_spawn *s);
int ct_spawn_attach(struct ct_spawn *s);
/* Waits for the helper's report of init's host pid. */
int ct_spawn_clone(struct ct_spawn *s, pid_t *ret_pid);
/* Waits for the helper's exit (it exits once it has reported). */
void ct_spawn_reap(struct ct_spawn *s);
/* Hands init its root (a detached mount, or a clone of VE_ROOT's) and the layer below it (-1
 * for none; struct ve_root), after its id maps: init attaches them and builds its file system
 * view, then waits for the "go". */
int ct_spawn_send_root(struct ct_spawn *s, int root_fd, int layer_fd);
/* Waits until init has made its network namespace (it does that first); -ECHILD when init
 * died. */
int ct_spawn_wait_netns(struct ct_spawn *s);
/* Ends the helper, whatever it is doing, and closes init's root socket. */
void ct_spawn_abort(struct ct_spawn *s);
/* Waits for init's exec: 0 once exec'd, else the child's error (logged). */
int ct_spawn_result(int err_rd, const struct ve_config *c);
/* ct/rootfs.c: in the child, standing on the root's mount point: attaches root_fd there (over
 * layer_fd, when >= 0: it goes with the host's mounts), mounts /proc (proc_fd when >= 0),
 * /sys, /dev, /run in it and pivots into it. */
int ct_rootfs_setup(const struct ve_config *c, int root_fd, int layer_fd, int proc_fd,
		    const char **ret_what);
/* In init, in its new network namespace: VE_MCAST_LEGACY_REPORTS=yes applied through a proc
 * mount of its own pid namespace, returned for ct_rootfs_setup's proc_fd; -errno. */
int ct_rootfs_proc_mcast_legacy(const char **ret_what);

/* ct/state.c: the pid file RUNDIR/<veid>.pid ("pid starttime"), written when a start begins. */
/* started: init has been exec'd. Until then the file says "starting": whoever next holds the
 * VE's lock and finds it so knows the starter died, and treats init as a leftover. */
int ct_state_write(const struct ve_config *c, pid_t pid, bool started);
int ct_state_remove(const struct ve_config *c);
/* The running init's pid (>0), 0 when none. Checks the pid file against the cgroup. */
int ct_state_init_pid(const struct ve_config *c, pid_t *ret);
/* Whether a start was begun (pid file present) - leftovers to clean when init is gone. */
bool ct_state_started(const struct ve_config *c);
/* A file descriptor for the VE's root directory (/proc/<init>/root), for path-safe access. */
int ct_state_open_root(pid_t init_pid);

/* ct/exec.c */
int ct_exec(const struct ve_config *c, const struct ve_exec_opts *o, int *ret_status);
/* Runs "/bin/sh -c script" inside with env; output passes through to vzctl's stdout/stderr. */
int ct_run_script(const struct ve_config *c, const char *script, char **env, int *ret_status);

/* ct/pty.c: inside the VE, makes a pty, sends its master over sock and takes the slave as
 * controlling terminal and stdio; -1 on failure. */
int ct_pty_open_inside(int sock);
/* On the host: receives the master and relays it to in/out until the VE side closes. */
int ct_pty_relay(int sock, int in, int out);

/* ct/start.c, ct/stop.c */
/* Waits until the process of pidfd fd exits, up to timeout_ms: 0 when gone, else -ETIMEDOUT. */
int ct_pidfd_wait(int fd, unsigned timeout_ms);
int ct_start(struct ve_config *c, const struct ve_start_opts *o);
int ct_stop(struct ve_config *c, const struct ve_stop_opts *o);
/*
 * Removes what a VE leaves on the host when down: cgroup, host veths, mount, pid file. With
 * net_async (a stop) the host veths are left to go with the VE's netns (ve_net_release).
 */
int ct_cleanup(struct ve_config *c, bool umount, bool net_async);

/* ct/dist.c: text of the template's script for action, with env built for c. */
int ct_dist_script(const struct ve_config *c, const char *action, char **ret_text);
/* The script and environment that configure the VE before its init runs; NULL when nothing
 * needs configuring. */
int ct_prestart_script(const struct ve_config *c, char **ret_text, char ***ret_env);
/* Appends set-network's variables to env: VENET_IPS (IP_ADDRESS as written), NETIFS (the
 * NETIFs' VE-side names) and IPV6=yes|no, each space-separated. Returns 0 or -ENOMEM. */
int ct_network_env(const struct ve_config *c, char ***env);
/* A clean environment for processes vzctl puts inside the VE (caller frees). */
char **ct_base_env(const struct ve_config *c);

/* Every signal at its default disposition and none blocked (ignored ones survive execve):
 * for what runs inside a VE. Only in a forked child. */
void ct_reset_signals(void);

#endif
