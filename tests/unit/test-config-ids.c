/*
 * Id range allocation (runtime/config-ids.c) in a temporary confdir: the lowest free range, the
 * index file it keeps, and that the index never hides a change made to a config behind its back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime/config.h"
#include "runtime/util.h"

static char dir[64];
static struct ve_global *g;

static void write_conf(unsigned veid, const char *text)
{
	char *p = ve_strdup_printf("%s/conf/%u.conf", dir, veid);

	assert_int_equal(ve_write_file_replace(p, text, strlen(text), 0644), 0);
	free(p);
}

static void write_range(unsigned veid, unsigned base)
{
	char text[96];

	snprintf(text, sizeof(text), "LOCAL_UID=\"%u\"\nLOCAL_GID=\"%u\"\n", base, base);
	write_conf(veid, text);
}

/* Allocates for a new VE veid and returns the base it got. */
static unsigned alloc(unsigned veid)
{
	struct ve_config *c = NULL;
	unsigned base;

	assert_int_equal(ve_config_new(g, veid, NULL, &c), 0);
	assert_int_equal(ve_config_alloc_ids(c), 0);
	assert_int_equal(c->sec.uidmap.outside, c->sec.gidmap.outside);
	assert_int_equal(c->sec.uidmap.count, VE_ID_RANGE);
	assert_false(c->sec.privileged);
	base = c->sec.uidmap.outside;
	ve_config_free(c);
	return base;
}

static int setup(void **state)
{
	char *p;

	snprintf(dir, sizeof(dir), "/tmp/vzkit-test-ids.XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("VZ_CONFDIR", dir, 1);
	p = ve_strdup_printf("%s/conf", dir);
	assert_int_equal(ve_mkdir_p(p, 0755), 0);
	free(p);
	assert_int_equal(ve_global_load(true, &g), 0);
	return 0;
}

static int teardown(void **state)
{
	ve_global_free(g);
	g = NULL;
	assert_int_equal(ve_rm_rf(dir), 0);
	unsetenv("VZ_CONFDIR");
	return 0;
}

static void test_lowest_free(void **state)
{
	char *idx = ve_strdup_printf("%s/conf/.idranges", dir);

	assert_int_equal(alloc(101), VE_ID_BASE);
	assert_true(ve_path_exists(idx));
	write_range(101, VE_ID_BASE);
	write_range(102, VE_ID_BASE + 2 * VE_ID_RANGE);
	/* A privileged VE (no range) and a broken config take nothing. */
	write_conf(103, "ONBOOT=\"yes\"\n");
	write_conf(104, "LOCAL_UID=\"not a number\"\n");
	assert_int_equal(alloc(200), VE_ID_BASE + VE_ID_RANGE);
	write_range(200, VE_ID_BASE + VE_ID_RANGE);
	assert_int_equal(alloc(201), VE_ID_BASE + 3 * VE_ID_RANGE);
	/* An unaligned range set by hand blocks both aligned ranges it overlaps. */
	write_range(201, VE_ID_BASE + 3 * VE_ID_RANGE + 10);
	assert_int_equal(alloc(202), VE_ID_BASE + 5 * VE_ID_RANGE);
	/* Its own config does not count against the VE. */
	assert_int_equal(alloc(101), VE_ID_BASE);
	free(idx);
}

static void test_index_follows_configs(void **state)
{
	char *idx = ve_strdup_printf("%s/conf/.idranges", dir);
	char *conf = ve_strdup_printf("%s/conf/101.conf", dir);
	struct timespec pause = {0, 20 * 1000 * 1000};

	write_range(101, VE_ID_BASE);
	nanosleep(&pause, NULL); /* older than the index written next: trusted from it */
	assert_int_equal(alloc(300), VE_ID_BASE + VE_ID_RANGE);
	/* Destroyed: its range is free again although the index still lists it. */
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(alloc(300), VE_ID_BASE);
	/* Changed behind the index's back, at once (same clock tick) and to the same size. */
	write_range(101, VE_ID_BASE);
	nanosleep(&pause, NULL);
	assert_int_equal(alloc(300), VE_ID_BASE + VE_ID_RANGE);
	write_range(101, VE_ID_BASE + VE_ID_RANGE);
	assert_int_equal(alloc(300), VE_ID_BASE);
	/* A damaged or foreign index is rebuilt from the configs. */
	assert_int_equal(ve_write_file_replace(idx, "garbage\n1 2 3\n", 14, 0600), 0);
	assert_int_equal(alloc(300), VE_ID_BASE);
	assert_int_equal(ve_write_file_replace(idx, "vzkit-idranges 1\n101 1 2\n", 25, 0600), 0);
	assert_int_equal(alloc(300), VE_ID_BASE);
	assert_int_equal(unlink(idx), 0);
	assert_int_equal(alloc(300), VE_ID_BASE);
	free(idx);
	free(conf);
}

/* Creating many VEs parses only what changed: 300 configs, then one allocation is fast. */
static void test_many(void **state)
{
	uint64_t t0;
	unsigned base;

	for (unsigned i = 0; i < 300; i++)
		write_range(1000 + i, VE_ID_BASE + i * VE_ID_RANGE);
	assert_int_equal(alloc(5000), VE_ID_BASE + 300 * VE_ID_RANGE);
	t0 = ve_now_usec();
	base = alloc(5001);
	assert_int_equal(base, VE_ID_BASE + 300 * VE_ID_RANGE);
	/* Stats only (no parse): well under the ~30 ms 300 parses take, even on a busy host. */
	print_message("allocation with 300 indexed VEs: %llu us\n",
		      (unsigned long long)(ve_now_usec() - t0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lowest_free, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_follows_configs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
