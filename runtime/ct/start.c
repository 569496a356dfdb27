/*
 * Starting a container VE: a table of undoable steps. When one fails, the steps done so far
 * are undone in reverse, so a failed start leaves no mount, cgroup, veth or process behind.
 */
#include "ct-internal.h"
#include "fs/storage.h"
#include "net/net.h"
#include "runtime/cgroup.h"
#include "runtime/util.h"
#include "templates/template.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

struct start_ctx {
	struct ve_config *c;
	const struct ve_start_opts *o;
	char *lowerdir;
	bool mounted_here; /* the VE was not mounted before this start */
	bool net_up;	   /* ve_net_start succeeded (a failed one removed its own work) */
	struct ct_spawn spawn;
	int root_fd;  /* the VE root for init: a detached mount, or a clone of VE_ROOT's */
	int layer_fd; /* the idmapped template below a detached root, or -1 (struct ve_root) */
	int sync_wr, err_rd;
	pid_t pid;
	int old_policy; /* the policy urgent_begin replaced, or -1 */
	struct sched_param old_param;
};

struct start_step {
	const char *name;
	int (*run)(struct start_ctx *x);
	void (*undo)(struct start_ctx *x);
};

static int step_state(struct start_ctx *x)
{
	/* The pid file marks a start in progress: a crash from here on is cleaned up by the next
	 * stop or destroy. */
	return ct_state_write(x->c, 0, false);
}

static void undo_state(struct start_ctx *x)
{
	ct_state_remove(x->c);
}

/* The template's tree, and the root when the VE was mounted before its start (vzctl mount:
 * init gets a clone of that mount). Done while the helper clones init. */
static int step_lower(struct start_ctx *x)
{
	struct ve_config *c = x->c;
	int r;

	r = ve_template_root(c->global, c->fs.ostemplate, c->fs.ostemplate_version, &x->lowerdir);
	if (r < 0)
		return log_errno(-ENOPKG, "OS template %s (version %s) not found",
				 c->fs.ostemplate ? c->fs.ostemplate : "(none)",
				 c->fs.ostemplate_version ? c->fs.ostemplate_version : "(none)");
	r = ve_storage_is_mounted(&c->fs);
	if (r < 0)
		return log_errno(r, "Unable to check %s: %m", c->fs.root);
	if (r == 1) {
		x->root_fd = open_tree(AT_FDCWD, c->fs.root,
				       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (x->root_fd < 0)
			return log_errno(neg_errno(), "Unable to clone the mount %s: %m",
					 c->fs.root);
	}
	return 0;
}

static void undo_lower(struct start_ctx *x)
{
	if (x->root_fd >= 0)
		close(TAKE_FD(x->root_fd));
	if (x->layer_fd >= 0)
		close(TAKE_FD(x->layer_fd));
}

/* Kills a cloned init and waits for it: its mount namespace holds the VE's root, which
 * undo_mount unmounts. The cgroup step's undo catches anything it forked. */
static void kill_init(struct start_ctx *x)
{
	_cleanup_close_ int pidfd = -1;

	if (x->pid <= 0)
		return;
	/* Through a pidfd: an init that died and was reaped leaves a pid another may reuse. */
	pidfd = (int)syscall(SYS_pidfd_open, x->pid, 0);
	x->pid = 0;
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0)
		ct_pidfd_wait(pidfd, 5000);
}

/*
 * Whether init has exited (a zombie its reaper has not collected counts), asked after an
 * operation on it failed. An exiting task drops its namespaces (its /proc/<pid>/ns links
 * vanish) before its pidfd turns readable, so a short wait covers that window; a live init
 * blocked on us costs the failing start that wait.
 */
static bool init_exited(const struct start_ctx *x)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, x->pid, 0);

	return pidfd < 0 || ct_pidfd_wait(pidfd, 2000) == 0;
}

