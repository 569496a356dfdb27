/*
 * net/: host interface names, generated MACs, the solicited-node group of a MAC, libnl error
 * mapping, and (root only, skipped otherwise) a real start/stop of a routed pair and a NETIF in
 * a throwaway netns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "net/net-internal.h"
#include "net/net.h"
#include "runtime/util.h"

static void test_host_ifname(void **state)
{
	char *s;

	s = ve_net_host_ifname(101, "eth0");
	assert_string_equal(s, "veth101.0");
	free(s);
	s = ve_net_host_ifname(101, "eth12");
	assert_string_equal(s, "veth101.12");
	free(s);
	s = ve_net_host_ifname(7, "net3");
	assert_string_equal(s, "veth7.3");
	free(s);
	/* Without digits the public form has no index to fall back on. */
	errno = 0;
	assert_null(ve_net_host_ifname(101, "lan"));
	assert_int_equal(errno, EINVAL);
	assert_null(ve_net_host_ifname(101, ""));
	assert_null(ve_net_host_ifname(101, NULL));
	/* The internal form uses the NETIF's index then. */
	assert_int_equal(net_host_ifname(101, "lan", 2, &s), 0);
	assert_string_equal(s, "veth101.2");
	free(s);
	/* Trailing digits win over the index. */
	assert_int_equal(net_host_ifname(101, "eth1", 0, &s), 0);
	assert_string_equal(s, "veth101.1");
	free(s);
}

static void test_host_ifname_too_long(void **state)
{
	char *s = NULL;

	/* Exactly IFNAMSIZ-1 = 15 characters is the longest allowed. */
	s = ve_net_host_ifname(123456789, "eth0");
	assert_non_null(s);
	assert_int_equal(strlen(s), IFNAMSIZ - 1);
	free(s);
	errno = 0;
	assert_null(ve_net_host_ifname(123456789, "eth10"));
	assert_int_equal(errno, ENAMETOOLONG);
	errno = 0;
	assert_null(ve_net_host_ifname(4294967295u, "eth0"));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(net_host_ifname(1234567890, "lan", 0, &s), -ENAMETOOLONG);
}

/* Parses "xx:xx:xx:xx:xx:xx" strictly; returns false on any other shape. */
static bool mac_parse(const char *s, uint8_t m[6])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return false;
		if (isupper((unsigned char)p[0]) || isupper((unsigned char)p[1]))
			return false;
		if (i < 5 && p[2] != ':')
			return false;
		m[i] = (uint8_t)strtoul((char[3]){p[0], p[1], 0}, NULL, 16);
	}
	return true;
}

static void test_mac_format_bits(void **state)
{
	const char *ifs[] = {"eth0", "eth1", "venet0", "x"};

	for (unsigned veid = 1; veid < 300; veid += 37) {
		for (size_t i = 0; i < ARRAY_SIZE(ifs); i++) {
			for (int host = 0; host < 2; host++) {
				_cleanup_free_ char *s = ve_net_mac(veid, ifs[i], host);
				uint8_t m[6];

				assert_non_null(s);
				assert_true(mac_parse(s, m));
				assert_int_equal(m[0] & 0x01, 0);    /* unicast */
				assert_int_equal(m[0] & 0x02, 0x02); /* locally administered */
				assert_int_equal(m[0], host ? 0xfe : 0x02);
			}
		}
	}
	assert_null(ve_net_mac(1, NULL, 0));
}

static void test_mac_stable_distinct(void **state)
{
	_cleanup_free_ char *a = ve_net_mac(101, "eth0", 0);
	_cleanup_free_ char *b = ve_net_mac(101, "eth0", 0);
	_cleanup_free_ char *h = ve_net_mac(101, "eth0", 1);
	_cleanup_free_ char *o = ve_net_mac(102, "eth0", 0);
	_cleanup_free_ char *i = ve_net_mac(101, "eth1", 0);
	_cleanup_free_ char *n = ve_net_mac(1010, "eth0", 0);
	uint8_t bb[6];
	char **seen = NULL;

	assert_string_equal(a, b);
	/* Only the first byte tells host from VE; the rest must differ too. */
	assert_string_not_equal(a + 3, h + 3);
	assert_string_not_equal(a, o);
	assert_string_not_equal(a, i);
	/* (101, "eth0") and (1010, "eth0") must not alias through the encoding. */
	assert_string_not_equal(a, n);
	/* Same (veid, ifname, kind) across calls of the internal form. */
	net_mac_bytes(101, "eth0", NET_MAC_VE, bb);
	assert_true(mac_parse(a, (uint8_t[6]){}));
	{
		char buf[18];

		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", bb[0], bb[1], bb[2],
			 bb[3], bb[4], bb[5]);
		assert_string_equal(buf, a);
	}
	/* No collision among 2000 VEs' eth0 (40 hashed bits). */
	for (unsigned v = 100; v < 2100; v++) {
		char *s = ve_net_mac(v, "eth0", 0);

		assert_non_null(s);
		for (size_t k = 0; seen && seen[k]; k++)
			assert_string_not_equal(seen[k], s);
		assert_int_equal(ve_strv_push(&seen, s), 0);
		free(s);
	}
	ve_strv_free(seen);
}

