/* The host bridge that the host ends of NETIF veths join. */
#include <net/if.h>
#include <string.h>

#include <netlink/route/link/bridge.h>

#include "net/net-internal.h"

/*
 * VE_BRIDGE_MCAST_QUERIER=yes: the bridge queries for multicast listeners itself, so that it
 * forwards a VE's multicast only to the ports that asked for it (with hundreds of VEs, each new
 * one's IPv6 start-up otherwise reaches all of them; docs/benchmarks.md, sixth round). libnl
 * has no setter for the bridge's multicast options: sysfs. The bridge works without: a warning.
 */
static void bridge_querier_on(const char *name)
{
	_cleanup_free_ char *path =
	    ve_strdup_printf("/sys/class/net/%s/bridge/multicast_querier", name);
	int r = path ? ve_write_file(path, "1", 0) : -ENOMEM;

	if (r < 0)
		log_warn("bridge %s: cannot make it a multicast querier: %s", name, strerror(-r));
}

static int bridge_create(struct net_sock *s, const char *name, bool querier)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_bridge_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *mac = NULL;
	uint8_t b[6];
	int r;

	if (!l)
		return -ENOMEM;
	/*
	 * A fixed MAC: otherwise the bridge takes the lowest MAC of its ports and changes it as
	 * VEs come and go, which stalls the neighbour caches of the host and of every VE.
	 */
	net_mac_bytes(0, name, NET_MAC_BRIDGE, b);
	mac = nl_addr_build(AF_LLC, b, sizeof(b));
	if (!mac)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	rtnl_link_set_addr(l, mac);
	rtnl_link_set_flags(l, IFF_UP);
	r = net_err(s, rtnl_link_add(s->sk, l, NLM_F_CREATE | NLM_F_EXCL));
	if (r == -EEXIST)
		return 0; /* another VE start made it meanwhile */
	if (r < 0)
		return log_errno(r, "create bridge '%s': %m%s", name, net_kmsg(s));
	log_info("Bridge %s created", name);
	if (querier)
		bridge_querier_on(name);
	return 0;
}

int net_bridge_ensure(struct net_sock *s, const char *name, const struct ve_global *g,
		      int *ret_ifindex)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
	bool create = !g || g->bridge_create;
	int r;

	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return log_errno(-EINVAL, "invalid bridge name '%s': %m", name ? name : "");
	r = net_link_get(s, name, &l);
	if (r == -ENODEV && !create)
		return log_errno(r, "bridge '%s' does not exist (VE_BRIDGE_CREATE=no): %m", name);
	if (r == -ENODEV) {
		r = bridge_create(s, name, g && g->bridge_querier);
		if (r < 0)
			return r;
		r = net_link_get(s, name, &l);
	}
	if (r < 0)
		return log_errno(r, "look up bridge '%s': %m", name);
	if (!ve_streq(rtnl_link_get_type(l), "bridge"))
		return log_errno(-EEXIST, "link '%s' exists and is not a bridge: %m", name);
	/* Only its state is touched: addresses, ports and options stay as the admin made them. */
	if (!(rtnl_link_get_flags(l) & IFF_UP)) {
		r = net_link_up(s, name);
		if (r < 0)
			return r;
	}
	if (ret_ifindex)
		*ret_ifindex = rtnl_link_get_ifindex(l);
	return 0;
}

int ve_net_bridge_ensure(const char *name)
{
	_cleanup_(net_sock_freep) struct net_sock *s = NULL;
	int r = net_sock_open(&s);

	if (r < 0)
		return r;
	return net_bridge_ensure(s, name, NULL, NULL);
}

int ve_net_bridge_del(const char *name)
{
	_cleanup_(net_sock_freep) struct net_sock *s = NULL;
	int r = net_sock_open(&s);

	if (r < 0)
		return r;
	r = net_link_del(s, name, "bridge");
	return r < 0 ? r : 0;
}

int ve_net_check(const struct ve_config *c)
{
	_cleanup_(net_sock_freep) struct net_sock *s = NULL;
	int r;

	for (unsigned i = 0; i < c->net.n_netifs; i++) {
		_cleanup_free_ char *name = NULL;

		r = net_netif_host_ifname(c, i, &name);
		if (r < 0)
			return r;
	}
	if (!c->global || c->global->bridge_create)
		return 0;
	for (unsigned i = 0; i < c->net.n_netifs; i++) {
		const char *b = net_netif_bridge(c, i);
		int idx;

		if (!b)
			continue;
		if (!s && (r = net_sock_open(&s)) < 0)
			return r;
		r = net_link_index(s, b, &idx);
		if (r == -ENODEV)
			return log_errno(r,
					 "bridge '%s' of NETIF '%s' does not exist "
					 "(VE_BRIDGE_CREATE=no): %m",
					 b, c->net.netifs[i].ifname);
		if (r < 0)
			return log_errno(r, "look up bridge '%s': %m", b);
	}
	return 0;
}
