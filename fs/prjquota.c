/*
 * "prjquota": the overlay's upper and work directories live in VE_PRIVATE/fs, a directory
 * tagged with a project id (the CTID) on a filesystem that enforces project quota (XFS, or
 * ext4 with the project feature). DISKSPACE and DISKINODES are the project's soft and hard
 * limits, kept by the kernel: EDQUOT past them, statfs through the overlay (df inside the VE)
 * reports them, limits change online both ways. The "pool" layout (fs/pool.c) reuses all of
 * this with VE_PRIVATE/fs a symlink into a loop-mounted XFS pool.
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Inodes the layout itself takes in the project: the project directory, upper/, work/,
 * work/work and overlay's index, and the files overlayfs's mount probes create in work/. A
 * VE that used all of DISKINODES can still be mounted again. */
#define PRJ_EXTRA_INODES 8

static char *base_path(const struct ve_fs *fs, const char *sub)
{
	return ve_strdup_printf("%s/fs%s%s", fs->private, sub ? "/" : "", sub ? sub : "");
}

static int open_base(const struct ve_fs *fs)
{
	_cleanup_free_ char *base = base_path(fs, NULL);
	int fd;

	if (!base)
		return -ENOMEM;
	fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return log_errno(-ENOENT, "Private area %s not found", base);
	return fd < 0 ? log_errno(neg_errno(), "Unable to open %s: %m", base) : fd;
}

static int prj_probe(const char *private_dir)
{
	const char *why = NULL;
	int r = storage_quota_check(private_dir, &why);

	if (r < 0)
		log_error("Layout 'prjquota' is not supported for %s: %s", private_dir, why);
	return r;
}

static void set_grace(const struct ve_fs *fs, int fd)
{
	uint64_t t = fs->global ? fs->global->quotatime : 0;
	int r = t ? storage_quota_set_grace(fd, t) : 0;

	if (r < 0)
		log_warn_errno(r,
			       "Unable to set the disk quota grace time (QUOTATIME): %m, ignoring");
}

