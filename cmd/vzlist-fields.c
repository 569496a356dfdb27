/*
 * vzlist's field table and its pure formatting: text columns, sorting and JSON, all over a
 * struct vzlist_row that cmd/vzlist.c has gathered. Nothing here reads the system.
 */
#include "cmd/vzlist.h"
#include "runtime/util.h"

#include <inttypes.h>
#include <string.h>

/* Field getters: one per field, each filling a vzlist_value from the row. */

static void set_str(struct vzlist_value *v, const char *s)
{
	v->str = s;
	v->none = !s || !*s;
}

static void set_num(struct vzlist_value *v, uint64_t n)
{
	v->num = n;
}

/* Converts a config value to the unit shown, keeping "unlimited". */
static uint64_t scale(uint64_t v, uint64_t unit)
{
	return v == VE_UNLIMITED ? v : v / unit;
}

static void get_ctid(const struct vzlist_row *r, struct vzlist_value *v)
{
	set_num(v, r->veid);
}

#define GET_STR(fn, member)                                                                        \
	static void fn(const struct vzlist_row *r, struct vzlist_value *v)                         \
	{                                                                                          \
		set_str(v, r->member);                                                             \
	}

GET_STR(get_name, name)
GET_STR(get_hostname, hostname)
GET_STR(get_description, description)
GET_STR(get_ostemplate, ostemplate)
GET_STR(get_private, private_dir)
GET_STR(get_root, root_dir)
GET_STR(get_layout, layout)

static void get_ip(const struct vzlist_row *r, struct vzlist_value *v)
{
	v->list = r->ip;
	v->none = !r->ip || !r->ip[0];
}

static void get_status(const struct vzlist_row *r, struct vzlist_value *v)
{
	set_str(v, vzlist_status_str(r->status));
}

static void get_type(const struct vzlist_row *r, struct vzlist_value *v)
{
	set_str(v, r->is_vm ? "vm" : "ct");
}

static void get_onboot(const struct vzlist_row *r, struct vzlist_value *v)
{
	v->b = r->onboot;
}

static void get_nesting(const struct vzlist_row *r, struct vzlist_value *v)
{
	v->b = r->nesting;
}

static void get_privileged(const struct vzlist_row *r, struct vzlist_value *v)
{
	v->b = r->privileged;
}

static void get_local_uid(const struct vzlist_row *r, struct vzlist_value *v)
{
	v->num = r->local_uid;
	v->none = r->privileged;
}

static void get_cpulimit(const struct vzlist_row *r, struct vzlist_value *v)
{
	set_num(v, r->cpulimit);
}

static void get_cpuunits(const struct vzlist_row *r, struct vzlist_value *v)
{
	set_num(v, r->cpuunits);
}

static void get_cpus(const struct vzlist_row *r, struct vzlist_value *v)
{
	/* 0 means every CPU of the host: shown as no value, like vzlist */
	set_num(v, r->cpus);
	v->none = r->cpus == 0;
}

/* Current usage exists only while the VE runs (stats) or is mounted (disk). */
#define GET_USED(fn, flag, expr)                                                                   \
	static void fn(const struct vzlist_row *r, struct vzlist_value *v)                         \
	{                                                                                          \
		v->none = !r->flag;                                                                \
		if (r->flag)                                                                       \
			set_num(v, expr);                                                          \
	}

GET_USED(get_numproc, has_stats, r->numproc_used)
GET_USED(get_physpages, has_stats, r->mem_used / VE_PAGE_SIZE)
GET_USED(get_swappages, has_stats, r->swap_used / VE_PAGE_SIZE)
GET_USED(get_diskspace, has_disk, r->disk_used / 1024)
GET_USED(get_diskinodes, has_disk, r->inodes_used)
GET_USED(get_uptime, has_uptime, r->uptime)
GET_USED(get_pid, init_pid, (uint64_t)r->init_pid)

#define GET_LIMIT(fn, expr)                                                                        \
	static void fn(const struct vzlist_row *r, struct vzlist_value *v)                         \
	{                                                                                          \
		set_num(v, expr);                                                                  \
	}

GET_LIMIT(get_numproc_l, r->numproc.limit)
GET_LIMIT(get_physpages_l, scale(r->physpages.limit, VE_PAGE_SIZE))
GET_LIMIT(get_swappages_l, scale(r->swappages.limit, VE_PAGE_SIZE))
GET_LIMIT(get_diskspace_s, scale(r->diskspace.barrier, 1024))
GET_LIMIT(get_diskspace_h, scale(r->diskspace.limit, 1024))
GET_LIMIT(get_diskinodes_s, r->diskinodes.barrier)
GET_LIMIT(get_diskinodes_h, r->diskinodes.limit)

