/* Shared helpers: cleanup attributes, logging, small file utilities. */
#ifndef VE_UTIL_H
#define VE_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define _cleanup_(f)	 __attribute__((cleanup(f)))
#define _cleanup_free_	 _cleanup_(ve_freep)
#define _cleanup_close_	 _cleanup_(ve_closep)
#define _cleanup_fclose_ _cleanup_(ve_fclosep)
#define _cleanup_strv_	 _cleanup_(ve_strv_freep)
#define _printf_(a, b)	 __attribute__((format(printf, a, b)))
#define _unused_	 __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hand ownership over: returns the value and clears the variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

static inline void ve_freep(void *p)
{
	free(*(void **)p);
}

static inline void ve_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void ve_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

void ve_strv_free(char **v);
static inline void ve_strv_freep(char ***v)
{
	ve_strv_free(*v);
}

/* Logging.  The library logs once where the context is; the CLI decides verbosity. */
enum ve_log_level { VE_LOG_ERR = 0, VE_LOG_WARN, VE_LOG_INFO, VE_LOG_DEBUG };

void ve_log_set_level(int level);
int ve_log_get_level(void);
/* Appends every message to this file too (NULL: stop); the file is opened O_APPEND. */
void ve_log_set_file(const char *path);
/* Prefix for messages, e.g. "CT 101"; NULL clears it. The string is copied. */
void ve_log_set_prefix(const char *prefix);
void ve_log(int level, const char *fmt, ...) _printf_(2, 3);

/* Logs with %m meaning strerror(-r) and returns r (a negative errno). */
int ve_log_errno(int level, int r, const char *fmt, ...) _printf_(3, 4);

#define log_error(...)	       ve_log(VE_LOG_ERR, __VA_ARGS__)
#define log_warn(...)	       ve_log(VE_LOG_WARN, __VA_ARGS__)
#define log_info(...)	       ve_log(VE_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	       ve_log(VE_LOG_DEBUG, __VA_ARGS__)
#define log_errno(r, ...)      ve_log_errno(VE_LOG_ERR, (r), __VA_ARGS__)
#define log_warn_errno(r, ...) ve_log_errno(VE_LOG_WARN, (r), __VA_ARGS__)

/* -errno, never 0, for use right after a failed libc call. */
static inline int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* String helpers. All return newly allocated strings or NULL (ENOMEM). */
char *ve_strdup_printf(const char *fmt, ...) _printf_(1, 2);
bool ve_streq(const char *a, const char *b);
/* Splits on any of the characters in seps, dropping empty fields. */
char **ve_strv_split(const char *s, const char *seps);
size_t ve_strv_len(char *const *v);
/* Appends a copy of s; returns 0 or -ENOMEM. */
int ve_strv_push(char ***v, const char *s);

/* Files. */
int ve_read_file(const char *path, char **ret, size_t *ret_len);
/* Writes the whole buffer; path opened with O_WRONLY|O_CLOEXEC|flags. */
int ve_write_file(const char *path, const char *data, int flags);
/* Writes path atomically: temp file in the same directory, fsync, rename, fsync(dir). */
int ve_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
/* The same without the fsyncs: atomic but not durable, for volatile state (pid files). */
int ve_write_file_replace(const char *path, const char *data, size_t len, mode_t mode);
int ve_mkdir_p(const char *path, mode_t mode);
/* Runs path (argv, a fixed PATH and LC_ALL=C environment) with stdin on in_fd (-1:
 * /dev/null) and stdout on /dev/null, and waits. err (errlen bytes, may be NULL) gets its
 * stderr: the first non-empty line, or with first_line false all of it without trailing
 * newlines. Returns its exit status (127: it could not be executed), -ECHILD if a signal ended
 * it, or -errno (pipe, fork, wait). */
int ve_run_tool(const char *path, char *const argv[], int in_fd, char *err, size_t errlen,
		bool first_line);
/* Removes a tree without crossing mount points; ENOENT is success. */
int ve_rm_rf(const char *path);
bool ve_path_exists(const char *path);
/* Whether path is the root of a mount (statx STATX_ATTR_MOUNT_ROOT). */
int ve_is_mount_point(const char *path);

/*
 * Opens path below the directory rootfd as if rootfd were "/": symlinks, ".." and absolute
 * paths planted by a VE never lead out of it (openat2 RESOLVE_IN_ROOT; where the kernel lacks
 * openat2, ve_open_in_root_walk resolves component by component). Magic links (/proc/.../fd)
 * are refused. Returns the fd (O_CLOEXEC) or negative errno.
 */
int ve_open_in_root(int rootfd, const char *path, int flags);
int ve_open_in_root_walk(int rootfd, const char *path, int flags);

/* Sends byte with fd (none when fd < 0) over the unix socket sock: 0 or -EIO. */
int ve_send_fd(int sock, char byte, int fd);
/* Receives what ve_send_fd sent: the fd (O_CLOEXEC), -1 when none came with the byte
 * (*ret_byte, may be NULL), -EIO when nothing came (the other end closed). */
int ve_recv_fd(int sock, char *ret_byte);

/* Parses a decimal unsigned integer; -EINVAL on junk, -ERANGE on overflow. */
int ve_parse_u64(const char *s, uint64_t *ret);

/*
 * Test hook of the fault battery: with VZ_FAULT_STEP=<op>:<step> in the environment the
 * process SIGKILLs itself here, as a crash or a kill -9 at that point would.
 */
void ve_fault_point(const char *op, const char *step);

/* Monotonic time in microseconds. */
uint64_t ve_now_usec(void);

/* Whether this process may act as the host's root (euid 0). */
bool ve_is_root(void);

#endif
