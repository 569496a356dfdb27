#include "lock.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

#define LOCK_INFO_LEN 64 /* "pid N (what)", padded with spaces, and a newline */

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
			n = (ssize_t)strcspn(holder, "\n");
			while (n > 0 && holder[n - 1] == ' ')
				n--;
			holder[n] = '\0';
			log_error("Container already locked%s%s%s", *holder ? " by " : "", holder,
				  " (use --wait-lock to wait)");
			return -EAGAIN;
		}
		return log_errno(neg_errno(), "Unable to lock %s: %m", path);
	}
	/* One fixed-size record, overwritten in place: no block freed and allocated again by
	 * every command, as truncating and writing did (the file system's journal traffic). */
	int n = snprintf(info, sizeof(info), "pid %d (%s)", getpid(), what ? what : "vzctl");
	n = n < 0 ? 0 : n > LOCK_INFO_LEN - 1 ? LOCK_INFO_LEN - 1 : n;
	memset(info + n, ' ', LOCK_INFO_LEN - 1 - n);
	info[LOCK_INFO_LEN - 1] = '\n';
	(void)!pwrite(fd, info, LOCK_INFO_LEN, 0);
	return TAKE_FD(fd);
}

void ve_lock_release(int fd)
{
	char blank[LOCK_INFO_LEN];

	/* Blanked in place, not truncated: a later holder that writes none (flock(1)) is then
	 * not taken for us. */
	if (fd >= 0) {
		memset(blank, ' ', sizeof(blank) - 1);
		blank[sizeof(blank) - 1] = '\n';
		(void)!pwrite(fd, blank, sizeof(blank), 0);
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
