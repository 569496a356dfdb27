/*
 * Allocation of the host id ranges of unprivileged VEs (LOCAL_UID/LOCAL_GID), under the global
 * lock. Reading every VE's config on each create made creating N VEs O(N^2); an index file,
 * CONFDIR/conf/.idranges, keeps each VE's range with its config file's identity (inode, size,
 * mtime), so a create stats the configs and parses only those changed since the last one.
 * The index is a cache: missing, unreadable or stale entries are rebuilt from the configs.
 */
#include "config-internal.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IDX_MAGIC "vzkit-idranges 1"

struct id_entry {
	unsigned veid;
	uint64_t ino, size, mtime_ns;
	uint32_t uid, gid; /* outside start of each range; 0: none */
};

struct id_index {
	struct id_entry *e;
	size_t n, cap;
	uint64_t stamp_ns; /* the index file's mtime */
};

static uint64_t mtime_ns(const struct stat *st)
{
	return (uint64_t)st->st_mtim.tv_sec * 1000000000ULL + (uint64_t)st->st_mtim.tv_nsec;
}

static int index_push(struct id_index *x, const struct id_entry *e)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct id_entry *ne = realloc(x->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		x->e = ne;
		x->cap = cap;
	}
	x->e[x->n++] = *e;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct id_entry *x = a, *y = b;

	return x->veid < y->veid ? -1 : x->veid > y->veid;
}

/* The index as last written, sorted by veid; empty when missing or not ours. */
static int index_read(const char *path, struct id_index *x)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	struct stat st;
	int r;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : neg_errno();
	x->stamp_ns = mtime_ns(&st);
	r = ve_read_file(path, &text, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	line = strtok_r(text, "\n", &save);
	if (!line || !ve_streq(line, IDX_MAGIC))
		return 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		unsigned long long v[6];
		char *p = line, *end;
		unsigned k;

		/* strtoull, not sscanf: this runs for every VE on every create. */
		for (k = 0; k < 6; k++, p = end) {
			errno = 0;
			v[k] = strtoull(p, &end, 10);
			if (end == p || errno)
				break;
		}
		if (k < 6 || *end || v[0] > UINT_MAX || v[4] > UINT32_MAX || v[5] > UINT32_MAX)
			continue; /* a damaged line: that VE is read from its config again */
		struct id_entry e = {.veid = (unsigned)v[0],
				     .ino = v[1],
				     .size = v[2],
				     .mtime_ns = v[3],
				     .uid = (uint32_t)v[4],
				     .gid = (uint32_t)v[5]};
		r = index_push(x, &e);
		if (r < 0)
			return r;
	}
	qsort(x->e, x->n, sizeof(*x->e), cmp_entry);
	return 0;
}

static const struct id_entry *index_find(const struct id_index *x, unsigned veid)
{
	struct id_entry key = {.veid = veid};

	return x->n ? bsearch(&key, x->e, x->n, sizeof(*x->e), cmp_entry) : NULL;
}

/* The entry of VE id: from the old index when its config is unchanged, else from the config. */
static int entry_for(const struct ve_global *g, unsigned id, const struct id_index *old,
		     struct id_entry *ret)
{
	_cleanup_free_ char *path = ve_strdup_printf("%s/conf/%u.conf", g->confdir, id);
	const struct id_entry *e;
	struct ve_config *o = NULL;
	struct stat st;
	int level, r;

	if (!path)
		return -ENOMEM;
	if (stat(path, &st) < 0)
		return neg_errno(); /* destroyed meanwhile: the caller skips it */
	*ret = (struct id_entry){
	    .veid = id, .ino = st.st_ino, .size = (uint64_t)st.st_size, .mtime_ns = mtime_ns(&st)};
	e = index_find(old, id);
	/* A config changed in the same clock tick as the index was written may look unchanged
	 * (as git's "racily clean" files): only entries older than the index are trusted. */
	if (e && e->ino == ret->ino && e->size == ret->size && e->mtime_ns == ret->mtime_ns &&
	    ret->mtime_ns < old->stamp_ns) {
		ret->uid = e->uid;
		ret->gid = e->gid;
		return 0;
	}
	level = ve_log_get_level();
	ve_log_set_level(-1); /* a broken config elsewhere must not stop the allocation */
	r = ve_config_load(g, id, &o);
	ve_log_set_level(level);
	if (r == 0 && o->sec.uidmap.count)
		ret->uid = o->sec.uidmap.outside;
	if (r == 0 && o->sec.gidmap.count)
		ret->gid = o->sec.gidmap.outside;
	ve_config_free(o);
	return 0;
}

