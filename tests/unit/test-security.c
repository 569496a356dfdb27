/*
 * Capabilities and seccomp: name parsing, the default mask, and the real filter and
 * capability sets in forked children (root only; skipped otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime/security.h"
#include "runtime/util.h"

#define BIT(c) (UINT64_C(1) << (c))

static void test_from_name(void **state)
{
	assert_int_equal(ve_caps_from_name("sys_time"), CAP_SYS_TIME);
	assert_int_equal(ve_caps_from_name("SYS_TIME"), CAP_SYS_TIME);
	assert_int_equal(ve_caps_from_name("cap_sys_time"), CAP_SYS_TIME);
	assert_int_equal(ve_caps_from_name("CAP_SYS_TIME"), CAP_SYS_TIME);
	assert_int_equal(ve_caps_from_name("net_admin"), CAP_NET_ADMIN);
	assert_int_equal(ve_caps_from_name("chown"), CAP_CHOWN);
	assert_int_equal(ve_caps_from_name("checkpoint_restore"), CAP_CHECKPOINT_RESTORE);
	assert_int_equal(ve_caps_from_name("bogus"), -EINVAL);
	assert_int_equal(ve_caps_from_name("cap_"), -EINVAL);
	assert_int_equal(ve_caps_from_name(""), -EINVAL);
	assert_int_equal(ve_caps_from_name(NULL), -EINVAL);
	assert_int_equal(ve_caps_from_name("all"), -EINVAL);
	assert_int_equal(ve_caps_from_name("sys_time,net_admin"), -EINVAL);
	assert_int_equal(ve_caps_from_name("sys_time=ep"), -EINVAL);
}

static void test_to_name(void **state)
{
	assert_string_equal(ve_caps_to_name(CAP_SYS_TIME), "sys_time");
	assert_string_equal(ve_caps_to_name(CAP_CHOWN), "chown");
	assert_string_equal(ve_caps_to_name(CAP_CHECKPOINT_RESTORE), "checkpoint_restore");
	assert_null(ve_caps_to_name(-1));
	assert_null(ve_caps_to_name(64));
	/* Every known capability goes round the trip. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		const char *n = ve_caps_to_name(cap);

		assert_non_null(n);
		assert_int_equal(ve_caps_from_name(n), cap);
	}
}

static const int host_caps[] = {
    CAP_SYS_MODULE,    CAP_SYS_RAWIO,  CAP_SYS_TIME,  CAP_MAC_ADMIN,	      CAP_MAC_OVERRIDE,
    CAP_SYSLOG,	       CAP_WAKE_ALARM, CAP_SYS_PACCT, CAP_AUDIT_CONTROL,      CAP_AUDIT_READ,
    CAP_BLOCK_SUSPEND, CAP_BPF,	       CAP_PERFMON,   CAP_CHECKPOINT_RESTORE,
};

static const int ve_caps[] = {
    CAP_CHOWN,	      CAP_DAC_OVERRIDE, CAP_KILL,	 CAP_SETUID,
    CAP_SETGID,	      CAP_SETPCAP,	CAP_NET_ADMIN,	 CAP_NET_RAW,
    CAP_SYS_ADMIN,    CAP_SYS_BOOT,	CAP_SYS_CHROOT,	 CAP_SYS_PTRACE,
    CAP_SYS_RESOURCE, CAP_MKNOD,	CAP_AUDIT_WRITE, CAP_SETFCAP,
};

static void test_default_mask(void **state)
{
	uint64_t m = ve_caps_default_mask();

	for (size_t i = 0; i < ARRAY_SIZE(host_caps); i++)
		assert_false(m & BIT(host_caps[i]));
	for (size_t i = 0; i < ARRAY_SIZE(ve_caps); i++)
		assert_true(m & BIT(ve_caps[i]));
	/* Nothing above what libcap knows. */
	assert_int_equal(m >> (CAP_LAST_CAP + 1), 0);
	assert_int_equal(ve_caps_mask(NULL), m);
}

static void test_mask_on_off(void **state)
{
	struct ve_sec sec = {0};
	uint64_t def = ve_caps_default_mask();

	assert_int_equal(ve_caps_mask(&sec), def);
	sec.cap_on = BIT(CAP_SYS_TIME);
	sec.cap_off = BIT(CAP_NET_ADMIN) | BIT(CAP_MKNOD);
	assert_int_equal(ve_caps_mask(&sec),
			 (def | BIT(CAP_SYS_TIME)) & ~(BIT(CAP_NET_ADMIN) | BIT(CAP_MKNOD)));
	/* Off wins over on. */
	sec.cap_on = sec.cap_off = BIT(CAP_SYS_ADMIN);
	assert_false(ve_caps_mask(&sec) & BIT(CAP_SYS_ADMIN));
	/* No capability beyond the running kernel's. */
	sec.cap_on = UINT64_MAX;
	sec.cap_off = 0;
	assert_false(ve_caps_mask(&sec) & BIT(63));
}

/* Runs fn in a forked child; returns its exit code (the number of the failed check, or 0). */
static int in_child(int (*fn)(const struct ve_sec *), const struct ve_sec *sec)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(sec));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Failed call's errno, 0 on success. */
static int err_of(long r)
{
	return r < 0 ? errno : 0;
}

/* Arguments are bogus: unfiltered, root would get EFAULT/EINVAL/ENOKEY, never EPERM. */
static int check_filter(const struct ve_sec *sec)
{
	void *bad = (void *)1;

	if (ve_seccomp_apply(sec) < 0)
		return 1;
	if (err_of(syscall(SYS_keyctl, 0, -1, 0)) != EPERM)
		return 2;
	if (err_of(syscall(SYS_bpf, -1, bad, 0)) != EPERM)
		return 3;
	if (err_of(syscall(SYS_perf_event_open, bad, 0, -1, -1, 0)) != EPERM)
		return 4;
	if (err_of(syscall(SYS_getpid)) != 0 || syscall(SYS_getpid) != getpid())
		return 5;
	if (err_of(syscall(SYS_open_by_handle_at, -1, bad, 0)) != EPERM)
		return 6;
	return 0;
}

