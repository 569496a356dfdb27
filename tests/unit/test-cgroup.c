/* Unit tests of the cgroup subsystem's pure value conversions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "runtime/cgroup.h"

static void test_cpuunits_to_shares(void **state)
{
	(void)state;
	/* vzctl's default 1000 units is the kernel's default 1024 shares. */
	assert_int_equal(ve_cgroup_cpuunits_to_shares(1000), 1024);
	assert_int_equal(ve_cgroup_cpuunits_to_shares(500), 512);
	assert_int_equal(ve_cgroup_cpuunits_to_shares(250000), 256000);
	/* Clamped to the kernel's range [2, 262144]. */
	assert_int_equal(ve_cgroup_cpuunits_to_shares(0), 2);
	assert_int_equal(ve_cgroup_cpuunits_to_shares(1), 2);
	assert_int_equal(ve_cgroup_cpuunits_to_shares(8), 8);
	assert_int_equal(ve_cgroup_cpuunits_to_shares(500000), 262144);
	assert_int_equal(ve_cgroup_cpuunits_to_shares(UINT32_MAX), 262144);
}

static void test_cpuunits_to_weight(void **state)
{
	(void)state;
	/* crun's shares -> weight mapping: 2 -> 1, 262144 -> 10000. */
	assert_int_equal(ve_cgroup_cpuunits_to_weight(0), 1);
	assert_int_equal(ve_cgroup_cpuunits_to_weight(1), 1);
	assert_int_equal(ve_cgroup_cpuunits_to_weight(500000), 10000);
	assert_int_equal(ve_cgroup_cpuunits_to_weight(UINT32_MAX), 10000);
	/* 1024 shares: 1 + 1022 * 9999 / 262142 = 39. */
	assert_int_equal(ve_cgroup_cpuunits_to_weight(1000), 39);
	/* Monotonic, so the relative order of VEs survives the conversion. */
	for (unsigned u = 8; u < 500000; u += 997)
		assert_true(ve_cgroup_cpuunits_to_weight(u) <=
			    ve_cgroup_cpuunits_to_weight(u + 997));
	for (unsigned u = 0; u <= 600000; u += 1234) {
		uint64_t w = ve_cgroup_cpuunits_to_weight(u);
		assert_true(w >= 1 && w <= 10000);
	}
}

static void test_cpu_quota(void **state)
{
	(void)state;
	assert_int_equal(ve_cgroup_cpu_quota(0, 0, 100000), 0);
	assert_int_equal(ve_cgroup_cpu_quota(50, 0, 100000), 50000);
	assert_int_equal(ve_cgroup_cpu_quota(100, 0, 100000), 100000);
	assert_int_equal(ve_cgroup_cpu_quota(250, 0, 100000), 250000);
	assert_int_equal(ve_cgroup_cpu_quota(0, 2, 100000), 200000);
	/* The smaller cap wins. */
	assert_int_equal(ve_cgroup_cpu_quota(300, 2, 100000), 200000);
	assert_int_equal(ve_cgroup_cpu_quota(150, 2, 100000), 150000);
	/* Another period scales. */
	assert_int_equal(ve_cgroup_cpu_quota(50, 0, 10000), 5000);
	/* The kernel's 1 ms minimum. */
	assert_int_equal(ve_cgroup_cpu_quota(1, 0, 10000), 1000);
	assert_int_equal(ve_cgroup_cpu_quota(1, 0, 100000), 1000);
}

static void test_ioprio_to_weight(void **state)
{
	(void)state;
	assert_int_equal(ve_cgroup_ioprio_to_weight(-1), 0); /* unset: leave alone */
	assert_int_equal(ve_cgroup_ioprio_to_weight(0), 100);
	assert_int_equal(ve_cgroup_ioprio_to_weight(7), 1000);
	assert_int_equal(ve_cgroup_ioprio_to_weight(4), 614);
	assert_int_equal(ve_cgroup_ioprio_to_weight(99), 1000);
	for (int p = 0; p < 7; p++) {
		assert_true(ve_cgroup_ioprio_to_weight(p) < ve_cgroup_ioprio_to_weight(p + 1));
		assert_true(ve_cgroup_ioprio_to_weight(p) >= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpuunits_to_shares),
	    cmocka_unit_test(test_cpuunits_to_weight),
	    cmocka_unit_test(test_cpu_quota),
	    cmocka_unit_test(test_ioprio_to_weight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
