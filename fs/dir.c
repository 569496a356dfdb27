/*
 * "dir": the upper layer is a plain directory under VE_PRIVATE, with no disk limit. It works
 * on any filesystem that can hold an overlay upper layer; the quota backends build on it.
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

static int dir_probe(const char *private_dir)
{
	return 0;
}

static int dir_create(const struct ve_fs *fs)
{
	_cleanup_free_ char *upper = ve_strdup_printf("%s/upper", fs->private);
	_cleanup_free_ char *work = ve_strdup_printf("%s/work", fs->private);
	int r;

	if (!upper || !work)
		return -ENOMEM;
	if (ve_path_exists(fs->private))
		return log_errno(-EEXIST, "Private area %s already exists", fs->private);
	r = ve_mkdir_p(upper, 0755);
	if (r == 0)
		r = ve_mkdir_p(work, 0700);
	if (r < 0) {
		ve_rm_rf(fs->private);
		return log_errno(r, "Unable to create private area %s: %m", fs->private);
	}
	return 0;
}

static int dir_mount(const struct ve_fs *fs, const char *lowerdir, int userns, struct ve_root *ret)
{
	_cleanup_free_ char *upper = ve_strdup_printf("%s/upper", fs->private);
	_cleanup_free_ char *work = ve_strdup_printf("%s/work", fs->private);

	if (!upper || !work)
		return -ENOMEM;
	if (!ve_path_exists(upper))
		return log_errno(-ENOENT, "Private area %s not found", fs->private);
	return storage_overlay_mount(fs, lowerdir, upper, work, userns, ret);
}

static int dir_umount(const struct ve_fs *fs)
{
	return storage_overlay_umount(fs->root);
}

static int dir_destroy(const struct ve_fs *fs)
{
	ve_snapshot_umount_all(fs); /* rm -rf must not walk into a mounted snapshot */
	return storage_remove_private(fs);
}

static int dir_resize(const struct ve_fs *fs)
{
	if (fs->diskspace.limit != VE_UNLIMITED || fs->diskinodes.limit != VE_UNLIMITED)
		return log_errno(-EOPNOTSUPP,
				 "Layout 'dir' has no disk quota; choose a quota-capable layout");
	return 0;
}

static int walk(int dfd, dev_t dev, struct ve_fs_usage *u)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		close(dfd);
		return neg_errno();
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		u->inodes_used++;
		u->bytes_used += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				walk(sub, dev, u);
		}
	}
	closedir(d);
	return 0;
}

int storage_walk_usage(const char *dir, struct ve_fs_usage *ret)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	memset(ret, 0, sizeof(*ret));
	if (fd < 0)
		return neg_errno();
	if (fstat(fd, &st) < 0) {
		close(fd);
		return neg_errno();
	}
	return walk(fd, st.st_dev, ret);
}

static int dir_usage(const struct ve_fs *fs, struct ve_fs_usage *ret)
{
	_cleanup_free_ char *upper = ve_strdup_printf("%s/upper", fs->private);

	return upper ? storage_walk_usage(upper, ret) : -ENOMEM;
}

int storage_tree_snapshot_take(const char *upper, const char *dir)
{
	_cleanup_free_ char *dst = ve_strdup_printf("%s/upper", dir);

	return dst ? storage_copy_tree(upper, dst) : -ENOMEM;
}

static int dir_snapshot_take(const struct ve_fs *fs, const char *dir)
{
	_cleanup_free_ char *upper = ve_strdup_printf("%s/upper", fs->private);

	return upper ? storage_tree_snapshot_take(upper, dir) : -ENOMEM;
}

int storage_tree_snapshot_restore(const char *base, const char *dir)
{
	_cleanup_free_ char *src = ve_strdup_printf("%s/upper", dir);
	_cleanup_free_ char *upper = ve_strdup_printf("%s/upper", base);
	_cleanup_free_ char *next = ve_strdup_printf("%s/upper.new", base);
	_cleanup_free_ char *old = ve_strdup_printf("%s/upper.old", base);
	_cleanup_free_ char *work = ve_strdup_printf("%s/work", base);
	int r;

	if (!src || !upper || !next || !old || !work)
		return -ENOMEM;
	/* The copy is made beside the live upper and swapped in by rename, so a failure leaves
	 * the VE's disk as it was. */
	ve_rm_rf(next);
	ve_rm_rf(old);
	r = storage_copy_tree(src, next);
	if (r < 0) {
		ve_rm_rf(next);
		return r;
	}
	if (rename(upper, old) < 0 || rename(next, upper) < 0) {
		r = log_errno(neg_errno(), "Unable to put the snapshot in place at %s: %m", upper);
		if (!ve_path_exists(upper))
			rename(old, upper);
		ve_rm_rf(next);
		return r;
	}
	ve_rm_rf(old);
	/* The work directory belongs to the old upper: overlay wants it empty. */
	ve_rm_rf(work);
	r = ve_mkdir_p(work, 0700);
	return r < 0 ? log_errno(r, "Unable to create %s: %m", work) : 0;
}

static int dir_snapshot_restore(const struct ve_fs *fs, const char *dir)
{
	return storage_tree_snapshot_restore(fs->private, dir);
}

int storage_tree_snapshot_open(const struct ve_fs *fs, const char *dir, char **ret_upper)
{
	*ret_upper = ve_strdup_printf("%s/upper", dir);
	return *ret_upper ? 0 : -ENOMEM;
}

void storage_tree_snapshot_close(const struct ve_fs *fs, const char *dir)
{
}

const struct ve_storage_ops ve_storage_dir_ops = {
    .name = "dir",
    .probe = dir_probe,
    .create = dir_create,
    .mount = dir_mount,
    .umount = dir_umount,
    .destroy = dir_destroy,
    .resize = dir_resize,
    .usage = dir_usage,
    .snapshot_take = dir_snapshot_take,
    .snapshot_restore = dir_snapshot_restore,
    .snapshot_open = storage_tree_snapshot_open,
    .snapshot_close = storage_tree_snapshot_close,
};
