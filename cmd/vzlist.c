/*
 * vzlist: lists VEs and their parameters. Parses the options, gathers one row per VE from its
 * config and status (and, only when a chosen field needs them, cgroup statistics, storage
 * usage and uptime), sorts and prints them through cmd/vzlist-fields.c.
 */
#include "cmd/vzlist.h"
#include "fs/storage.h"
#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/util.h"
#include "runtime/ve.h"

#include <fnmatch.h>
#include <getopt.h>
#include <string.h>

#define DEFAULT_FIELDS	    "ctid,numproc,status,ip,hostname"
#define DEFAULT_NAME_FIELDS "ctid,numproc,status,ip,name"

struct opts {
	bool all;
	bool stopped;
	bool no_header;
	bool no_trim;
	bool json;
	bool names;
	const char *output; /* -o / -1; NULL: the default columns */
	const char *sort;   /* -s without the leading '-' */
	bool sort_reverse;
	const char *name_pattern;
	const char *desc_pattern;
	const char *host_pattern;
};

/* The VEs to show: rows borrow their strings from confs[i]. */
struct listing {
	struct vzlist_row *rows;
	struct ve_config **confs;
	size_t n, cap;
};

static void usage(FILE *f, bool full)
{
	fputs("Usage: vzlist [-a | -S] [-n] [-H] [-t] [-j] [-o field[,field...] | -1] "
	      "[-s [-]field]\n"
	      "              [-N pattern] [-d pattern] [--hostname pattern] [CTID|NAME ...]\n"
	      "       vzlist -L | --list\n"
	      "       vzlist -h | --help\n",
	      f);
	if (!full)
		return;
	fputs("\nOptions:\n"
	      "  -a, --all              list all VEs, running or not\n"
	      "  -S, --stopped          list only VEs that are not running\n"
	      "  -n, --name             show the NAME column instead of HOSTNAME\n"
	      "  -H, --no-header        do not print the header line\n"
	      "  -t, --no-trim          do not cut long values to the column width\n"
	      "  -j, --json             print a JSON array (all fields unless -o)\n"
	      "  -o, --output LIST      print only these fields (see -L)\n"
	      "  -1                     print only CTIDs, one per line (-H -o ctid)\n"
	      "  -s, --sort [-]FIELD    sort by FIELD; a leading '-' reverses the order\n"
	      "  -N, --name_filter PAT  only VEs whose name matches the shell pattern PAT\n"
	      "  -d, --description PAT  only VEs whose description matches PAT\n"
	      "      --hostname PAT     only VEs whose host name matches PAT\n"
	      "  -L, --list             list the field names with a description\n"
	      "  -h, --help             show this help\n",
	      f);
}

enum { OPT_HOSTNAME = 0x100 };

static const struct option long_options[] = {
    {"all", no_argument, NULL, 'a'},
    {"stopped", no_argument, NULL, 'S'},
    {"name", no_argument, NULL, 'n'},
    {"no-header", no_argument, NULL, 'H'},
    {"no-trim", no_argument, NULL, 't'},
    {"json", no_argument, NULL, 'j'},
    {"output", required_argument, NULL, 'o'},
    {"sort", required_argument, NULL, 's'},
    {"name_filter", required_argument, NULL, 'N'},
    {"description", required_argument, NULL, 'd'},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"list", no_argument, NULL, 'L'},
    {"help", no_argument, NULL, 'h'},
    {},
};

/* Returns -1 to go on listing, or the exit code when the command is already done. */
static int parse_options(int argc, char **argv, struct opts *o)
{
	_cleanup_free_ char *list = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "aSnHtjo:s:1N:d:Lh", long_options, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'S':
			o->stopped = true;
			break;
		case 'n':
			o->names = true;
			break;
		case 'H':
			o->no_header = true;
			break;
		case 't':
			o->no_trim = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case '1':
			o->output = "ctid";
			o->no_header = true;
			break;
		case 's':
			o->sort_reverse = optarg[0] == '-';
			o->sort = optarg + o->sort_reverse;
			break;
		case 'N':
			o->name_pattern = optarg;
			break;
		case 'd':
			o->desc_pattern = optarg;
			break;
		case OPT_HOSTNAME:
			o->host_pattern = optarg;
			break;
		case 'L':
			list = vzlist_format_field_list();
			if (!list)
				return VZLIST_EXIT_NOMEM;
			fputs(list, stdout);
			return VZLIST_EXIT_OK;
		case 'h':
			usage(stdout, true);
			return VZLIST_EXIT_OK;
		default:
			usage(stderr, false);
			return VZLIST_EXIT_SYNTAX;
		}
	}
	if (o->all && o->stopped) {
		fprintf(stderr, "vzlist: -a and -S cannot be used together\n");
		return VZLIST_EXIT_SYNTAX;
	}
	return -1;
}

