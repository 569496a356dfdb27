/*
 * vzctl compact: gives the space freed inside a VE's disk back to the host (Virtuozzo's
 * command; here FITRIM on the image layout, fs/storage.h). A thick disk and the layouts whose
 * freed space returns by itself have nothing to compact: a message, status 0.
 */
#include "cmd/opts.h"
#include "fs/storage.h"
#include "runtime/util.h"

#include <string.h>

static void print_mb(const char *what, uint64_t bytes)
{
	printf("%s%.1f MB", what, (double)bytes / (1 << 20));
}

int cmd_compact(struct cli *x, int argc, char **argv)
{
	struct cli_flag flags[] = {{NULL, false, NULL, NULL}};
	static const struct cli_errmap map[] = {{ENOENT, VZ_FS_NOPRVT}, {0, VZ_SYSTEM_ERROR}};
	_cleanup_free_ char **rest = NULL;
	uint64_t before, after;
	int r = cli_parse("compact", argc, argv, flags, NULL, &rest);

	if (r)
		return r;
	if (!rest[0] || rest[1]) {
		cli_usage_error("compact", rest[0] ? "unexpected argument '%s'" : "CT ID missing%s",
				rest[0] ? rest[1] : "");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	/* Locked: a start or a mount must not race the private mount of a stopped VE's disk. */
	r = cli_open(x, rest[0], true, "compact");
	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_NOVECONFIG;
	}
	r = ve_storage_compact(&x->c->fs, &before, &after);
	if (r < 0)
		return cli_exit_code(r, map);
	if (r == 0) {
		printf("CT %u: disk", x->veid);
		print_mb(" ", before);
		print_mb(" -> ", after);
		print_mb(" on the host, ", before > after ? before - after : 0);
		printf(" returned\n");
	}
	return 0;
}
