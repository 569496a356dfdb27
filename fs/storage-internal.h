#ifndef VE_STORAGE_INTERNAL_H
#define VE_STORAGE_INTERNAL_H

#include "storage.h"

extern const struct ve_storage_ops ve_storage_dir_ops;

/* Mounts overlay(lower, upper, work) on root, creating root. */
int storage_overlay_mount(const char *lowerdir, const char *upper, const char *work,
			  const char *root);
/* Unmounts root (waiting briefly while busy); not mounted is success. */
int storage_overlay_umount(const char *root);
/* Sums st_blocks and inodes below dir without crossing mounts. */
int storage_walk_usage(const char *dir, struct ve_fs_usage *ret);

#endif
