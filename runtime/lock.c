#include "lock.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

/* Opens LOCKDIR/<name>, creating the directory and the file. */
static int open_lock(const struct ve_global *g, const char *name, char **ret_path)
{
	_cleanup_free_ char *path = ve_strdup_printf("%s/%s", g->lockdir, name);
	int fd, r;

	if (!path)
		return -ENOMEM;
	r = ve_mkdir_p(g->lockdir, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create lock directory %s: %m", g->lockdir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_errno(neg_errno(), "Unable to open lock file %s: %m", path);
	*ret_path = TAKE_PTR(path);
	return fd;
}

int ve_lock_acquire(const struct ve_global *g, unsigned veid, const char *what, bool wait)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	char info[128], name[32];

	snprintf(name, sizeof(name), "%u.lck", veid);
	/* flock, not a lock file's existence: the kernel drops it when the holder dies, so a
	 * killed vzctl never leaves a VE locked. */
	fd = open_lock(g, name, &path);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			char holder[128] = "";
			ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
			holder[n > 0 ? n : 0] = '\0';
			holder[strcspn(holder, "\n")] = '\0';
			log_error("Container already locked%s%s%s", *holder ? " by " : "", holder,
				  " (use --wait-lock to wait)");
			return -EAGAIN;
		}
		return log_errno(neg_errno(), "Unable to lock %s: %m", path);
	}
	snprintf(info, sizeof(info), "pid %d (%s)\n", getpid(), what ? what : "vzctl");
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, info, strlen(info), 0);
	return TAKE_FD(fd);
}

void ve_lock_release(int fd)
{
	if (fd >= 0) {
		(void)!ftruncate(fd, 0);
		close(fd);
	}
}

int ve_lock_acquire_global(const struct ve_global *g)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = open_lock(g, "vzkit.lck", &path);

	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return log_errno(neg_errno(), "Unable to lock %s: %m", path);
	return TAKE_FD(fd);
}