/* Widths follow OpenVZ's vzlist so that scripts cutting columns keep working. */
const struct vzlist_field vzlist_fields[] = {
    {"ctid", "CTID", 10, VZLIST_NUM, 0, false, "container ID", get_ctid},
    {"veid", "CTID", 10, VZLIST_NUM, 0, true, "same as ctid", get_ctid},
    {"name", "NAME", -32, VZLIST_STR, 0, false, "name (NAME)", get_name},
    {"hostname", "HOSTNAME", -32, VZLIST_STR, 0, false, "host name (HOSTNAME)", get_hostname},
    {"ip", "IP_ADDR", -15, VZLIST_LIST, 0, false, "IP addresses (IP_ADDRESS)", get_ip},
    {"status", "STATUS", -9, VZLIST_STR, 0, false, "running, stopped, mounted or suspended",
     get_status},
    {"ostemplate", "OSTEMPLATE", -32, VZLIST_STR, 0, false, "OS template (OSTEMPLATE)",
     get_ostemplate},
    {"private", "PRIVATE", -32, VZLIST_STR, 0, false, "private area (VE_PRIVATE)", get_private},
    {"root", "ROOT", -32, VZLIST_STR, 0, false, "root mount point (VE_ROOT)", get_root},
    {"onboot", "ONBOOT", 6, VZLIST_YESNO, 0, false, "started at boot (ONBOOT)", get_onboot},
    {"numproc", "NPROC", 10, VZLIST_NUM, VZLIST_NEED_STATS, false, "processes now (running VEs)",
     get_numproc},
    {"numproc.l", "NPROC.L", 10, VZLIST_NUM, 0, false, "process limit (NUMPROC)", get_numproc_l},
    {"physpages", "PHYSP", 10, VZLIST_NUM, VZLIST_NEED_STATS, false,
     "RAM used now, pages (running VEs)", get_physpages},
    {"physpages.l", "PHYSP.L", 10, VZLIST_NUM, 0, false, "RAM limit, pages (PHYSPAGES)",
     get_physpages_l},
    {"swappages", "SWAPP", 10, VZLIST_NUM, VZLIST_NEED_STATS, false,
     "swap used now, pages (running VEs)", get_swappages},
    {"swappages.l", "SWAPP.L", 10, VZLIST_NUM, 0, false, "swap limit, pages (SWAPPAGES)",
     get_swappages_l},
    {"cpulimit", "CPULIM", 7, VZLIST_NUM, 0, false, "CPU limit, % of one CPU (CPULIMIT)",
     get_cpulimit},
    {"cpuunits", "CPUUNI", 7, VZLIST_NUM, 0, false, "CPU weight (CPUUNITS)", get_cpuunits},
    {"cpus", "CPUS", 5, VZLIST_NUM, 0, false, "number of CPUs (CPUS)", get_cpus},
    {"description", "DESCRIPTION", -32, VZLIST_STR, 0, false, "description (DESCRIPTION)",
     get_description},
    {"layout", "LAYOUT", -6, VZLIST_STR, 0, false, "storage backend (VE_LAYOUT)", get_layout},
    {"type", "TYPE", -4, VZLIST_STR, 0, false, "ct (container) or vm", get_type},
    {"nesting", "NESTING", 7, VZLIST_ONOFF, 0, false, "nested containers allowed (not migratable)",
     get_nesting},
    {"privileged", "PRIV", 4, VZLIST_ONOFF, 0, false,
     "no user namespace: the VE's root is the host's root (on/off)", get_privileged},
    {"local_uid", "LOCAL_UID", 10, VZLIST_NUM, 0, false,
     "host uid of the VE's root (LOCAL_UID); unset when privileged", get_local_uid},
    {"diskspace", "DSPACE", 10, VZLIST_NUM, VZLIST_NEED_DISK, false,
     "disk space used, KB (mounted VEs)", get_diskspace},
    {"diskspace.s", "DSPACE.S", 10, VZLIST_NUM, 0, false, "disk space soft limit, KB",
     get_diskspace_s},
    {"diskspace.h", "DSPACE.H", 10, VZLIST_NUM, 0, false, "disk space hard limit, KB",
     get_diskspace_h},
    {"diskinodes", "DINODES", 10, VZLIST_NUM, VZLIST_NEED_DISK, false, "inodes used (mounted VEs)",
     get_diskinodes},
    {"diskinodes.s", "DINODES.S", 10, VZLIST_NUM, 0, false, "inode soft limit", get_diskinodes_s},
    {"diskinodes.h", "DINODES.H", 10, VZLIST_NUM, 0, false, "inode hard limit", get_diskinodes_h},
    {"uptime", "UPTIME", 15, VZLIST_UPTIME, VZLIST_NEED_UPTIME, false,
     "time since start (running VEs)", get_uptime},
    {"pid", "PID", 8, VZLIST_NUM, 0, false, "host pid of the VE's init (running VEs)", get_pid},
};
const size_t vzlist_n_fields = ARRAY_SIZE(vzlist_fields);

