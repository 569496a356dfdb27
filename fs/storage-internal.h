#ifndef VE_STORAGE_INTERNAL_H
#define VE_STORAGE_INTERNAL_H

#include "storage.h"

#include <stdbool.h>
#include <stddef.h>

extern const struct ve_storage_ops ve_storage_dir_ops;
extern const struct ve_storage_ops ve_storage_image_ops;
extern const struct ve_storage_ops ve_storage_prjquota_ops;
extern const struct ve_storage_ops ve_storage_pool_ops;

/* The "image" backend's probe without logging: 0, or -EOPNOTSUPP with *why set (static). */
int storage_image_check(const char **why);

/* fs/compact.c: err (logged) when fs->thick and backend o cannot preallocate, else 0. */
int storage_thick_check(const struct ve_fs *fs, const struct ve_storage_ops *o, int err);

/*
 * The VE root: overlay(lowerdir, upper, work), the template idmapped for a VE with a user
 * namespace and the root directory given to the VE's root. ret NULL: attached at VE_ROOT
 * (created); else a detached mount (*ret, struct ve_root) in no mount namespace, and VE_ROOT
 * only created, as the mount point init attaches it on in its own namespace.
 */
int storage_overlay_mount(const struct ve_fs *fs, const char *lowerdir, const char *upper,
			  const char *work, int userns, struct ve_root *ret);
/* Unmounts root (waiting briefly while busy); not mounted is success. */
int storage_overlay_umount(const char *root);
/* Removes VE_PRIVATE (rm -rf) and the empty VE_ROOT directory: the end of every destroy. */
int storage_remove_private(const struct ve_fs *fs);
/* Sums st_blocks and inodes below dir without crossing mounts. */
int storage_walk_usage(const char *dir, struct ve_fs_usage *ret);

/* fs/idmap.c: for a VE with a user namespace (fs->uidmap.count), an idmapped read-only bind
 * of the template at VE_PRIVATE/lower; *ret_path is the overlay's lower layer then. userns:
 * a user namespace with the VE's maps (the VE's own), or -1: one is made for the id map. */
int storage_idmap_lower(const struct ve_fs *fs, const char *lowerdir, int userns, char **ret_path);
/* The same idmapped template as a detached mount (fd, O_CLOEXEC). */
int storage_idmap_tree(const struct ve_fs *fs, const char *lowerdir, int userns);
void storage_idmap_lower_umount(const struct ve_fs *fs);
/* Gives the VE root directory (the overlay's root, fd) to the VE's root user. */
int storage_idmap_root(const struct ve_fs *fs, int fd);

/* fs/mntns.c: a private copy of the caller's mount namespace (all mounts private) for mounts
 * no other process may see; leave returns to the namespace and working directory entered
 * from, and the copy with its mounts goes away. Single-threaded callers only. */
struct storage_mntns {
	int host, cwd;
};
int storage_mntns_enter(struct storage_mntns *ns);
void storage_mntns_leave(struct storage_mntns *ns);

/* fs/copy.c: in's data into out (empty), holes kept, reflinked where possible. */
int storage_copy_data(int in, int out);
/* Copies the tree src to the new directory dst: owners, modes, xattrs, times, hard links. */
int storage_copy_tree(const char *src, const char *dst);
/* fs/idmap.c: the template idmapped for fs's VE, read-only, attached at path. */
int storage_idmap_bind(const struct ve_fs *fs, const char *lowerdir, int userns, const char *path);

/*
 * Runs argv[0] (looked up in the system's sbin and bin directories) with stdin and stdout on
 * /dev/null, a fixed environment and stderr captured: the first line goes to err (may be NULL).
 * Returns the exit status (0..255), -ENOENT if the program is missing, -ECHILD if it was
 * killed, or another negative errno.
 */
int storage_run(char *const argv[], char *err, size_t errlen);
/* The absolute path of a program in the system directories, or NULL. Caller frees. */
char *storage_find_program(const char *name);

/* fs/dir.c: snapshots as copies of an upper tree, for the directory-based layouts. The
 * snapshot is dir/upper; base holds the VE's upper/ and work/. */
int storage_tree_snapshot_take(const char *upper, const char *dir);
int storage_tree_snapshot_restore(const char *base, const char *dir);
int storage_tree_snapshot_open(const struct ve_fs *fs, const char *dir, char **ret_upper);
void storage_tree_snapshot_close(const struct ve_fs *fs, const char *dir);

/* fs/loop.c: binds img (open as img_fd) to a free loop device with autoclear and direct I/O;
 * returns the device's fd and its path in ret_dev. */
int storage_loop_attach(int img_fd, const char *img, bool ro, char *ret_dev, size_t devlen);
/* The loop device already backed by img_fd's file, if any: 0 or -ENOENT. */
int storage_loop_find(int img_fd, char *ret_dev, size_t devlen);

/* fs/pool.c: 0 if the pool layout is configured and its tools exist, else -EOPNOTSUPP with
 * *why set; mounts the pool (making its image on first use) unless mounted. */
int storage_pool_check(const struct ve_fs *fs, const char **why);
int storage_pool_ensure(const struct ve_fs *fs);

/* fs/quota.c: project quota through quotactl_fd on any fd of the filesystem. */
struct storage_quota {
	uint64_t bytes_used, inodes_used;
	uint64_t bytes_soft, bytes_hard, inodes_soft, inodes_hard; /* 0 = none */
};
/* 0 if the filesystem holding path (or its nearest existing parent) enforces project
 * quota; else -EOPNOTSUPP with *why set (static string). */
int storage_quota_check(const char *path, const char **why);
/* Gives the directory dfd the project id, inherited by everything created below it. */
int storage_quota_tag(int dfd, uint32_t projid);
int storage_quota_get(int fd, uint32_t projid, struct storage_quota *ret);
/* Sets the project's limits from fs's DISKSPACE and DISKINODES (inodes plus extra_inodes). */
int storage_quota_set(int fd, uint32_t projid, const struct ve_fs *fs, uint64_t extra_inodes);
int storage_quota_clear(int fd, uint32_t projid);
/* Sets the filesystem's grace period for soft project limits. */
int storage_quota_set_grace(int fd, uint64_t seconds);

/* fs/prjquota.c: the project directory VE_PRIVATE/fs (holding upper/ and work/) shared by
 * the quota layouts; for "pool" it is a symlink into the pool. */
/* Tags the existing, empty directory base with the VE's project and limits, makes upper/
 * and work/ in it. */
int storage_prj_setup(const struct ve_fs *fs, const char *base);
/* Clears the VE's project limits on the filesystem of the directory fd. */
void storage_prj_release(const struct ve_fs *fs, int fd);
int storage_prj_mount(const struct ve_fs *fs, const char *lowerdir, int userns,
		      struct ve_root *ret);
int storage_prj_umount(const struct ve_fs *fs);
int storage_prj_resize(const struct ve_fs *fs);
int storage_prj_usage(const struct ve_fs *fs, struct ve_fs_usage *ret);
int storage_prj_snapshot_take(const struct ve_fs *fs, const char *dir);
int storage_prj_snapshot_restore(const struct ve_fs *fs, const char *dir);

#endif
