/* ve_open_in_root and its fallback: links planted inside a root never lead out of it. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/util.h"

static char top[] = "/tmp/vzkit-pathsafe.XXXXXX";
static int rootfd = -1;

typedef int (*open_fn)(int, const char *, int);

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	char p[512];

	assert_non_null(mkdtemp(top));
	/* top/outside is the "host"; top/root is the VE's root. */
	put("secret", "host\n");
	snprintf(p, sizeof(p), "%s/root", top);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/root/etc", top);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/root/d", top);
	mkdir(p, 0755);
	put("root/etc/secret", "ve\n");
	put("root/d/file", "file\n");
	link_("/etc", "root/abs");			   /* absolute: the VE's /etc */
	link_("../../../../..", "root/d/up");		   /* climbs: stops at the VE's / */
	link_("../secret", "root/rel");			   /* relative out of the root */
	link_("/proc/self/root/etc/passwd", "root/magic"); /* a magic link hop */
	link_("loop2", "root/loop1");
	link_("loop1", "root/loop2");
	link_("d/file", "root/tofile");
	snprintf(p, sizeof(p), "%s/root", top);
	rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	close(rootfd);
	ve_rm_rf(top);
	return 0;
}

static void expect_content(open_fn f, const char *path, const char *want)
{
	char buf[64] = "";
	int fd = f(rootfd, path, O_RDONLY);

	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	assert_string_equal(buf, want);
}

static void check_all(open_fn f)
{
	expect_content(f, "etc/secret", "ve\n");
	expect_content(f, "/etc/secret", "ve\n");
	expect_content(f, "../../etc/secret", "ve\n");
	expect_content(f, "abs/secret", "ve\n");
	expect_content(f, "d/up/etc/secret", "ve\n");
	expect_content(f, "tofile", "file\n");
	expect_content(f, "d/../d/./file", "file\n");
	/* "../secret" from the root is the root's own (missing) /secret, not the host's. */
	assert_int_equal(f(rootfd, "rel", O_RDONLY), -ENOENT);
	assert_int_equal(f(rootfd, "loop1", O_RDONLY), -ELOOP);
	assert_int_equal(f(rootfd, "d/file/x", O_RDONLY), -ENOTDIR);
	assert_true(f(rootfd, "magic", O_RDONLY) < 0); /* no /proc inside this root */
}

static void test_openat2(void **state)
{
	check_all(ve_open_in_root);
}

static void test_walk_fallback(void **state)
{
	check_all(ve_open_in_root_walk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_openat2),
	    cmocka_unit_test(test_walk_fallback),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