const struct vzlist_field *vzlist_field_find(const char *name)
{
	for (size_t i = 0; i < vzlist_n_fields; i++)
		if (!strcmp(vzlist_fields[i].name, name))
			return &vzlist_fields[i];
	return NULL;
}

int vzlist_fields_parse(const char *spec, const struct vzlist_field ***ret, size_t *ret_n,
			char **ret_bad)
{
	_cleanup_free_ const struct vzlist_field **f = NULL;
	size_t n = 0, cap = 1;
	const char *p = spec;

	for (const char *c = spec; *c; c++)
		cap += *c == ',';
	f = calloc(cap, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		f[n] = len < sizeof(name) ? vzlist_field_find(name) : NULL;
		if (!f[n]) {
			*ret_bad = strndup(p, len);
			return *ret_bad ? -EINVAL : -ENOMEM;
		}
		n++;
		if (!p[len])
			break;
		p += len + 1;
	}
	*ret = TAKE_PTR(f);
	*ret_n = n;
	return 0;
}

unsigned vzlist_fields_need(const struct vzlist_field *const *f, size_t n)
{
	unsigned need = 0;

	for (size_t i = 0; i < n; i++)
		need |= f[i]->need;
	return need;
}

const char *vzlist_status_str(enum vzlist_status s)
{
	switch (s) {
	case VZLIST_RUNNING:
		return "running";
	case VZLIST_MOUNTED:
		return "mounted";
	case VZLIST_SUSPENDED:
		return "suspended";
	case VZLIST_STOPPED:
		break;
	}
	return "stopped";
}

/* Text output. */

/* Prints s padded to the field's width; cut also shortens it to the width. */
static void put_text(FILE *out, const struct vzlist_field *f, const char *s, bool cut)
{
	int w = f->width < 0 ? -f->width : f->width;

	if (cut)
		fprintf(out, "%*.*s", f->width, w, s);
	else
		fprintf(out, "%*s", f->width, s);
}

static void put_list(FILE *out, const struct vzlist_field *f, char *const *list, bool cut)
{
	_cleanup_free_ char *all = NULL;
	size_t len = 0;
	FILE *m;

	if (cut) {
		put_text(out, f, list[0], true);
		return;
	}
	m = open_memstream(&all, &len);
	if (!m)
		return;
	for (size_t i = 0; list[i]; i++)
		fprintf(m, "%s%s", i ? " " : "", list[i]);
	if (fclose(m) == 0)
		put_text(out, f, all, false);
}

static void put_value(FILE *out, const struct vzlist_row *r, const struct vzlist_field *f, bool cut)
{
	struct vzlist_value v = {0};
	char buf[64];

	f->get(r, &v);
	if (v.none) {
		put_text(out, f, "-", false);
		return;
	}
	switch (f->kind) {
	case VZLIST_STR:
		put_text(out, f, v.str, cut);
		return;
	case VZLIST_LIST:
		put_list(out, f, v.list, cut);
		return;
	case VZLIST_NUM:
		if (v.num == VE_UNLIMITED)
			snprintf(buf, sizeof(buf), "unlimited");
		else
			snprintf(buf, sizeof(buf), "%" PRIu64, v.num);
		break;
	case VZLIST_YESNO:
		snprintf(buf, sizeof(buf), "%s", v.b ? "yes" : "no");
		break;
	case VZLIST_ONOFF:
		snprintf(buf, sizeof(buf), "%s", v.b ? "on" : "off");
		break;
	case VZLIST_UPTIME:
		snprintf(buf, sizeof(buf),
			 "%03" PRIu64 "d%02" PRIu64 "h:%02" PRIu64 "m:%02" PRIu64 "s",
			 v.num / 86400, v.num / 3600 % 24, v.num / 60 % 60, v.num % 60);
		break;
	}
	put_text(out, f, buf, false);
}

/* Closes the stream and cuts trailing blanks; returns the line or NULL. */
static char *finish_line(FILE *m, char **buf)
{
	size_t len;

	if (fclose(m) != 0) {
		free(*buf);
		return NULL;
	}
	len = strlen(*buf);
	while (len > 0 && (*buf)[len - 1] == ' ')
		len--;
	(*buf)[len] = '\0';
	return TAKE_PTR(*buf);
}

