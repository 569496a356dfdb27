/*
 * Runs a command as a child subreaper and reaps every orphan below it. VE inits are orphaned
 * by design (vzkit keeps no process per VE); on a real host the host's init reaps them once
 * they exit, but some sandboxes' PID 1 does not, and their zombies would pile up during a test
 * run. Exits with the command's status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t child, pid;
	int status, ret = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: reaper COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("prctl(PR_SET_CHILD_SUBREAPER)");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "reaper: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	signal(SIGINT, SIG_IGN); /* the command decides what an interrupt means */
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* no children left */
		}
		if (pid == child) {
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			/* Orphans still running (VEs left up on purpose) go to the host's init;
			 * reap those already dead and leave. */
			while (waitpid(-1, &status, WNOHANG) > 0)
				;
			break;
		}
	}
	return ret;
}
