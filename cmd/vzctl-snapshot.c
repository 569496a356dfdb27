/*
 * vzctl snapshot, snapshot-list, snapshot-switch, snapshot-delete, snapshot-mount,
 * snapshot-umount: the VE's disk state (fs/storage.h). Exit codes are vzctl's: 156 create,
 * 158 delete, 159 switch, 160 mount, 161 umount, also for a snapshot id that does not exist.
 */
#include "cmd/opts.h"
#include "fs/storage.h"
#include "runtime/cgroup.h"
#include "runtime/util.h"
#include "runtime/ve.h"
#include "templates/template.h"

#include <string.h>
#include <time.h>

/* Parses flags, opens and locks the VE; 0 or an exit code. The VE must exist. */
static int open_snap(struct cli *x, const char *cmd, int argc, char **argv,
		     const struct cli_flag *flags)
{
	_cleanup_free_ char **rest = NULL;
	int r = cli_parse(cmd, argc, argv, flags, NULL, &rest);

	if (r)
		return r;
	if (!rest[0] || rest[1]) {
		cli_usage_error(cmd, rest[0] ? "unexpected argument '%s'" : "CT ID missing%s",
				rest[0] ? rest[1] : "");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	r = cli_open(x, rest[0], true, cmd);
	if (r)
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_NOVECONFIG;
	}
	return 0;
}