char *vzlist_format_header(const struct vzlist_field *const *f, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s%*s", i ? " " : "", f[i]->width, f[i]->header);
	return finish_line(m, &buf);
}

char *vzlist_format_row(const struct vzlist_row *r, const struct vzlist_field *const *f, size_t n,
			bool trim)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(' ', m);
		put_value(m, r, f[i], trim && i + 1 < n);
	}
	return finish_line(m, &buf);
}

char *vzlist_format_field_list(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	for (size_t i = 0; i < vzlist_n_fields; i++)
		fprintf(m, "%-13s %-12s %s\n", vzlist_fields[i].name, vzlist_fields[i].header,
			vzlist_fields[i].help);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Sorting. */

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_list(char *const *a, char *const *b)
{
	for (; *a && *b; a++, b++) {
		int c = strcmp(*a, *b);

		if (c)
			return c;
	}
	return (*a != NULL) - (*b != NULL);
}

static int cmp_values(const struct vzlist_field *f, const struct vzlist_value *a,
		      const struct vzlist_value *b)
{
	if (a->none || b->none)
		return (int)!a->none - (int)!b->none;
	switch (f->kind) {
	case VZLIST_STR:
		return strcmp(a->str, b->str);
	case VZLIST_LIST:
		return cmp_list(a->list, b->list);
	case VZLIST_NUM:
	case VZLIST_UPTIME:
		return cmp_u64(a->num, b->num);
	case VZLIST_YESNO:
	case VZLIST_ONOFF:
		return (int)a->b - (int)b->b;
	}
	return 0;
}

int vzlist_row_compare(const struct vzlist_row *a, const struct vzlist_row *b,
		       const struct vzlist_field *f, bool reverse)
{
	struct vzlist_value va = {0}, vb = {0};
	int c;

	f->get(a, &va);
	f->get(b, &vb);
	c = cmp_values(f, &va, &vb);
	c = (c > 0) - (c < 0);
	if (reverse)
		c = -c;
	return c ? c : cmp_u64(a->veid, b->veid);
}

struct sort_key {
	const struct vzlist_field *f;
	bool reverse;
};

static int sort_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_key *k = arg;

	return vzlist_row_compare(a, b, k->f, k->reverse);
}

void vzlist_rows_sort(struct vzlist_row *rows, size_t n, const struct vzlist_field *f, bool reverse)
{
	struct sort_key k = {f, reverse};

	qsort_r(rows, n, sizeof(*rows), sort_cmp, &k);
}

/* JSON. */

/* A JSON string; bytes that are not valid UTF-8 become '?' rather than failing the output. */
static json_t *json_text(const char *s)
{
	_cleanup_free_ char *copy = NULL;
	json_t *j = json_string(s);

	if (j || !(copy = strdup(s)))
		return j;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return json_string(copy);
}

static json_t *json_list(char *const *list)
{
	json_t *a = json_array();

	for (size_t i = 0; a && list && list[i]; i++)
		if (json_array_append_new(a, json_text(list[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *value_json(const struct vzlist_row *r, const struct vzlist_field *f)
{
	struct vzlist_value v = {0};

	f->get(r, &v);
	if (f->kind == VZLIST_LIST) /* like vzlist: an empty list is [], never null */
		return json_list(v.none ? NULL : v.list);
	if (v.none)
		return json_null();
	switch (f->kind) {
	case VZLIST_STR:
		return json_text(v.str);
	case VZLIST_LIST:
		return json_list(v.list);
	case VZLIST_NUM:
	case VZLIST_UPTIME:
		return v.num == VE_UNLIMITED ? json_null() : json_integer((json_int_t)v.num);
	case VZLIST_YESNO:
	case VZLIST_ONOFF:
		return json_boolean(v.b);
	}
	return json_null();
}

static json_t *row_json(const struct vzlist_row *r, const struct vzlist_field *const *f, size_t n)
{
	json_t *o = json_object();
	size_t count = f ? n : vzlist_n_fields;

	for (size_t i = 0; o && i < count; i++) {
		const struct vzlist_field *fi = f ? f[i] : &vzlist_fields[i];

		if (!f && fi->alias)
			continue;
		if (json_object_set_new(o, fi->name, value_json(r, fi)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *vzlist_rows_json(const struct vzlist_row *rows, size_t n_rows,
			 const struct vzlist_field *const *f, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n_rows; i++)
		if (json_array_append_new(a, row_json(&rows[i], f, n)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}
