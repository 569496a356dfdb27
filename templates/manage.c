/*
 * Managing template caches: which VEs use each version, their size on disk, building a new
 * version, and removing versions no VE uses.
 *
 * A VE uses the version its config names (OSTEMPLATE and OSTEMPLATE_VERSION). A removal holds
 * TEMPLATE/cache/<name>.lock exclusively while it reads the configs and removes; a create holds
 * it shared from picking a version until its config is saved (ve_template_pin), so a removal
 * sees every VE that can use the version.
 */
#include "templates/template.h"

#include <dirent.h>
#include <fcntl.h>
#include <fts.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "runtime/util.h"
#include "templates/template-internal.h"

#define REMOVE_PREFIX ".build-removed-"

/* One VE's template, as its config names it. */
struct use {
	unsigned veid;
	char *name;
	char *version;
};

static void uses_free(struct use *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].version);
	}
	free(u);
}

/*
 * The template of every VE with a config. A config that cannot be read is an error: it may
 * name a version, and a removal must not guess.
 */
static int read_uses(const struct ve_global *g, struct use **ret, size_t *ret_n)
{
	_cleanup_free_ unsigned *ids = NULL;
	struct use *u = NULL;
	unsigned n_ids = 0;
	size_t n = 0;
	int r;

	r = ve_config_list(g, &ids, &n_ids);
	if (r < 0)
		return r;
	if (n_ids && !(u = calloc(n_ids, sizeof(*u))))
		return -ENOMEM;
	for (unsigned i = 0; i < n_ids; i++) {
		struct ve_config *c = NULL;

		r = ve_config_load(g, ids[i], &c);
		if (r == -ENOENT) /* destroyed meanwhile */
			continue;
		if (r < 0) {
			log_error("Cannot read the config of CT %u", ids[i]);
			uses_free(u, n);
			return r;
		}
		if (c->fs.ostemplate && c->fs.ostemplate_version) {
			u[n].veid = ids[i];
			u[n].name = strdup(c->fs.ostemplate);
			u[n].version = strdup(c->fs.ostemplate_version);
			n++;
		}
		ve_config_free(c);
		if (n && (!u[n - 1].name || !u[n - 1].version)) {
			uses_free(u, n);
			return -ENOMEM;
		}
	}
	*ret = u;
	*ret_n = n;
	return 0;
}

/* The VEs (sorted, as ve_config_list returns them) that use name/version. */
static int users_of(const struct use *u, size_t n, const char *name, const char *version,
		    unsigned **ret, size_t *ret_n)
{
	unsigned *ids = NULL;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(u[i].name, name) || strcmp(u[i].version, version))
			continue;
		unsigned *ni = realloc(ids, (k + 1) * sizeof(*ids));

		if (!ni) {
			free(ids);
			return -ENOMEM;
		}
		ids = ni;
		ids[k++] = u[i].veid;
	}
	*ret = ids;
	*ret_n = k;
	return 0;
}

struct inode_blocks {
	ino_t ino;
	uint64_t bytes;
};

static int cmp_ino(const void *a, const void *b)
{
	const struct inode_blocks *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Bytes allocated by the tree at path (st_blocks), files with several links counted once. */
static int tree_size(const char *path, uint64_t *ret)
{
	char *paths[] = {(char *)path, NULL};
	_cleanup_free_ struct inode_blocks *multi = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	FTSENT *e;
	FTS *fts;

	/* Physical and on one filesystem: a symlink or a mount in the tree is not its size. */
	fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	if (!fts)
		return log_errno(neg_errno(), "Cannot walk '%s': %m", path);
	while ((e = fts_read(fts))) {
		if (e->fts_info == FTS_DP || e->fts_info == FTS_DNR || e->fts_info == FTS_NS ||
		    e->fts_info == FTS_ERR)
			continue;
		uint64_t bytes = (uint64_t)e->fts_statp->st_blocks * 512;

		if (S_ISDIR(e->fts_statp->st_mode) || e->fts_statp->st_nlink < 2) {
			total += bytes;
			continue;
		}
		if (n == cap) {
			struct inode_blocks *nm =
			    realloc(multi, (cap = cap ? 2 * cap : 256) * sizeof(*multi));
			if (!nm) {
				fts_close(fts);
				return -ENOMEM;
			}
			multi = nm;
		}
		multi[n++] = (struct inode_blocks){e->fts_statp->st_ino, bytes};
	}
	fts_close(fts);
	if (n)
		qsort(multi, n, sizeof(*multi), cmp_ino);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || multi[i].ino != multi[i - 1].ino)
			total += multi[i].bytes;
	*ret = total;
	return 0;
}

