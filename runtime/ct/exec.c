/*
 * Running a command inside a running VE (vzctl exec, exec2, runscript, distribution scripts).
 * A helper joins the VE's cgroup and, through a pidfd of init, all its namespaces at once; it
 * forks the command, which becomes a member of the VE's pid namespace and takes the VE's
 * capabilities and seccomp filter. The command's stdio are pipes relayed by vzctl: no host fd
 * (a terminal, a file) ever reaches the VE, so /proc/self/fd cannot reopen a host file.
 */
#include "ct-internal.h"
#include "runtime/cgroup.h"
#include "runtime/security.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>

#define CT_JOIN_FLAGS                                                                              \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |                 \
	 CLONE_NEWCGROUP | CLONE_NEWTIME)

struct exec_pipes {
	int in[2], out[2], err[2], status[2];
	int sock[2]; /* enter: carries the pty master out of the VE */
};

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

/*
 * vzctl ignores SIGPIPE (cmd/vzctl.c) and ignored dispositions survive execve: reset them, so
 * the command and the jobs it leaves behind die of a broken pipe as under any login, not of
 * an EPIPE they do not expect ("yes: standard output: Broken pipe"). Nothing stays blocked.
 */
void ct_reset_signals(void)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL); /* EINVAL for SIGKILL, SIGSTOP, libc's own */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The command itself, inside the VE. */
static void exec_command(const struct ve_config *c, const struct ve_exec_opts *o,
			 struct exec_pipes *p, char **env)
{
	int null = -1;

	ct_reset_signals();
	if (o->pty) {
		if (ct_pty_open_inside(p->sock[1]) < 0)
			_exit(126);
	} else {
		if (o->stdin_fd < 0)
			null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (dup2(o->stdin_fd < 0 ? null : p->in[0], 0) < 0 || dup2(p->out[1], 1) < 0 ||
		    dup2(p->err[1], 2) < 0)
			_exit(126);
		setsid();
	}
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		_exit(126);
	/* In the VE's user namespace our host ids are unmapped: become the VE's root. */
	if (!c->sec.privileged &&
	    (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		_exit(126);
	if (chdir("/root") < 0 && chdir("/") < 0)
		_exit(126);
	/* The filter first: loading it needs CAP_SYS_ADMIN, which the VE may lack. */
	if (ve_seccomp_apply(&c->sec) < 0 || ve_caps_apply(&c->sec) < 0)
		_exit(126);
	execvpe(o->argv[0], o->argv, env);
	dprintf(2, "vzctl: exec %s: %s\n", o->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* The helper: joins the VE, forks the command, reports its wait status. */
static void exec_helper(const struct ve_config *c, const struct ve_exec_opts *o, int pidfd,
			struct exec_pipes *p, char **env)
{
	int status;
	pid_t pid;

	/* Not dumpable: VE processes cannot ptrace or open /proc/<pid>/ of this host-side
	 * process while it holds host resources. */
	prctl(PR_SET_DUMPABLE, 0);
	if (ve_cgroup_attach(c->veid, getpid()) < 0)
		_exit(125);
	if (setns(pidfd, CT_JOIN_FLAGS | (c->sec.privileged ? 0 : CLONE_NEWUSER)) < 0) {
		dprintf(2, "vzctl: unable to join the VE's namespaces: %s\n", strerror(errno));
		_exit(125);
	}
	pid = fork(); /* a pid namespace is entered by children only */
	if (pid < 0)
		_exit(125);
	if (pid == 0)
		exec_command(c, o, p, env);
	/* Only the command may hold its pipes, or it would never see EOF on stdin. */
	close_pair(p->in);
	close_pair(p->out);
	close_pair(p->err);
	close_pair(p->sock);
	close(p->status[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	(void)!write(p->status[1], &status, sizeof(status));
	_exit(0);
}

static int relay_once(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0; /* the reader went away: drop the rest */
		}
		off += w;
	}
	return 1;
}

/* Copies stdin to the command and its output to ours until both outputs close. */
static void relay(const struct ve_exec_opts *o, struct exec_pipes *p)
{
	struct pollfd fds[3] = {
	    {.fd = p->out[0], .events = POLLIN},
	    {.fd = p->err[0], .events = POLLIN},
	    {.fd = o->stdin_fd >= 0 ? o->stdin_fd : -1, .events = POLLIN},
	};
	int outs[3] = {o->stdout_fd, o->stderr_fd, p->in[1]};

	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 3; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (relay_once(fds[i].fd, outs[i]))
				continue;
			if (i < 2)
				close(fds[i].fd);
			else
				close_pair(p->in); /* EOF on our stdin: the command sees EOF too */
			fds[i].fd = -1;
		}
	}
}

static int open_pipes(struct exec_pipes *p)
{
	int *all[] = {p->in, p->out, p->err, p->status, p->sock};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		all[i][0] = all[i][1] = -1;
	for (size_t i = 0; i + 1 < ARRAY_SIZE(all); i++)
		if (pipe2(all[i], O_CLOEXEC) < 0)
			return neg_errno();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->sock) < 0)
		return neg_errno();
	return 0;
}

