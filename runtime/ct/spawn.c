/*
 * Spawning a VE's init. vzctl forks a short-lived helper that joins the VE's cgroup (so the
 * kernel memory of the new namespaces is charged to the VE) and its own time namespace, then
 * clones init into new user, pid, mount, uts, ipc and cgroup namespaces at once and exits. Init
 * makes its own network namespace, waits for its root (the runtime makes it, the template
 * idmapped through init's own user namespace), builds its view and waits for the network. Nothing
 * stays on the host: init is reparented to the host's init (or the nearest subreaper).
 */
#include "ct-internal.h"
#include "runtime/cgroup.h"
#include "runtime/security.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* The network namespace (0.4 ms of the kernel's time) is made by init itself, while the
 * runtime makes its root. */
#define CT_CLONE_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)

struct child_err {
	int err;
	char what[120];
};

static void report(int fd, int err, const char *what)
{
	struct child_err e = {.err = err};

	snprintf(e.what, sizeof(e.what), "%s", what);
	(void)!write(fd, &e, sizeof(e));
}

/*
 * Offsets for the VE's time namespace so that its CLOCK_BOOTTIME (uptime) and
 * CLOCK_MONOTONIC start near zero at the VE's start; CRIU later keeps them continuous.
 */
static int setup_timens(void)
{
	struct timespec mono, boot;
	char buf[128];
	int fd, n, r = 0;

	if (unshare(CLONE_NEWTIME) < 0)
		return errno == EINVAL ? 0 : neg_errno(); /* kernel without time namespaces */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	n = snprintf(buf, sizeof(buf), "monotonic %lld 0\nboottime %lld 0\n",
		     -(long long)mono.tv_sec + 1, -(long long)boot.tv_sec + 1);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	if (write(fd, buf, n) != n)
		r = neg_errno();
	close(fd);
	return r;
}

static int run_prestart(struct ct_spawn *s)
{
	char *argv[] = {"sh", "-c", s->prestart_script, NULL};
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return neg_errno();
	if (pid == 0) {
		/* The seccomp filter is init's, inherited. */
		if (ve_caps_apply(&s->c->sec) < 0)
			_exit(126);
		execve("/bin/sh", argv, s->prestart_env);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return neg_errno();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EPROTO;
	return 0;
}

static int setup_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return neg_errno();
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return neg_errno();
	if (fd > 2)
		close(fd);
	return 0;
}

