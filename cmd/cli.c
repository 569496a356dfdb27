#include "cmd/cli.h"
#include "runtime/lock.h"
#include "runtime/util.h"

#include <stdarg.h>
#include <string.h>

int cli_exit_code(int r, const struct cli_errmap *map)
{
	const struct cli_errmap *m;

	if (r >= 0)
		return VZ_OK;
	for (m = map; m->err; m++)
		if (m->err == -r)
			return m->code;
	switch (-r) { /* meanings shared by every command */
	case EAGAIN:
		return VZ_LOCKED;
	case ENOSPC:
	case EDQUOT:
		return VZ_FS_NO_DISK_SPACE;
	case ENOMEM:
		return VZ_RESOURCE_ERROR;
	case EOPNOTSUPP:
		return VZ_NOT_SUPPORTED;
	}
	return m->code;
}

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vzctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int resolve(struct cli *x, const char *id)
{
	int r;

	if (!id || !*id) {
		fprintf(stderr, "CT ID missing\n");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	if (ve_config_parse_veid(id, &x->veid) == 0)
		return 0;
	if (!ve_config_name_valid(id)) {
		fprintf(stderr, "Bad CT ID or name: %s\n", id);
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = ve_config_find_name(x->g, id, &x->veid);
	if (r == -ENOENT) {
		fprintf(stderr, "Container with name %s not found\n", id);
		return VZ_NOVECONFIG;
	}
	return r < 0 ? VZ_SYSTEM_ERROR : 0;
}

int cli_open(struct cli *x, const char *id, bool lock, const char *what)
{
	int r = resolve(x, id);
	char prefix[32];

	if (r)
		return r;
	snprintf(prefix, sizeof(prefix), "CT %u", x->veid);
	ve_log_set_prefix(prefix);
	if (lock) {
		x->lock_fd = ve_lock_acquire(x->g, x->veid, what, x->wait_lock);
		if (x->lock_fd < 0)
			return x->lock_fd == -EAGAIN ? VZ_LOCKED : VZ_SYSTEM_ERROR;
	}
	r = ve_config_load(x->g, x->veid, &x->c);
	if (r == -ENOENT) {
		x->c = NULL;
		return 0;
	}
	return r < 0 ? (r == -EINVAL ? VZ_INVALID_CONFIG : VZ_NOVECONFIG) : 0;
}

void cli_close(struct cli *x)
{
	ve_config_free(x->c);
	x->c = NULL;
	ve_lock_release(x->lock_fd);
	x->lock_fd = -1;
}
