/*
 * Pool monitoring: the filesystem that holds the VEs' private areas, how full it is, and how
 * much the VEs' disk limits promise out of it (overcommit), checked against vz.conf's
 * POOL_WARN_USED, POOL_WARN_OVERCOMMIT and POOL_MIN_FREE before every allocation.
 */
#include "fs/storage.h"

#include <inttypes.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "runtime/util.h"

/* Free inodes below which the pool counts as full, whatever POOL_MIN_FREE says. */
#define POOL_MIN_FREE_INODES 1024

/* The nearest existing directory at or above path (a VE's private area may not exist yet). */
static int existing_ancestor(const char *path, char **ret, struct stat *ret_st)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (;;) {
		if (stat(p, ret_st) == 0) {
			*ret = TAKE_PTR(p);
			return 0;
		}
		if (errno != ENOENT && errno != ENOTDIR)
			return log_errno(neg_errno(), "Cannot stat '%s': %m", p);
		if (!strcmp(p, "/") || !strcmp(p, "."))
			return log_errno(-ENOENT, "No existing directory above '%s'", path);
		char *d = strdup(dirname(p));

		if (!d)
			return -ENOMEM;
		free(p);
		p = d;
	}
}

/* Whether the "pool" layout's XFS pool is configured and mounted: then it is the pool. */
static bool xfs_pool_mounted(const struct ve_global *g)
{
	return g->pool_size && g->pool_dir && ve_is_mount_point(g->pool_dir) == 1;
}

/*
 * Where the pool is: the "pool" layout's XFS at POOL_DIR when xfs_pool, else the filesystem of
 * the directory holding the VEs' private areas (dirname of private_dir), or of its nearest
 * existing ancestor. Fills path, the sizes from statvfs, and *ret_dev, the device that VEs in
 * the pool have their disk on.
 */
static int pool_locate(const struct ve_global *g, const char *private_dir, bool xfs_pool,
		       struct ve_pool_status *st, dev_t *ret_dev)
{
	_cleanup_free_ char *dir = strdup(xfs_pool ? g->pool_dir : private_dir);
	struct statvfs sv;
	struct stat s;
	int r;

	if (!dir)
		return -ENOMEM;
	r = existing_ancestor(xfs_pool ? dir : dirname(dir), &st->path, &s);
	if (r < 0)
		return r;
	if (statvfs(st->path, &sv) < 0)
		return log_errno(neg_errno(), "Cannot statfs '%s': %m", st->path);
	st->size = (uint64_t)sv.f_blocks * sv.f_frsize;
	st->used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
	st->free = (uint64_t)sv.f_bavail * sv.f_frsize;
	st->inodes = sv.f_files;
	st->inodes_used = sv.f_files - sv.f_ffree;
	st->inodes_free = sv.f_favail;
	*ret_dev = s.st_dev;
	return 0;
}

/* The device a VE's disk lives on: a pool VE's VE_PRIVATE/fs leads into the XFS pool. */
static int ve_disk_dev(const struct ve_fs *fs, dev_t *ret)
{
	_cleanup_free_ char *at = NULL, *inpool = NULL;
	struct stat s;
	int r;

	if (fs->layout && !strcmp(fs->layout, "pool")) {
		inpool = ve_strdup_printf("%s/fs", fs->private);
		if (!inpool)
			return -ENOMEM;
		if (stat(inpool, &s) == 0) {
			*ret = s.st_dev;
			return 0;
		}
	}
	r = existing_ancestor(fs->private, &at, &s);
	if (r >= 0)
		*ret = s.st_dev;
	return r;
}

/* Counts one VE and its hard limits; unlimited ones are counted apart. */
static void add_ve(struct ve_pool_status *st, const struct ve_fs *fs)
{
	st->n_ves++;
	if (fs->diskspace.limit == VE_UNLIMITED)
		st->n_unlimited++;
	else
		st->diskspace_sum += fs->diskspace.limit;
	if (fs->diskinodes.limit != VE_UNLIMITED)
		st->diskinodes_sum += fs->diskinodes.limit;
}

/* Adds the limits of every VE (but skip) whose private area is on dev. */
static int sum_limits(const struct ve_global *g, dev_t dev, unsigned skip,
		      struct ve_pool_status *st)
{
	_cleanup_free_ unsigned *ids = NULL;
	unsigned n = 0;
	int r = ve_config_list(g, &ids, &n);