static int index_write(const char *path, const struct id_index *x)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n", IDX_MAGIC);
	for (size_t i = 0; i < x->n; i++)
		fprintf(f, "%u %llu %llu %llu %u %u\n", x->e[i].veid,
			(unsigned long long)x->e[i].ino, (unsigned long long)x->e[i].size,
			(unsigned long long)x->e[i].mtime_ns, x->e[i].uid, x->e[i].gid);
	if (fclose(f) != 0)
		return -ENOMEM;
	/* Not durable: a cache the next create checks against the configs anyway. */
	return ve_write_file_replace(path, buf, len, 0600);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The lowest VE_ID_RANGE-aligned range from VE_ID_BASE that no used range overlaps. */
static uint32_t lowest_free(uint32_t *used, size_t n)
{
	uint64_t base = VE_ID_BASE;

	qsort(used, n, sizeof(*used), cmp_u32);
	for (size_t i = 0; i < n; i++) {
		/* Sorted: once a used range starts at or after this one's end, none overlaps. */
		if (used[i] >= base + VE_ID_RANGE)
			break;
		while ((uint64_t)used[i] + VE_ID_RANGE > base && used[i] < base + VE_ID_RANGE)
			base += VE_ID_RANGE;
	}
	return base > UINT32_MAX - 2ULL * VE_ID_RANGE ? 0 : (uint32_t)base;
}

/* Fills the used-range list (and the new index) from every VE config but c's own. */
static int collect_used(struct ve_config *c, struct id_index *now, uint32_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *path = ve_strdup_printf("%s/conf/.idranges", c->global->confdir);
	_cleanup_free_ unsigned *ids = NULL;
	_cleanup_free_ uint32_t *used = NULL;
	struct id_index old = {0};
	size_t nused = 0;
	unsigned n;
	int r;

	if (!path)
		return -ENOMEM;
	r = ve_config_list(c->global, &ids, &n);
	if (r == 0)
		r = index_read(path, &old);
	if (r == 0 && !(used = calloc(2 * (size_t)n + 1, sizeof(*used))))
		r = -ENOMEM;
	for (unsigned i = 0; r == 0 && i < n; i++) {
		struct id_entry e;

		if (ids[i] == c->veid || entry_for(c->global, ids[i], &old, &e) < 0)
			continue;
		r = index_push(now, &e);
		if (e.uid)
			used[nused++] = e.uid;
		if (e.gid && e.gid != e.uid)
			used[nused++] = e.gid;
	}
	free(old.e);
	if (r < 0)
		return r;
	if (index_write(path, now) < 0)
		log_debug("Unable to update %s, ignoring", path);
	*ret = TAKE_PTR(used);
	*ret_n = nused;
	return 0;
}

int ve_config_alloc_ids(struct ve_config *c)
{
	struct id_index now = {0};
	_cleanup_free_ uint32_t *used = NULL;
	size_t nused = 0;
	uint32_t base;
	int r = collect_used(c, &now, &used, &nused);

	free(now.e);
	if (r < 0)
		return r;
	base = lowest_free(used, nused);
	if (!base)
		return log_errno(-ENOSPC, "No free range of user ids left for CT %s", c->veid_str);
	c->sec.uidmap = c->sec.gidmap = (struct ve_idmap){0, base, VE_ID_RANGE};
	c->fs.uidmap = c->sec.uidmap;
	c->fs.gidmap = c->sec.gidmap;
	c->sec.privileged = false;
	ve_config_mark(c, "LOCAL_UID");
	ve_config_mark(c, "LOCAL_GID");
	return 0;
}
