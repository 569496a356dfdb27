/*
 * Snapshots of a VE's disk: VE_PRIVATE/snapshots/<uuid>/ holds the backend's copy of the upper
 * layer (fs/dir.c, fs/image.c) and meta.json; VE_PRIVATE/snapshots/current names the snapshot
 * the VE's disk descends from. A snapshot is built in a hidden directory and renamed into
 * place, so a failed or killed snapshot never shows up in the list.
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#define SNAP_DIR "snapshots"

static const struct ve_storage_ops *snap_ops(const struct ve_fs *fs)
{
	const struct ve_storage_ops *o = ve_storage_get(fs->layout);

	if (!o || !o->snapshot_take)
		log_error("Layout '%s' has no snapshots", fs->layout ? fs->layout : "");
	return o && o->snapshot_take ? o : NULL;
}

int ve_snapshot_id_parse(const char *s, char ret[VE_SNAPSHOT_ID_LEN + 1])
{
	size_t len = strlen(s);

	if (len == VE_SNAPSHOT_ID_LEN + 2 && s[0] == '{' && s[len - 1] == '}') {
		s++;
		len -= 2;
	}
	if (len != VE_SNAPSHOT_ID_LEN)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
		ret[i] = (char)tolower((unsigned char)s[i]);
	}
	ret[len] = '\0';
	return 0;
}

static char *snap_path(const struct ve_fs *fs, const char *id, const char *file)
{
	return ve_strdup_printf("%s/" SNAP_DIR "%s%s%s%s", fs->private, id ? "/" : "", id ? id : "",
				file ? "/" : "", file ? file : "");
}

static int read_current(const struct ve_fs *fs, char ret[VE_SNAPSHOT_ID_LEN + 1])
{
	_cleanup_free_ char *path = snap_path(fs, NULL, "current"), *data = NULL;

	ret[0] = '\0';
	if (!path)
		return -ENOMEM;
	if (ve_read_file(path, &data, NULL) < 0)
		return 0;
	data[strcspn(data, "\n")] = '\0';
	if (*data && ve_snapshot_id_parse(data, ret) < 0)
		ret[0] = '\0';
	return 0;
}

static int write_current(const struct ve_fs *fs, const char *id)
{
	_cleanup_free_ char *path = snap_path(fs, NULL, "current");
	_cleanup_free_ char *line = ve_strdup_printf("%s\n", id);

	if (!path || !line)
		return -ENOMEM;
	if (!*id)
		return unlink(path) < 0 && errno != ENOENT ? neg_errno() : 0;
	return ve_write_file_atomic(path, line, strlen(line), 0600);
}

static int write_meta(const char *path, const struct ve_snapshot *s)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", s->id, "name", s->name, "description",
		      s->description, "date", (json_int_t)s->date, "parent", s->parent);
	char *text;
	int r;

	if (!o)
		return -ENOMEM;
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!text)
		return -ENOMEM;
	r = ve_write_file_atomic(path, text, strlen(text), 0600);
	free(text);
	return r < 0 ? log_errno(r, "Unable to write %s: %m", path) : 0;
}

static void snapshot_clear(struct ve_snapshot *s)
{
	free(s->name);
	free(s->description);
	free(s->mounted);
	memset(s, 0, sizeof(*s));
}

static int read_meta(const struct ve_fs *fs, const char *id, struct ve_snapshot *s)
{
	_cleanup_free_ char *path = snap_path(fs, id, "meta.json");
	_cleanup_free_ char *mpath = snap_path(fs, id, "mounted");
	const char *name = "", *desc = "", *parent = "";
	json_int_t date = 0, date_ns = 0;
	json_error_t err;
	json_t *o;

	memset(s, 0, sizeof(*s));
	if (!path || !mpath)
		return -ENOMEM;
	o = json_load_file(path, 0, &err);
	if (!o)
		return log_errno(-EUCLEAN, "Unable to read %s: %s", path, err.text);
	json_unpack(o, "{s?s, s?s, s?I, s?I, s?s}", "name", &name, "description", &desc, "date",
		    &date, "date_ns", &date_ns, "parent", &parent);
	snprintf(s->id, sizeof(s->id), "%s", id);
	if (ve_snapshot_id_parse(parent, s->parent) < 0)
		s->parent[0] = '\0';
	s->name = strdup(name);
	s->description = strdup(desc);
	s->date = date;
	s->date_ns = date_ns;
	json_decref(o);
	if (ve_read_file(mpath, &s->mounted, NULL) == 0)
		s->mounted[strcspn(s->mounted, "\n")] = '\0';
	if (!s->name || !s->description) {
		snapshot_clear(s);
		return -ENOMEM;
	}
	return 0;
}

void ve_snapshot_list_free(struct ve_snapshot_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		snapshot_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int by_date(const void *a, const void *b)
{
	const struct ve_snapshot *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->date_ns != y->date_ns)
		return x->date_ns < y->date_ns ? -1 : 1;
	return strcmp(x->id, y->id);
}

int ve_snapshot_list(const struct ve_fs *fs, struct ve_snapshot_list *ret)
{
	_cleanup_free_ char *dir = snap_path(fs, NULL, NULL);
	char cur[VE_SNAPSHOT_ID_LEN + 1], id[VE_SNAPSHOT_ID_LEN + 1];
	struct dirent *de;
	DIR *d;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!dir || read_current(fs, cur) < 0)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : log_errno(neg_errno(), "Unable to read %s: %m", dir);
	while (r == 0 && (de = readdir(d))) {
		void *v;

		/* Only finished snapshots have a UUID name; .new-/.del- ones are skipped. */
		if (ve_snapshot_id_parse(de->d_name, id) < 0 || strcmp(id, de->d_name))
			continue;
		v = realloc(ret->v, (ret->n + 1) * sizeof(*ret->v));
		if (!v) {
			r = -ENOMEM;
			break;
		}
		ret->v = v;
		r = read_meta(fs, id, &ret->v[ret->n]);
		if (r == 0)
			ret->v[ret->n++].current = !strcmp(id, cur);
	}
	closedir(d);
	if (r < 0) {
		ve_snapshot_list_free(ret);
		return r;
	}
	qsort(ret->v, ret->n, sizeof(*ret->v), by_date);
	return 0;
}

