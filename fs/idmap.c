/*
 * The template seen through an unprivileged VE's id map: an idmapped bind mount of the
 * read-only template tree (mount_setattr MOUNT_ATTR_IDMAP), attached at VE_PRIVATE/lower and
 * used as the overlay's lower layer. Files owned by host root in the one shared template then
 * appear owned by the VE's root inside the VE, and the template itself is never changed.
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int write_map(pid_t pid, const char *file, const struct ve_idmap *m)
{
	char path[64], line[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	snprintf(line, sizeof(line), "%u %u %u\n", m->inside, m->outside, m->count);
	return ve_write_file(path, line, 0);
}

/* The user namespace's process: it shares our memory and fd table, so it only waits in one
 * read(), which cannot fail here, until the parent closes the pipe's other end. */
static int userns_child(void *arg)
{
	char c;

	(void)!read(*(int *)arg, &c, 1);
	return 0;
}

/*
 * A user namespace with the VE's maps, for mount_setattr. Its process only lives until the
 * namespace is opened: an open fd keeps the namespace. CLONE_VM: no copy of our page tables
 * to make, and none to tear down at its exit, which we wait for (our stack holds its stack).
 */
static int userns_fd(const struct ve_fs *fs)
{
	char stack[8192] __attribute__((aligned(16)));
	char path[64];
	int pfd[2], fd = -1, r, status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return neg_errno();
	pid = clone(userns_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_FILES | CLONE_NEWUSER | SIGCHLD, &pfd[0]);
	if (pid < 0) {
		r = neg_errno();
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	r = write_map(pid, "uid_map", &fs->uidmap);
	if (r == 0)
		r = write_map(pid, "gid_map", &fs->gidmap);
	if (r == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		r = fd < 0 ? neg_errno() : 0;
	}
	close(pfd[1]); /* shared table: the child sees EOF */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	return r < 0 ? r : fd;
}

static char *lower_path(const struct ve_fs *fs)
{
	return ve_strdup_printf("%s/lower", fs->private);
}

int storage_idmap_tree(const struct ve_fs *fs, const char *lowerdir, int userns)
{
	_cleanup_close_ int ns = -1, tree = -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY};

	if (userns < 0) {
		ns = userns_fd(fs);
		if (ns < 0)
			return log_errno(ns, "Unable to make a user namespace for the id map: %m");
		userns = ns;
	}
	attr.userns_fd = (uint64_t)userns;
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, lowerdir,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return log_errno(neg_errno(), "Unable to clone the template tree %s: %m", lowerdir);
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
		    sizeof(attr)) < 0)
		return log_errno(neg_errno(), "Unable to idmap the template %s: %m", lowerdir);
	return TAKE_FD(tree);
}

int storage_idmap_bind(const struct ve_fs *fs, const char *lowerdir, int userns, const char *path)
{
	_cleanup_close_ int tree = -1;

	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return log_errno(neg_errno(), "Unable to create %s: %m", path);
	tree = storage_idmap_tree(fs, lowerdir, userns);
	if (tree < 0)
		return tree;
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return log_errno(neg_errno(), "Unable to attach the idmapped template at %s: %m",
				 path);
	return 0;
}

int storage_idmap_lower(const struct ve_fs *fs, const char *lowerdir, int userns, char **ret_path)
{
	_cleanup_free_ char *path = lower_path(fs);
	int r;

	if (!path)
		return -ENOMEM;
	storage_idmap_lower_umount(fs); /* a leftover of an interrupted start */
	r = storage_idmap_bind(fs, lowerdir, userns, path);
	if (r < 0)
		return r;
	*ret_path = TAKE_PTR(path);
	return 0;
}

void storage_idmap_lower_umount(const struct ve_fs *fs)
{
	_cleanup_free_ char *path = lower_path(fs);

	if (path && umount2(path, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		log_warn_errno(neg_errno(), "Unable to unmount %s: %m, ignoring", path);
}

int storage_idmap_root(const struct ve_fs *fs, int fd)
{
	struct stat st;

	/* The VE's / belongs to its root: chown through the overlay copies that up once. */
	if (fstat(fd, &st) < 0)
		return log_errno(neg_errno(), "Unable to stat the root of %s: %m", fs->root);
	if (st.st_uid == fs->uidmap.outside && st.st_gid == fs->gidmap.outside)
		return 0;
	if (fchownat(fd, "", fs->uidmap.outside, fs->gidmap.outside, AT_EMPTY_PATH) < 0)
		return log_errno(neg_errno(), "Unable to give %s to the VE's root: %m", fs->root);
	return 0;
}