/* CTIDs named on the command line, as numbers or VE names; sorted, without duplicates. */
static int resolve_ids(const struct ve_global *g, char **args, int n, unsigned **ret,
		       unsigned *ret_n)
{
	_cleanup_free_ unsigned *ids = calloc(n, sizeof(*ids));
	unsigned k = 0;

	if (!ids)
		return VZLIST_EXIT_NOMEM;
	for (int i = 0; i < n; i++) {
		unsigned id;

		if (ve_config_parse_veid(args[i], &id) < 0 &&
		    ve_config_find_name(g, args[i], &id) < 0) {
			fprintf(stderr, "CT ID %s is invalid.\n", args[i]);
			return VZLIST_EXIT_NOT_FOUND;
		}
		unsigned j = k;
		while (j > 0 && ids[j - 1] > id) {
			ids[j] = ids[j - 1];
			j--;
		}
		if (j > 0 && ids[j - 1] == id) {
			memmove(&ids[j], &ids[j + 1], (k - j) * sizeof(*ids));
			continue;
		}
		ids[j] = id;
		k++;
	}
	*ret = TAKE_PTR(ids);
	*ret_n = k;
	return VZLIST_EXIT_OK;
}

static bool matches(const char *pattern, const char *s)
{
	return !pattern || (s && fnmatch(pattern, s, 0) == 0);
}

static enum vzlist_status status_of(const struct ve_status *st)
{
	if (st->running)
		return VZLIST_RUNNING;
	if (st->suspended)
		return VZLIST_SUSPENDED;
	return st->mounted ? VZLIST_MOUNTED : VZLIST_STOPPED;
}

/* Seconds since pid started: field 22 of /proc/<pid>/stat against /proc/uptime. */
static int process_uptime(pid_t pid, uint64_t *ret)
{
	_cleanup_free_ char *stat = NULL, *up = NULL;
	char path[64], *p;
	unsigned long long start;
	double now;
	long hz = sysconf(_SC_CLK_TCK);
	int r;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	r = ve_read_file(path, &stat, NULL);
	if (r < 0)
		return r;
	r = ve_read_file("/proc/uptime", &up, NULL);
	if (r < 0)
		return r;
	p = strrchr(stat, ')');
	if (!p || hz <= 0 || sscanf(up, "%lf", &now) != 1 ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   &start) != 1)
		return -EIO;
	now -= (double)start / hz;
	*ret = now > 0 ? (uint64_t)now : 0;
	return 0;
}

/* Reads the usage values the chosen fields need; a failure leaves the value as "-". */
static void gather_usage(const struct ve_config *c, const struct ve_status *st, unsigned need,
			 struct vzlist_row *r)
{
	struct ve_cgroup_stats cs;
	struct ve_fs_usage fu;

	if ((need & VZLIST_NEED_STATS) && st->running && ve_cgroup_stats(c->veid, &cs) == 0) {
		r->has_stats = true;
		r->numproc_used = cs.numproc;
		r->mem_used = cs.mem_usage;
		r->swap_used = cs.swap_usage;
	}
	if ((need & VZLIST_NEED_DISK) && (st->mounted || st->running) &&
	    ve_storage_usage(&c->fs, &fu) == 0) {
		r->has_disk = true;
		r->disk_used = fu.bytes_used;
		r->inodes_used = fu.inodes_used;
	}
	if (st->running && c->type != VE_TYPE_VM)
		r->init_pid = st->init_pid;
	if ((need & VZLIST_NEED_UPTIME) && st->running && st->init_pid > 0 &&
	    process_uptime(st->init_pid, &r->uptime) == 0)
		r->has_uptime = true;
}

