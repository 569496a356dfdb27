/*
 * VE storage: the VE root is an overlay of a read-only template cache (lower) and per-VE
 * upper and work directories under VE_PRIVATE. Backends differ in how the upper layer is
 * limited (plain directory, project quota, loop image) and sit behind one ops table.
 */
#ifndef VE_STORAGE_H
#define VE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../runtime/config.h"

struct ve_fs_usage {
	uint64_t bytes_used;
	uint64_t inodes_used;
};

/* The VE's root made detached for its start (ve_storage_open_root); fds O_CLOEXEC. */
struct ve_root {
	int fd;	   /* the overlay */
	int layer; /* -1, or the detached idmapped template the overlay holds a clone of: closing
		    * it waits for an RCU grace period, so init drops it with its copy of the host's
		    * mounts (ct_rootfs_setup) */
};

struct ve_storage_ops {
	const char *name;
	/* 0 when this backend works for VE_PRIVATE's filesystem, else -EOPNOTSUPP (logged with
	 * the probe that failed). */
	int (*probe)(const char *private_dir);
	/* Creates VE_PRIVATE with its upper/work layout; -EEXIST if it exists. */
	int (*create)(const struct ve_fs *fs);
	/* Mounts the overlay of lowerdir and the VE's upper (storage_overlay_mount): at VE_ROOT
	 * when ret is NULL, else detached into *ret. A disk of the VE's own (image) is
	 * attached on the host either way. userns: a user namespace with the VE's maps (its own)
	 * for the idmapped template, or -1: one is made. */
	int (*mount)(const struct ve_fs *fs, const char *lowerdir, int userns, struct ve_root *ret);
	int (*umount)(const struct ve_fs *fs);
	/* Removes VE_PRIVATE and everything the backend allocated; ENOENT is success. */
	int (*destroy)(const struct ve_fs *fs);
	int (*resize)(const struct ve_fs *fs);
	int (*usage)(const struct ve_fs *fs, struct ve_fs_usage *ret);
	/* Snapshots (fs/snapshot.c drives them): copy the VE's disk into the new directory dir;
	 * replace the VE's disk (not mounted) with dir's copy; expose dir's upper tree read-only
	 * (*ret_upper, caller frees) and undo that. */
	int (*snapshot_take)(const struct ve_fs *fs, const char *dir);
	int (*snapshot_restore)(const struct ve_fs *fs, const char *dir);
	int (*snapshot_open)(const struct ve_fs *fs, const char *dir, char **ret_upper);
	void (*snapshot_close)(const struct ve_fs *fs, const char *dir);
	/* Thick provisioning (fs->thick): allocates the whole disk so the host can never be
	 * overcommitted; create and resize keep it so. NULL: the layout has no disk of its own
	 * size to allocate, and thick is refused (ve_storage_create, ve_storage_resize). */
	int (*provision)(const struct ve_fs *fs);
	/* Gives blocks freed inside the VE back to the host; the bytes the VE's disk takes on the
	 * host before and after. 1 (logged) when there is nothing to do (a thick disk). NULL:
	 * freed space returns to the host by itself. */
	int (*compact)(const struct ve_fs *fs, uint64_t *ret_before, uint64_t *ret_after);
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
/* Mounts the VE at VE_ROOT on the host (vzctl mount). */
int ve_storage_mount(const struct ve_fs *fs, const char *lowerdir);
/*
 * The VE's root for its start: the same overlay as a detached mount, in no mount namespace, so
 * the host's mount table does not grow with the running VEs; init attaches it in its own mount
 * namespace. Sets *ret (closing ret->fd before it is attached unmounts it). A disk of the VE's
 * own is attached on the host as for ve_storage_mount, and ve_storage_umount releases it once
 * the VE is down. userns: the VE's user namespace, its maps written, for the idmapped template
 * (-1: one is made). Negative errno, logged.
 */
int ve_storage_open_root(const struct ve_fs *fs, const char *lowerdir, int userns,
			 struct ve_root *ret);
int ve_storage_umount(const struct ve_fs *fs);
int ve_storage_destroy(const struct ve_fs *fs);
int ve_storage_usage(const struct ve_fs *fs, struct ve_fs_usage *ret);
/*
 * Makes the VE's disk match fs->diskspace and fs->diskinodes. Nothing is changed on error:
 * -ERANGE for a limit the backend cannot reach (shrink, below usage, inodes), -EBUSY when the
 * VE must be stopped first, -EOPNOTSUPP when the layout has no quota. All logged.
 */
int ve_storage_resize(const struct ve_fs *fs);
/*
 * Returns freed space inside the VE's disk to the host (FITRIM on the image, mounted privately
 * and briefly if the VE is not mounted). *ret_before and *ret_after: the bytes the disk takes
 * on the host. 0 when compacted, 1 (logged) when there is nothing to compact: a thick disk, or
 * a layout whose freed space returns to the host by itself. Negative errno, logged.
 */
int ve_storage_compact(const struct ve_fs *fs, uint64_t *ret_before, uint64_t *ret_after);
/* 1 if VE_ROOT has the VE mounted, 0 if not. */
int ve_storage_is_mounted(const struct ve_fs *fs);

/*
 * Snapshots of a VE's disk under VE_PRIVATE/snapshots/<uuid>/: the backend's copy of the upper
 * layer plus meta.json (id, name, description, date, parent). The current snapshot (the one
 * the VE's disk descends from) is recorded in VE_PRIVATE/snapshots/current.
 */
#define VE_SNAPSHOT_ID_LEN 36

struct ve_snapshot {
	char id[VE_SNAPSHOT_ID_LEN + 1];
	char parent[VE_SNAPSHOT_ID_LEN + 1]; /* "" for a root snapshot */
	char *name, *description;	     /* never NULL */
	int64_t date;			     /* seconds since the epoch */
	int64_t date_ns;		     /* and nanoseconds, for the order */
	bool current;
	char *mounted; /* snapshot-mount's target, NULL when not mounted */
};

struct ve_snapshot_list {
	struct ve_snapshot *v; /* oldest first */
	size_t n;
};

/* Normalizes a UUID ("{UUID}" or UUID, any case) to lower case without braces; -EINVAL. */
int ve_snapshot_id_parse(const char *s, char ret[VE_SNAPSHOT_ID_LEN + 1]);
/*
 * Takes a snapshot of the VE's disk. id NULL: a random UUID. The caller keeps the disk still
 * (VE stopped, or frozen). The new snapshot becomes current. -EEXIST if id is taken.
 */
int ve_snapshot_create(const struct ve_fs *fs, const char *id, const char *name,
		       const char *description, char ret_id[VE_SNAPSHOT_ID_LEN + 1]);
/* All snapshots; free with ve_snapshot_list_free. */
int ve_snapshot_list(const struct ve_fs *fs, struct ve_snapshot_list *ret);
void ve_snapshot_list_free(struct ve_snapshot_list *l);
/* The following return -ENOENT (logged) for an unknown id and change nothing then. */
/* Replaces the VE's disk with the snapshot's; -EBUSY if the VE is mounted. */
int ve_snapshot_switch(const struct ve_fs *fs, const char *id);
/* Removes a snapshot; its children get its parent. -EBUSY while it is mounted. */
int ve_snapshot_delete(const struct ve_fs *fs, const char *id);
/* Mounts the snapshot read-only (its upper over lowerdir, idmapped for a VE with a user
 * namespace) at target. -EALREADY if mounted. */
int ve_snapshot_mount(const struct ve_fs *fs, const char *id, const char *lowerdir,
		      const char *target);
/* -ENOTCONN if not mounted. */
int ve_snapshot_umount(const struct ve_fs *fs, const char *id);
/* Unmounts every mounted snapshot (destroy); errors logged, ignoring. */
void ve_snapshot_umount_all(const struct ve_fs *fs);

/*
 * Pool monitoring (fs/pool-status.c). The pool is the filesystem of the directory holding the
 * VEs' private areas (dirname of VE_PRIVATE); a VE is in it when its private area is on that
 * filesystem. Sizes are bytes; "unlimited" limits are not summed but counted in n_unlimited.
 */
struct ve_pool_status {
	char *path;			 /* the directory whose filesystem was measured */
	uint64_t size, used, free;	 /* f_blocks, f_blocks - f_bfree, f_bavail (bytes) */
	uint64_t inodes, inodes_used;	 /* f_files, f_files - f_ffree */
	uint64_t inodes_free;		 /* f_favail */
	unsigned n_ves;			 /* VEs in the pool */
	unsigned n_unlimited;		 /* of them, without a DISKSPACE hard limit */
	uint64_t diskspace_sum;		 /* their DISKSPACE hard limits */
	uint64_t diskinodes_sum;	 /* their DISKINODES hard limits */
	double used_percent;		 /* used / (used + free) * 100, as df's Use% */
	double overcommit;		 /* diskspace_sum / size */
	bool warn_used, warn_overcommit; /* POOL_WARN_USED, POOL_WARN_OVERCOMMIT reached */
	bool full; /* free below POOL_MIN_FREE, or fewer than 1024 free inodes */
};

/* Measures the pool of vz.conf's VE_PRIVATE. Free with ve_pool_status_free. */
int ve_pool_status(const struct ve_global *g, struct ve_pool_status *ret);
void ve_pool_status_free(struct ve_pool_status *st);
/*
 * Before an allocation for c (create, a grown limit, a snapshot), on the pool of private_dir
 * (NULL: c->fs.private), counting c with its new limits: 0 when fine; 1 when a threshold is
 * reached (a one-line warning logged, the caller proceeds); -ENOSPC when the pool is full
 * (logged; the caller allocates nothing). Other negative errno when it cannot be measured.
 */
int ve_pool_check(const struct ve_config *c, const char *private_dir);

#endif
