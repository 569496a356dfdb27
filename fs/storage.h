/*
 * VE storage: the VE root is an overlay of a read-only template cache (lower) and per-VE
 * upper and work directories under VE_PRIVATE. Backends differ in how the upper layer is
 * limited (plain directory, project quota, loop image) and sit behind one ops table.
 */
#ifndef VE_STORAGE_H
#define VE_STORAGE_H

#include <stdint.h>

#include "../runtime/config.h"

struct ve_fs_usage {
	uint64_t bytes_used;
	uint64_t inodes_used;
};

struct ve_storage_ops {
	const char *name;
	/* 0 when this backend works for VE_PRIVATE's filesystem, else -EOPNOTSUPP (logged with
	 * the probe that failed). */
	int (*probe)(const char *private_dir);
	/* Creates VE_PRIVATE with its upper/work layout; -EEXIST if it exists. */
	int (*create)(const struct ve_fs *fs);
	/* Mounts the overlay of lowerdir and the VE's upper at VE_ROOT. */
	int (*mount)(const struct ve_fs *fs, const char *lowerdir);
	int (*umount)(const struct ve_fs *fs);
	/* Removes VE_PRIVATE and everything the backend allocated; ENOENT is success. */
	int (*destroy)(const struct ve_fs *fs);
	int (*resize)(const struct ve_fs *fs);
	int (*usage)(const struct ve_fs *fs, struct ve_fs_usage *ret);
};

/* The backend for a layout name; NULL or "" chooses by probing. NULL if unknown. */
const struct ve_storage_ops *ve_storage_get(const char *layout);
/* Default layout for a VE_PRIVATE directory with no disk limit, by probing. Static string. */
const char *ve_storage_default_layout(const char *private_dir);
/*
 * The layout for a new VE: fs->layout when set (--layout, VE_LAYOUT), else by probing the
 * host and VE_PRIVATE's filesystem: a quota-capable backend when fs has a DISKSPACE or
 * DISKINODES limit ("image" on any kernel with loop devices), else the default layout.
 * Static string or fs->layout. NULL (logged with the probe that failed) if fs has limits and
 * no backend here can enforce them.
 */
const char *ve_storage_choose_layout(const struct ve_fs *fs);

/* Convenience wrappers over the VE's recorded backend. */
int ve_storage_create(const struct ve_fs *fs);
int ve_storage_mount(const struct ve_fs *fs, const char *lowerdir);
int ve_storage_umount(const struct ve_fs *fs);
int ve_storage_destroy(const struct ve_fs *fs);
int ve_storage_usage(const struct ve_fs *fs, struct ve_fs_usage *ret);
/*
 * Makes the VE's disk match fs->diskspace and fs->diskinodes. Nothing is changed on error:
 * -ERANGE for a limit the backend cannot reach (shrink, below usage, inodes), -EBUSY when the
 * VE must be stopped first, -EOPNOTSUPP when the layout has no quota. All logged.
 */
int ve_storage_resize(const struct ve_fs *fs);
/* 1 if VE_ROOT has the VE mounted, 0 if not. */
int ve_storage_is_mounted(const struct ve_fs *fs);

#endif
