/* Storage backend selection and the overlay mount shared by every backend. */
#include "storage-internal.h"
#include "runtime/util.h"

#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const struct ve_storage_ops *const backends[] = {
    &ve_storage_dir_ops,
};

const struct ve_storage_ops *ve_storage_get(const char *layout)
{
	if (!layout || !*layout)
		return backends[0];
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		if (!strcmp(backends[i]->name, layout))
			return backends[i];
	return NULL;
}

const char *ve_storage_default_layout(const char *private_dir)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		if (backends[i]->probe(private_dir) == 0)
			return backends[i]->name;
	return backends[ARRAY_SIZE(backends) - 1]->name;
}

static const struct ve_storage_ops *ops_of(const struct ve_fs *fs)
{
	const struct ve_storage_ops *o = ve_storage_get(fs->layout);

	if (!o)
		log_error("Unknown storage layout '%s'", fs->layout);
	return o;
}

int ve_storage_create(const struct ve_fs *fs)
{
	const struct ve_storage_ops *o = ops_of(fs);
	return o ? o->create(fs) : -EINVAL;
}

int ve_storage_mount(const struct ve_fs *fs, const char *lowerdir)
{
	const struct ve_storage_ops *o = ops_of(fs);
	return o ? o->mount(fs, lowerdir) : -EINVAL;
}

int ve_storage_umount(const struct ve_fs *fs)
{
	const struct ve_storage_ops *o = ops_of(fs);
	return o ? o->umount(fs) : -EINVAL;
}

int ve_storage_destroy(const struct ve_fs *fs)
{
	const struct ve_storage_ops *o = ops_of(fs);
	return o ? o->destroy(fs) : -EINVAL;
}

int ve_storage_usage(const struct ve_fs *fs, struct ve_fs_usage *ret)
{
	const struct ve_storage_ops *o = ops_of(fs);
	return o ? o->usage(fs, ret) : -EINVAL;
}

int ve_storage_is_mounted(const struct ve_fs *fs)
{
	int r = ve_is_mount_point(fs->root);

	return r == -ENOENT ? 0 : r;
}

int storage_overlay_mount(const char *lowerdir, const char *upper, const char *work,
			  const char *root)
{
	_cleanup_free_ char *opts = NULL;
	int r;

	r = ve_mkdir_p(root, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create VE root %s: %m", root);
	if (strpbrk(lowerdir, ",:") || strpbrk(upper, ",:") || strpbrk(work, ",:"))
		return log_errno(-EINVAL, "Overlay paths may not hold ',' or ':' (%s)", upper);
	opts = ve_strdup_printf("lowerdir=%s,upperdir=%s,workdir=%s", lowerdir, upper, work);
	if (!opts)
		return -ENOMEM;
	if (mount("overlay", root, "overlay", 0, opts) < 0)
		return log_errno(neg_errno(), "Unable to mount overlay on %s: %m", root);
	return 0;
}

int storage_overlay_umount(const char *root)
{
	for (int i = 0; i < 50; i++) {
		if (umount2(root, UMOUNT_NOFOLLOW) == 0)
			return 0;
		if (errno == EINVAL || errno == ENOENT)
			return 0; /* not mounted */
		if (errno != EBUSY)
			return log_errno(neg_errno(), "Unable to unmount %s: %m", root);
		usleep(2000);
	}
	return log_errno(-EBUSY, "Unable to unmount %s: %m", root);
}