void ve_template_infos_free(struct ve_template_infos *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].version);
		free(l->v[i].veids);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Fills one entry for "name/version" (an element of ve_template_list). */
static int fill_info(const struct ve_global *g, const char *nv, const struct use *u, size_t n_u,
		     bool with_size, struct ve_template_info *ret)
{
	const char *slash = strchr(nv, '/');
	_cleanup_free_ char *root = NULL;
	int r;

	ret->name = strndup(nv, slash - nv);
	ret->version = strdup(slash + 1);
	if (!ret->name || !ret->version)
		return -ENOMEM;
	r = users_of(u, n_u, ret->name, ret->version, &ret->veids, &ret->n_veids);
	if (r < 0 || !with_size)
		return r;
	r = ve_template_root(g, ret->name, ret->version, &root);
	if (r == -ENOENT) /* removed since it was listed */
		return 0;
	return r < 0 ? r : tree_size(root, &ret->size);
}

int ve_template_scan(const struct ve_global *g, const char *name, bool with_size,
		     struct ve_template_infos *ret)
{
	_cleanup_strv_ char **all = NULL;
	struct ve_template_infos l = {0};
	struct use *u = NULL;
	size_t n_u = 0, len = name ? strlen(name) : 0;
	int r;

	if (name && !ve_template_name_valid(name))
		return log_errno(-EINVAL, "Invalid OS template name '%s'", name);
	r = ve_template_list(g, &all);
	if (r < 0)
		return r;
	r = read_uses(g, &u, &n_u);
	if (r < 0)
		return r;
	l.v = calloc(ve_strv_len(all) + 1, sizeof(*l.v));
	if (!l.v)
		r = -ENOMEM;
	for (char **p = all; r >= 0 && *p; p++) {
		if (name && (strncmp(*p, name, len) || (*p)[len] != '/'))
			continue;
		r = fill_info(g, *p, u, n_u, with_size, &l.v[l.n++]);
	}
	uses_free(u, n_u);
	if (r < 0) {
		ve_template_infos_free(&l);
		return r;
	}
	*ret = l;
	return 0;
}

int ve_template_update(const struct ve_global *g, const char *name, char **ret_version)
{
	_cleanup_free_ char *cache = NULL, *name_dir = NULL, *recipe = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	if (!ve_template_name_valid(name))
		return log_errno(-EINVAL, "Invalid OS template name '%s'", name ? name : "");
	r = template_check_global(g, true);
	if (r < 0)
		return r;
	r = template_recipe(g, name, &recipe);
	if (r < 0)
		return r;
	if (template_cache_paths(g, name, &cache, &name_dir) < 0)
		return -ENOMEM;
	r = ve_mkdir_p(cache, 0755);
	if (r < 0)
		return log_errno(r, "Cannot create '%s': %m", cache);
	lock = template_lock(cache, name, LOCK_EX);
	if (lock < 0)
		return lock;
	return template_build(g, name_dir, name, recipe, ret_version);
}

/* Appends "name/version is used by VEs 101, 102" to the message *s. */
static int append_users(char **s, const char *name, const char *version, const unsigned *ids,
			size_t n)
{
	char *out = ve_strdup_printf("%s%s%s/%s is used by VE%s", *s ? *s : "",
				     *s ? "; " : "OS template ", name, version, n > 1 ? "s" : "");

	for (size_t i = 0; out && i < n; i++) {
		char *t = ve_strdup_printf("%s%s%u", out, i ? ", " : " ", ids[i]);

		free(out);
		out = t;
	}
	if (!out)
		return -ENOMEM;
	free(*s);
	*s = out;
	return 0;
}