/* Init died (or will not go on) mid-start: killed, its own report says why. */
static int init_failed(struct start_ctx *x)
{
	int r;

	kill_init(x);
	r = ct_spawn_result(x->err_rd, x->c);
	return r < 0 ? r : log_errno(-ECHILD, "CT %s: init died during start", x->c->veid_str);
}

/* The VE root, made with the template idmapped through init's user namespace (its maps are
 * written), and handed to init. */
static int step_mount(struct start_ctx *x)
{
	struct ve_config *c = x->c;
	_cleanup_close_ int userns = -1;
	struct ve_root root;
	char path[64];
	int r;

	if (x->root_fd < 0) {
		if (c->fs.uidmap.count) {
			snprintf(path, sizeof(path), "/proc/%d/ns/user", x->pid);
			userns = open(path, O_RDONLY | O_CLOEXEC);
			if (userns < 0)
				return log_errno(neg_errno(), "Unable to open %s: %m", path);
		}
		x->mounted_here = true; /* a failed open_root may leave its disk attached */
		r = ve_storage_open_root(&c->fs, x->lowerdir, userns, &root);
		if (r < 0)
			return r;
		x->root_fd = root.fd;
		x->layer_fd = root.layer;
	}
	r = ct_spawn_send_root(&x->spawn, x->root_fd, x->layer_fd);
	undo_lower(x); /* unattached, they now go with init */
	return r < 0 ? init_failed(x) : 0;
}

static void undo_mount(struct start_ctx *x)
{
	undo_lower(x);
	if (x->mounted_here) {
		kill_init(x); /* before the unmount: init may have attached the root */
		ve_storage_umount(&x->c->fs);
	}
}

static int step_cgroup(struct start_ctx *x)
{
	const struct ve_res *res = &x->c->res;
	int r = ve_cgroup_create(x->c->veid, res, &x->c->sec);

	/* I/O throttling is per block device: the one holding the VE's private area. */
	if (r == 0 && (res->iolimit || res->iopslimit))
		r = ve_cgroup_set_io_limit(x->c->veid, x->c->fs.private, res->iolimit,
					   res->iopslimit);
	return r;
}

static void undo_cgroup(struct start_ctx *x)
{
	ve_cgroup_kill_all(x->c->veid, 5000);
	ve_cgroup_destroy(x->c->veid);
}

/* Everything init needs in memory before the helper is forked: pipes and the configuration
 * script. */
static int step_prepare(struct start_ctx *x)
{
	int sync[2], err[2];

	if (pipe2(sync, O_CLOEXEC) < 0)
		return log_errno(neg_errno(), "pipe: %m");
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(sync[0]);
		close(sync[1]);
		return log_errno(neg_errno(), "pipe: %m");
	}
	x->spawn.c = x->c;
	x->spawn.root = x->c->fs.root;
	x->spawn.sync_rd = sync[0];
	x->spawn.sync_wr = sync[1];
	x->spawn.err_wr = err[1];
	x->spawn.root_wr = x->spawn.pid_rd = -1;
	x->sync_wr = sync[1];
	x->err_rd = err[0];
	/* The seccomp filter is compiled by the helper, while the cgroup is made (v1). */
	return ct_prestart_script(x->c, &x->spawn.prestart_script, &x->spawn.prestart_env);
}

static int step_helper(struct start_ctx *x)
{
	return ct_spawn_helper(&x->spawn);
}

static int step_attach(struct start_ctx *x)
{
	int r = ct_spawn_attach(&x->spawn);

	if (r != -ECHILD)
		return r;
	/* The helper died before any init: with our copy of the pipe closed, its report (if it
	 * wrote one, e.g. the seccomp filter) is what the pipe holds. */
	close(x->spawn.err_wr);
	x->spawn.err_wr = -1;
	r = ct_spawn_result(x->err_rd, x->c);
	return r < 0 ? r
		     : log_errno(-ECHILD, "CT %s: the start's helper process died", x->c->veid_str);
}

