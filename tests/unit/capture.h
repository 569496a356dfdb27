/* Shared by the unit tests: capturing what the code under test writes to stderr (the logger
 * and the CLI's usage errors print there). Included by test files only, after cmocka.h. */
#ifndef VZ_TEST_CAPTURE_H
#define VZ_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int saved_stderr = -1;
static FILE *capture_file;

static void capture_begin(void)
{
	capture_file = tmpfile();
	assert_non_null(capture_file);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

/* Ends the capture and returns what was written (caller frees). */
static char *capture_end(void)
{
	char *buf;
	long len;

	fflush(stderr);
	assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
	close(saved_stderr);
	saved_stderr = -1;
	len = lseek(fileno(capture_file), 0, SEEK_END);
	assert_true(len >= 0);
	buf = calloc(1, len + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fileno(capture_file), buf, len, 0), len);
	fclose(capture_file);
	capture_file = NULL;
	return buf;
}

#endif