/* 0 if id names a snapshot, else -ENOENT (logged). */
static int snapshot_find(const struct ve_fs *fs, const char *id)
{
	_cleanup_free_ char *meta = snap_path(fs, id, "meta.json");

	if (!meta)
		return -ENOMEM;
	if (!ve_path_exists(meta))
		return log_errno(-ENOENT, "Unable to find snapshot by uuid %s", id);
	return 0;
}

static int new_uuid(char ret[VE_SNAPSHOT_ID_LEN + 1])
{
	_cleanup_free_ char *data = NULL;
	int r = ve_read_file("/proc/sys/kernel/random/uuid", &data, NULL);

	if (r < 0)
		return log_errno(r, "Unable to generate a snapshot id: %m");
	data[strcspn(data, "\n")] = '\0';
	return ve_snapshot_id_parse(data, ret);
}

int ve_snapshot_create(const struct ve_fs *fs, const char *id, const char *name,
		       const char *description, char ret_id[VE_SNAPSHOT_ID_LEN + 1])
{
	const struct ve_storage_ops *o = snap_ops(fs);
	struct ve_snapshot s = {.name = (char *)(name ? name : ""),
				.description = (char *)(description ? description : "")};
	struct timespec now;
	_cleanup_free_ char *top = NULL, *tmp = NULL, *meta = NULL, *dst = NULL;
	int r;

	if (!o)
		return -EOPNOTSUPP;
	clock_gettime(CLOCK_REALTIME, &now);
	s.date = now.tv_sec;
	s.date_ns = now.tv_nsec;
	r = id ? ve_snapshot_id_parse(id, s.id) : new_uuid(s.id);
	if (r < 0)
		return log_errno(-EINVAL, "Invalid snapshot id '%s' (a UUID is expected)", id);
	top = snap_path(fs, NULL, NULL);
	dst = snap_path(fs, s.id, NULL);
	tmp = ve_strdup_printf("%s/.new-%s", top ? top : "", s.id);
	meta = ve_strdup_printf("%s/meta.json", tmp ? tmp : "");
	if (!top || !dst || !tmp || !meta || read_current(fs, s.parent) < 0)
		return -ENOMEM;
	if (ve_path_exists(dst))
		return log_errno(-EEXIST, "Snapshot %s already exists", s.id);
	/* 0700: a copy of the VE's files, setuid ones included, kept from host users. */
	if (mkdir(top, 0700) < 0 && errno != EEXIST)
		return log_errno(neg_errno(), "Unable to create %s: %m", top);
	ve_rm_rf(tmp);
	if (mkdir(tmp, 0700) < 0)
		return log_errno(neg_errno(), "Unable to create %s: %m", tmp);
	log_info("Creating snapshot %s", s.id);
	r = o->snapshot_take(fs, tmp);
	if (r == 0)
		r = write_meta(meta, &s);
	if (r == 0 && rename(tmp, dst) < 0)
		r = log_errno(neg_errno(), "Unable to rename %s: %m", tmp);
	if (r < 0) {
		ve_rm_rf(tmp);
		return r;
	}
	r = write_current(fs, s.id);
	if (r < 0)
		log_warn_errno(r, "Unable to record snapshot %s as current: %m, ignoring", s.id);
	if (ret_id)
		memcpy(ret_id, s.id, sizeof(s.id));
	log_info("Snapshot %s has been successfully created", s.id);
	return 0;
}

