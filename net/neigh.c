/*
 * Proxy ARP/NDP entries for routed addresses on the host's uplinks (vz.conf NEIGHBOUR_DEVS):
 * the host then answers the neighbours of its own network for the VE's addresses, which become
 * reachable from that network, not only from the host. Unset: nothing is done, and the
 * addresses are reachable from the host (and through whatever routing the admin set up).
 */
#include <linux/neighbour.h>
#include <net/if.h>
#include <string.h>

#include <netlink/route/neighbour.h>

#include "net/net-internal.h"

static void rtnl_neigh_putp(struct rtnl_neigh **n)
{
	if (*n)
		rtnl_neigh_put(*n);
}

/* One proxy entry for address a on ifindex: added (replacing), or deleted (absent is fine). */
static int proxy_one(struct net_sock *s, int ifindex, const char *dev, struct nl_addr *a, bool add)
{
	_cleanup_(rtnl_neigh_putp) struct rtnl_neigh *n = rtnl_neigh_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *dst = nl_addr_clone(a);
	char buf[INET6_ADDRSTRLEN + 8];
	int r;

	if (!n || !dst)
		return -ENOMEM;
	nl_addr_set_prefixlen(dst, nl_addr_get_len(dst) * 8);
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, nl_addr_get_family(dst));
	rtnl_neigh_set_flags(n, NTF_PROXY);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	r = rtnl_neigh_set_dst(n, dst);
	if (r < 0)
		return net_err(s, r);
	if (add)
		r = net_err(s, rtnl_neigh_add(s->sk, n, NLM_F_CREATE | NLM_F_REPLACE));
	else
		r = net_err(s, rtnl_neigh_delete(s->sk, n, 0));
	if (!add && (r == -ENOENT || r == -ESRCH))
		return 0;
	if (r < 0)
		return log_errno(r, "%s proxy neighbour %s on '%s': %m%s", add ? "add" : "delete",
				 nl_addr2str(dst, buf, sizeof(buf)), dev, net_kmsg(s));
	return 0;
}

/* Lets dev answer neighbour solicitations for its proxy entries; never reset (shared). */
static int proxy_ndp_enable(const char *dev)
{
	_cleanup_free_ char *key = ve_strdup_printf("ipv6/conf/%s/proxy_ndp", dev);

	if (!key)
		return -ENOMEM;
	return net_sysctl_write(key, "1");
}

int net_proxy_neigh(struct net_sock *s, const struct ve_config *c, struct nl_addr **addrs, size_t n,
		    bool add)
{
	_cleanup_strv_ char **devs = NULL;
	int r, ret = 0;

	if (!c->global || !c->global->neighbour_devs || !*c->global->neighbour_devs || !n)
		return 0;
	devs = ve_strv_split(c->global->neighbour_devs, " \t,");
	if (!devs)
		return -ENOMEM;
	for (char **d = devs; *d; d++) {
		bool v6 = false;
		int idx;

		r = net_link_index(s, *d, &idx);
		if (r < 0 && add)
			return log_errno(r, "NEIGHBOUR_DEVS: device '%s': %m", *d);
		if (r < 0)
			continue; /* the uplink went: its entries went with it */
		for (size_t i = 0; i < n; i++) {
			v6 |= nl_addr_get_family(addrs[i]) == AF_INET6;
			r = proxy_one(s, idx, *d, addrs[i], add);
			if (r < 0 && add)
				return r;
			if (r < 0 && ret == 0)
				ret = r;
		}
		if (add && v6 && (r = proxy_ndp_enable(*d)) < 0)
			return r;
	}
	return ret;
}
