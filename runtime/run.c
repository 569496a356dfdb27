/* Running a program built to be driven (mkfs, xfs_quota, vzkit's own vznft): its stdin given
 * or /dev/null, stdout on /dev/null, its error text collected. */
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

/* Child side: only async-signal-safe calls, ends in execve or _exit(127). */
static void run_child(const char *path, char *const argv[], int in_fd, int null_fd, int err_fd)
{
	static char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};

	if (dup2(in_fd >= 0 ? in_fd : null_fd, 0) < 0 || dup2(null_fd, 1) < 0 ||
	    dup2(err_fd, 2) < 0)
		_exit(127);
	/* The tool must not keep vzctl's lock or a VE's fds open. */
	close_range(3, ~0U, 0);
	execve(path, argv, env);
	_exit(127);
}

/* Drains fd into err: its first non-empty line, or all of it without the trailing newlines. */
static void read_err(int fd, char *err, size_t errlen, bool first_line)
{
	bool done = !err || !errlen;
	size_t n = 0;
	ssize_t k;
	char buf[512];

	while ((k = read(fd, buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
		for (ssize_t i = 0; i < k && !done && n + 1 < errlen; i++) {
			if (first_line && buf[i] == '\n')
				done = n > 0; /* first non-empty line read; keep draining */
			else
				err[n++] = buf[i];
		}
	if (!err || !errlen)
		return;
	while (n && err[n - 1] == '\n')
		n--;
	err[n] = '\0';
}

int ve_run_tool(const char *path, char *const argv[], int in_fd, char *err, size_t errlen,
		bool first_line)
{
	_cleanup_close_ int null_fd = -1;
	int pipefd[2], status;
	pid_t pid;

	if (err && errlen)
		memset(err, 0, errlen);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		return neg_errno();
	pid = fork();
	if (pid < 0) {
		int r = neg_errno();

		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0)
		run_child(path, argv, in_fd, null_fd, pipefd[1]);
	close(pipefd[1]);
	read_err(pipefd[0], err, errlen, first_line);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return neg_errno();
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}
