/* vz.conf and CTID.conf: loading, defaults, saving, and finding VEs. */
#include "config-internal.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <string.h>

#ifndef VZ_DATADIR
#define VZ_DATADIR "/usr/local/share/vzkit"
#endif
#ifndef VZ_SYSCONFDIR
#define VZ_SYSCONFDIR "/etc"
#endif

int ve_config_parse_veid(const char *s, unsigned *ret)
{
	uint64_t v;

	/* vzctl's numeric CTIDs; 0 is the host itself. No leading zeros: one name per VE. */
	if (!s || !*s || strlen(s) > 10 || (s[0] == '0') || ve_parse_u64(s, &v) < 0 ||
	    v > INT32_MAX)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

bool ve_config_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	bool digits = true;

	if (len == 0 || len > VE_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
		if (!isdigit((unsigned char)*p))
			digits = false;
	}
	return !digits;
}

char *ve_global_expand(const char *s, unsigned veid)
{
	char id[16], *out, *o;
	size_t n = 0;

	if (!s)
		return NULL;
	snprintf(id, sizeof(id), "%u", veid);
	for (const char *p = s; (p = strstr(p, "VEID")); p++)
		n++;
	out = o = malloc(strlen(s) + n * strlen(id) + 1);
	if (!out)
		return NULL;
	for (const char *p = s; *p;) {
		if (!strncmp(p, "$VEID", 5)) {
			o = stpcpy(o, id);
			p += 5;
		} else if (!strncmp(p, "${VEID}", 7)) {
			o = stpcpy(o, id);
			p += 7;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

void ve_global_free(struct ve_global *g)
{
	if (!g)
		return;
	char **strs[] = {&g->confdir,	   &g->ve_root,	       &g->ve_private, &g->template_dir,
			 &g->lockdir,	   &g->dumpdir,	       &g->rundir,     &g->logfile,
			 &g->dist_dir,	   &g->def_ostemplate, &g->configfile, &g->bridge,
			 &g->cgroup_parent};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	free(g->ve_layout);
	free(g->neighbour_devs);
	free(g->pool_image);
	free(g->pool_dir);
	free(g);
}

struct global_key {
	const char *key;
	size_t off;
	const char *def;
};

#define GOFF(f) offsetof(struct ve_global, f)
static const struct global_key global_keys[] = {
    {"VE_ROOT", GOFF(ve_root), "/vz/root/$VEID"},
    {"VE_PRIVATE", GOFF(ve_private), "/vz/private/$VEID"},
    {"TEMPLATE", GOFF(template_dir), "/vz/template"},
    {"LOCKDIR", GOFF(lockdir), "/vz/lock"},
    {"DUMPDIR", GOFF(dumpdir), "/vz/dump"},
    {"VE_RUNDIR", GOFF(rundir), "/run/vzkit"},
    {"LOGFILE", GOFF(logfile), "/var/log/vzctl.log"},
    {"DIST_DIR", GOFF(dist_dir), VZ_DATADIR "/templates"},
    {"DEF_OSTEMPLATE", GOFF(def_ostemplate), "busybox"},
    {"CONFIGFILE", GOFF(configfile), "basic"},
    {"VE_BRIDGE", GOFF(bridge), "vzbr0"},
    {"VE_CGROUP_PARENT", GOFF(cgroup_parent), "vz"},
    {"VE_LAYOUT", GOFF(ve_layout), ""},
    {"NEIGHBOUR_DEVS", GOFF(neighbour_devs), ""},
    {"POOL_IMAGE", GOFF(pool_image), "/vz/pool.img"},
    {"POOL_DIR", GOFF(pool_dir), "/vz/pool"},
};

struct global_bool {
	const char *key;
	size_t off;
	bool def;
};

static const struct global_bool global_bools[] = {
    {"LOGGING", GOFF(logging), true},
    {"VE_BRIDGE_CREATE", GOFF(bridge_create), true},
    {"VE_BRIDGE_MCAST_QUERIER", GOFF(bridge_querier), false},
    {"VE_MCAST_LEGACY_REPORTS", GOFF(mcast_legacy), false},
};

/* The yes/no keys: an absent key takes its default, an empty or unknown value is an error. */
static int bool_keys(struct ve_global *g, const struct ve_conf_file *f, const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(global_bools); i++) {
		const struct global_bool *b = &global_bools[i];
		const char *v = f ? conf_file_get(f, b->key) : NULL;
		bool *dst = (bool *)((char *)g + b->off);

		*dst = b->def;
		if (v && ve_parse_bool(v, dst) < 0)
			return log_errno(-EINVAL, "%s: %s: invalid value '%s'", path, b->key, v);
	}
	return 0;
}

/* The pool monitoring thresholds (fs/pool-status.c); a ratio is a decimal like 1.5. */
static int pool_keys(struct ve_global *g, const struct ve_conf_file *f, const char *path)
{
	const char *v;
	char *end;
	uint64_t n;

	g->pool_min_free = 32ULL << 20;
	if (f && (v = conf_file_get(f, "POOL_MIN_FREE")) && *v &&
	    ve_parse_size(v, 1024, &g->pool_min_free) < 0)
		return log_errno(-EINVAL, "%s: POOL_MIN_FREE: invalid value '%s'", path, v);
	if (f && (v = conf_file_get(f, "POOL_WARN_USED")) && *v) {
		if (ve_parse_u64(v, &n) < 0 || n > 100)
			return log_errno(-EINVAL, "%s: POOL_WARN_USED: invalid value '%s'", path,
					 v);
		g->pool_warn_used = (unsigned)n;
	}
	if (f && (v = conf_file_get(f, "POOL_WARN_OVERCOMMIT")) && *v) {
		errno = 0;
		g->pool_warn_overcommit = strtod(v, &end);
		if (errno || *end || end == v || !(g->pool_warn_overcommit >= 0) ||
		    g->pool_warn_overcommit > 1e6)
			return log_errno(-EINVAL, "%s: POOL_WARN_OVERCOMMIT: invalid value '%s'",
					 path, v);
	}
	return 0;
}

static int global_fill(struct ve_global *g, const struct ve_conf_file *f, const char *path)
{
	const char *v;
	uint64_t n;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(global_keys); i++) {
		const char *val = f ? conf_file_get(f, global_keys[i].key) : NULL;
		char **dst = (char **)((char *)g + global_keys[i].off);

		*dst = strdup(val && *val ? val : global_keys[i].def);
		if (!*dst)
			return -ENOMEM;
	}
	r = bool_keys(g, f, path);
	if (r < 0)
		return r;
	g->stop_timeout = 60;
	if (f && (v = conf_file_get(f, "STOP_TIMEOUT"))) {
		if (ve_parse_u64(v, &n) < 0 || n > 86400)
			return log_errno(-EINVAL, "%s: STOP_TIMEOUT: invalid value '%s'", path, v);
		g->stop_timeout = (unsigned)n;
	}
	if (f && (v = conf_file_get(f, "POOL_SIZE")) && *v &&
	    ve_parse_size(v, 1024, &g->pool_size) < 0)
		return log_errno(-EINVAL, "%s: POOL_SIZE: invalid value '%s'", path, v);
	r = pool_keys(g, f, path);
	if (r < 0)
		return r;
	g->quotatime = 7 * 86400;
	if (f && (v = conf_file_get(f, "QUOTATIME")) && *v &&
	    (ve_parse_u64(v, &g->quotatime) < 0 || g->quotatime > UINT32_MAX))
		return log_errno(-EINVAL, "%s: QUOTATIME: invalid value '%s'", path, v);
	if (f && (v = conf_file_get(f, "LOG_LEVEL"))) {
		if (ve_parse_u64(v, &n) < 0 || n > 10)
			return log_errno(-EINVAL, "%s: LOG_LEVEL: invalid value '%s'", path, v);
		g->loglevel = (int)n;
	}
	return 0;
}

int ve_global_load(bool allow_missing, struct ve_global **ret)
{
	const char *dir = getenv("VZ_CONFDIR");
	_cleanup_free_ char *path = NULL;
	struct ve_conf_file *f = NULL;
	struct ve_global *g;
	int r;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->confdir = strdup(dir && *dir ? dir : VZ_SYSCONFDIR "/vz");
	path = ve_strdup_printf("%s/vz.conf", g->confdir ? g->confdir : "");
	if (!g->confdir || !path) {
		ve_global_free(g);
		return -ENOMEM;
	}
	r = conf_file_load(path, &f);
	if (r == -ENOENT && allow_missing)
		r = 0;
	else if (r == -ENOENT)
		log_error("Global configuration file %s not found", path);
	else if (r < 0 && r != -EINVAL)
		log_errno(r, "Unable to read %s: %m", path);
	if (r == 0)
		r = global_fill(g, f, path);
	conf_file_free(f);
	if (r < 0) {
		ve_global_free(g);
		return r;
	}
	*ret = g;
	return 0;
}

static char *ve_conf_path(const struct ve_global *g, unsigned veid)
{
	return ve_strdup_printf("%s/conf/%u.conf", g->confdir, veid);
}

/* Fills c from its file, key by key; unknown keys stay in the file untouched. */
static int config_from_file(struct ve_config *c, const char *path)
{
	struct ve_conf_file *f = c->file;

	for (size_t i = 0; i < f->n; i++) {
		const struct ve_conf_line *l = &f->lines[i];
		const struct conf_key *k = l->key ? conf_key_find(l->key) : NULL;
		int r;

		if (!k)
			continue;
		r = conf_key_parse(c, k, l->value);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return log_errno(-EINVAL, "%s:%d: %s: invalid value '%s'", path, l->lineno,
					 l->key, l->value);
	}
	return 0;
}

static int config_alloc(const struct ve_global *g, unsigned veid, struct ve_config **ret)
{
	struct ve_config *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->veid = veid;
	c->fs.veid = veid;
	c->fs.global = g;
	snprintf(c->veid_str, sizeof(c->veid_str), "%u", veid);
	conf_defaults(c, g);
	c->path = g ? ve_conf_path(g, veid) : strdup("");
	if (!c->path) {
		free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

/* Expands $VEID in the path keys, taking vz.conf's values where the VE has none. */
static int config_finish(struct ve_config *c)
{
	const struct ve_global *g = c->global;
	char **paths[] = {&c->fs.root, &c->fs.private};
	const char *defs[] = {g ? g->ve_root : NULL, g ? g->ve_private : NULL};

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		const char *src = *paths[i] ? *paths[i] : defs[i];
		char *e;

		if (!src)
			continue;
		e = ve_global_expand(src, c->veid);
		if (!e)
			return -ENOMEM;
		free(*paths[i]);
		*paths[i] = e;
	}
	c->sec.privileged = c->sec.uidmap.count == 0 || c->sec.gidmap.count == 0;
	c->fs.uidmap = c->sec.uidmap;
	c->fs.gidmap = c->sec.gidmap;
	c->fs.veid = c->veid;
	c->fs.global = g;
	c->changed = 0;
	return 0;
}

int ve_config_parse(const struct ve_global *g, unsigned veid, const char *path, const char *text,
		    struct ve_config **ret)
{
	struct ve_config *c;
	int r = config_alloc(g, veid, &c);

	if (r < 0)
		return r;
	r = conf_file_parse(path, text, &c->file);
	if (r == 0)
		r = config_from_file(c, path);
	if (r == 0)
		r = config_finish(c);
	if (r < 0) {
		ve_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int ve_config_load(const struct ve_global *g, unsigned veid, struct ve_config **ret)
{
	_cleanup_free_ char *path = ve_conf_path(g, veid), *text = NULL;
	size_t len;
	int r;

	if (!path)
		return -ENOMEM;
	r = ve_read_file(path, &text, &len);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return log_errno(r, "Unable to read %s: %m", path);
	/* The parser sees a C string: what follows a NUL would be lost by the next save. */
	if (strlen(text) != len)
		return log_errno(-EINVAL, "%s: contains a NUL byte", path);
	return ve_config_parse(g, veid, path, text, ret);
}

int ve_config_new(const struct ve_global *g, unsigned veid, const char *sample,
		  struct ve_config **ret)
{
	_cleanup_free_ char *spath = NULL, *text = NULL;
	int r;

	if (sample && (!*sample || strchr(sample, '/') || sample[0] == '.'))
		return log_errno(-EINVAL, "Invalid config sample name '%s'", sample);
	if (sample) {
		spath = ve_strdup_printf("%s/conf/ve-%s.conf-sample", g->confdir, sample);
		if (!spath)
			return -ENOMEM;
		r = ve_read_file(spath, &text, NULL);
		if (r == -ENOENT && !strcmp(sample, "basic"))
			r = 0; /* the built-in defaults are the basic sample */
		else if (r == -ENOENT)
			return log_errno(r, "Config sample %s not found", spath);
		else if (r < 0)
			return log_errno(r, "Unable to read %s: %m", spath);
	}
	return ve_config_parse(g, veid, spath ? spath : "(defaults)", text ? text : "", ret);
}

void ve_config_free(struct ve_config *c)
{
	if (!c)
		return;
	conf_free_fields(c);
	conf_file_free(c->file);
	free(c->path);
	free(c);
}

static int config_sync_file(struct ve_config *c)
{
	for (size_t i = 0; i < conf_n_keys; i++) {
		_cleanup_free_ char *v = NULL;
		int r;

		if (!(c->file->dirty & (1ULL << i)))
			continue;
		v = conf_key_format(c, &conf_keys[i]);
		if (!v)
			return -ENOMEM;
		r = conf_file_set(c->file, conf_keys[i].name, v);
		if (r < 0)
			return r;
	}
	c->file->dirty = 0;
	return 0;
}

char *ve_config_format(struct ve_config *c)
{
	if (config_sync_file(c) < 0)
		return NULL;
	return conf_file_format(c->file);
}

int ve_config_save(struct ve_config *c)
{
	_cleanup_free_ char *text = ve_config_format(c), *dir = NULL;
	int r;

	if (!text)
		return log_errno(-ENOMEM, "Unable to format %s: %m", c->path);
	dir = ve_strdup_printf("%s/conf", c->global->confdir);
	if (!dir)
		return -ENOMEM;
	r = ve_mkdir_p(dir, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create %s: %m", dir);
	r = ve_write_file_atomic(c->path, text, strlen(text), 0644);
	if (r < 0)
		return log_errno(r, "Unable to save %s: %m", c->path);
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int ve_config_list(const struct ve_global *g, unsigned **ret, unsigned *ret_n)
{
	_cleanup_free_ char *dir = ve_strdup_printf("%s/conf", g->confdir);
	_cleanup_free_ unsigned *ids = NULL;
	unsigned n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			return log_errno(neg_errno(), "Unable to open %s: %m", dir);
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		char *dot = strrchr(de->d_name, '.');
		char idbuf[16];
		unsigned id;

		if (!dot || strcmp(dot, ".conf") || (size_t)(dot - de->d_name) >= sizeof(idbuf))
			continue;
		memcpy(idbuf, de->d_name, dot - de->d_name);
		idbuf[dot - de->d_name] = '\0';
		if (ve_config_parse_veid(idbuf, &id) < 0)
			continue;
		if (n == cap) {
			unsigned *ni = realloc(ids, (cap = cap ? cap * 2 : 64) * sizeof(*ni));
			if (!ni) {
				closedir(d);
				return -ENOMEM;
			}
			ids = ni;
		}
		ids[n++] = id;
	}
	closedir(d);
	/* readdir returns hash order: an insertion sort was O(N^2) with 1,000 VEs. */
	qsort(ids, n, sizeof(*ids), cmp_unsigned);
	*ret = TAKE_PTR(ids);
	*ret_n = n;
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	if (len == 0) /* strstr would find "" at the same place forever */
		return false;
	for (const char *p = list; (p = strstr(p, word)); p += len) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[len] == '\0' || p[len] == ' ' || p[len] == '\t';
		if (start && end)
			return true;
	}
	return false;
}

static bool has_ip(const char *list, const char *addr)
{
	_cleanup_strv_ char **w = ve_strv_split(list, " \t");

	for (char **p = w; p && *p; p++)
		if (conf_ip_same(*p, addr))
			return true;
	return false;
}

static int find_value(const struct ve_global *g, const char *key, const char *word,
		      bool (*match_fn)(const char *list, const char *word), unsigned skip,
		      unsigned *ret)
{
	_cleanup_free_ unsigned *ids = NULL;
	unsigned n;
	int r = ve_config_list(g, &ids, &n);

	if (r < 0)
		return r;
	for (unsigned i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		struct ve_conf_file *f = NULL;
		const char *v;
		bool match;

		if (ids[i] == skip || !(path = ve_conf_path(g, ids[i])) ||
		    ve_read_file(path, &text, NULL) < 0)
			continue;
		/* A broken file of another VE must not stop the lookup: skip it quietly. */
		int lvl = ve_log_get_level();
		ve_log_set_level(-1);
		r = conf_file_parse(path, text, &f);
		ve_log_set_level(lvl);
		if (r < 0)
			continue;
		v = conf_file_get(f, key);
		match = v && match_fn(v, word);
		conf_file_free(f);
		if (match) {
			*ret = ids[i];
			return 0;
		}
	}
	return -ENOENT;
}

int ve_config_find_value(const struct ve_global *g, const char *key, const char *word,
			 unsigned skip, unsigned *ret)
{
	return find_value(g, key, word, has_word, skip, ret);
}

int ve_config_find_ip(const struct ve_global *g, const char *addr, unsigned skip, unsigned *ret)
{
	return find_value(g, "IP_ADDRESS", addr, has_ip, skip, ret);
}

int ve_config_find_name(const struct ve_global *g, const char *name, unsigned *ret)
{
	return ve_config_find_value(g, "NAME", name, 0, ret);
}