static void undo_helper(struct start_ctx *x)
{
	ct_spawn_abort(&x->spawn);
}

static int step_clone(struct start_ctx *x)
{
	int r = ct_spawn_clone(&x->spawn, &x->pid);

	/* Only init and the helper may hold these pipes' other ends from now on. */
	close(x->spawn.sync_rd);
	close(x->spawn.err_wr);
	x->spawn.sync_rd = x->spawn.err_wr = -1;
	/* The pid file keeps saying "starting" (pid 0) until init runs: a runtime that dies
	 * before leaves a cgroup the next stop or destroy empties. */
	return r == -ECHILD ? ct_spawn_result(x->err_rd, x->c) : r;
}

static void undo_clone(struct start_ctx *x)
{
	kill_init(x);
}

/* The VE's id maps, written by the host's root before init does anything. */
static int step_idmap(struct start_ctx *x)
{
	const struct ve_sec *sec = &x->c->sec;
	char path[64], line[64];
	const struct ve_idmap *maps[] = {&sec->uidmap, &sec->gidmap};
	const char *files[] = {"uid_map", "gid_map"};
	int r;

	if (sec->privileged)
		return 0;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", x->pid, files[i]);
		snprintf(line, sizeof(line), "%u %u %u\n", maps[i]->inside, maps[i]->outside,
			 maps[i]->count);
		r = ve_write_file(path, line, 0);
		if (r < 0 && init_exited(x))
			return init_failed(x); /* it says why (its network namespace) */
		if (r < 0)
			return log_errno(r, "CT %s: unable to write %s: %m", x->c->veid_str, path);
	}
	return 0;
}

static int step_net(struct start_ctx *x)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	if (ct_spawn_wait_netns(&x->spawn) < 0)
		return init_failed(x);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", x->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && init_exited(x))
		return init_failed(x); /* it says why (its file system view) */
	if (fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", path);
	int r = ve_net_start(x->c, fd);

	x->net_up = r == 0;
	return r;
}

/* Only after a success: a host end by this name that the failed start did not make (another
 * VE's, or the last run's still going with its netns) is not ours to delete. */
static void undo_net(struct start_ctx *x)
{
	if (x->net_up)
		ve_net_stop(x->c);
}

/*
 * What is left once the "go" is given is a wait for init's exec and a little bookkeeping.
 * Woken by the exec, a normal vzctl often waits for the CPU behind the VE's new init, whose C
 * library start-up runs 0.7 ms here before it first blocks (the woken task does not preempt
 * it), longer on a busy host. For that short span vzctl is a real-time task (SCHED_FIFO 1,
 * never inherited: nothing it forks runs real-time). Best effort: refused (RT group
 * scheduling without a budget, an unprivileged caller), the start only takes longer.
 */
