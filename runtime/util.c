#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void ve_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

char *ve_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

bool ve_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

size_t ve_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int ve_strv_push(char ***v, const char *s)
{
	size_t n = ve_strv_len(*v);
	char **nv;
	char *c = strdup(s);

	if (!c)
		return -ENOMEM;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(c);
		return -ENOMEM;
	}
	nv[n] = c;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

char **ve_strv_split(const char *s, const char *seps)
{
	char **v = calloc(1, sizeof(char *));
	const char *p = s;

	if (!v)
		return NULL;
	while (p && *p) {
		size_t skip = strspn(p, seps), len;

		p += skip;
		len = strcspn(p, seps);
		if (len == 0)
			break;
		char *w = strndup(p, len);
		if (!w || ve_strv_push(&v, w) < 0) {
			free(w);
			ve_strv_free(v);
			return NULL;
		}
		free(w);
		p += len;
	}
	return v;
}

int ve_read_file(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return neg_errno();
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 8192);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap += 8192;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		data += n;
		len -= n;
	}
	return 0;
}

int ve_write_file(const char *path, const char *data, int flags)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);

	if (fd < 0)
		return neg_errno();
	return write_all(fd, data, strlen(data));
}

static int write_replace(const char *path, const char *data, size_t len, mode_t mode, bool durable);

int ve_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_replace(path, data, len, mode, true);
}

int ve_write_file_replace(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_replace(path, data, len, mode, false);
}

static int write_replace(const char *path, const char *data, size_t len, mode_t mode, bool durable)
{
	_cleanup_free_ char *tmp = ve_strdup_printf("%s.tmp.XXXXXX", path);
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	char *slash;
	int r;

	if (!tmp)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = neg_errno();
	if (r == 0 && durable && fsync(fd) < 0)
		r = neg_errno();
	if (r == 0)
		ve_fault_point("write", "rename");
	if (r == 0 && rename(tmp, path) < 0)
		r = neg_errno();
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if (!durable)
		return 0;
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	return 0;
}

int ve_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	/* The common case: the directory or its parent exists already. */
	if (mkdir(p, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return neg_errno();
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return neg_errno();
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return neg_errno();
	return 0;
}

static int rm_rf_at(int dfd, dev_t dev)
{
	_cleanup_close_ int fd = dfd;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d)
		return neg_errno();
	fd = -1; /* owned by d now */
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				r = -EBUSY; /* never cross into a mount */
				continue;
			}
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = neg_errno();
				continue;
			}
			int k = rm_rf_at(sub, dev);
			if (k < 0)
				r = k;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && r == 0)
				r = neg_errno();
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && r == 0) {
			r = neg_errno();
		}
	}
	closedir(d);
	return r;
}

int ve_rm_rf(const char *path)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : neg_errno();
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? neg_errno() : 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	r = rm_rf_at(fd, st.st_dev);
	if (r < 0)
		return r;
	if (rmdir(path) < 0)
		return neg_errno();
	return 0;
}

bool ve_path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int ve_is_mount_point(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return neg_errno();
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return !!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	return -EOPNOTSUPP;
}

int ve_parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

void ve_fault_point(const char *op, const char *step)
{
	const char *f = getenv("VZ_FAULT_STEP");
	size_t n = strlen(op);

	if (f && !strncmp(f, op, n) && f[n] == ':' && !strcmp(f + n + 1, step))
		raise(SIGKILL);
}

uint64_t ve_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

bool ve_is_root(void)
{
	return geteuid() == 0;
}
