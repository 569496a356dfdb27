/* ve_run_tool: a real /bin/sh run as a tool: its exit status, its error text (first line or
 * all), its stdin, a program that cannot be executed, one killed by a signal, and no fd
 * leaked into it. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/util.h"

static int sh(const char *script, char *err, size_t errlen, bool first_line)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};

	return ve_run_tool("/bin/sh", argv, -1, err, errlen, first_line);
}

static void test_status_and_error_text(void **state)
{
	const char *s = "printf '\\n\\nfirst line\\nsecond\\n\\n' >&2; echo out; exit 3";
	char err[64];

	assert_int_equal(sh(s, err, sizeof(err), true), 3);
	assert_string_equal(err, "first line");
	assert_int_equal(sh(s, err, sizeof(err), false), 3);
	assert_string_equal(err, "\n\nfirst line\nsecond");
	assert_int_equal(sh("exit 0", err, sizeof(err), false), 0);
	assert_string_equal(err, "");
	/* Longer than the buffer: cut, terminated, the rest drained (no blocked writer). */
	assert_int_equal(sh("head -c 100000 /dev/zero | tr '\\0' x >&2; exit 5", err, 8, false), 5);
	assert_string_equal(err, "xxxxxxx");
	assert_int_equal(sh("exit 4", NULL, 0, true), 4);
}

static void test_cannot_run_or_killed(void **state)
{
	char *argv[] = {"none", NULL};
	char err[64];

	assert_int_equal(ve_run_tool("/nonexistent/tool", argv, -1, err, sizeof(err), true), 127);
	assert_int_equal(sh("kill -9 $$", err, sizeof(err), true), -ECHILD);
}

static void test_stdin_given(void **state)
{
	char *argv[] = {"sh", "-c", "read -r x; echo \"got $x\" >&2", NULL};
	char err[64];
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "batch\n", 6), 6);
	close(p[1]);
	assert_int_equal(ve_run_tool("/bin/sh", argv, p[0], err, sizeof(err), true), 0);
	assert_string_equal(err, "got batch");
	close(p[0]);
}

static void test_no_fd_leaks_in(void **state)
{
	char err[64];
	int fd = open("/dev/null", O_RDONLY); /* without O_CLOEXEC on purpose */

	assert_true(fd >= 3);
	/* stdin and stdout are /dev/null; nothing above 2 is open in the tool. */
	assert_int_equal(
	    sh("test -e /proc/self/fd/3 && exit 1; read x || exit 0", err, sizeof(err), true), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_and_error_text),
	    cmocka_unit_test(test_cannot_run_or_killed),
	    cmocka_unit_test(test_stdin_given),
	    cmocka_unit_test(test_no_fd_leaks_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
