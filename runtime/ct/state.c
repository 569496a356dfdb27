/* Finding a running VE again with no resident process: a pid file checked against the cgroup. */
#include "ct-internal.h"
#include "runtime/cgroup.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <string.h>

static char *pidfile_path(const struct ve_config *c)
{
	return ve_strdup_printf("%s/%u.pid", c->global->rundir, c->veid);
}

/* Field 22 (starttime) and the state letter of /proc/<pid>/stat. */
static int proc_starttime(pid_t pid, unsigned long long *ret, char *ret_state)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			 "%*d %*d %*d %llu",
			 ret_state, ret) != 2)
		return -EIO;
	return 0;
}

int ct_state_write(const struct ve_config *c, pid_t pid, bool started)
{
	_cleanup_free_ char *path = pidfile_path(c), *text = NULL;
	unsigned long long st = 0;
	char state;
	int r;

	if (!path)
		return -ENOMEM;
	r = ve_mkdir_p(c->global->rundir, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create %s: %m", c->global->rundir);
	if (pid > 0 && proc_starttime(pid, &st, &state) < 0)
		return log_errno(-ESRCH, "CT %s: init (pid %d) vanished", c->veid_str, pid);
	text = ve_strdup_printf("%d %llu\n%s", pid, st, started ? "" : "starting\n");
	if (!text)
		return -ENOMEM;
	r = ve_write_file_replace(path, text, strlen(text), 0644);
	if (r < 0)
		return log_errno(r, "Unable to write %s: %m", path);
	return 0;
}

int ct_state_remove(const struct ve_config *c)
{
	_cleanup_free_ char *path = pidfile_path(c);

	if (!path)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return log_errno(neg_errno(), "Unable to remove %s: %m", path);
	return 0;
}

bool ct_state_started(const struct ve_config *c)
{
	_cleanup_free_ char *path = pidfile_path(c);

	return path && ve_path_exists(path);
}

/* Whether pid is PID 1 of a child pid namespace (the last NSpid field is 1). */
static bool is_ns_init(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	const char *l;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (ve_read_file(path, &text, NULL) < 0 || !(l = strstr(text, "\nNSpid:")))
		return false;
	l += 7;
	size_t len = strcspn(l, "\n");
	const char *last = l + len;
	while (last > l && (last[-1] == ' ' || last[-1] == '\t'))
		last--;
	return last - l >= 2 && last[-1] == '1' && (last[-2] == '\t' || last[-2] == ' ');
}

static pid_t find_init_in_cgroup(const struct ve_config *c)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (ve_cgroup_pids(c->veid, &pids, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (is_ns_init(pids[i]))
			return pids[i];
	return 0;
}

int ct_state_init_pid(const struct ve_config *c, pid_t *ret)
{
	_cleanup_free_ char *path = pidfile_path(c), *text = NULL;
	unsigned long long want = 0, st;
	int pid = 0;
	char state;

	*ret = 0;
	if (!path)
		return -ENOMEM;
	if (ve_read_file(path, &text, NULL) == 0 && strstr(text, "starting"))
		return 0; /* a start that did not finish: its init is a leftover, not a running VE
			   */
	if (text && sscanf(text, "%d %llu", &pid, &want) == 2 && pid > 0 &&
	    proc_starttime(pid, &st, &state) == 0 && st == want && state != 'Z' &&
	    ve_cgroup_has_pid(c->veid, pid) == 1) {
		*ret = pid;
		return 0;
	}
	/* No usable pid file (an interrupted start, or a lost RUNDIR): ask the cgroup. */
	if (ve_cgroup_exists(c->veid) == 1)
		*ret = find_init_in_cgroup(c);
	return 0;
}

int ct_state_open_root(pid_t init_pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root", init_pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? neg_errno() : fd;
}