static void close_pipes(struct exec_pipes *p)
{
	close_pair(p->in);
	close_pair(p->out);
	close_pair(p->err);
	close_pair(p->status);
	close_pair(p->sock);
}

int ct_exec(const struct ve_config *c, const struct ve_exec_opts *o, int *ret_status)
{
	_cleanup_strv_ char **env = ct_base_env(c);
	_cleanup_close_ int pidfd = -1;
	struct exec_pipes p;
	pid_t init, helper;
	int r, status = 0, hst;

	if (!env)
		return -ENOMEM;
	for (char **e = o->env; e && *e; e++)
		if (ve_strv_push(&env, *e) < 0)
			return -ENOMEM;
	r = ct_state_init_pid(c, &init);
	if (r < 0)
		return r;
	r = ve_seccomp_prepare(&c->sec, c->global ? c->global->rundir : NULL);
	if (r < 0)
		return log_errno(r, "Unable to build the seccomp filter: %m");
	if (init == 0)
		return log_errno(-ESRCH, "Container is not running");
	pidfd = (int)syscall(SYS_pidfd_open, init, 0);
	if (pidfd < 0)
		return log_errno(neg_errno(), "CT %s: unable to open init: %m", c->veid_str);
	r = open_pipes(&p);
	if (r < 0) {
		close_pipes(&p);
		return log_errno(r, "pipe: %m");
	}
	helper = fork();
	if (helper < 0) {
		close_pipes(&p);
		return log_errno(neg_errno(), "fork: %m");
	}
	if (helper == 0)
		exec_helper(c, o, pidfd, &p, env);
	close(p.in[0]);
	p.in[0] = -1;
	close(p.out[1]);
	close(p.err[1]);
	close(p.status[1]);
	p.out[1] = p.err[1] = p.status[1] = -1;
	close(p.sock[1]);
	p.sock[1] = -1;
	if (o->stdin_fd < 0 || o->pty)
		close_pair(p.in);
	if (o->pty) {
		close_pair(p.out);
		close_pair(p.err);
		ct_pty_relay(p.sock[0], o->stdin_fd, o->stdout_fd);
	} else {
		relay(o, &p);
	}
	r = read(p.status[0], &status, sizeof(status)) == sizeof(status) ? 0 : -ECHILD;
	while (waitpid(helper, &hst, 0) < 0 && errno == EINTR)
		;
	close_pipes(&p);
	if (r < 0) {
		/* The VE stopped under us (the init we were entering exited, its cgroup went)?
		 * Asked of that init's pidfd: a restart may already have another init running. */
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		if (poll(&pfd, 1, 0) > 0 || (ct_state_init_pid(c, &init) == 0 && init == 0))
			return log_errno(-ESRCH, "Container is not running");
		return log_errno(-ECHILD, "CT %s: unable to enter the VE", c->veid_str);
	}
	*ret_status = status;
	return 0;
}

int ct_run_script(const struct ve_config *c, const char *script, char **env, int *ret_status)
{
	char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
	struct ve_exec_opts o = {
	    .argv = argv, .stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2, .env = env};

	return ct_exec(c, &o, ret_status);
}
