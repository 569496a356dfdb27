/* Config value conversions: sizes, barrier:limit, booleans, $VEID, CTIDs and names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "runtime/config.h"
#include "runtime/util.h"

/* --- value conversions --- */

static void expect_size(const char *s, uint64_t unit, int want_r, uint64_t want)
{
	uint64_t v = 12345;
	int r = ve_parse_size(s, unit, &v);

	if (r != want_r)
		fail_msg("ve_parse_size(\"%s\", %llu) = %d, want %d", s, (unsigned long long)unit,
			 r, want_r);
	if (r == 0 && v != want)
		fail_msg("ve_parse_size(\"%s\") = %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
	if (r < 0)
		assert_int_equal(v, 12345);
}

static void test_parse_size(void **state)
{
	expect_size("512M", 1, 0, 512ULL << 20);
	expect_size("512m", 4096, 0, 512ULL << 20);
	expect_size("1g", 1, 0, 1ULL << 30);
	expect_size("1G", 1, 0, 1ULL << 30);
	expect_size("2T", 1, 0, 2ULL << 40);
	expect_size("1P", 1, 0, 1ULL << 50);
	expect_size("10K", 1, 0, 10240);
	expect_size("10KB", 1, 0, 10240);
	expect_size("10kb", 1, 0, 10240);
	expect_size("100", 4096, 0, 409600);
	expect_size("100", 1, 0, 100);
	expect_size("0", 4096, 0, 0);
	expect_size("unlimited", 4096, 0, VE_UNLIMITED);
	expect_size("UNLIMITED", 1, 0, VE_UNLIMITED);
	expect_size("9223372036854775807", 4096, 0, VE_UNLIMITED);
	expect_size("18446744073709551615", 1, 0, UINT64_MAX);
	expect_size("18446744073709551616", 1, -ERANGE, 0);
	expect_size("4503599627370496", 4096, -ERANGE, 0);
	expect_size("16384P", 1, -ERANGE, 0);
	expect_size("99999999999999999999G", 1, -ERANGE, 0);
	expect_size("", 1, -EINVAL, 0);
	expect_size("M", 1, -EINVAL, 0);
	expect_size("-1", 1, -EINVAL, 0);
	expect_size("+1", 1, -EINVAL, 0);
	expect_size(" 1", 1, -EINVAL, 0);
	expect_size("1 ", 1, -EINVAL, 0);
	expect_size("1X", 1, -EINVAL, 0);
	expect_size("1MX", 1, -EINVAL, 0);
	expect_size("1KBB", 1, -EINVAL, 0);
	expect_size("1.5G", 1, -EINVAL, 0);
	expect_size("0x10", 1, -EINVAL, 0);
	expect_size("junk", 1, -EINVAL, 0);
	expect_size("unlimitedX", 1, -EINVAL, 0);
	assert_int_equal(ve_parse_size(NULL, 1, &(uint64_t){0}), -EINVAL);
}

static void test_parse_barlim(void **state)
{
	struct ve_barlim bl = {7, 7};

	assert_int_equal(ve_parse_barlim("1:2", 1, &bl), 0);
	assert_int_equal(bl.barrier, 1);
	assert_int_equal(bl.limit, 2);
	assert_int_equal(ve_parse_barlim("1:2", 4096, &bl), 0);
	assert_int_equal(bl.barrier, 4096);
	assert_int_equal(bl.limit, 8192);
	assert_int_equal(ve_parse_barlim("5", 1, &bl), 0);
	assert_int_equal(bl.barrier, 5);
	assert_int_equal(bl.limit, 5);
	assert_int_equal(ve_parse_barlim("0:unlimited", 4096, &bl), 0);
	assert_int_equal(bl.barrier, 0);
	assert_true(bl.limit == VE_UNLIMITED);
	assert_int_equal(ve_parse_barlim("1G:2G", 1024, &bl), 0);
	assert_int_equal(bl.barrier, 1ULL << 30);
	assert_int_equal(bl.limit, 2ULL << 30);
	assert_int_equal(ve_parse_barlim("3:3", 1, &bl), 0);

	bl.barrier = bl.limit = 7;
	assert_int_equal(ve_parse_barlim("2:1", 1, &bl), -ERANGE);
	assert_int_equal(ve_parse_barlim("unlimited:1", 1, &bl), -ERANGE);
	assert_int_equal(ve_parse_barlim("1:", 1, &bl), -EINVAL);
	assert_int_equal(ve_parse_barlim(":1", 1, &bl), -EINVAL);
	assert_int_equal(ve_parse_barlim("1:2:3", 1, &bl), -EINVAL);
	assert_int_equal(ve_parse_barlim("a:b", 1, &bl), -EINVAL);
	assert_int_equal(ve_parse_barlim("", 1, &bl), -EINVAL);
	assert_int_equal(ve_parse_barlim(NULL, 1, &bl), -EINVAL);
	assert_int_equal(ve_parse_barlim("1:18446744073709551616", 1, &bl), -ERANGE);
	assert_int_equal(bl.barrier, 7);
	assert_int_equal(bl.limit, 7);
}

static void expect_fmt(uint64_t v, const char *want)
{
	char *s = ve_format_size(v);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_format_size(void **state)
{
	struct ve_barlim bl = {0, 512ULL << 20};
	char *s;

	expect_fmt(0, "0");
	expect_fmt(1, "1");
	expect_fmt(1000, "1000");
	expect_fmt(1024, "1K");
	expect_fmt(1536, "1536");
	expect_fmt(3 * 1024 + 512, "3584");
	expect_fmt(1536ULL << 10, "1536K");
	expect_fmt(512ULL << 20, "512M");
	expect_fmt(1ULL << 30, "1G");
	expect_fmt(3ULL << 40, "3T");
	expect_fmt(5ULL << 50, "5P");
	expect_fmt(1ULL << 60, "1024P");
	expect_fmt(VE_UNLIMITED, "unlimited");
	expect_fmt(VE_UNLIMITED - 1, "18446744073709551614");
	s = ve_format_barlim(&bl);
	assert_string_equal(s, "0:512M");
	free(s);
	bl.barrier = bl.limit = VE_UNLIMITED;
	s = ve_format_barlim(&bl);
	assert_string_equal(s, "unlimited:unlimited");
	free(s);

	/* Whatever is formatted parses back to the same number of bytes. */
	for (uint64_t v = 1; v < (1ULL << 62); v = v * 3 + 1024) {
		uint64_t back;

		s = ve_format_size(v);
		assert_int_equal(ve_parse_size(s, 1, &back), 0);
		assert_true(back == v);
		free(s);
	}
}

static void test_parse_bool(void **state)
{
	const char *yes[] = {"yes", "YES", "on", "On", "true", "1"};
	const char *no[] = {"no", "off", "OFF", "false", "False", "0"};
	const char *bad[] = {"", "y", "n", "2", "yes ", " no", "enabled", "10"};
	bool b;

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		assert_int_equal(ve_parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		b = true;
		assert_int_equal(ve_parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(ve_parse_bool(bad[i], &b), -EINVAL);
	assert_int_equal(ve_parse_bool(NULL, &b), -EINVAL);
}

/* --- ids, names, $VEID --- */

static void expect_expand(const char *s, unsigned veid, const char *want)
{
	char *e = ve_global_expand(s, veid);

	assert_non_null(e);
	assert_string_equal(e, want);
	free(e);
}

static void test_expand(void **state)
{
	expect_expand("/vz/root/$VEID", 101, "/vz/root/101");
	expect_expand("/vz/root/${VEID}", 101, "/vz/root/101");
	expect_expand("/vz/${VEID}/x/$VEID", 2147483647, "/vz/2147483647/x/2147483647");
	expect_expand("$VEID$VEID${VEID}", 4294967295u, "429496729542949672954294967295");
	expect_expand("/vz/private", 101, "/vz/private");
	expect_expand("VEID $VEI ${VEID ${VEI}", 101, "VEID $VEI ${VEID ${VEI}");
	expect_expand("$VEIDX", 7, "7X");
	expect_expand("$$VEID", 7, "$7");
	expect_expand("", 7, "");
	assert_null(ve_global_expand(NULL, 7));
}

static void test_parse_veid(void **state)
{
	const char *bad[] = {"0",	   "00",	 "0101",       "-1",	      "+1",
			     " 1",	   "1 ",	 "1a",	       "abc",	      "",
			     "2147483648", "4294967295", "4294967296", "99999999999", "1.0"};
	unsigned v = 0;

	assert_int_equal(ve_config_parse_veid("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ve_config_parse_veid("101", &v), 0);
	assert_int_equal(v, 101);
	assert_int_equal(ve_config_parse_veid("2147483647", &v), 0);
	assert_int_equal(v, 2147483647);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 42;
		if (ve_config_parse_veid(bad[i], &v) != -EINVAL)
			fail_msg("veid '%s' accepted", bad[i]);
		assert_int_equal(v, 42);
	}
	assert_int_equal(ve_config_parse_veid(NULL, &v), -EINVAL);
}

static void test_name_valid(void **state)
{
	char longname[VE_NAME_MAX + 2];

	assert_true(ve_config_name_valid("web"));
	assert_true(ve_config_name_valid("web-1.example_x"));
	assert_true(ve_config_name_valid("101a"));
	assert_true(ve_config_name_valid("a"));
	assert_false(ve_config_name_valid("101"));
	assert_false(ve_config_name_valid(""));
	assert_false(ve_config_name_valid(NULL));
	assert_false(ve_config_name_valid(".hidden"));
	assert_false(ve_config_name_valid("-opt"));
	assert_false(ve_config_name_valid("a/b"));
	assert_false(ve_config_name_valid("a b"));
	assert_false(ve_config_name_valid("a\"b"));
	assert_false(ve_config_name_valid("caf\xc3\xa9"));
	memset(longname, 'a', VE_NAME_MAX);
	longname[VE_NAME_MAX] = '\0';
	assert_true(ve_config_name_valid(longname));
	longname[VE_NAME_MAX] = 'a';
	longname[VE_NAME_MAX + 1] = '\0';
	assert_false(ve_config_name_valid(longname));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_size),	cmocka_unit_test(test_parse_barlim),
	    cmocka_unit_test(test_format_size), cmocka_unit_test(test_parse_bool),
	    cmocka_unit_test(test_expand),	cmocka_unit_test(test_parse_veid),
	    cmocka_unit_test(test_name_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
