/*
 * templates/: name validation, distro resolution and scripts against a temporary DIST_DIR,
 * a real busybox cache build (and, as root, its distribution scripts run in a chroot),
 * concurrent builds, failing recipes and version suffixes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "runtime/util.h"
#include "templates/template.h"

struct fixture {
	char tmp[64];
	char *tpl;  /* TEMPLATE */
	char *dist; /* a scratch DIST_DIR */
	struct ve_global g;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/vzkit-test-template.XXXXXX");
	if (!mkdtemp(f->tmp))
		return -1;
	f->tpl = ve_strdup_printf("%s/template", f->tmp);
	f->dist = ve_strdup_printf("%s/dist", f->tmp);
	if (mkdir(f->tpl, 0755) < 0 || mkdir(f->dist, 0755) < 0)
		return -1;
	f->g.template_dir = f->tpl;
	f->g.dist_dir = f->dist;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ve_rm_rf(f->tmp);
	free(f->tpl);
	free(f->dist);
	free(f);
	return 0;
}

static void mkdirf(const char *fmt, const char *a, const char *b)
{
	_cleanup_free_ char *p = ve_strdup_printf(fmt, a, b);

	assert_int_equal(ve_mkdir_p(p, 0755), 0);
}

/* Writes dist/<distro>/<file> with mode. */
static void put(struct fixture *f, const char *distro, const char *file, const char *text,
		mode_t mode)
{
	_cleanup_free_ char *p = ve_strdup_printf("%s/%s/%s", f->dist, distro, file);

	mkdirf("%s/%s", f->dist, distro);
	assert_int_equal(ve_write_file(p, text, O_CREAT | O_TRUNC), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* Number of entries of dir whose name starts with prefix; -1 if dir is missing. */
static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !strncmp(de->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/* The source tree's templates/ directory (tests run from the top of the tree). */
static char *source_dist_dir(void)
{
	const char *env = getenv("VZKIT_SRCDIR");
	_cleanup_free_ char *file = strdup(__FILE__), *p = NULL;
	char *s, buf[PATH_MAX];

	if (env)
		p = ve_strdup_printf("%s/templates", env);
	else {
		s = strstr(file, "tests/unit/");
		if (s)
			*s = '\0';
		p = ve_strdup_printf("%stemplates", file);
	}
	return p && realpath(p, buf) ? strdup(buf) : NULL;
}

static void test_name_valid(void **state)
{
	char longname[120];

	assert_true(ve_template_name_valid("busybox"));
	assert_true(ve_template_name_valid("debian-12"));
	assert_true(ve_template_name_valid("debian-12-x86_64.minimal"));
	assert_true(ve_template_name_valid("0day"));
	assert_false(ve_template_name_valid(NULL));
	assert_false(ve_template_name_valid(""));
	assert_false(ve_template_name_valid("-x"));
	assert_false(ve_template_name_valid(".x"));
	assert_false(ve_template_name_valid(".."));
	assert_false(ve_template_name_valid("_x"));
	assert_false(ve_template_name_valid("Debian"));
	assert_false(ve_template_name_valid("a/b"));
	assert_false(ve_template_name_valid("a b"));
	assert_false(ve_template_name_valid("a\n"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(ve_template_name_valid(longname));
}

static void expect_distro(struct fixture *f, const char *name, int err, const char *distro)
{
	char *p = NULL;
	int r = ve_template_dist_dir(&f->g, name, &p);

	assert_int_equal(r, err);
	if (err == 0) {
		_cleanup_free_ char *want = ve_strdup_printf("%s/%s", f->dist, distro);
		assert_string_equal(p, want);
	}
	free(p);
}

static void test_distro_resolution(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *file = ve_strdup_printf("%s/ubuntu", f->dist);

	mkdirf("%s/%s", f->dist, "debian");
	mkdirf("%s/%s", f->dist, "debian-12");
	mkdirf("%s/%s", f->dist, "busybox");
	mkdirf("%s/%s", f->dist, "centos-7");
	assert_int_equal(ve_write_file(file, "not a dir", O_CREAT), 0);

	expect_distro(f, "debian-12", 0, "debian-12");
	expect_distro(f, "debian-12-minimal", 0, "debian-12");
	expect_distro(f, "debian-12-x86_64-minimal", 0, "debian-12");
	expect_distro(f, "debian-11", 0, "debian");
	expect_distro(f, "debian", 0, "debian");
	expect_distro(f, "busybox-test", 0, "busybox");
	expect_distro(f, "busyboxx", -ENOENT, NULL);
	expect_distro(f, "debian12", -ENOENT, NULL);
	expect_distro(f, "centos", -ENOENT, NULL);
	expect_distro(f, "ubuntu", -ENOENT, NULL);
	expect_distro(f, "ubuntu-22", -ENOENT, NULL);
	expect_distro(f, "Bad", -EINVAL, NULL);
}

static void test_scripts(void **state)
{
	struct fixture *f = *state;
	char *p = NULL;

	put(f, "debian-12", "stop", "kill -s RTMIN+4 1\n", 0755);
	put(f, "debian-12", "set-dns", "true\n", 0644);
	mkdirf("%s/%s", f->dist, "debian-12/set-hostname");

	assert_int_equal(ve_template_script(&f->g, "debian-12-minimal", "stop", &p), 0);
	_cleanup_free_ char *want = ve_strdup_printf("%s/debian-12/stop", f->dist);
	assert_string_equal(p, want);
	free(p);
	/* Not executable is fine: the text is run with /bin/sh -c. */
	assert_int_equal(ve_template_script(&f->g, "debian-12", "set-dns", &p), 0);
	free(p);
	assert_int_equal(ve_template_script(&f->g, "debian-12", "set-userpasswd", &p), -ENOENT);
	assert_int_equal(ve_template_script(&f->g, "debian-12", "set-hostname", &p), -ENOENT);
	assert_int_equal(ve_template_script(&f->g, "debian-12", "../debian-12/stop", &p), -EINVAL);
	assert_int_equal(ve_template_script(&f->g, "debian-12", "", &p), -EINVAL);
	assert_int_equal(ve_template_script(&f->g, "fedora", "stop", &p), -ENOENT);
}

static char *read_text(const char *root, const char *rel)
{
	_cleanup_free_ char *p = ve_strdup_printf("%s/%s", root, rel);
	char *s = NULL;

	assert_int_equal(ve_read_file(p, &s, NULL), 0);
	return s;
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (const char *s = text; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

/* Runs a distribution script in a chroot of root, in a private UTS namespace; exit status. */
static int run_script(const char *dist, const char *action, const char *root, char **env)
{
	_cleanup_free_ char *path = ve_strdup_printf("%s/busybox/%s", dist, action);
	_cleanup_free_ char *text = NULL;
	int status;
	pid_t pid;

	assert_int_equal(ve_read_file(path, &text, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = {"sh", "-c", text, NULL};

		/* The hostname change must not reach the host: a UTS namespace of our own. */
		if (unshare(CLONE_NEWUTS) < 0 || chroot(root) < 0 || chdir("/") < 0)
			_exit(126);
		execve("/bin/sh", argv, env);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void check_busybox_scripts(const char *dist, const char *root)
{
	char *hn[] = {"PATH=/bin:/sbin", "VEID=101", "HOSTNAME=ve1.example.org", NULL};
	char *bad_hn[] = {"PATH=/bin:/sbin", "HOSTNAME=bad name", NULL};
	char *dns[] = {"PATH=/bin:/sbin", "NAMESERVER=192.0.2.53 2001:db8::53",
		       "SEARCHDOMAIN=example.org", NULL};
	char *dns2[] = {"PATH=/bin:/sbin", "NAMESERVER=192.0.2.1", NULL};
	char *pw1[] = {"PATH=/bin:/sbin", "USER=alice", "PASSWORD=s3cret pass", NULL};
	char *pw2[] = {"PATH=/bin:/sbin", "USER=alice", "PASSWORD=other", NULL};
	_cleanup_free_ char *hosts = NULL, *hostname = NULL, *resolv = NULL;
	_cleanup_free_ char *passwd = NULL, *shadow1 = NULL, *shadow2 = NULL;

	assert_int_equal(run_script(dist, "set-hostname", root, hn), 0);
	assert_int_equal(run_script(dist, "set-hostname", root, hn), 0);
	assert_int_not_equal(run_script(dist, "set-hostname", root, bad_hn), 0);
	hostname = read_text(root, "etc/hostname");
	assert_string_equal(hostname, "ve1.example.org\n");
	hosts = read_text(root, "etc/hosts");
	assert_int_equal(count_lines_with(hosts, "127.0.1.1\tve1.example.org ve1\n"), 1);
	assert_int_equal(count_lines_with(hosts, "127.0.0.1\tlocalhost"), 1);

	assert_int_equal(run_script(dist, "set-dns", root, dns), 0);
	assert_int_equal(run_script(dist, "set-dns", root, dns2), 0);
	resolv = read_text(root, "etc/resolv.conf");
	assert_string_equal(resolv, "search example.org\nnameserver 192.0.2.1\n");

	assert_int_equal(run_script(dist, "set-userpasswd", root, pw1), 0);
	shadow1 = read_text(root, "etc/shadow");
	assert_int_equal(run_script(dist, "set-userpasswd", root, pw2), 0);
	shadow2 = read_text(root, "etc/shadow");
	passwd = read_text(root, "etc/passwd");
	assert_int_equal(count_lines_with(passwd, "\nalice:x:1000:1000::/home/alice:/bin/sh\n"), 1);
	assert_int_equal(count_lines_with(shadow1, "\nalice:$6$"), 1);
	assert_int_equal(count_lines_with(shadow2, "\nalice:$6$"), 1);
	assert_string_not_equal(shadow1, shadow2);
}

static void test_busybox_build(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *src = source_dist_dir(), *name_dir = NULL;
	_cleanup_free_ char *v1 = NULL, *v2 = NULL, *root = NULL, *p = NULL, *inittab = NULL;
	_cleanup_strv_ char **list = NULL;
	struct stat st, st_bb;
	uint64_t t0;

	if (access("/bin/busybox", X_OK) < 0 || !src)
		skip();
	f->g.dist_dir = src;
	t0 = ve_now_usec();
	assert_int_equal(ve_template_ensure(&f->g, "busybox", &v1), 0);
	print_message("busybox template built in %.2f s\n", (double)(ve_now_usec() - t0) / 1e6);
	assert_int_equal(ve_template_ensure(&f->g, "busybox", &v2), 0);
	assert_string_equal(v1, v2);
	name_dir = ve_strdup_printf("%s/cache/busybox", f->tpl);
	assert_int_equal(count_entries(name_dir, ""), 1);

	assert_int_equal(ve_template_list(&f->g, &list), 0);
	assert_int_equal(ve_strv_len(list), 1);
	p = ve_strdup_printf("busybox/%s", v1);
	assert_string_equal(list[0], p);

	assert_int_equal(ve_template_root(&f->g, "busybox", v1, &root), 0);
	assert_int_equal(ve_template_root(&f->g, "busybox", "20000101T000000Z", &p), -ENOENT);
	assert_int_equal(ve_template_root(&f->g, "busybox", "../x", &p), -EINVAL);
	free(p);
	p = ve_strdup_printf("%s/sbin/init", root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	free(p);
	/* The links are relative, so from the host they resolve inside the tree. */
	p = ve_strdup_printf("%s/bin/busybox", root);
	assert_int_equal(stat(p, &st_bb), 0);
	free(p);
	p = ve_strdup_printf("%s/bin/sh", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_ino, st_bb.st_ino);
	free(p);
	p = ve_strdup_printf("%s/tmp", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 01777);
	inittab = read_text(root, "etc/inittab");
	assert_non_null(strstr(inittab, "::sysinit:/etc/init.d/rcS\n"));
	assert_non_null(strstr(inittab, "::shutdown:"));
	/* Nothing that needs a tty: no askfirst, no respawned getty. */
	assert_null(strstr(inittab, ":askfirst:"));
	assert_null(strstr(inittab, ":respawn:"));

	if (geteuid() == 0)
		check_busybox_scripts(src, root);
}

/* A recipe that records each build and takes a moment, so two builders overlap. */
static const char slow_recipe[] = "#!/bin/sh\n"
				  "echo \"$TEMPLATE_NAME\" >>\"$DIST_DIR/builds\"\n"
				  "env >\"$DIST_DIR/env\"\n"
				  "readlink /proc/self/fd/0 >\"$DIST_DIR/stdin\"\n"
				  "sleep 0.3\n"
				  "echo hello >\"$CACHE_ROOT/file\"\n";

static void test_concurrent_ensure(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *builds = NULL, *env = NULL, *in = NULL, *a = NULL, *b = NULL;
	_cleanup_free_ char *want = NULL;
	pid_t pids[2];

	put(f, "slow", "mkcache", slow_recipe, 0755);
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			_cleanup_free_ char *out = ve_strdup_printf("%s/out%d", f->tmp, i);
			char *v = NULL;

			if (ve_template_ensure(&f->g, "slow-x", &v) < 0 ||
			    ve_write_file(out, v, O_CREAT | O_TRUNC) < 0)
				_exit(1);
			_exit(0);
		}
	}
	for (int i = 0; i < 2; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	a = read_text(f->tmp, "out0");
	b = read_text(f->tmp, "out1");
	assert_string_equal(a, b);
	builds = read_text(f->dist, "builds");
	assert_string_equal(builds, "slow-x\n");

	/* The recipe's contract: its environment and a /dev/null stdin. */
	env = read_text(f->dist, "env");
	assert_non_null(strstr(env, "TEMPLATE_NAME=slow-x\n"));
	want = ve_strdup_printf("CACHE_ROOT=%s/cache/slow-x/.build-", f->tpl);
	assert_non_null(strstr(env, want));
	free(want);
	want = ve_strdup_printf("DIST_DIR=%s\n", f->dist);
	assert_non_null(strstr(env, want));
	assert_non_null(strstr(env, "PATH="));
	in = read_text(f->dist, "stdin");
	assert_string_equal(in, "/dev/null\n");
}

static void test_failing_recipe(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *dir = ve_strdup_printf("%s/cache/broken", f->tpl);
	_cleanup_free_ char *edir = ve_strdup_printf("%s/cache/empty", f->tpl);
	_cleanup_strv_ char **list = NULL;
	char *v = NULL;

	put(f, "broken", "mkcache",
	    "#!/bin/sh\nmkdir -p \"$CACHE_ROOT/etc/deep\"\necho x >\"$CACHE_ROOT/etc/deep/f\"\n"
	    "echo 'recipe failing on purpose' >&2\nexit 3\n",
	    0755);
	put(f, "empty", "mkcache", "#!/bin/sh\nexit 0\n", 0755);
	mkdirf("%s/%s", f->dist, "norecipe");

	assert_int_equal(ve_template_ensure(&f->g, "broken", &v), -EIO);
	assert_null(v);
	assert_int_equal(count_entries(dir, ""), 0);
	assert_int_equal(ve_template_ensure(&f->g, "empty", &v), -EIO);
	assert_int_equal(count_entries(edir, ""), 0);
	assert_int_equal(ve_template_ensure(&f->g, "norecipe", &v), -ENOENT);
	assert_int_equal(ve_template_ensure(&f->g, "nosuch", &v), -ENOENT);
	assert_int_equal(ve_template_ensure(&f->g, "No/such", &v), -EINVAL);
	assert_int_equal(ve_template_list(&f->g, &list), 0);
	assert_int_equal(ve_strv_len(list), 0);
}

static void test_stale_build_and_suffix(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *dir = ve_strdup_printf("%s/cache/quick", f->tpl);
	_cleanup_free_ char *v = NULL;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	put(f, "quick", "mkcache", "#!/bin/sh\ntouch \"$CACHE_ROOT/f\"\n", 0755);
	/* A crashed build's leftovers, and occupied names for this second and the next two. */
	mkdirf("%s/%s", dir, ".build-crash1/root/junk");
	for (int i = 0; i < 3; i++) {
		time_t t = now + i;

		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		mkdirf("%s/%s/occupied", dir, stamp);
	}
	assert_int_equal(ve_template_ensure(&f->g, "quick", &v), 0);
	assert_int_equal(count_entries(dir, ".build-"), 0);
	assert_int_equal(strlen(v), strlen("20261123T193000Z-01"));
	assert_string_equal(v + 16, "-01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_valid),
	    cmocka_unit_test_setup_teardown(test_distro_resolution, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scripts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busybox_build, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_ensure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failing_recipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_build_and_suffix, setup, teardown),
	};

	ve_log_set_level(VE_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