static void test_mac_parse(void **state)
{
	struct nl_addr *a = NULL;

	assert_int_equal(net_mac_parse("02:00:5e:10:00:01", &a), 0);
	assert_int_equal(nl_addr_get_len(a), 6);
	assert_int_equal(((uint8_t *)nl_addr_get_binary_addr(a))[5], 1);
	nl_addr_put(a);
	assert_int_equal(net_mac_parse("02:00:5e:10:00", &a), -EINVAL);
	assert_int_equal(net_mac_parse("zz:00:5e:10:00:01", &a), -EINVAL);
	assert_int_equal(net_mac_parse("", &a), -EINVAL);
}

static void test_err_mapping(void **state)
{
	struct net_sock s = {};

	assert_int_equal(net_err(&s, 0), 0);
	assert_int_equal(net_err(&s, -NLE_EXIST), -EEXIST);
	assert_int_equal(net_err(&s, -NLE_NODEV), -ENODEV);
	assert_int_equal(net_err(&s, -NLE_PERM), -EPERM);
	assert_int_equal(net_err(&s, -NLE_NOMEM), -ENOMEM);
	/* The kernel's own errno beats libnl's lossy code, once. */
	s.err = -ENOTCONN;
	assert_int_equal(net_err(&s, -NLE_FAILURE), -ENOTCONN);
	assert_int_equal(net_err(&s, -NLE_FAILURE), -EIO);
	s.err = -ENETDOWN;
	assert_int_equal(net_err(&s, 0), 0);
	assert_int_equal(s.err, 0);
}

static void test_solicited_group(void **state)
{
	/* A VE end with this MAC had the link-local address fe80::e0:54ff:fe18:d917. */
	static const uint8_t mac[6] = {0x02, 0xe0, 0x54, 0x18, 0xd9, 0x17};
	static const uint8_t want[16] = {0xff, 0x02, 0, 0, 0,	 0,    0,    0,
					 0,    0,    0, 1, 0xff, 0x18, 0xd9, 0x17};
	struct in6_addr g;

	memset(&g, 0xaa, sizeof(g));
	net_ll_solicited_group(mac, &g);
	assert_memory_equal(g.s6_addr, want, sizeof(want));
}

/* Whether link name exists in the caller's netns, and its flags. */
static int link_flags(const char *name)
{
	_cleanup_(net_sock_freep) struct net_sock *s = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
	int r;

	assert_int_equal(net_sock_open(&s), 0);
	r = net_link_get(s, name, &l);
	return r < 0 ? r : (int)rtnl_link_get_flags(l);
}

static pid_t ns_child = -1;
static char *real_ips[] = {"10.199.77.21", NULL};
static struct ve_netif real_nif = {.ifname = "eth1"};
static struct ve_config real_c = {
    .veid = 99921,
    .net = {.ip_addresses = real_ips, .netifs = &real_nif, .n_netifs = 1},
};

/* Runs even when an assertion failed: no link and no child may outlive the test. */
static int real_teardown(void **state)
{
	(void)ve_net_stop(&real_c);
	if (ns_child > 0) {
		kill(ns_child, SIGKILL);
		waitpid(ns_child, NULL, 0);
		ns_child = -1;
	}
	return 0;
}

static void test_start_stop_real(void **state)
{
	_cleanup_close_ int nsfd = -1;
	_cleanup_(net_sock_freep) struct net_sock *ve = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
	char path[64], c1;
	int p[2];

	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	ns_child = fork();
	assert_true(ns_child >= 0);
	if (ns_child == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c1, 1), 1);
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", ns_child);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(nsfd >= 0);

	assert_int_equal(ve_net_start(&real_c, nsfd), 0);
	assert_true(link_flags("vzr99921") & IFF_UP);
	assert_true(link_flags("veth99921.1") & IFF_UP);
	assert_int_equal(net_sock_open_in(nsfd, &ve), 0);
	for (int i = 0; i < 3; i++) {
		const char *name = (const char *[]){"lo", "eth1", "venet0"}[i];

		assert_int_equal(net_link_get(ve, name, &l), 0);
		assert_true(rtnl_link_get_flags(l) & IFF_UP);
		rtnl_link_put(TAKE_PTR(l));
	}
	/* A second start collides on the host names and leaves the first one intact. */
	assert_int_equal(ve_net_start(&real_c, nsfd), -EEXIST);
	assert_true(link_flags("vzr99921") & IFF_UP);
	assert_true(link_flags("veth99921.1") & IFF_UP);

	assert_int_equal(ve_net_stop(&real_c), 0);
	assert_int_equal(link_flags("vzr99921"), -ENODEV);
	assert_int_equal(link_flags("veth99921.1"), -ENODEV);
	/* Their VE ends died with them. */
	assert_int_equal(net_link_get(ve, "eth1", &l), -ENODEV);
	assert_int_equal(net_link_get(ve, "venet0", &l), -ENODEV);
	assert_int_equal(ve_net_stop(&real_c), 0); /* nothing left: still success */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_ifname),
	    cmocka_unit_test(test_host_ifname_too_long),
	    cmocka_unit_test(test_mac_format_bits),
	    cmocka_unit_test(test_mac_stable_distinct),
	    cmocka_unit_test(test_mac_parse),
	    cmocka_unit_test(test_err_mapping),
	    cmocka_unit_test(test_solicited_group),
	    cmocka_unit_test_teardown(test_start_stop_real, real_teardown),
	};

	/* The error paths under test log by design; keep the output to cmocka's lines. */
	ve_log_set_level(VE_LOG_ERR - 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
