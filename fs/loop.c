/* Loop devices for disk images: attach (LOOP_CONFIGURE, no losetup) and find. */
#include "storage-internal.h"
#include "runtime/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

int storage_loop_attach(int img_fd, const char *img, bool ro, char *ret_dev, size_t devlen)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config cfg = {.fd = (uint32_t)img_fd, .block_size = 4096};

	if (ctl < 0)
		return log_errno(neg_errno(), "Unable to open /dev/loop-control: %m");
	/* Autoclear: the device frees itself when the mount goes, so no path can leak it.
	 * Direct I/O: the image's pages are not cached twice (loop and host filesystem). */
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO | (ro ? LO_FLAGS_READ_ONLY : 0);
	strncpy((char *)cfg.info.lo_file_name, img, LO_NAME_SIZE - 1);
	for (int tries = 0; tries < 32; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), fd;

		if (n < 0)
			return log_errno(neg_errno(), "Unable to get a free loop device: %m");
		snprintf(ret_dev, devlen, "/dev/loop%d", n);
		fd = open(ret_dev, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			usleep(1000); /* devtmpfs has not made the node yet */
			continue;
		}
		if (fd < 0)
			return log_errno(neg_errno(), "Unable to open %s: %m", ret_dev);
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
			return fd;
		if (errno == EINVAL && (cfg.info.lo_flags & LO_FLAGS_DIRECT_IO)) {
			cfg.info.lo_flags &= ~LO_FLAGS_DIRECT_IO; /* host fs without O_DIRECT */
			if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0)
				return fd;
		}
		int r = neg_errno();
		close(fd);
		if (r != -EBUSY) /* EBUSY: another process took the device first */
			return log_errno(r, "Unable to attach %s to %s: %m", img, ret_dev);
	}
	return log_errno(-EBUSY, "Unable to find a free loop device for %s", img);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Whether the loop device named dev ("loop3") is backed by the file st describes. */
static bool backed_by(const char *dev, const struct stat *st)
{
	char path[300];
	struct loop_info64 info;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, LOOP_GET_STATUS64, &info) < 0)
		return false;
	return info.lo_inode == st->st_ino && info.lo_device == st->st_dev;
}

int storage_loop_find(int img_fd, char *ret_dev, size_t devlen)
{
	_cleanup_(closedirp) DIR *d = opendir("/sys/block");
	struct dirent *de;
	struct stat st;

	if (fstat(img_fd, &st) < 0)
		return neg_errno();
	if (!d)
		return -ENOENT;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "loop", 4) && backed_by(de->d_name, &st)) {
			snprintf(ret_dev, devlen, "/dev/%.*s", 32, de->d_name);
			return 0;
		}
	return -ENOENT;
}
