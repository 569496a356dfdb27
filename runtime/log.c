#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>

static int log_level = VE_LOG_INFO;
static int log_fd = -1;
static char log_prefix[64];

void ve_log_set_level(int level)
{
	log_level = level;
}

int ve_log_get_level(void)
{
	return log_level;
}

void ve_log_set_file(const char *path)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
}

void ve_log_set_prefix(const char *prefix)
{
	snprintf(log_prefix, sizeof(log_prefix), "%s", prefix ? prefix : "");
}

static void emit(int level, const char *msg)
{
	/* Errors and warnings always go to stderr; info to stdout like vzctl. */
	if (level <= log_level) {
		FILE *f = level <= VE_LOG_WARN ? stderr : stdout;
		fprintf(f, "%s%s\n", level == VE_LOG_WARN ? "Warning: " : "", msg);
		fflush(f);
	}
	if (log_fd >= 0 && level <= VE_LOG_INFO) {
		char ts[32], line[1200];
		time_t t = time(NULL);
		struct tm tm;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
		int n = snprintf(line, sizeof(line), "%s vzctl[%d]: %s%s%s\n", ts, getpid(),
				 log_prefix, log_prefix[0] ? ": " : "", msg);
		if (n > 0)
			(void)!write(log_fd, line,
				     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}

static void vlog(int level, int err, const char *fmt, va_list ap)
{
	char buf[1024], fmt2[512];
	const char *f = fmt;

	if (err) {
		/* Expand %m to the given error, not to the current errno. */
		size_t o = 0;
		for (const char *p = fmt; *p && o + 64 < sizeof(fmt2); p++) {
			if (p[0] == '%' && p[1] == 'm') {
				o += snprintf(fmt2 + o, sizeof(fmt2) - o, "%s", strerror(-err));
				p++;
			} else if (p[0] == '%' && p[1] == '%') {
				fmt2[o++] = '%';
				fmt2[o++] = '%';
				p++;
			} else {
				fmt2[o++] = *p;
			}
		}
		fmt2[o] = '\0';
		f = fmt2;
	}
	vsnprintf(buf, sizeof(buf), f, ap);
	emit(level, buf);
}

void ve_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, 0, fmt, ap);
	va_end(ap);
}

int ve_log_errno(int level, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, r ? r : -EIO, fmt, ap);
	va_end(ap);
	return r;
}