static void skip_unless_root(void)
{
	if (!ve_is_root())
		skip();
}

static void test_seccomp_blocks(void **state)
{
	struct ve_sec sec = {0};

	skip_unless_root();
	assert_int_equal(in_child(check_filter, &sec), 0);
}

static void test_seccomp_prepared(void **state)
{
	struct ve_sec sec = {0};

	skip_unless_root();
	assert_int_equal(ve_seccomp_prepare(&sec, NULL), 0);
	assert_int_equal(in_child(check_filter, &sec), 0);
}

static const char *cache_dir;

static int prepare_in_cache(const struct ve_sec *sec)
{
	return ve_seccomp_prepare(sec, cache_dir) < 0;
}

static int prepare_cached_then_check(const struct ve_sec *sec)
{
	return ve_seccomp_prepare(sec, cache_dir) < 0 ? 100 : check_filter(sec);
}

/* The one file the cache holds, into path. */
static void cache_file(char *path, size_t size)
{
	DIR *d = opendir(cache_dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ".seccomp-", 9) && ++n)
			snprintf(path, size, "%s/%s", cache_dir, de->d_name);
	closedir(d);
	assert_int_equal(n, 1);
}

/*
 * The compiled program is kept in the cache directory and read back by the next process (each
 * step in its own child: a process keeps what it prepared). A planted allow-all program shows
 * that the file is what gets loaded; one that others may write is ignored.
 */
static void test_seccomp_cache(void **state)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct ve_sec sec = {.nesting = true}; /* not what an earlier test prepared here */
	char dir[] = "/tmp/vzkit-seccomp.XXXXXX", path[512];
	struct stat st;
	int fd;

	skip_unless_root();
	assert_non_null(mkdtemp(dir));
	cache_dir = dir;
	assert_int_equal(in_child(prepare_in_cache, &sec), 0);
	cache_file(path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0 && st.st_size % sizeof(struct sock_filter) == 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(in_child(prepare_cached_then_check, &sec), 0);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, &allow, sizeof(allow)), sizeof(allow));
	close(fd);
	assert_int_equal(in_child(prepare_cached_then_check, &sec), 2); /* keyctl passed */

	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(in_child(prepare_cached_then_check, &sec), 0); /* compiled again */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static int check_nesting(const struct ve_sec *sec)
{
	int want = sec->nesting ? 0 : EPERM;

	if (ve_seccomp_apply(sec) < 0)
		return 1;
	if (err_of(unshare(CLONE_NEWUTS)) != want)
		return 2;
	if (err_of(unshare(CLONE_NEWCGROUP)) != want)
		return 3;
	/* Mount and network namespaces stay allowed: CRIU dumps them, systemd units use them. */
	if (err_of(unshare(CLONE_NEWNS)) != 0 || err_of(unshare(CLONE_NEWNET)) != 0)
		return 4;
	/* A too-small size: EINVAL from the kernel when clone3 is let through. */
	if (err_of(syscall(SYS_clone3, (void *)1, 1)) != (sec->nesting ? EINVAL : ENOSYS))
		return 5;
	return 0;
}

static void test_seccomp_nesting(void **state)
{
	struct ve_sec sec = {0};

	skip_unless_root();
	assert_int_equal(in_child(check_nesting, &sec), 0);
	sec.nesting = true;
	assert_int_equal(in_child(check_nesting, &sec), 0);
}

/* The hex value of a "CapXxx:" line of /proc/self/status. */
static uint64_t status_caps(const char *key)
{
	_cleanup_free_ char *s = NULL;
	char *p;

	if (ve_read_file("/proc/self/status", &s, NULL) < 0 || !(p = strstr(s, key)))
		return UINT64_MAX;
	return strtoull(p + strlen(key), NULL, 16);
}

static int check_caps(const struct ve_sec *sec)
{
	uint64_t want = ve_caps_mask(sec) & status_caps("CapPrm:");

	if (ve_caps_apply(sec) < 0)
		return 1;
	if (status_caps("CapBnd:") != want || status_caps("CapEff:") != want ||
	    status_caps("CapPrm:") != want || status_caps("CapInh:") != want)
		return 2;
	if (status_caps("CapAmb:") != 0)
		return 3;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_MODULE) != 0 || prctl(PR_CAPBSET_READ, CAP_BPF) != 0)
		return 4;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 1)
		return 5;
	if ((sec->cap_off & BIT(CAP_NET_ADMIN)) && prctl(PR_CAPBSET_READ, CAP_NET_ADMIN) != 0)
		return 6;
	return 0;
}

static void test_caps_apply(void **state)
{
	struct ve_sec sec = {0};

	skip_unless_root();
	assert_int_equal(in_child(check_caps, &sec), 0);
	sec.cap_off = BIT(CAP_NET_ADMIN);
	assert_int_equal(in_child(check_caps, &sec), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_name),	   cmocka_unit_test(test_to_name),
	    cmocka_unit_test(test_default_mask),   cmocka_unit_test(test_mask_on_off),
	    cmocka_unit_test(test_seccomp_blocks), cmocka_unit_test(test_seccomp_prepared),
	    cmocka_unit_test(test_seccomp_cache),  cmocka_unit_test(test_seccomp_nesting),
	    cmocka_unit_test(test_caps_apply),
	};

	ve_log_set_level(VE_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
