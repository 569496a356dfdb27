/*
 * Copies for snapshots: a file's data keeping its holes (reflink where the filesystem can,
 * else copy_file_range over the data segments found with SEEK_DATA/SEEK_HOLE), and a whole
 * overlay upper tree keeping owners, modes, xattrs (overlay's whiteouts and opaque marks),
 * times and hard links. Every path step is fd-relative and never follows a symlink: the tree
 * belongs to the VE's root user.
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* Copies len bytes at off from in to out with copy_file_range, else read/write. */
static int copy_range(int in, int out, off_t off, off_t len)
{
	static char buf[1 << 16];
	bool cfr = true;

	while (len > 0) {
		ssize_t n = -1;
		loff_t io = off, oo = off;

		if (cfr) {
			n = copy_file_range(in, &io, out, &oo, (size_t)len, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
				      errno == ENOSYS))
				cfr = false;
		}
		if (!cfr) {
			n = pread(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf),
				  off);
			if (n > 0 && pwrite(out, buf, (size_t)n, off) != n)
				n = -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return neg_errno();
		if (n == 0)
			return -EIO; /* the source shrank under us */
		off += n;
		len -= n;
	}
	return 0;
}

int storage_copy_data(int in, int out)
{
	struct stat st;
	off_t data = 0, hole;

	if (fstat(in, &st) < 0)
		return neg_errno();
	/* A reflink shares the blocks: instant and free where the filesystem has it. */
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	if (ftruncate(out, st.st_size) < 0)
		return neg_errno();
	while (data < st.st_size) {
		int r;

		data = lseek(in, data, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole remains: ftruncate made it */
		if (data < 0)
			return copy_range(in, out, 0, st.st_size); /* no SEEK_DATA here */
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return neg_errno();
		r = copy_range(in, out, data, hole - data);
		if (r < 0)
			return r;
		data = hole;
	}
	return 0;
}

/* Inodes with more than one link already copied: the first copy's path below the dest root. */
struct links {
	struct {
		dev_t dev;
		ino_t ino;
		char *path;
	} * v;
	size_t n;
};

struct copy_ctx {
	int dst_root;
	struct links links;
};

static const char *link_find(const struct links *l, const struct stat *st)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ino == st->st_ino && l->v[i].dev == st->st_dev)
			return l->v[i].path;
	return NULL;
}

static void link_add(struct links *l, const struct stat *st, const char *path)
{
	void *v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	char *p = strdup(path);

	if (!v || !p) {
		free(p); /* the link is then copied as its own file */
		if (v)
			l->v = v;
		return;
	}
	l->v = v;
	l->v[l->n].dev = st->st_dev;
	l->v[l->n].ino = st->st_ino;
	l->v[l->n++].path = p;
}

/* Copies the xattrs of name in sdir to name in ddir (neither followed if a symlink). */
static int copy_xattrs(int sdir, int ddir, const char *name)
{
	char sp[64 + NAME_MAX], dp[64 + NAME_MAX], list[4096], val[65536];
	ssize_t n;

	/* /proc/self/fd/N names the directory itself; l*xattr never follow the last part. */
	snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sdir, name);
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", ddir, name);
	n = llistxattr(sp, list, sizeof(list));
	if (n < 0)
		return errno == ENOTSUP ? 0 : neg_errno();
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v = lgetxattr(sp, k, val, sizeof(val));

		if (v < 0)
			return log_errno(neg_errno(), "Unable to read xattr %s of %s: %m", k, name);
		if (lsetxattr(dp, k, val, (size_t)v, 0) < 0)
			return log_errno(neg_errno(), "Unable to copy xattr %s of %s: %m", k, name);
	}
	return 0;
}

/* Owner, mode (after chown, which clears setuid bits) and times of the copied entry. */
static int copy_attrs(int sdir, int ddir, const char *name, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	int r;

	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return log_errno(neg_errno(), "Unable to chown %s: %m", name);
	r = copy_xattrs(sdir, ddir, name);
	if (r < 0)
		return r;
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return log_errno(neg_errno(), "Unable to chmod %s: %m", name);
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return log_errno(neg_errno(), "Unable to set times of %s: %m", name);
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	int r;

	if (in < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", name);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return log_errno(neg_errno(), "Unable to create %s: %m", name);
	r = storage_copy_data(in, out);
	return r < 0 ? log_errno(r, "Unable to copy %s: %m", name) : 0;
}

static int copy_dir(struct copy_ctx *x, int sdir, int ddir, const char *rel);

static int copy_entry(struct copy_ctx *x, int sdir, int ddir, const char *rel, const char *name)
{
	_cleanup_free_ char *path = ve_strdup_printf("%s%s%s", rel, *rel ? "/" : "", name);
	struct stat st;
	const char *first;
	int r = 0;

	if (!path)
		return -ENOMEM;
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return log_errno(neg_errno(), "Unable to stat %s: %m", path);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && (first = link_find(&x->links, &st))) {
		if (linkat(x->dst_root, first, ddir, name, 0) < 0)
			return log_errno(neg_errno(), "Unable to link %s: %m", path);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;

		if (mkdirat(ddir, name, 0700) < 0)
			return log_errno(neg_errno(), "Unable to create %s: %m", path);
		s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return log_errno(neg_errno(), "Unable to open %s: %m", path);
		r = copy_dir(x, s, d, path);
	} else if (S_ISREG(st.st_mode)) {
		r = copy_file(sdir, ddir, name);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);

		if (n < 0)
			return log_errno(neg_errno(), "Unable to read link %s: %m", path);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			r = log_errno(neg_errno(), "Unable to create link %s: %m", path);
	} else if (mknodat(ddir, name, st.st_mode & S_IFMT, st.st_rdev) < 0) {
		/* Devices, fifos, sockets and overlay whiteouts (character device 0:0). */
		r = log_errno(neg_errno(), "Unable to create %s: %m", path);
	}
	if (r == 0)
		r = copy_attrs(sdir, ddir, name, &st);
	if (r == 0 && !S_ISDIR(st.st_mode) && st.st_nlink > 1)
		link_add(&x->links, &st, path);
	return r;
}

static int copy_dir(struct copy_ctx *x, int sdir, int ddir, const char *rel)
{
	int fd = dup(sdir), r = 0;
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return log_errno(neg_errno(), "Unable to read %s: %m", *rel ? rel : ".");
	}
	while (r == 0 && (errno = 0, de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = copy_entry(x, sdir, ddir, rel, de->d_name);
	closedir(d);
	return r;
}

int storage_copy_tree(const char *src, const char *dst)
{
	struct copy_ctx x = {.dst_root = -1};
	_cleanup_close_ int s = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int r;

	if (s < 0 || fstat(s, &st) < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", src);
	if (mkdir(dst, 0700) < 0)
		return log_errno(neg_errno(), "Unable to create %s: %m", dst);
	x.dst_root = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (x.dst_root < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", dst);
	r = copy_dir(&x, s, x.dst_root, "");
	/* The top directory's own attributes, through the parents' fds would need names:
	 * the fds themselves serve. */
	if (r == 0 && (fchown(x.dst_root, st.st_uid, st.st_gid) < 0 ||
		       fchmod(x.dst_root, st.st_mode & 07777) < 0))
		r = log_errno(neg_errno(), "Unable to set the owner of %s: %m", dst);
	if (r == 0) {
		struct timespec ts[2] = {st.st_atim, st.st_mtim};
		futimens(x.dst_root, ts);
	}
	for (size_t i = 0; i < x.links.n; i++)
		free(x.links.v[i].path);
	free(x.links.v);
	close(x.dst_root);
	return r;
}
