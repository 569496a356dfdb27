/* Storage backend selection and the overlay mount shared by every backend. */
#include "storage-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const struct ve_storage_ops *const backends[] = {
    &ve_storage_dir_ops,
    &ve_storage_image_ops,
    &ve_storage_prjquota_ops,
    &ve_storage_pool_ops,
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
	return ve_storage_dir_ops.name;
}

/* Whether the configured pool is, or can be, mounted: the kernel's answer is the probe. */
static bool pool_mounts(const struct ve_fs *fs)
{
	int level = ve_log_get_level(), r;

	ve_log_set_level(-1);
	r = storage_pool_ensure(fs);
	ve_log_set_level(level);
	return r == 0;
}

const char *ve_storage_choose_layout(const struct ve_fs *fs)
{
	const char *why_prj = NULL, *why_pool = NULL, *why_img = NULL;

	if (fs->layout && *fs->layout)
		return fs->layout;
	if (fs->diskspace.limit == VE_UNLIMITED && fs->diskinodes.limit == VE_UNLIMITED)
		return ve_storage_default_layout(fs->private);
	/* Cheapest first: project quota where VE_PRIVATE lives, then the admin's XFS pool, then
	 * an image per VE, which works on any kernel with loop devices. */
	if (storage_quota_check(fs->private, &why_prj) == 0)
		return ve_storage_prjquota_ops.name;
	if (storage_pool_check(fs, &why_pool) == 0 && pool_mounts(fs))
		return ve_storage_pool_ops.name;
	if (!why_pool)
		why_pool = "the pool cannot be mounted with prjquota (--layout pool says why)";
	if (storage_image_check(&why_img) == 0)
		return ve_storage_image_ops.name;
	log_error("No storage layout here can enforce DISKSPACE/DISKINODES: prjquota: %s; pool: "
		  "%s; image: %s",
		  why_prj, why_pool, why_img);
	return NULL;
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
	int r;

	if (!o)
		return -EINVAL;
	r = storage_thick_check(fs, o, -EINVAL);
	if (r == 0)
		r = o->probe(fs->private);
	return r < 0 ? r : o->create(fs);
}

int ve_storage_mount(const struct ve_fs *fs, const char *lowerdir)
{
	const struct ve_storage_ops *o = ops_of(fs);

	return o ? o->mount(fs, lowerdir, -1, NULL) : -EINVAL;
}

int ve_storage_open_root(const struct ve_fs *fs, const char *lowerdir, int userns,
			 struct ve_root *ret)
{
	const struct ve_storage_ops *o = ops_of(fs);

	*ret = (struct ve_root){-1, -1};
	return o ? o->mount(fs, lowerdir, userns, ret) : -EINVAL;
}

int ve_storage_umount(const struct ve_fs *fs)
{
	const struct ve_storage_ops *o = ops_of(fs);
	int r = o ? o->umount(fs) : -EINVAL;

	if (r == 0 && fs->uidmap.count)
		storage_idmap_lower_umount(fs);
	return r;
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

int ve_storage_resize(const struct ve_fs *fs)
{
	const struct ve_storage_ops *o = ops_of(fs);
	int r = o ? storage_thick_check(fs, o, -ERANGE) : -EINVAL;
	return r < 0 ? r : o->resize(fs);
}

int ve_storage_is_mounted(const struct ve_fs *fs)
{
	int r = ve_is_mount_point(fs->root);

	return r == -ENOENT ? 0 : r;
}

int storage_remove_private(const struct ve_fs *fs)
{
	int r = ve_rm_rf(fs->private);

	if (r < 0)
		return log_errno(r, "Unable to remove private area %s: %m", fs->private);
	if (rmdir(fs->root) < 0 && errno != ENOENT)
		log_warn_errno(neg_errno(), "Unable to remove %s: %m, ignoring", fs->root);
	return 0;
}

/* The kernel's own words for a failed fsconfig (overlayfs explains which layer it refused). */
static int fs_context_error(int fs_fd, int r, const char *root)
{
	char msg[256];
	ssize_t n = fs_fd >= 0 ? read(fs_fd, msg, sizeof(msg) - 1) : -1;

	if (n > 2) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		return log_errno(r, "Unable to mount overlay for %s: %s (%m)", root, msg + 2);
	}
	return log_errno(r, "Unable to mount overlay for %s: %m", root);
}

/* Sets the overlay's lower layer: a path, or (lower_fd >= 0) a mount's fd, which the kernel
 * (6.13 on) takes even when detached. -EOPNOTSUPP, not logged, when it does not take the fd. */
