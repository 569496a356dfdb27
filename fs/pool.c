/*
 * "pool": for hosts whose filesystem has no project quota but whose kernel has XFS with
 * quota. vzkit makes one sparse XFS image (vz.conf POOL_IMAGE, POOL_SIZE), attaches it to a
 * loop device and mounts it with prjquota at POOL_DIR; every pool VE's project directory is
 * POOL_DIR/<CTID>, and VE_PRIVATE/fs is a symlink to it, so the "prjquota" code does the rest.
 * The pool stays mounted once mounted, like the filesystem holding /vz: unmounting it under a
 * running VE's overlay and mounting it again would put one XFS on two loop devices.
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* xfsprogs refuses filesystems below 300 MB. */
#define POOL_MIN_BYTES (300ULL << 20)

int storage_pool_check(const struct ve_fs *fs, const char **why)
{
	_cleanup_free_ char *mkfs = storage_find_program("mkfs.xfs");
	const struct ve_global *g = fs->global;

	if (!g || !g->pool_size || g->pool_size == VE_UNLIMITED) {
		*why = "no pool is configured (set POOL_SIZE in vz.conf)";
		return -EOPNOTSUPP;
	}
	if (g->pool_size < POOL_MIN_BYTES) {
		*why = "POOL_SIZE is below XFS's minimum of 300M";
		return -EOPNOTSUPP;
	}
	if (ve_is_mount_point(g->pool_dir) == 1)
		return 0;
	if (access("/dev/loop-control", R_OK | W_OK) < 0) {
		*why = "no /dev/loop-control (loop driver missing)";
		return -EOPNOTSUPP;
	}
	if (!mkfs && !ve_path_exists(g->pool_image)) {
		*why = "mkfs.xfs not found (install xfsprogs)";
		return -EOPNOTSUPP;
	}
	return 0;
}

static int pool_probe(const char *private_dir)
{
	return 0; /* storage_pool_check needs vz.conf's pool: pool_create runs it */
}

/* Makes the pool image: a sparse file formatted as XFS beside its final name, then linked
 * into place, so a concurrent vzctl never sees half an image. */
static int make_image(const struct ve_global *g)
{
	_cleanup_free_ char *tmp = ve_strdup_printf("%s.new-%d", g->pool_image, getpid());
	_cleanup_free_ char *dir = strdup(g->pool_image);
	char err[256];
	int fd, r;

	if (!tmp || !dir)
		return -ENOMEM;
	r = ve_mkdir_p(dirname(dir), 0755);
	if (r < 0)
		return log_errno(r, "Unable to create the directory of %s: %m", g->pool_image);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_errno(neg_errno(), "Unable to create %s: %m", tmp);
	r = ftruncate(fd, (off_t)g->pool_size) < 0 ? neg_errno() : 0;
	close(fd);
	if (r < 0) {
		unlink(tmp);
		return log_errno(r, "Unable to size %s: %m", tmp);
	}
	/* -K: a fresh sparse file needs no discard. 4 KB sectors: the loop device has 4 KB
	 * blocks (direct I/O), and XFS refuses a device with sectors larger than its own. */
	char *argv[] = {"mkfs.xfs", "-q", "-f", "-K", "-s", "size=4096", tmp, NULL};
	r = storage_run(argv, err, sizeof(err));
	if (r != 0) {
		unlink(tmp);
		return log_errno(r < 0 ? r : -EIO, "mkfs.xfs failed for %s: %s", g->pool_image,
				 r < 0 ? strerror(-r) : err);
	}
	if (link(tmp, g->pool_image) < 0 && errno != EEXIST)
		r = log_errno(neg_errno(), "Unable to create %s: %m", g->pool_image);
	unlink(tmp);
	return r;
}

/* Opens the pool image, making it first if it is missing (*made then). */
static int open_image(const struct ve_global *g, bool *made)
{
	int fd = open(g->pool_image, O_RDWR | O_CLOEXEC);

	*made = false;
	if (fd < 0 && errno == ENOENT) {
		int r = make_image(g);
		if (r < 0)
			return r;
		*made = true;
		fd = open(g->pool_image, O_RDWR | O_CLOEXEC);
	}
	return fd < 0 ? log_errno(neg_errno(), "Unable to open %s: %m", g->pool_image) : fd;
}