/*
 * Refuses (-EBUSY, one line naming the VEs) if a VE uses one of versions. Called with the
 * template lock held exclusively, so no create can pick one of them meanwhile.
 */
static int check_unused(const struct ve_global *g, const char *name, char **versions)
{
	_cleanup_free_ char *msg = NULL;
	struct use *u = NULL;
	size_t n_u = 0;
	int r = read_uses(g, &u, &n_u);

	for (char **v = versions; r >= 0 && *v; v++) {
		_cleanup_free_ unsigned *ids = NULL;
		size_t n = 0;

		r = users_of(u, n_u, name, *v, &ids, &n);
		if (r >= 0 && n)
			r = append_users(&msg, name, *v, ids, n);
	}
	uses_free(u, n_u);
	if (r < 0)
		return r;
	if (msg) {
		log_error("%s; nothing removed", msg);
		return -EBUSY;
	}
	return 0;
}

/* Takes a version out of sight by a rename (atomic), then deletes it. */
static int remove_version(const char *name_dir, const char *name, const char *version)
{
	_cleanup_free_ char *src = ve_strdup_printf("%s/%s", name_dir, version);
	_cleanup_free_ char *dst = ve_strdup_printf("%s/" REMOVE_PREFIX "%s", name_dir, version);
	int r;

	if (!src || !dst)
		return -ENOMEM;
	(void)ve_rm_rf(dst); /* a leftover of an interrupted removal */
	if (rename(src, dst) < 0)
		return log_errno(neg_errno(), "Cannot rename '%s' to '%s': %m", src, dst);
	r = ve_rm_rf(dst);
	if (r < 0)
		/* Named .build-*: the next build of this template removes it. */
		log_warn_errno(r, "Cannot remove '%s': %m, ignoring", dst);
	log_info("OS template cache %s/%s removed", name, version);
	return 0;
}

/* The versions to remove: version if cached, else every cached one. -ENOENT if none. */
static int pick_versions(const char *name_dir, const char *name, const char *version, char ***ret)
{
	_cleanup_strv_ char **all = NULL, **one = NULL;
	bool found = false;
	int r = template_list_versions(name_dir, &all);

	if (r < 0)
		return r;
	for (char **v = all; version && *v; v++)
		found |= !strcmp(*v, version);
	if (version && !found)
		return log_errno(-ENOENT, "OS template %s version %s not found", name, version);
	if (!all[0])
		return log_errno(-ENOENT, "OS template %s has no cached version", name);
	if (version) {
		r = ve_strv_push(&one, version);
		if (r < 0)
			return r;
		*ret = TAKE_PTR(one);
		return 0;
	}
	qsort(all, ve_strv_len(all), sizeof(char *), template_cmp_str);
	*ret = TAKE_PTR(all);
	return 0;
}

int ve_template_remove(const struct ve_global *g, const char *name, const char *version)
{
	_cleanup_free_ char *cache = NULL, *name_dir = NULL;
	_cleanup_strv_ char **versions = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	if (!ve_template_name_valid(name) || (version && !template_component_valid(version)))
		return log_errno(-EINVAL, "Invalid OS template '%s%s%s'", name ? name : "",
				 version ? "/" : "", version ? version : "");
	r = template_check_global(g, false);
	if (r < 0)
		return r;
	if (template_cache_paths(g, name, &cache, &name_dir) < 0)
		return -ENOMEM;
	if (!ve_path_exists(name_dir))
		return log_errno(-ENOENT, "OS template %s has no cached version", name);
	/* Exclusive: no create holds a pin on it and none can take one until we are done. */
	lock = template_lock(cache, name, LOCK_EX);
	if (lock < 0)
		return lock;
	r = pick_versions(name_dir, name, version, &versions);
	if (r >= 0)
		r = check_unused(g, name, versions);
	for (char **v = versions; r >= 0 && *v; v++)
		r = remove_version(name_dir, name, *v);
	/* The directory goes with its last version; a build recreates it under the lock. */
	if (r >= 0 && rmdir(name_dir) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		log_warn_errno(neg_errno(), "Cannot remove '%s': %m, ignoring", name_dir);
	return r;
}