static void urgent_begin(struct start_ctx *x)
{
	struct sched_param sp = {.sched_priority = 1};
	int policy = sched_getscheduler(0);

	/* Already real-time (the caller's choice) or unknown: left as it is. */
	if (policy != SCHED_OTHER && policy != SCHED_BATCH)
		return;
	if (sched_getparam(0, &x->old_param) < 0 ||
	    sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
		return;
	x->old_policy = policy;
}

/* Back to the caller's policy. The switch lets the scheduler run another task at once (the
 * VE's init, on a busy CPU): a caller about to exit (then_exit) is spared it. */
static void urgent_end(struct start_ctx *x)
{
	if (x->old_policy < 0)
		return;
	if (sched_setscheduler(0, x->old_policy, &x->old_param) < 0)
		log_warn_errno(neg_errno(), "CT %s: restore the scheduling policy: %m, ignoring",
			       x->c->veid_str);
	x->old_policy = -1;
}

static int step_exec_init(struct start_ctx *x)
{
	/* A failed write: init has died, reporting why (its file system view) or not. */
	if (write(x->sync_wr, "g", 1) != 1)
		return init_failed(x);
	close(x->sync_wr);
	x->sync_wr = -1;
	ct_spawn_reap(&x->spawn);
	urgent_begin(x);
	return ct_spawn_result(x->err_rd, x->c);
}

/* Waits until the template's init signals it has booted (the marker file), or init dies.
 * Not a step: a VE that started but boots slowly stays up; only the wait fails. */
static int wait_booted(struct start_ctx *x)
{
	uint64_t deadline = ve_now_usec() + (uint64_t)60 * 1000000;
	_cleanup_close_ int root = -1;

	if (!x->o || !x->o->wait)
		return 0;
	root = ct_state_open_root(x->pid);
	if (root < 0)
		return log_errno(root, "CT %s: init died during start", x->c->veid_str);
	while (ve_now_usec() < deadline) {
		/* Resolved inside the VE's root: a symlink planted there cannot lead out. */
		int fd = ve_open_in_root(root, CT_BOOT_MARKER, O_PATH);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (kill(x->pid, 0) < 0)
			return log_errno(-ESRCH, "CT %s: init exited during boot", x->c->veid_str);
		usleep(2000);
	}
	return log_errno(-ETIMEDOUT, "CT %s: timed out waiting for init to boot", x->c->veid_str);
}

/* The helper is forked as early as possible (v1: while the cgroup is made) and clones init at
 * once: the new namespaces are made while the template is looked up; the root, made in init's user
 * namespace, is attached by init while the network is wired. */
/* clang-format off */
static const struct start_step steps[] = {
	{"state", step_state, undo_state},
	{"prepare", step_prepare, NULL},
	{"helper", step_helper, undo_helper},
	{"cgroup", step_cgroup, undo_cgroup},
	{"attach", step_attach, undo_helper},
	{"lower", step_lower, undo_lower},
	{"clone", step_clone, undo_clone},
	{"idmap", step_idmap, NULL},
	{"mount", step_mount, undo_mount},
	{"net", step_net, undo_net},
	{"exec", step_exec_init, NULL},
};
/* clang-format on */

int ct_start(struct ve_config *c, const struct ve_start_opts *o)
{
	struct start_ctx x = {.c = c,
			      .o = o,
			      .root_fd = -1,
			      .layer_fd = -1,
			      .sync_wr = -1,
			      .err_rd = -1,
			      .old_policy = -1,
			      .spawn = {.sync_rd = -1, .err_wr = -1, .root_wr = -1, .pid_rd = -1}};
	size_t i;
	int r = 0;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		uint64_t t0 = ve_now_usec();

		ve_fault_point("start", steps[i].name);
		r = steps[i].run(&x);
		log_debug("CT %s: start step %s: %llu us", c->veid_str, steps[i].name,
			  (unsigned long long)(ve_now_usec() - t0));
		if (r < 0)
			break;
	}
	if (r < 0) {
		urgent_end(&x); /* the undo may wait and work: as a normal task */
		log_debug("CT %s: start failed at step %s, undoing", c->veid_str, steps[i].name);
		/* The failed step may have done part of its work: undo it too. */
		for (size_t j = i + 1; j-- > 0;)
			if (steps[j].undo)
				steps[j].undo(&x);
	}
	/* Init runs: the start is complete, whatever the wait below says. */
	if (r == 0)
		r = ct_state_write(c, x.pid, true);
	/* Before the --wait, which polls; a caller that exits now stays real-time to its end. */
	if (r < 0 || !o || !o->then_exit || o->wait)
		urgent_end(&x);
	if (r == 0)
		r = wait_booted(&x);
	int fds[] = {x.sync_wr, x.err_rd, x.spawn.sync_rd, x.spawn.err_wr, x.root_fd, x.layer_fd};
	for (size_t k = 0; k < ARRAY_SIZE(fds); k++)
		if (fds[k] >= 0)
			close(fds[k]);
	free(x.lowerdir);
	free(x.spawn.prestart_script);
	ve_strv_free(x.spawn.prestart_env);
	return r;
}