/* --id UUID, required when need; 0 or an exit code. */
static int parse_id(const char *cmd, const char *id, bool need, char ret[VE_SNAPSHOT_ID_LEN + 1])
{
	ret[0] = '\0';
	if (!id && need) {
		cli_usage_error(cmd, "--id UUID is required");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	if (id && ve_snapshot_id_parse(id, ret) < 0) {
		fprintf(stderr, "Invalid snapshot id '%s': a UUID is expected\n", id);
		return VZ_INVALID_PARAMETER_VALUE;
	}
	return 0;
}

int cmd_snapshot(struct cli *x, int argc, char **argv)
{
	const char *id = NULL, *name = NULL, *desc = NULL;
	bool skip_suspend = false, frozen = false;
	char uuid[VE_SNAPSHOT_ID_LEN + 1];
	struct cli_flag flags[] = {{"id", true, NULL, &id},
				   {"name", true, NULL, &name},
				   {"description", true, NULL, &desc},
				   {"skip-suspend", false, &skip_suspend, NULL},
				   {NULL, false, NULL, NULL}};
	struct ve_status st;
	int r = open_snap(x, "snapshot", argc, argv, flags);

	if (r == 0)
		r = parse_id("snapshot", id, false, uuid);
	if (r)
		return r;
	/* A snapshot copies the VE's disk: refused on a full pool, warned near a threshold. */
	if (ve_pool_check(x->c, NULL) == -ENOSPC)
		return VZ_FS_NO_DISK_SPACE;
	if (ve_get_status(x->c, &st) < 0)
		return VZ_SYSTEM_ERROR;
	/* Frozen only for the copy: the disk is then still and its files consistent. */
	if (st.running && !skip_suspend) {
		if (ve_cgroup_freeze(x->veid, true) < 0)
			return VZ_CREATE_SNAPSHOT;
		frozen = true;
	}
	r = ve_snapshot_create(&x->c->fs, id ? uuid : NULL, name, desc, uuid);
	if (frozen && ve_cgroup_freeze(x->veid, false) < 0)
		fprintf(stderr, "Unable to resume container %u\n", x->veid);
	if (r == -EINVAL)
		return VZ_INVALID_PARAMETER_VALUE;
	return r < 0 ? VZ_CREATE_SNAPSHOT : 0;
}

int cmd_snapshot_switch(struct cli *x, int argc, char **argv)
{
	const char *id = NULL;
	bool skip_resume = false;
	char uuid[VE_SNAPSHOT_ID_LEN + 1];
	struct cli_flag flags[] = {{"id", true, NULL, &id},
				   {"skip-resume", false, &skip_resume, NULL},
				   {NULL, false, NULL, NULL}};
	struct ve_snapshot_list l;
	struct ve_status st;
	bool found = false;
	int r = open_snap(x, "snapshot-switch", argc, argv, flags);

	if (r == 0)
		r = parse_id("snapshot-switch", id, true, uuid);
	if (r)
		return r;
	/* The id is checked before the VE is stopped: a typo must not stop a VE. */
	if (ve_snapshot_list(&x->c->fs, &l) < 0)
		return VZ_SWITCH_SNAPSHOT;
	for (size_t i = 0; i < l.n; i++)
		found |= !strcmp(l.v[i].id, uuid);
	ve_snapshot_list_free(&l);
	if (!found) {
		fprintf(stderr, "Unable to find snapshot by uuid %s\n", uuid);
		return VZ_SWITCH_SNAPSHOT;
	}
	if (ve_get_status(x->c, &st) < 0)
		return VZ_SYSTEM_ERROR;
	/* As vzctl: the current state is lost, a running VE is stopped (no memory dump yet). */
	if (st.running) {
		struct ve_stop_opts so = {0};

		if (ve_stop(x->c, &so) < 0)
			return VZ_STOP_ERROR;
	} else if (st.mounted && ve_umount(x->c) < 0) {
		return VZ_FS_CANTUMOUNT;
	}
	r = ve_snapshot_switch(&x->c->fs, uuid);
	return r < 0 ? VZ_SWITCH_SNAPSHOT : 0;
}

int cmd_snapshot_delete(struct cli *x, int argc, char **argv)
{
	const char *id = NULL;
	char uuid[VE_SNAPSHOT_ID_LEN + 1];
	struct cli_flag flags[] = {{"id", true, NULL, &id}, {NULL, false, NULL, NULL}};
	int r = open_snap(x, "snapshot-delete", argc, argv, flags);

	if (r == 0)
		r = parse_id("snapshot-delete", id, true, uuid);
	if (r)
		return r;
	return ve_snapshot_delete(&x->c->fs, uuid) < 0 ? VZ_DELETE_SNAPSHOT : 0;
}

int cmd_snapshot_mount(struct cli *x, int argc, char **argv)
{
	const char *id = NULL, *target = NULL;
	char uuid[VE_SNAPSHOT_ID_LEN + 1];
	_cleanup_free_ char *lower = NULL;
	struct cli_flag flags[] = {
	    {"id", true, NULL, &id}, {"target", true, NULL, &target}, {NULL, false, NULL, NULL}};
	int r = open_snap(x, "snapshot-mount", argc, argv, flags);

	if (r == 0)
		r = parse_id("snapshot-mount", id, true, uuid);
	if (r)
		return r;
	if (!target) {
		cli_usage_error("snapshot-mount", "--target DIR is required");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	if (ve_template_root(x->c->global, x->c->fs.ostemplate, x->c->fs.ostemplate_version,
			     &lower) < 0) {
		fprintf(stderr, "OS template %s not found\n", x->c->fs.ostemplate);
		return VZ_OSTEMPLATE_NOT_FOUND;
	}
	r = ve_snapshot_mount(&x->c->fs, uuid, lower, target);
	return r < 0 ? VZ_MOUNT_SNAPSHOT : 0;
}

int cmd_snapshot_umount(struct cli *x, int argc, char **argv)
{
	const char *id = NULL;
	char uuid[VE_SNAPSHOT_ID_LEN + 1];
	struct cli_flag flags[] = {{"id", true, NULL, &id}, {NULL, false, NULL, NULL}};
	int r = open_snap(x, "snapshot-umount", argc, argv, flags);

	if (r == 0)
		r = parse_id("snapshot-umount", id, true, uuid);
	if (r)
		return r;
	return ve_snapshot_umount(&x->c->fs, uuid) < 0 ? VZ_UMOUNT_SNAPSHOT : 0;
}

enum { F_PARENT, F_CURRENT, F_UUID, F_DATE, F_NAME, F_DESC, F_MOUNTED, F_COUNT };

static const struct {
	const char *name, *title;
	int width;
} fields[F_COUNT] = {
    [F_PARENT] = {"parent_uuid", "PARENT_UUID", 38},
    [F_CURRENT] = {"current", "C", 1},
    [F_UUID] = {"uuid", "UUID", 38},
    [F_DATE] = {"date", "DATE", 19},
    [F_NAME] = {"name", "NAME", 0},
    [F_DESC] = {"description", "DESCRIPTION", 0},
    [F_MOUNTED] = {"target", "TARGET", 0},
};

/* "a,b,c" into field indexes; the count or -1 (printed) for an unknown name. */
static int parse_fields(const char *spec, int *out, int max)
{
	_cleanup_free_ char *dup = strdup(spec);
	char *save = NULL;
	int n = 0;

	if (!dup)
		return -1;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int f = -1;

		for (int i = 0; i < F_COUNT; i++)
			if (!strcmp(fields[i].name, t))
				f = i;
		if (f < 0 || n == max) {
			fprintf(stderr, "Unknown snapshot-list field '%s'\n", t);
			return -1;
		}
		out[n++] = f;
	}
	return n;
}

static void print_field(const struct ve_snapshot *s, int f, bool last)
{
	char buf[64];
	const char *v = buf;
	struct tm tm;
	time_t t = (time_t)s->date;

	switch (f) {
	case F_PARENT:
		snprintf(buf, sizeof(buf), *s->parent ? "{%s}" : "", s->parent);
		break;
	case F_CURRENT:
		v = s->current ? "*" : " ";
		break;
	case F_UUID:
		snprintf(buf, sizeof(buf), "{%s}", s->id);
		break;
	case F_DATE:
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		break;
	case F_NAME:
		v = s->name;
		break;
	case F_DESC:
		v = s->description;
		break;
	default:
		v = s->mounted ? s->mounted : "";
	}
	if (last)
		printf("%s\n", v);
	else
		printf("%-*s ", fields[f].width, v);
}

int cmd_snapshot_list(struct cli *x, int argc, char **argv)
{
	int sel[F_COUNT] = {F_PARENT, F_CURRENT, F_UUID, F_DATE, F_NAME}, n = 5, r;
	const char *id = NULL, *out = NULL, *ctid = NULL;
	bool no_header = false, found = false;
	char uuid[VE_SNAPSHOT_ID_LEN + 1];
	struct ve_snapshot_list l;

	/* vzlist-style short options (-H, -o) next to --id: parsed here, not by cli_parse. */
	for (int i = 0; i < argc; i++) {
		const char **slot = !strcmp(argv[i], "-o") || !strcmp(argv[i], "--output") ? &out
				    : !strcmp(argv[i], "--id")				   ? &id
											   : NULL;
		if (!strcmp(argv[i], "-H") || !strcmp(argv[i], "--no-header"))
			no_header = true;
		else if (slot && i + 1 < argc)
			*slot = argv[++i];
		else if (argv[i][0] != '-' && !ctid)
			ctid = argv[i];
		else {
			cli_usage_error("snapshot-list", "unexpected argument '%s'", argv[i]);
			return VZ_INVALID_PARAMETER_SYNTAX;
		}
	}
	if (!ctid) {
		cli_usage_error("snapshot-list", "CT ID missing");
		return VZ_INVALID_PARAMETER_SYNTAX;
	}
	if ((r = parse_id("snapshot-list", id, false, uuid)))
		return r;
	if (out && (n = parse_fields(out, sel, F_COUNT)) <= 0)
		return VZ_INVALID_PARAMETER_VALUE;
	if ((r = cli_open(x, ctid, false, "snapshot-list")))
		return r;
	if (!x->c) {
		fprintf(stderr, "Container %u does not exist\n", x->veid);
		return VZ_NOVECONFIG;
	}
	if (ve_snapshot_list(&x->c->fs, &l) < 0)
		return VZ_SYSTEM_ERROR;
	for (int i = 0; i < n && !no_header; i++)
		if (i == n - 1)
			printf("%s\n", fields[sel[i]].title);
		else
			printf("%-*s ", fields[sel[i]].width, fields[sel[i]].title);
	for (size_t k = 0; k < l.n; k++) {
		if (id && strcmp(l.v[k].id, uuid))
			continue;
		found = true;
		for (int i = 0; i < n; i++)
			print_field(&l.v[k], sel[i], i == n - 1);
	}
	ve_snapshot_list_free(&l);
	if (id && !found) {
		fprintf(stderr, "Unable to find snapshot by uuid %s\n", uuid);
		return VZ_INVALID_PARAMETER_VALUE;
	}
	return 0;
}