int ve_snapshot_switch(const struct ve_fs *fs, const char *id)
{
	const struct ve_storage_ops *o = snap_ops(fs);
	_cleanup_free_ char *dir = snap_path(fs, id, NULL);
	int r;

	if (!o)
		return -EOPNOTSUPP;
	if (!dir)
		return -ENOMEM;
	r = snapshot_find(fs, id);
	if (r < 0)
		return r;
	if (ve_storage_is_mounted(fs) == 1)
		return log_errno(-EBUSY, "Container is mounted; stop or umount it first");
	log_info("Switching to snapshot %s", id);
	r = o->snapshot_restore(fs, dir);
	if (r < 0)
		return r;
	/* A disk grown since the snapshot grows again to the configured DISKSPACE. */
	if (o->resize && o->resize(fs) < 0)
		log_warn("The disk of snapshot %s does not match DISKSPACE/DISKINODES, ignoring",
			 id);
	r = write_current(fs, id);
	if (r < 0)
		log_warn_errno(r, "Unable to record snapshot %s as current: %m, ignoring", id);
	log_info("Container has been successfully switched to snapshot %s", id);
	return 0;
}

/* Children of id get id's parent; current moves to the parent too if it was id. */
static void unlink_from_tree(const struct ve_fs *fs, const struct ve_snapshot *gone)
{
	struct ve_snapshot_list l;
	char cur[VE_SNAPSHOT_ID_LEN + 1];

	if (ve_snapshot_list(fs, &l) < 0)
		return;
	for (size_t i = 0; i < l.n; i++) {
		_cleanup_free_ char *meta = snap_path(fs, l.v[i].id, "meta.json");

		if (!meta || strcmp(l.v[i].parent, gone->id))
			continue;
		memcpy(l.v[i].parent, gone->parent, sizeof(gone->parent));
		write_meta(meta, &l.v[i]);
	}
	ve_snapshot_list_free(&l);
	if (read_current(fs, cur) == 0 && !strcmp(cur, gone->id))
		write_current(fs, gone->parent);
}

int ve_snapshot_delete(const struct ve_fs *fs, const char *id)
{
	_cleanup_free_ char *dir = snap_path(fs, id, NULL);
	_cleanup_free_ char *gone = NULL;
	struct ve_snapshot s;
	int r;

	if (!dir)
		return -ENOMEM;
	r = snapshot_find(fs, id);
	if (r == 0)
		r = read_meta(fs, id, &s);
	if (r < 0)
		return r;
	if (s.mounted) {
		snapshot_clear(&s);
		return log_errno(-EBUSY, "Snapshot %s is mounted; umount it first", id);
	}
	gone = ve_strdup_printf("%s/" SNAP_DIR "/.del-%s", fs->private, id);
	/* Renamed out of the list first: a removal cut short leaves no half snapshot. */
	if (!gone || rename(dir, gone) < 0) {
		snapshot_clear(&s);
		return gone ? log_errno(neg_errno(), "Unable to remove %s: %m", dir) : -ENOMEM;
	}
	log_info("Deleting snapshot %s", id);
	unlink_from_tree(fs, &s);
	snapshot_clear(&s);
	r = ve_rm_rf(gone);
	if (r < 0)
		log_warn_errno(r, "Unable to remove %s: %m, ignoring", gone);
	log_info("Snapshot %s has been successfully deleted", id);
	return 0;
}

