#ifndef VE_STORAGE_INTERNAL_H
#define VE_STORAGE_INTERNAL_H

#include "storage.h"

#include <stddef.h>

extern const struct ve_storage_ops ve_storage_dir_ops;
extern const struct ve_storage_ops ve_storage_image_ops;

/* The "image" backend's probe without logging: 0, or -EOPNOTSUPP with *why set (static). */
int storage_image_check(const char **why);

/* fs/compact.c: err (logged) when fs->thick and backend o cannot preallocate, else 0. */
int storage_thick_check(const struct ve_fs *fs, const struct ve_storage_ops *o, int err);

/* Mounts overlay(lower, upper, work) on root, creating root. */
int storage_overlay_mount(const char *lowerdir, const char *upper, const char *work,
			  const char *root);
/* Unmounts root (waiting briefly while busy); not mounted is success. */
int storage_overlay_umount(const char *root);
/* Sums st_blocks and inodes below dir without crossing mounts. */
int storage_walk_usage(const char *dir, struct ve_fs_usage *ret);

/* fs/idmap.c: for a VE with a user namespace (fs->uidmap.count), an idmapped read-only bind
 * of the template at VE_PRIVATE/lower; *ret_path is the overlay's lower layer then. */
int storage_idmap_lower(const struct ve_fs *fs, const char *lowerdir, char **ret_path);
void storage_idmap_lower_umount(const struct ve_fs *fs);
/* Gives the mounted VE root directory to the VE's root user. */
int storage_idmap_root(const struct ve_fs *fs);

/* fs/copy.c: in's data into out (empty), holes kept, reflinked where possible. */
int storage_copy_data(int in, int out);
/* Copies the tree src to the new directory dst: owners, modes, xattrs, times, hard links. */
int storage_copy_tree(const char *src, const char *dst);
/* fs/idmap.c: the template idmapped for fs's VE, read-only, attached at path. */
int storage_idmap_bind(const struct ve_fs *fs, const char *lowerdir, const char *path);

/*
 * Runs argv[0] (looked up in the system's sbin and bin directories) with stdin and stdout on
 * /dev/null, a fixed environment and stderr captured: the first line goes to err (may be NULL).
 * Returns the exit status (0..255), -ENOENT if the program is missing, -ECHILD if it was
 * killed, or another negative errno.
 */
int storage_run(char *const argv[], char *err, size_t errlen);
/* The absolute path of a program in the system directories, or NULL. Caller frees. */
char *storage_find_program(const char *name);

#endif