int storage_prj_setup(const struct ve_fs *fs, const char *base)
{
	_cleanup_close_ int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct storage_quota q;
	int r;

	if (fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", base);
	/* A project id still charged with files or limits belongs to something else (another
	 * tool, or a VE whose destroy was interrupted): never merge into it. */
	r = storage_quota_get(fd, fs->veid, &q);
	if (r < 0)
		return log_errno(r, "Unable to read project quota %u on %s: %m", fs->veid, base);
	if (q.inodes_used || q.bytes_used || q.bytes_hard || q.inodes_hard)
		return log_errno(-EBUSY,
				 "Project id %u is in use on the filesystem of %s (%llu files); "
				 "clear it or choose another CTID",
				 fs->veid, base, (unsigned long long)q.inodes_used);
	r = storage_quota_tag(fd, fs->veid);
	if (r < 0)
		return log_errno(r, "Unable to set project id %u on %s: %m", fs->veid, base);
	r = storage_quota_set(fd, fs->veid, fs, PRJ_EXTRA_INODES);
	if (r < 0) {
		storage_prj_release(fs, fd);
		return log_errno(r, "Unable to set the disk quota of %s: %m", base);
	}
	set_grace(fs, fd);
	if (mkdirat(fd, "upper", 0755) < 0 || mkdirat(fd, "work", 0700) < 0) {
		r = log_errno(neg_errno(), "Unable to create the upper layer in %s: %m", base);
		storage_prj_release(fs, fd);
	}
	return r;
}

void storage_prj_release(const struct ve_fs *fs, int fd)
{
	int r = storage_quota_clear(fd, fs->veid);

	if (r < 0)
		log_warn_errno(r, "Unable to clear project quota %u: %m, ignoring", fs->veid);
}

static int prj_create(const struct ve_fs *fs)
{
	_cleanup_free_ char *base = base_path(fs, NULL);
	int r;

	if (!base)
		return -ENOMEM;
	if (ve_path_exists(fs->private))
		return log_errno(-EEXIST, "Private area %s already exists", fs->private);
	/* 0700: the VE's files, setuid ones included, must not be reachable by host users. */
	r = ve_mkdir_p(fs->private, 0700);
	if (r == 0 && mkdir(base, 0755) < 0)
		r = neg_errno();
	if (r < 0) {
		ve_rm_rf(fs->private);
		return log_errno(r, "Unable to create private area %s: %m", fs->private);
	}
	r = storage_prj_setup(fs, base);
	if (r < 0)
		ve_rm_rf(fs->private);
	return r;
}

int storage_prj_mount(const struct ve_fs *fs, const char *lowerdir, int userns, struct ve_root *ret)
{
	_cleanup_free_ char *upper = base_path(fs, "upper");
	_cleanup_free_ char *work = base_path(fs, "work");

	if (!upper || !work)
		return -ENOMEM;
	if (!ve_path_exists(upper))
		return log_errno(-ENOENT, "Private area %s not found", fs->private);
	return storage_overlay_mount(fs, lowerdir, upper, work, userns, ret);
}

int storage_prj_umount(const struct ve_fs *fs)
{
	return storage_overlay_umount(fs->root);
}

static int prj_destroy(const struct ve_fs *fs)
{
	_cleanup_free_ char *parent = ve_strdup_printf("%s/..", fs->private);
	_cleanup_close_ int pfd = -1;
	int r;

	if (!parent)
		return -ENOMEM;
	ve_snapshot_umount_all(fs); /* rm -rf must not walk into a mounted snapshot */
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = storage_remove_private(fs);
	/* Limits outlive the directory: a later VE with this CTID must start from none. */
	if (r == 0 && pfd >= 0)
		storage_prj_release(fs, pfd);
	return r;
}

int storage_prj_resize(const struct ve_fs *fs)
{
	_cleanup_close_ int fd = open_base(fs);
	struct storage_quota q;
	int r;

	if (fd < 0)
		return fd;
	r = storage_quota_get(fd, fs->veid, &q);
	if (r < 0)
		return log_errno(r, "Unable to read the disk quota of %s: %m", fs->private);
	/* The kernel would accept a limit below usage and leave the VE unable to write. */
	if (fs->diskspace.limit != VE_UNLIMITED && fs->diskspace.limit < q.bytes_used)
		return log_errno(-ERANGE, "DISKSPACE %llu KB is below the VE's usage of %llu KB",
				 (unsigned long long)fs->diskspace.limit / 1024,
				 (unsigned long long)q.bytes_used / 1024);
	if (fs->diskinodes.limit != VE_UNLIMITED &&
	    fs->diskinodes.limit + PRJ_EXTRA_INODES < q.inodes_used)
		return log_errno(-ERANGE, "DISKINODES %llu is below the VE's usage of %llu inodes",
				 (unsigned long long)fs->diskinodes.limit,
				 (unsigned long long)(q.inodes_used - PRJ_EXTRA_INODES));
	r = storage_quota_set(fd, fs->veid, fs, PRJ_EXTRA_INODES);
	if (r < 0)
		return log_errno(r, "Unable to set the disk quota of %s: %m", fs->private);
	set_grace(fs, fd);
	return 0;
}

int storage_prj_usage(const struct ve_fs *fs, struct ve_fs_usage *ret)
{
	_cleanup_close_ int fd = open_base(fs);
	struct storage_quota q;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (fd < 0)
		return fd;
	r = storage_quota_get(fd, fs->veid, &q);
	if (r < 0)
		return log_errno(r, "Unable to read the disk quota of %s: %m", fs->private);
	ret->bytes_used = q.bytes_used;
	ret->inodes_used = q.inodes_used;
	return 0;
}

int storage_prj_snapshot_take(const struct ve_fs *fs, const char *dir)
{
	_cleanup_free_ char *upper = base_path(fs, "upper");

	return upper ? storage_tree_snapshot_take(upper, dir) : -ENOMEM;
}

int storage_prj_snapshot_restore(const struct ve_fs *fs, const char *dir)
{
	_cleanup_free_ char *base = base_path(fs, NULL);
	_cleanup_close_ int fd = open_base(fs);
	int r, q;

	if (!base || fd < 0)
		return fd < 0 ? fd : -ENOMEM;
	/* The copy is made inside the project before the old tree goes: lift the limits for
	 * that moment, or a VE near its limit could never be switched back. */
	r = storage_quota_clear(fd, fs->veid);
	if (r < 0)
		return log_errno(r, "Unable to lift the disk quota of %s: %m", fs->private);
	r = storage_tree_snapshot_restore(base, dir);
	q = storage_quota_set(fd, fs->veid, fs, PRJ_EXTRA_INODES);
	if (q < 0)
		log_error("Unable to set the disk quota of %s again: %s; run vzctl set --diskspace",
			  fs->private, strerror(-q));
	return r < 0 ? r : q;
}

const struct ve_storage_ops ve_storage_prjquota_ops = {
    .name = "prjquota",
    .probe = prj_probe,
    .create = prj_create,
    .mount = storage_prj_mount,
    .umount = storage_prj_umount,
    .destroy = prj_destroy,
    .resize = storage_prj_resize,
    .usage = storage_prj_usage,
    .snapshot_take = storage_prj_snapshot_take,
    .snapshot_restore = storage_prj_snapshot_restore,
    .snapshot_open = storage_tree_snapshot_open,
    .snapshot_close = storage_tree_snapshot_close,
};