static int mount_pool(const struct ve_global *g, int img_fd)
{
	_cleanup_close_ int loop_fd = -1;
	char dev[64];
	int r;

	/* A loop device may still hold the pool (its last mount gone, an overlay not yet): the
	 * same device must be mounted again, never a second one for the same XFS. */
	if (storage_loop_find(img_fd, dev, sizeof(dev)) < 0) {
		loop_fd = storage_loop_attach(img_fd, g->pool_image, false, dev, sizeof(dev));
		if (loop_fd < 0)
			return loop_fd;
	}
	r = ve_mkdir_p(g->pool_dir, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create %s: %m", g->pool_dir);
	/* nosuid, nodev: VEs reach their files through their overlay, whose flags govern. */
	if (mount(dev, g->pool_dir, "xfs", MS_NOSUID | MS_NODEV | MS_NOATIME, "prjquota") < 0) {
		r = neg_errno();
		log_error("Unable to mount the storage pool %s (%s) on %s with prjquota: %s",
			  g->pool_image, dev, g->pool_dir, strerror(-r));
		/* EINVAL, ENODEV: this kernel has no XFS, or XFS without quota. */
		return r == -EINVAL || r == -ENODEV ? -EOPNOTSUPP : r;
	}
	/* Private: mounts below it never propagate into VEs' namespaces and pin it. */
	if (mount(NULL, g->pool_dir, NULL, MS_PRIVATE, NULL) < 0)
		log_warn_errno(neg_errno(), "Unable to make %s private: %m, ignoring", g->pool_dir);
	log_info("Storage pool %s mounted on %s", g->pool_image, g->pool_dir);
	return 0;
}

int storage_pool_ensure(const struct ve_fs *fs)
{
	const struct ve_global *g = fs->global;
	const char *why = NULL;
	_cleanup_close_ int fd = -1;
	bool made;
	int r;

	if (storage_pool_check(fs, &why) < 0)
		return log_errno(-EOPNOTSUPP, "Layout 'pool' is not supported here: %s", why);
	if (ve_is_mount_point(g->pool_dir) == 1)
		return 0;
	fd = open_image(g, &made);
	if (fd < 0)
		return fd;
	/* One vzctl mounts the pool; the others wait and find it mounted. */
	if (flock(fd, LOCK_EX) < 0)
		return log_errno(neg_errno(), "Unable to lock %s: %m", g->pool_image);
	if (ve_is_mount_point(g->pool_dir) == 1)
		return 0;
	r = mount_pool(g, fd);
	/* A pool this kernel cannot mount must not stay behind as a 64 MB file. */
	if (r < 0 && made) {
		unlink(g->pool_image);
		rmdir(g->pool_dir);
	} else if (r == 0 && made) {
		log_info("Storage pool %s created (%llu MB)", g->pool_image,
			 (unsigned long long)(g->pool_size >> 20));
	}
	return r;
}

static char *pool_base(const struct ve_fs *fs)
{
	return ve_strdup_printf("%s/%u", fs->global->pool_dir, fs->veid);
}

static int pool_create(const struct ve_fs *fs)
{
	_cleanup_free_ char *base = NULL, *link_path = NULL;
	int r = storage_pool_ensure(fs);

	if (r < 0)
		return r;
	base = pool_base(fs);
	link_path = ve_strdup_printf("%s/fs", fs->private);
	if (!base || !link_path)
		return -ENOMEM;
	if (ve_path_exists(fs->private))
		return log_errno(-EEXIST, "Private area %s already exists", fs->private);
	if (mkdir(base, 0755) < 0)
		return log_errno(neg_errno(), "Unable to create %s in the pool: %m", base);
	r = storage_prj_setup(fs, base);
	/* 0700: the VE's files, setuid ones included, must not be reachable by host users. */
	if (r == 0 && (r = ve_mkdir_p(fs->private, 0700)) < 0)
		log_errno(r, "Unable to create private area %s: %m", fs->private);
	if (r == 0 && symlink(base, link_path) < 0)
		r = log_errno(neg_errno(), "Unable to link %s to the pool: %m", link_path);
	if (r < 0) {
		ve_rm_rf(fs->private);
		ve_rm_rf(base);
	}
	return r;
}

static int pool_mount(const struct ve_fs *fs, const char *lowerdir, int userns, struct ve_root *ret)
{
	int r = storage_pool_ensure(fs);

	return r < 0 ? r : storage_prj_mount(fs, lowerdir, userns, ret);
}

static int pool_destroy(const struct ve_fs *fs)
{
	_cleanup_free_ char *base = pool_base(fs);
	_cleanup_close_ int pfd = -1;
	int r;

	if (!base)
		return -ENOMEM;
	ve_snapshot_umount_all(fs);
	/* A pool that cannot be mounted any more must not keep the VE's private area. */
	if (storage_pool_ensure(fs) == 0) {
		pfd = open(fs->global->pool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = ve_rm_rf(base);
		if (r < 0)
			return log_errno(r, "Unable to remove %s: %m", base);
		/* Limits outlive the directory: a later VE with this CTID starts from none. */
		if (pfd >= 0)
			storage_prj_release(fs, pfd);
	}
	return storage_remove_private(fs);
}

static int pool_resize(const struct ve_fs *fs)
{
	int r = storage_pool_ensure(fs);

	return r < 0 ? r : storage_prj_resize(fs);
}

static int pool_usage(const struct ve_fs *fs, struct ve_fs_usage *ret)
{
	/* Usage of a VE whose pool is not mounted is unknown, not a reason to mount it. */
	if (!fs->global || ve_is_mount_point(fs->global->pool_dir) != 1) {
		memset(ret, 0, sizeof(*ret));
		return -ENOTCONN;
	}
	return storage_prj_usage(fs, ret);
}

static int pool_snapshot_take(const struct ve_fs *fs, const char *dir)
{
	int r = storage_pool_ensure(fs);

	return r < 0 ? r : storage_prj_snapshot_take(fs, dir);
}

static int pool_snapshot_restore(const struct ve_fs *fs, const char *dir)
{
	int r = storage_pool_ensure(fs);

	return r < 0 ? r : storage_prj_snapshot_restore(fs, dir);
}

static int image_blocks(const char *img, uint64_t *ret)
{
	struct stat st;

	if (stat(img, &st) < 0)
		return log_errno(neg_errno(), "Unable to stat %s: %m", img);
	*ret = (uint64_t)st.st_blocks * 512;
	return 0;
}

/* FITRIM on the pool: XFS discards its free space and the direct-I/O loop device punches the
 * holes into the pool image. It trims the whole pool, every VE's freed space at once. */
static int pool_compact(const struct ve_fs *fs, uint64_t *ret_before, uint64_t *ret_after)
{
	struct fstrim_range range = {.start = 0, .len = UINT64_MAX, .minlen = 0};
	_cleanup_close_ int fd = -1;
	int r = storage_pool_ensure(fs);

	if (r < 0 || (r = image_blocks(fs->global->pool_image, ret_before)) < 0)
		return r;
	fd = open(fs->global->pool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, FITRIM, &range) < 0)
		return log_errno(neg_errno(), "Unable to trim the storage pool %s: %m",
				 fs->global->pool_dir);
	return image_blocks(fs->global->pool_image, ret_after);
}

const struct ve_storage_ops ve_storage_pool_ops = {
    .name = "pool",
    .probe = pool_probe,
    .create = pool_create,
    .mount = pool_mount,
    .umount = storage_prj_umount,
    .destroy = pool_destroy,
    .resize = pool_resize,
    .usage = pool_usage,
    .snapshot_take = pool_snapshot_take,
    .snapshot_restore = pool_snapshot_restore,
    .snapshot_open = storage_tree_snapshot_open,
    .snapshot_close = storage_tree_snapshot_close,
    .compact = pool_compact,
};
