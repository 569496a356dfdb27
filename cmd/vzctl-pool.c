/*
 * vzctl pool-status: the storage pool holding the VEs' private areas (fs/storage.h), in
 * "key: value" lines or JSON. Exits non-zero when a vz.conf threshold is reached, for cron and
 * monitoring. Takes no CTID.
 */
#include "cmd/opts.h"
#include "fs/storage.h"
#include "runtime/util.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

static const char *state(const struct ve_pool_status *st)
{
	return st->full ? "full" : st->warn_used || st->warn_overcommit ? "warning" : "ok";
}

static void print_text(const struct ve_global *g, const struct ve_pool_status *st)
{
	printf("path: %s\n", st->path);
	printf("size: %" PRIu64 "\n", st->size);
	printf("used: %" PRIu64 "\n", st->used);
	printf("free: %" PRIu64 "\n", st->free);
	printf("used_percent: %.1f\n", st->used_percent);
	printf("inodes: %" PRIu64 "\n", st->inodes);
	printf("inodes_used: %" PRIu64 "\n", st->inodes_used);
	printf("inodes_free: %" PRIu64 "\n", st->inodes_free);
	printf("ves: %u\n", st->n_ves);
	printf("ves_unlimited: %u\n", st->n_unlimited);
	printf("diskspace_sum: %" PRIu64 "\n", st->diskspace_sum);
	printf("diskinodes_sum: %" PRIu64 "\n", st->diskinodes_sum);
	printf("overcommit: %.3f\n", st->overcommit);
	printf("warn_used_percent: %u\n", g->pool_warn_used);
	printf("warn_overcommit: %g\n", g->pool_warn_overcommit);
	printf("min_free: %" PRIu64 "\n", g->pool_min_free);
	printf("status: %s\n", state(st));
}

static int print_json(const struct ve_global *g, const struct ve_pool_status *st)
{
	json_t *o = json_pack(
	    "{s:s, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:f, s:I, s:s}",
	    "path", st->path, "size", (json_int_t)st->size, "used", (json_int_t)st->used, "free",
	    (json_int_t)st->free, "used_percent", st->used_percent, "inodes",
	    (json_int_t)st->inodes, "inodes_used", (json_int_t)st->inodes_used, "inodes_free",
	    (json_int_t)st->inodes_free, "ves", (json_int_t)st->n_ves, "ves_unlimited",
	    (json_int_t)st->n_unlimited, "diskspace_sum", (json_int_t)st->diskspace_sum,
	    "diskinodes_sum", (json_int_t)st->diskinodes_sum, "overcommit", st->overcommit,
	    "warn_used_percent", (json_int_t)g->pool_warn_used, "warn_overcommit",
	    g->pool_warn_overcommit, "min_free", (json_int_t)g->pool_min_free, "status", state(st));

	if (!o || json_dumpf(o, stdout, JSON_INDENT(2)) < 0) {
		json_decref(o);
		return VZ_RESOURCE_ERROR;
	}
	putchar('\n');
	json_decref(o);
	return 0;
}

int cmd_pool_status(struct cli *x, int argc, char **argv)
{
	bool json = false;
	struct cli_flag flags[] = {{"json", false, &json, NULL}, {NULL, false, NULL, NULL}};
	_cleanup_free_ char **rest = NULL;
	struct ve_pool_status st;
	int r = cli_parse("pool-status", argc, argv, flags, NULL, &rest);

	if (r)
		return r;
	for (char **p = rest; *p; p++) {
		if (strcmp(*p, "-j")) {
			cli_usage_error("pool-status", "unexpected argument '%s'", *p);
			return VZ_INVALID_PARAMETER_SYNTAX;
		}
		json = true;
	}
	r = ve_pool_status(x->g, &st);
	if (r < 0)
		return r == -ENOMEM ? VZ_RESOURCE_ERROR : VZ_SYSTEM_ERROR;
	r = json ? print_json(x->g, &st) : (print_text(x->g, &st), 0);
	fflush(stdout);
	/* The warnings go to stderr, so that the output stays one format for scripts. */
	if (st.full)
		fprintf(
		    stderr,
		    "Warning: Storage pool %s is full: %.1f MiB free (POOL_MIN_FREE %.1f MiB)\n",
		    st.path, (double)st.free / 1048576, (double)x->g->pool_min_free / 1048576);
	if (st.warn_used)
		fprintf(stderr, "Warning: Storage pool %s is %.1f%% used (POOL_WARN_USED=%u)\n",
			st.path, st.used_percent, x->g->pool_warn_used);
	if (st.warn_overcommit)
		fprintf(
		    stderr,
		    "Warning: Storage pool %s is overcommitted %.3fx (POOL_WARN_OVERCOMMIT=%g)\n",
		    st.path, st.overcommit, x->g->pool_warn_overcommit);
	if (!r && st.full)
		r = VZ_FS_NO_DISK_SPACE;
	else if (!r && (st.warn_used || st.warn_overcommit))
		r = VZ_POOL_WARNING;
	ve_pool_status_free(&st);
	return r;
}