static int mount_layers(const struct ve_fs *fs, const char *upper, const char *lower,
			const char *target)
{
	_cleanup_free_ char *opts = NULL;
	int r;

	if (strpbrk(upper, ",:") || strpbrk(lower, ",:"))
		return log_errno(-EINVAL, "Overlay paths may not hold ',' or ':' (%s)", upper);
	r = ve_mkdir_p(target, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create %s: %m", target);
	/* Only lower layers: overlayfs mounts read-only, the snapshot's upper on top. */
	opts = ve_strdup_printf("lowerdir=%s:%s", upper, lower);
	if (!opts)
		return -ENOMEM;
	if (mount("overlay", target, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, opts) < 0)
		return log_errno(neg_errno(), "Unable to mount snapshot on %s: %m", target);
	return 0;
}

int ve_snapshot_mount(const struct ve_fs *fs, const char *id, const char *lowerdir,
		      const char *target)
{
	const struct ve_storage_ops *o = snap_ops(fs);
	_cleanup_free_ char *dir = snap_path(fs, id, NULL), *mfile = snap_path(fs, id, "mounted");
	_cleanup_free_ char *lower = snap_path(fs, id, "lower"), *upper = NULL, *abs = NULL;
	int r;

	if (!o)
		return -EOPNOTSUPP;
	if (!dir || !mfile || !lower)
		return -ENOMEM;
	r = snapshot_find(fs, id);
	if (r < 0)
		return r;
	if (ve_read_file(mfile, &abs, NULL) == 0) {
		/* A record whose mount is gone (host reboot) is stale, not a mount. */
		if (ve_is_mount_point(abs) == 1)
			return log_errno(-EALREADY, "Snapshot %s is already mounted on %s", id,
					 abs);
		ve_snapshot_umount(fs, id);
		free(TAKE_PTR(abs));
	}
	r = ve_mkdir_p(target, 0755);
	if (r < 0)
		return log_errno(r, "Unable to create %s: %m", target);
	abs = realpath(target, NULL);
	if (!abs)
		return log_errno(neg_errno(), "Unable to resolve %s: %m", target);
	r = o->snapshot_open(fs, dir, &upper);
	if (r < 0)
		return r;
	/* The VE's files in the snapshot carry its mapped ids: the template must too. */
	if (fs->uidmap.count && (r = storage_idmap_bind(fs, lowerdir, -1, lower)) == 0)
		lowerdir = lower;
	if (r == 0)
		r = mount_layers(fs, upper, lowerdir, abs);
	if (r == 0 && (r = ve_write_file_atomic(mfile, abs, strlen(abs), 0600)) < 0)
		umount2(abs, MNT_DETACH);
	if (r == 0) {
		log_info("Snapshot %s is mounted on %s", id, abs);
		return 0;
	}
	if (fs->uidmap.count)
		umount2(lower, MNT_DETACH);
	o->snapshot_close(fs, dir);
	return r;
}

int ve_snapshot_umount(const struct ve_fs *fs, const char *id)
{
	const struct ve_storage_ops *o = snap_ops(fs);
	_cleanup_free_ char *dir = snap_path(fs, id, NULL), *mfile = snap_path(fs, id, "mounted");
	_cleanup_free_ char *lower = snap_path(fs, id, "lower"), *target = NULL;
	int r;

	if (!o)
		return -EOPNOTSUPP;
	if (!dir || !mfile || !lower)
		return -ENOMEM;
	r = snapshot_find(fs, id);
	if (r < 0)
		return r;
	if (ve_read_file(mfile, &target, NULL) < 0)
		return log_errno(-ENOTCONN, "Snapshot %s is not mounted", id);
	r = storage_overlay_umount(target);
	if (r < 0)
		return r;
	if (ve_is_mount_point(lower) == 1 && umount2(lower, UMOUNT_NOFOLLOW) < 0)
		log_warn_errno(neg_errno(), "Unable to unmount %s: %m, ignoring", lower);
	o->snapshot_close(fs, dir);
	unlink(mfile);
	log_info("Snapshot %s is unmounted", id);
	return 0;
}

void ve_snapshot_umount_all(const struct ve_fs *fs)
{
	struct ve_snapshot_list l;

	if (!snap_ops(fs) || ve_snapshot_list(fs, &l) < 0)
		return;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].mounted)
			ve_snapshot_umount(fs, l.v[i].id);
	ve_snapshot_list_free(&l);
}