static void fill_row(const struct ve_config *c, const struct ve_status *st, struct vzlist_row *r)
{
	*r = (struct vzlist_row){
	    .veid = c->veid,
	    .name = c->name,
	    .hostname = c->net.hostname,
	    .description = c->description,
	    .ostemplate = c->fs.ostemplate,
	    .private_dir = c->fs.private,
	    .root_dir = c->fs.root,
	    .layout = c->fs.layout,
	    .ip = c->net.ip_addresses,
	    .status = status_of(st),
	    .is_vm = c->type == VE_TYPE_VM,
	    .onboot = c->onboot,
	    .nesting = c->sec.nesting,
	    .privileged = c->sec.privileged,
	    .local_uid = c->sec.uidmap.count ? c->sec.uidmap.outside : 0,
	    .cpulimit = c->res.cpulimit,
	    .cpuunits = c->res.cpuunits,
	    .cpus = c->res.cpus,
	    .numproc = c->res.numproc,
	    .physpages = c->res.physpages,
	    .swappages = c->res.swappages,
	    .diskspace = c->fs.diskspace,
	    .diskinodes = c->fs.diskinodes,
	};
}

static bool wanted(const struct opts *o, bool explicit_ids, const struct ve_config *c,
		   const struct ve_status *st)
{
	/* Like vzlist, a VE whose private area is gone is not listed at all. */
	if (!st->exists)
		return false;
	if (o->stopped ? st->running : !(o->all || explicit_ids || st->running))
		return false;
	return matches(o->name_pattern, c->name) && matches(o->desc_pattern, c->description) &&
	       matches(o->host_pattern, c->net.hostname);
}

static int listing_add(struct listing *l, struct ve_config *c, const struct ve_status *st,
		       unsigned need)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct vzlist_row *rows = realloc(l->rows, cap * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		l->rows = rows;
		struct ve_config **confs = realloc(l->confs, cap * sizeof(*confs));
		if (!confs)
			return -ENOMEM;
		l->confs = confs;
		l->cap = cap;
	}
	fill_row(c, st, &l->rows[l->n]);
	gather_usage(c, st, need, &l->rows[l->n]);
	l->confs[l->n++] = c;
	return 0;
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		ve_config_free(l->confs[i]);
	free(l->confs);
	free(l->rows);
}

/* Loads every candidate VE and keeps the wanted ones. */
static int collect(const struct ve_global *g, const struct opts *o, const unsigned *ids,
		   unsigned n_ids, bool explicit_ids, unsigned need, struct listing *l)
{
	for (unsigned i = 0; i < n_ids; i++) {
		struct ve_config *c = NULL;
		struct ve_status st;
		int r = ve_config_load(g, ids[i], &c);

		if (r == -ENOENT)
			continue;
		if (r < 0) {
			log_warn("CT %u: unreadable configuration, skipped", ids[i]);
			continue;
		}
		r = ve_get_status(c, &st);
		if (r < 0) {
			log_warn_errno(r, "CT %u: unable to get the status: %m, skipped", ids[i]);
			ve_config_free(c);
			continue;
		}
		if (!wanted(o, explicit_ids, c, &st)) {
			ve_config_free(c);
			continue;
		}
		r = listing_add(l, c, &st, need);
		if (r < 0) {
			ve_config_free(c);
			return r;
		}
	}
	return 0;
}

static int print_text(const struct opts *o, const struct listing *l,
		      const struct vzlist_field *const *f, size_t n)
{
	if (!o->no_header) {
		_cleanup_free_ char *h = vzlist_format_header(f, n);

		if (!h)
			return VZLIST_EXIT_NOMEM;
		puts(h);
	}
	for (size_t i = 0; i < l->n; i++) {
		_cleanup_free_ char *line = vzlist_format_row(&l->rows[i], f, n, !o->no_trim);

		if (!line)
			return VZLIST_EXIT_NOMEM;
		puts(line);
	}
	return VZLIST_EXIT_OK;
}

static int print_json(const struct listing *l, const struct vzlist_field *const *f, size_t n)
{
	json_t *a = vzlist_rows_json(l->rows, l->n, f, n);
	int r;

	if (!a)
		return VZLIST_EXIT_NOMEM;
	r = json_dumpf(a, stdout, JSON_INDENT(2));
	json_decref(a);
	if (r < 0)
		return VZLIST_EXIT_SYSTEM;
	putchar('\n');
	return VZLIST_EXIT_OK;
}