	for (unsigned i = 0; r >= 0 && i < n; i++) {
		struct ve_config *c = NULL;
		dev_t d = 0;

		if (ids[i] == skip)
			continue;
		r = ve_config_load(g, ids[i], &c);
		if (r == -ENOENT || r == -EINVAL) { /* gone, or broken (logged): not counted */
			r = 0;
			continue;
		}
		if (r >= 0 && c->fs.private)
			r = ve_disk_dev(&c->fs, &d);
		if (r >= 0 && c->fs.private && d == dev)
			add_ve(st, &c->fs);
		ve_config_free(c);
	}
	return r < 0 ? r : 0;
}

/* The ratios and the thresholds crossed, from the numbers. */
static void judge(const struct ve_global *g, struct ve_pool_status *st)
{
	uint64_t avail = st->used + st->free;

	st->used_percent = avail ? (double)st->used * 100.0 / (double)avail : 0;
	st->overcommit = st->size ? (double)st->diskspace_sum / (double)st->size : 0;
	st->warn_used = g->pool_warn_used && st->used_percent >= g->pool_warn_used;
	st->warn_overcommit =
	    g->pool_warn_overcommit > 0 && st->overcommit >= g->pool_warn_overcommit;
	st->full =
	    st->free < g->pool_min_free || (st->inodes && st->inodes_free < POOL_MIN_FREE_INODES);
}

static int pool_get(const struct ve_global *g, const char *private_dir, bool xfs_pool,
		    unsigned skip, bool with_sum, struct ve_pool_status *ret)
{
	struct ve_pool_status st = {0};
	dev_t dev = 0;
	int r;

	if (!private_dir)
		return log_errno(-EINVAL, "VE_PRIVATE is not set");
	r = pool_locate(g, private_dir, xfs_pool, &st, &dev);
	if (r >= 0 && with_sum)
		r = sum_limits(g, dev, skip, &st);
	if (r < 0) {
		ve_pool_status_free(&st);
		return r;
	}
	judge(g, &st);
	*ret = st;
	return 0;
}

int ve_pool_status(const struct ve_global *g, struct ve_pool_status *ret)
{
	/* Any CTID: only the directory above the private areas matters. */
	_cleanup_free_ char *priv = g ? ve_global_expand(g->ve_private, 0) : NULL;

	if (!g)
		return -EINVAL;
	if (!priv)
		return -ENOMEM;
	return pool_get(g, priv, xfs_pool_mounted(g), 0, true, ret);
}

void ve_pool_status_free(struct ve_pool_status *st)
{
	if (st) {
		free(st->path);
		st->path = NULL;
	}
}

/* The warning line, as one message: which thresholds are crossed. */
static void warn(const struct ve_global *g, const struct ve_pool_status *st)
{
	char used[96] = "", oc[128] = "";

	if (st->warn_used)
		snprintf(used, sizeof(used), "%.1f%% used (POOL_WARN_USED=%u)", st->used_percent,
			 g->pool_warn_used);
	if (st->warn_overcommit)
		snprintf(oc, sizeof(oc), "%sovercommitted %.2fx (POOL_WARN_OVERCOMMIT=%g)",
			 *used ? ", " : "", st->overcommit, g->pool_warn_overcommit);
	log_warn("Storage pool %s is %s%s", st->path, used, oc);
}

int ve_pool_check(const struct ve_config *c, const char *private_dir)
{
	const struct ve_global *g = c->global;
	struct ve_pool_status st;
	int r;

	if (!g)
		return 0;
	/* The sum of every VE's limits costs a read of each config: only when it is wanted. */
	r = pool_get(g, private_dir ? private_dir : c->fs.private,
		     c->fs.layout && !strcmp(c->fs.layout, "pool") && xfs_pool_mounted(g), c->veid,
		     g->pool_warn_overcommit > 0, &st);
	if (r < 0)
		return r;
	if (g->pool_warn_overcommit > 0) {
		add_ve(&st, &c->fs);
		judge(g, &st);
	}
	if (st.full) {
		log_error("Storage pool %s is full (%.1f MiB and %" PRIu64
			  " inodes free, POOL_MIN_FREE is %.1f MiB): refusing to allocate",
			  st.path, (double)st.free / 1048576, st.inodes_free,
			  (double)g->pool_min_free / 1048576);
		ve_pool_status_free(&st);
		return -ENOSPC;
	}
	r = st.warn_used || st.warn_overcommit;
	if (r)
		warn(g, &st);
	ve_pool_status_free(&st);
	return r;
}
