/*
 * Opening a path inside a VE's root from the host so that nothing the VE planted (symlinks,
 * "..", absolute links) can lead out of that root.
 */
#include "util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MAX_LINKS 40
#define MAX_DEPTH 256

int ve_open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd >= 0 ? fd : neg_errno();
	/* Kernels before 5.6 (or a seccomp filter refusing openat2): walk it ourselves. */
	return ve_open_in_root_walk(rootfd, path, flags);
}

struct walk {
	int fds[MAX_DEPTH]; /* fds[0] is the root; fds[n-1] the current directory */
	int n;
	char *rest; /* components still to resolve, '/'-separated */
	int links;
};

static void walk_pop_to(struct walk *w, int n)
{
	while (w->n > n)
		close(w->fds[--w->n]);
}

/* Replaces the rest with target + "/" + rest, restarting from the root for an absolute target. */
static int walk_splice(struct walk *w, const char *target, const char *rest)
{
	char *n = ve_strdup_printf("%s/%s", target, rest);

	if (!n)
		return -ENOMEM;
	free(w->rest);
	w->rest = n;
	if (target[0] == '/')
		walk_pop_to(w, 1);
	return 0;
}

static int walk_step(struct walk *w, const char *comp, const char *rest, bool last, int flags)
{
	int cur = w->fds[w->n - 1], fd;
	struct stat st;
	char target[4096];
	ssize_t len;

	if (!strcmp(comp, "."))
		return 0;
	if (!strcmp(comp, "..")) { /* never above the root */
		if (w->n > 1)
			walk_pop_to(w, w->n - 1);
		return 0;
	}
	fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	if (fstat(fd, &st) < 0) {
		close(fd);
		return neg_errno();
	}
	if (S_ISLNK(st.st_mode)) {
		len = readlinkat(fd, "", target, sizeof(target) - 1);
		close(fd);
		if (len < 0)
			return neg_errno();
		if (++w->links > MAX_LINKS)
			return -ELOOP;
		target[len] = '\0';
		return walk_splice(w, target, rest);
	}
	if (last) {
		close(fd);
		fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? neg_errno() : fd + 1; /* > 0: done, the fd plus one */
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return -ENOTDIR;
	}
	if (w->n == MAX_DEPTH) {
		close(fd);
		return -ENAMETOOLONG;
	}
	w->fds[w->n++] = fd;
	return 0;
}

int ve_open_in_root_walk(int rootfd, const char *path, int flags)
{
	struct walk w = {.n = 1};
	int r = 0;

	w.fds[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	w.rest = strdup(path);
	if (w.fds[0] < 0 || !w.rest) {
		r = w.fds[0] < 0 ? neg_errno() : -ENOMEM;
		goto out;
	}
	while (r == 0) {
		char *p = w.rest, *slash;

		while (*p == '/')
			p++;
		if (!*p) { /* the path named a directory reached so far */
			r = openat(w.fds[w.n - 1], ".", flags | O_CLOEXEC);
			r = r < 0 ? neg_errno() : r + 1;
			break;
		}
		slash = strchr(p, '/');
		_cleanup_free_ char *comp = strndup(p, slash ? (size_t)(slash - p) : strlen(p));
		_cleanup_free_ char *rest = strdup(slash ? slash + 1 : "");
		bool last = !slash || !slash[strspn(slash, "/")];

		if (!comp || !rest) {
			r = -ENOMEM;
			break;
		}
		free(w.rest);
		w.rest = strdup(rest);
		if (!w.rest) {
			r = -ENOMEM;
			break;
		}
		r = walk_step(&w, comp, rest, last, flags);
	}
out:
	walk_pop_to(&w, w.fds[0] >= 0 ? 0 : 1);
	free(w.rest);
	return r > 0 ? r - 1 : r;
}