/* Parses -o (or the default columns) and -s; unknown names are a syntax error. */
static int parse_fields(const struct opts *o, const struct vzlist_field ***ret, size_t *ret_n,
			const struct vzlist_field **ret_sort)
{
	const char *spec = o->output ? o->output : o->names ? DEFAULT_NAME_FIELDS : DEFAULT_FIELDS;
	_cleanup_free_ char *bad = NULL;
	int r;

	*ret = NULL;
	*ret_n = 0;
	*ret_sort = NULL;
	if (o->sort && !(*ret_sort = vzlist_field_find(o->sort))) {
		fprintf(stderr, "vzlist: unknown field '%s'\n", o->sort);
		return VZLIST_EXIT_SYNTAX;
	}
	if (o->json && !o->output)
		return VZLIST_EXIT_OK; /* every field */
	r = vzlist_fields_parse(spec, ret, ret_n, &bad);
	if (r == -EINVAL) {
		fprintf(stderr, "vzlist: unknown field '%s'\n", bad);
		return VZLIST_EXIT_SYNTAX;
	}
	return r < 0 ? VZLIST_EXIT_NOMEM : VZLIST_EXIT_OK;
}

static unsigned needs(const struct vzlist_field *const *f, size_t n,
		      const struct vzlist_field *sort)
{
	unsigned need = sort ? sort->need : 0;

	if (!f) /* JSON of every field */
		for (size_t i = 0; i < vzlist_n_fields; i++)
			need |= vzlist_fields[i].need;
	return need | vzlist_fields_need(f, n);
}

static int run(const struct opts *o, char **args, int n_args)
{
	_cleanup_free_ const struct vzlist_field **f = NULL;
	const struct vzlist_field *sort;
	_cleanup_free_ unsigned *ids = NULL;
	struct ve_global *g = NULL;
	struct listing l = {};
	unsigned n_ids = 0;
	size_t n = 0;
	int r, ex;

	ex = parse_fields(o, &f, &n, &sort);
	if (ex != VZLIST_EXIT_OK)
		return ex;
	r = ve_global_load(false, &g);
	if (r < 0)
		return r == -ENOMEM ? VZLIST_EXIT_NOMEM : VZLIST_EXIT_NO_VZCONF;
	if (n_args > 0)
		ex = resolve_ids(g, args, n_args, &ids, &n_ids);
	else if (ve_config_list(g, &ids, &n_ids) < 0)
		ex = VZLIST_EXIT_SYSTEM;
	if (ex == VZLIST_EXIT_OK && n_ids > 0 && ve_cgroup_init(g->cgroup_parent) < 0) {
		fprintf(stderr, "vzlist: no usable cgroup hierarchy, cannot tell running VEs\n");
		ex = VZLIST_EXIT_SYSTEM;
	}
	if (ex == VZLIST_EXIT_OK &&
	    collect(g, o, ids, n_ids, n_args > 0, needs(f, n, sort), &l) < 0)
		ex = VZLIST_EXIT_NOMEM;
	if (ex == VZLIST_EXIT_OK) {
		if (sort)
			vzlist_rows_sort(l.rows, l.n, sort, o->sort_reverse);
		if (l.n == 0)
			/* As vzlist: an empty list is an error only for explicitly named VEs. */
			fprintf(stderr, "Container(s) not found\n");
		if (o->json)
			ex = print_json(&l, f, n);
		else if (l.n > 0)
			ex = print_text(o, &l, f, n);
		if (ex == VZLIST_EXIT_OK && l.n == 0 && n_args > 0)
			ex = VZLIST_EXIT_NOT_FOUND;
	}
	listing_free(&l);
	ve_global_free(g);
	return ex;
}

int main(int argc, char **argv)
{
	struct opts o = {};
	int ex;

	/* Library progress messages go to stdout and would corrupt the listing. */
	ve_log_set_level(VE_LOG_WARN);
	ex = parse_options(argc, argv, &o);
	if (ex >= 0)
		return ex;
	ex = run(&o, argv + optind, argc - optind);
	if (fflush(stdout) != 0 && ex == VZLIST_EXIT_OK)
		ex = VZLIST_EXIT_SYSTEM;
	return ex;
}