/* The future init, inside the new namespaces. Never returns. */
static void init_child(struct ct_spawn *s, int root_rd)
{
	const struct ve_config *c = s->c;
	const char *what = "load seccomp filter";
	int r, root_fd, layer_fd = -1, proc_fd = -1;
	char go, b = 0;

	/* Before the filter, which refuses nested namespaces. The runtime waits for the byte
	 * before it wires the network into /proc/<init>/ns/net. */
	if (unshare(CLONE_NEWNET) < 0) {
		report(s->err_wr, neg_errno(), "create the network namespace");
		_exit(1);
	}
	if (c->global && c->global->mcast_legacy) {
		const char *step;

		proc_fd = ct_rootfs_proc_mcast_legacy(&step);
		if (proc_fd < 0) {
			report(s->err_wr, proc_fd, step);
			_exit(1);
		}
	}
	(void)!write(root_rd, "n", 1);
	/* The filter is loaded (the kernel compiles it: ~0.3 ms) while the runtime writes our
	 * id maps and makes our root; nothing below calls what it blocks. Loading it needs
	 * CAP_SYS_ADMIN, which we have in our new user namespace. */
	r = ve_seccomp_apply(&c->sec);
	/* The root comes after our id maps. The runtime dying or giving up mid-start closes the
	 * socket and the pipe (the helper dropped our copies of their ends): a half-made VE then
	 * never runs. */
	root_fd = ve_recv_fd(root_rd, &b);
	if (b == 'R')
		layer_fd = ve_recv_fd(root_rd, NULL);
	if (root_fd < 0 || (b == 'R' && layer_fd < 0))
		_exit(1);
	close(root_rd);
	/* Init and all it starts must not inherit vzctl's ignored SIGPIPE. */
	ct_reset_signals();
	/* Created by the host's root, we are unmapped in our own user namespace until we take
	 * the ids the runtime has mapped: the VE's root. */
	if (r == 0 && !c->sec.privileged &&
	    (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		r = neg_errno(), what = "become the VE's root";
	/* While the runtime wires the network. */
	if (r == 0)
		r = ct_rootfs_setup(c, root_fd, layer_fd, proc_fd, &what);
	else
		close(root_fd);
	if (r == 0 && read(s->sync_rd, &go, 1) != 1)
		_exit(1);
	if (r == 0) {
		const char *h = c->net.hostname ? c->net.hostname : c->veid_str;
		what = "set hostname";
		if (sethostname(h, strlen(h)) < 0)
			r = neg_errno();
	}
	if (r == 0 && setsid() < 0) /* init leads its own session */
		r = neg_errno(), what = "setsid";
	if (r == 0 && s->prestart_script) {
		what = "configure the VE (distribution script failed)";
		r = run_prestart(s);
	}
	if (r == 0)
		r = setup_stdio(), what = "open /dev/null";
	/* No host fd may reach the VE: everything but stdio closes at exec. */
	if (r == 0 && syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		r = neg_errno(), what = "close_range";
	if (r == 0)
		r = ve_caps_apply(&c->sec), what = "drop capabilities";
	if (r == 0) {
		char *argv[] = {"init", NULL};
		char *envp[] = {"container=vzkit",
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
				"/usr/bin:/sbin:/bin",
				"HOME=/root", "TERM=linux", NULL};
		execve(CT_INIT_PATH, argv, envp);
		r = neg_errno();
		what = "exec " CT_INIT_PATH;
	}
	report(s->err_wr, r, what);
	_exit(1);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every fd above stderr but the given ones. A copy of vzctl's lock fd kept here would
 * hold the VE locked after vzctl dies, until this process noticed. */
static void close_all_but(int *keep, size_t n)
{
	unsigned from = 3;

	qsort(keep, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

/* Init's current directory: the mount point of the VE root, made if missing. */
static int enter_mount_point(const char *root)
{
	if (chdir(root) == 0)
		return 0;
	if (errno != ENOENT)
		return neg_errno();
	int r = ve_mkdir_p(root, 0755);
	return r < 0 ? r : chdir(root) < 0 ? neg_errno() : 0;
}

/* The short-lived helper: compiles the seccomp filter, joins the cgroup, makes a new time
 * namespace and clones init. */
static void helper(struct ct_spawn *s, int root_rd, int pid_wr)
{
	int keep[] = {s->sync_rd, s->err_wr, root_rd, pid_wr};
	pid_t pid;
	char b;
	int r;

	close_all_but(keep, ARRAY_SIZE(keep));
	/* Dies with vzctl: an orphaned helper could join the cgroup after a cleanup emptied it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != s->runtime_pid)
		_exit(1);
	/* Compiling the filter (libseccomp, ~0.7 ms of CPU; a read of the cache mostly) here
	 * overlaps it with the runtime's work; init inherits the program and only loads it. */
	r = ve_seccomp_prepare(&s->c->sec, s->c->global ? s->c->global->rundir : NULL);
	if (r < 0) {
		report(s->err_wr, r, "prepare the seccomp filter");
		_exit(1);
	}
	/* Forked before the cgroup was made (v1), we wait for it; EOF: the start was given up. */
	if (s->wait_cgroup && read(root_rd, &b, 1) != 1)
		_exit(1);
	r = s->in_cgroup ? 0 : ve_cgroup_attach(s->c->veid, getpid());
	if (r < 0) {
		report(s->err_wr, r, "join the VE's cgroup");
		_exit(1);
	}
	r = setup_timens();
	if (r < 0) {
		report(s->err_wr, r, "create the time namespace");
		_exit(1);
	}
	/* Init starts on the VE root's mount point, where it attaches the root: it never has to
	 * look the path up (see ct_rootfs_setup). */
	r = enter_mount_point(s->root);
	if (r < 0) {
		report(s->err_wr, r, "enter the VE root's mount point");
		_exit(1);
	}
	/* With CLONE_NEWUSER the user namespace is made first and owns the others, so the VE's
	 * root is root of its own network, mounts, hostname... and of nothing on the host. */
	pid = (pid_t)syscall(SYS_clone,
			     CT_CLONE_FLAGS | (s->c->sec.privileged ? 0 : CLONE_NEWUSER) | SIGCHLD,
			     NULL, NULL, NULL, 0);
	if (pid < 0) {
		report(s->err_wr, neg_errno(), "clone the VE's init");
		_exit(1);
	}
	if (pid == 0) {
		close(pid_wr);
		init_child(s, root_rd);
	}
	(void)!write(pid_wr, &pid, sizeof(pid));
	_exit(0);
}

/*
 * fork(), but on cgroup v2 the child is born in the VE's cgroup (clone3 CLONE_INTO_CGROUP): no
 * migration, so no wait for an RCU grace period, and the namespaces it creates are charged to
 * the VE. Falls back to fork() (the helper then attaches itself) where clone3 cannot do it.
 */
static pid_t fork_helper(struct ct_spawn *s)
{
	struct clone_args a = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD};
	int fd = ve_cgroup_clone_fd(s->c->veid);
	pid_t pid;

	s->in_cgroup = false;
	if (fd >= 0) {
		a.cgroup = (uint64_t)fd;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			close(fd);
			s->in_cgroup = true;
			return pid;
		}
		log_debug("CT %s: clone3 into the cgroup: %s, attaching instead", s->c->veid_str,
			  strerror(errno));
		close(fd);
	}
	return fork();
}

static int spawn(struct ct_spawn *s)
{
	int cfd[2], pfd[2];

	/* A socket: it carries the VE root's mount to init. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cfd) < 0)
		return log_errno(neg_errno(), "socketpair: %m");
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		close(cfd[0]);
		close(cfd[1]);
		return log_errno(neg_errno(), "pipe: %m");
	}
	s->runtime_pid = getpid();
	s->helper = fork_helper(s);
	if (s->helper < 0) {
		close(cfd[0]);
		close(cfd[1]);
		close(pfd[0]);
		close(pfd[1]);
		return log_errno(neg_errno(), "fork: %m");
	}
	if (s->helper == 0)
		helper(s, cfd[0], pfd[1]);
	close(cfd[0]);
	close(pfd[1]);
	s->root_wr = cfd[1];
	s->pid_rd = pfd[0];
	return 0;
}

int ct_spawn_helper(struct ct_spawn *s)
{
	/* On cgroup v2 it is born in the cgroup, once made (ct_spawn_attach). */
	if (ve_cgroup_mode() == VE_CGROUP_V2)
		return 0;
	s->wait_cgroup = true;
	return spawn(s);
}

int ct_spawn_attach(struct ct_spawn *s)
{
	if (s->helper == 0)
		return spawn(s);
	if (write(s->root_wr, "a", 1) != 1)
		return -ECHILD; /* the helper reported why on err_wr, or was killed */
	return 0;
}

void ct_spawn_reap(struct ct_spawn *s)
{
	int status;

	if (s->pid_rd >= 0)
		close(s->pid_rd);
	s->pid_rd = -1;
	if (s->helper > 0)
		while (waitpid(s->helper, &status, 0) < 0 && errno == EINTR)
			;
	s->helper = 0;
}

int ct_spawn_clone(struct ct_spawn *s, pid_t *ret_pid)
{
	pid_t pid = 0;
	ssize_t n;

	do
		n = read(s->pid_rd, &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	close(s->pid_rd);
	s->pid_rd = -1;
	/* Reaped later (ct_spawn_reap): its exit is not worth waiting for here. */
	if (n != sizeof(pid) || pid <= 0)
		return -ECHILD; /* the helper reported why on err_wr */
	*ret_pid = pid;
	return 0;
}

int ct_spawn_send_root(struct ct_spawn *s, int root_fd, int layer_fd)
{
	int r = ve_send_fd(s->root_wr, layer_fd >= 0 ? 'R' : 'r', root_fd);

	return r < 0 || layer_fd < 0 ? r : ve_send_fd(s->root_wr, 'l', layer_fd);
}

int ct_spawn_wait_netns(struct ct_spawn *s)
{
	char b = 0;
	ssize_t n;

	do
		n = read(s->root_wr, &b, 1);
	while (n < 0 && errno == EINTR);
	close(s->root_wr);
	s->root_wr = -1;
	return n == 1 && b == 'n' ? 0 : -ECHILD;
}

void ct_spawn_abort(struct ct_spawn *s)
{
	/* The helper is killed, whatever it was doing; init, if cloned, sees the socket close. */
	if (s->helper > 0)
		kill(s->helper, SIGKILL);
	ct_spawn_reap(s);
	if (s->root_wr >= 0)
		close(s->root_wr);
	s->root_wr = -1;
}

int ct_spawn_result(int err_rd, const struct ve_config *c)
{
	struct child_err e;
	ssize_t n;

	do
		n = read(err_rd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0; /* EOF: init was exec'd */
	if (n != sizeof(e))
		return log_errno(-EIO, "CT %s: init failed to start", c->veid_str);
	e.what[sizeof(e.what) - 1] = '\0';
	log_errno(e.err < 0 ? e.err : -EIO, "CT %s: %s: %m", c->veid_str, e.what);
	/* The child's errno says what failed inside; the caller only needs to know whether the
	 * VE itself is broken (no usable init) or the start failed. */
	if (!strncmp(e.what, "exec ", 5) &&
	    (e.err == -ENOENT || e.err == -EACCES || e.err == -ENOEXEC))
		return -ENOEXEC;
	return -ECHILD;
}