static int overlay_lower(int fs_fd, const char *lower, int lower_fd)
{
	if (lower_fd < 0)
		return fsconfig(fs_fd, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ? neg_errno()
										      : 0;
	if (fsconfig(fs_fd, FSCONFIG_SET_FD, "lowerdir+", NULL, lower_fd) < 0)
		return errno == EINVAL ? -EOPNOTSUPP : neg_errno();
	return 0;
}

/* overlay(lower, upper, work) as a detached mount: in no mount namespace until attached. */
static int overlay_fsmount(const char *lower, int lower_fd, const char *upper, const char *work,
			   const char *root)
{
	_cleanup_close_ int fs_fd = fsopen("overlay", FSOPEN_CLOEXEC);
	int fd, r;

	if (fs_fd < 0 || fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0)
		return fs_context_error(fs_fd, neg_errno(), root);
	r = overlay_lower(fs_fd, lower, lower_fd);
	if (r == -EOPNOTSUPP)
		return r;
	if (r < 0 || fsconfig(fs_fd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    fsconfig(fs_fd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_context_error(fs_fd, r < 0 ? r : neg_errno(), root);
	fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, 0);
	if (fd < 0)
		return fs_context_error(fs_fd, neg_errno(), root);
	return fd;
}

/* The detached overlay over a detached idmapped template: nothing attached anywhere. The
 * template goes to *ret_layer. */
static int overlay_idmapped_fd(const struct ve_fs *fs, const char *lowerdir, const char *upper,
			       const char *work, int userns, int *ret_layer)
{
	_cleanup_close_ int tree = storage_idmap_tree(fs, lowerdir, userns);
	int fd = tree < 0 ? tree : overlay_fsmount(NULL, tree, upper, work, fs->root);

	if (fd >= 0)
		*ret_layer = TAKE_FD(tree);
	return fd;
}

/* The overlay with the template idmapped for the VE. Detached, over a detached template where
 * the kernel takes one as a layer; older kernels (6.1) take only layers attached in the
 * caller's mount namespace: the idmapped template is then attached in a private copy of it,
 * which vanishes when we leave (the overlay keeps its own clones of its layers). */
static int overlay_idmapped(const struct ve_fs *fs, const char *lowerdir, const char *upper,
			    const char *work, int userns, int *ret_layer)
{
	struct storage_mntns ns = {-1, -1};
	_cleanup_free_ char *mapped = NULL;
	bool detached = ret_layer != NULL;
	int r = detached ? overlay_idmapped_fd(fs, lowerdir, upper, work, userns, ret_layer)
			 : -EOPNOTSUPP;

	if (r != -EOPNOTSUPP)
		return r;
	r = detached ? storage_mntns_enter(&ns) : 0;
	if (r < 0)
		return log_errno(r, "Unable to make a private mount namespace: %m");
	r = storage_idmap_lower(fs, lowerdir, userns, &mapped);
	if (r == 0)
		r = overlay_fsmount(mapped, -1, upper, work, fs->root);
	if (detached)
		storage_mntns_leave(&ns);
	else if (r < 0)
		storage_idmap_lower_umount(fs);
	return r;
}

int storage_overlay_mount(const struct ve_fs *fs, const char *lowerdir, const char *upper,
			  const char *work, int userns, struct ve_root *ret)
{
	_cleanup_close_ int layer = -1;
	_cleanup_close_ int fd = -1;
	int r;

	r = ve_mkdir_p(fs->root, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create VE root %s: %m", fs->root);
	if (strpbrk(lowerdir, ",:") || strpbrk(upper, ",:") || strpbrk(work, ",:"))
		return log_errno(-EINVAL, "Overlay paths may not hold ',' or ':' (%s)", upper);
	if (fs->uidmap.count) /* a privileged VE sees the template as it is */
		fd = overlay_idmapped(fs, lowerdir, upper, work, userns, ret ? &layer : NULL);
	else
		fd = overlay_fsmount(lowerdir, -1, upper, work, fs->root);
	if (fd < 0)
		return fd;
	r = fs->uidmap.count ? storage_idmap_root(fs, fd) : 0;
	if (r == 0 && !ret && move_mount(fd, "", AT_FDCWD, fs->root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = log_errno(neg_errno(), "Unable to mount overlay on %s: %m", fs->root);
	if (r < 0) {
		if (fs->uidmap.count && !ret)
			storage_idmap_lower_umount(fs);
		return r;
	}
	if (ret)
		*ret = (struct ve_root){TAKE_FD(fd), TAKE_FD(layer)};
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

static const char *const program_dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};

char *storage_find_program(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(program_dirs); i++) {
		char *p = ve_strdup_printf("%s/%s", program_dirs[i], name);

		if (!p || access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

int storage_run(char *const argv[], char *err, size_t errlen)
{
	_cleanup_free_ char *path = storage_find_program(argv[0]);

	if (err && errlen)
		memset(err, 0, errlen);
	return path ? ve_run_tool(path, argv, -1, err, errlen, true) : -ENOENT;
}
