/*
 * Routed addresses (IP_ADDRESS), OpenVZ venet-like but on a veth: the pair venet0 (inside,
 * created in the VE's netns) / vzr<veid> (host, on no bridge). Inside: every address on
 * venet0 and a default route through it (IPv4 "default dev venet0", on-link; IPv6 via the
 * host end's fe80::1, since the host does not proxy NDP). Host: a /32 or /128 route per
 * address to vzr<veid>, proxy_arp on it so the VE's on-link ARP gets answered, and proxy
 * ARP/NDP entries on the uplinks of NEIGHBOUR_DEVS (neigh.c). Global sysctls (ip_forward,
 * forwarding) stay as the admin set them.
 * The host end always carries the anti-spoofing filter (nft.c): the VE's MAC, its addresses.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include <netlink/route/nexthop.h>

#include "net/net-internal.h"

struct routed {
	struct nl_addr **addrs;
	size_t n;
	bool has4, has6;
};

static void routed_done(struct routed *r)
{
	for (size_t i = 0; i < r->n; i++)
		nl_addr_put(r->addrs[i]);
	free(r->addrs);
}

char *net_routed_host_ifname(unsigned veid)
{
	return ve_strdup_printf(NET_ROUTED_HOST_PREFIX "%u", veid);
}

/* Parses "addr[/len]"; a missing prefix means a host address (/32, /128). */
static int ip_parse(const char *s, struct nl_addr **ret)
{
	struct nl_addr *a = NULL;
	int fam;

	if (nl_addr_parse(s, AF_UNSPEC, &a) < 0)
		return -EINVAL;
	fam = nl_addr_get_family(a);
	if ((fam != AF_INET && fam != AF_INET6) || nl_addr_iszero(a) ||
	    nl_addr_get_prefixlen(a) == 0) {
		nl_addr_put(a);
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

static int routed_parse(char **list, struct routed *ret)
{
	size_t n = ve_strv_len(list);
	int r;

	ret->addrs = calloc(n ? n : 1, sizeof(*ret->addrs));
	if (!ret->addrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = ip_parse(list[i], &ret->addrs[i]);
		if (r < 0)
			return log_errno(r, "invalid IP_ADDRESS entry '%s': %m", list[i]);
		ret->n++;
		if (nl_addr_get_family(ret->addrs[i]) == AF_INET)
			ret->has4 = true;
		else
			ret->has6 = true;
	}
	return 0;
}

static int addr_add(struct net_sock *s, int ifindex, struct nl_addr *local, const char *ifname)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *a = rtnl_addr_alloc();
	char buf[INET6_ADDRSTRLEN + 8];
	int r;

	if (!a)
		return -ENOMEM;
	rtnl_addr_set_ifindex(a, ifindex);
	r = rtnl_addr_set_local(a, local);
	if (r < 0)
		return net_err(s, r);
	rtnl_addr_set_prefixlen(a, nl_addr_get_prefixlen(local));
	/* No duplicate detection: the address is usable at once, and the link has one peer. */
	if (nl_addr_get_family(local) == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	r = net_err(s, rtnl_addr_add(s->sk, a, 0));
	if (r == -EEXIST)
		return 0; /* a live change re-adding what is there */
	if (r < 0)
		return log_errno(r, "add address %s to '%s': %m%s",
				 nl_addr2str(local, buf, sizeof(buf)), ifname, net_kmsg(s));
	return 0;
}

/* Adds a route to dst through ifindex (and gw if not NULL) to the main table. */
static int route_add(struct net_sock *s, struct nl_addr *dst, int ifindex, struct nl_addr *gw,
		     int nlflags)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int fam = nl_addr_get_family(dst), r;

	if (!rt || !nh) {
		rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	rtnl_route_set_family(rt, fam);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_scope(rt, fam == AF_INET && !gw ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
	r = rtnl_route_set_dst(rt, dst);
	if (r < 0) {
		rtnl_route_nh_free(nh);
		return net_err(s, r);
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(rt, nh); /* rt owns nh now */
	return net_err(s, rtnl_route_add(s->sk, rt, nlflags));
}

static int routed_host(struct net_sock *s, const char *ifname, const struct routed *ra)
{
	_cleanup_(nl_addr_putp) struct nl_addr *ll = NULL;
	_cleanup_free_ char *key = NULL;
	char buf[INET6_ADDRSTRLEN + 8];
	int idx, r;

	r = net_link_index(s, ifname, &idx);
	if (r < 0)
		return log_errno(r, "look up '%s': %m", ifname);
	if (ra->has4) {
		/* The VE ARPs for every destination (on-link default): the host end answers. */
		key = ve_strdup_printf("ipv4/conf/%s/proxy_arp", ifname);
		if (!key)
			return -ENOMEM;
		r = net_sysctl_write(key, "1");
		if (r < 0)
			return r;
	}
	if (ra->has6) {
		if (nl_addr_parse(NET_ROUTED_GW6 "/64", AF_INET6, &ll) < 0)
			return -ENOMEM;
		r = addr_add(s, idx, ll, ifname);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ra->n; i++) {
		_cleanup_(nl_addr_putp) struct nl_addr *dst = nl_addr_clone(ra->addrs[i]);

		if (!dst)
			return -ENOMEM;
		nl_addr_set_prefixlen(dst, nl_addr_get_len(dst) * 8);
		/* Exclusive: a route already there means another VE (or the host) has this IP. */
		r = route_add(s, dst, idx, NULL, NLM_F_EXCL);
		if (r == -EEXIST)
			return log_errno(r, "route to %s: %m; is the address used by another VE?",
					 nl_addr2str(dst, buf, sizeof(buf)));
		if (r < 0)
			return log_errno(r, "add route to %s dev '%s': %m%s",
					 nl_addr2str(dst, buf, sizeof(buf)), ifname, net_kmsg(s));
	}
	return 0;
}

/* The addresses and default routes inside the VE; IPv6 ones only when the VE has IPv6 (v6). */
static int routed_ve(struct net_sock *s, const struct routed *ra, bool v6)
{
	_cleanup_(nl_addr_putp) struct nl_addr *def4 = NULL, *def6 = NULL, *gw6 = NULL;
	int idx, r;

	r = net_link_index(s, NET_ROUTED_VE_IFNAME, &idx);
	if (r < 0)
		return log_errno(r, "look up '%s' inside the VE: %m", NET_ROUTED_VE_IFNAME);
	for (size_t i = 0; i < ra->n; i++) {
		if (!v6 && nl_addr_get_family(ra->addrs[i]) == AF_INET6)
			continue;
		r = addr_add(s, idx, ra->addrs[i], NET_ROUTED_VE_IFNAME);
		if (r < 0)
			return r;
	}
	/* Replace: the VE's netns is fresh, but a default route of an earlier attempt may stay. */
	if (ra->has4) {
		if (nl_addr_parse("0.0.0.0/0", AF_INET, &def4) < 0)
			return -ENOMEM;
		r = route_add(s, def4, idx, NULL, NLM_F_REPLACE);
		if (r < 0)
			return log_errno(r, "add default route dev %s inside the VE: %m%s",
					 NET_ROUTED_VE_IFNAME, net_kmsg(s));
	}
	if (ra->has6 && v6) {
		if (nl_addr_parse("::/0", AF_INET6, &def6) < 0 ||
		    nl_addr_parse(NET_ROUTED_GW6, AF_INET6, &gw6) < 0)
			return -ENOMEM;
		r = route_add(s, def6, idx, gw6, NLM_F_REPLACE);
		if (r < 0)
			return log_errno(r,
					 "add IPv6 default route via %s dev %s inside the VE: %m%s",
					 NET_ROUTED_GW6, NET_ROUTED_VE_IFNAME, net_kmsg(s));
	}
	return 0;
}

int net_routed_start(struct net_sock *host, struct net_sock *ve, const struct ve_config *c,
		     int netns_fd)
{
	_cleanup_(routed_done) struct routed ra = {};
	_cleanup_free_ char *hname = net_routed_host_ifname(c->veid);
	struct net_veth v = {.ve_ifname = NET_ROUTED_VE_IFNAME, .filter = true, .routed = true};
	int r;

	if (!hname)
		return -ENOMEM;
	r = routed_parse(c->net.ip_addresses, &ra);
	if (r < 0)
		return r;
	v.host_ifname = hname;
	v.addrs = ra.addrs;
	v.n_addrs = ra.n;
	r = net_veth_add(host, ve, c->veid, &v, netns_fd);
	if (r < 0)
		return r;
	r = routed_host(host, hname, &ra);
	if (r >= 0)
		r = routed_ve(ve, &ra, c->net.ipv6);
	if (r >= 0)
		r = net_proxy_neigh(host, c, ra.addrs, ra.n, true);
	if (r < 0) {
		/* The VE end and the host routes go with the host end. */
		(void)net_link_del(host, hname, "veth");
		(void)net_filter_del(hname);
		(void)net_proxy_neigh(host, c, ra.addrs, ra.n, false);
		return r;
	}
	log_debug("routed %zu address(es) through '%s'", ra.n, hname);
	return 0;
}

static bool addr_in(struct nl_addr *a, const struct routed *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (nl_addr_get_family(a) == nl_addr_get_family(set->addrs[i]) &&
		    nl_addr_get_len(a) == nl_addr_get_len(set->addrs[i]) &&
		    !memcmp(nl_addr_get_binary_addr(a), nl_addr_get_binary_addr(set->addrs[i]),
			    nl_addr_get_len(a)))
			return true;
	return false;
}

/* Removes one address: its host route, then the address inside; absent ones are fine. */
static int routed_remove(struct net_sock *host, struct net_sock *ve, int hidx, int vidx,
			 struct nl_addr *a)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *rt = rtnl_route_alloc();
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *ad = rtnl_addr_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *dst = nl_addr_clone(a);
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	char buf[INET6_ADDRSTRLEN + 8];
	int r;

	if (!rt || !ad || !dst || !nh) {
		rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(dst, nl_addr_get_len(dst) * 8);
	rtnl_route_set_family(rt, nl_addr_get_family(dst));
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	(void)rtnl_route_set_dst(rt, dst);
	rtnl_route_nh_set_ifindex(nh, hidx); /* only our route, never another VE's or the host's */
	rtnl_route_add_nexthop(rt, nh);
	r = net_err(host, rtnl_route_delete(host->sk, rt, 0));
	if (r < 0 && r != -ESRCH && r != -ENOENT)
		return log_errno(r, "delete route to %s: %m%s", nl_addr2str(dst, buf, sizeof(buf)),
				 net_kmsg(host));
	rtnl_addr_set_ifindex(ad, vidx);
	(void)rtnl_addr_set_local(ad, a);
	rtnl_addr_set_prefixlen(ad, nl_addr_get_prefixlen(a));
	r = net_err(ve, rtnl_addr_delete(ve->sk, ad, 0));
	if (r < 0 && r != -EADDRNOTAVAIL && r != -ENOENT && r != -ESRCH)
		return log_errno(r, "delete address %s inside the VE: %m%s",
				 nl_addr2str(a, buf, sizeof(buf)), net_kmsg(ve));
	return 0;
}

/* The addresses of c not in old, and removes those of old not in c. */
static int routed_sync(struct net_sock *host, struct net_sock *ve, const struct ve_config *c,
		       const char *hname, const struct routed *now, const struct routed *was)
{
	_cleanup_(routed_done) struct routed add = {};
	int hidx, vidx, r;

	r = net_link_index(host, hname, &hidx);
	if (r >= 0)
		r = net_link_index(ve, NET_ROUTED_VE_IFNAME, &vidx);
	if (r < 0)
		return log_errno(r, "look up the routed pair '%s': %m", hname);
	for (size_t i = 0; i < was->n; i++)
		if (!addr_in(was->addrs[i], now)) {
			r = routed_remove(host, ve, hidx, vidx, was->addrs[i]);
			if (r >= 0)
				r = net_proxy_neigh(host, c, &was->addrs[i], 1, false);
			if (r < 0)
				return r;
		}
	add.addrs = calloc(now->n + 1, sizeof(*add.addrs));
	if (!add.addrs)
		return -ENOMEM;
	for (size_t i = 0; i < now->n; i++)
		if (!addr_in(now->addrs[i], was)) {
			add.addrs[add.n++] = nl_addr_get(now->addrs[i]);
			add.has4 |= nl_addr_get_family(now->addrs[i]) == AF_INET;
			add.has6 |= nl_addr_get_family(now->addrs[i]) == AF_INET6;
		}
	if (!add.n)
		return 0;
	r = routed_host(host, hname, &add);
	if (r >= 0)
		r = routed_ve(ve, &add, c->net.ipv6);
	return r < 0 ? r : net_proxy_neigh(host, c, add.addrs, add.n, true);
}

int net_routed_apply(struct net_sock *host, struct net_sock *ve, const struct ve_config *c,
		     char **old, int netns_fd)
{
	_cleanup_(routed_done) struct routed now = {}, was = {};
	_cleanup_free_ char *hname = net_routed_host_ifname(c->veid);
	struct net_filter flt = {.routed = true};
	int idx, r;

	if (!hname)
		return -ENOMEM;
	if (!c->net.ip_addresses || !c->net.ip_addresses[0]) {
		/* The last address went: the pair goes, and the VE end and routes with it. */
		r = net_link_del(host, hname, "veth");
		if (r >= 0)
			r = net_filter_del(hname);
		if (r >= 0 && routed_parse(old, &was) >= 0)
			r = net_proxy_neigh(host, c, was.addrs, was.n, false);
		return r < 0 ? r : 0;
	}
	r = net_link_index(host, hname, &idx);
	if (r == -ENODEV)
		return net_routed_start(host, ve, c, netns_fd);
	if (r < 0)
		return log_errno(r, "look up '%s': %m", hname);
	r = routed_parse(c->net.ip_addresses, &now);
	if (r >= 0)
		r = routed_parse(old, &was);
	if (r < 0)
		return r;
	/* The filter takes the new list first, in one atomic batch: an address removed is dropped
	 * from then on, one added is allowed before its route exists. */
	net_mac_bytes(c->veid, NET_ROUTED_VE_IFNAME, NET_MAC_VE, flt.mac);
	flt.addrs = now.addrs;
	flt.n_addrs = now.n;
	r = net_filter_set(hname, &flt);
	if (r < 0)
		return r;
	return routed_sync(host, ve, c, hname, &now, &was);
}

int net_routed_proxy_del(struct net_sock *host, const struct ve_config *c)
{
	_cleanup_(routed_done) struct routed ra = {};

	if (!c->global || !c->global->neighbour_devs || !*c->global->neighbour_devs)
		return 0;
	/* Stop tolerates a config it cannot parse: nothing of it was routed either. */
	if (routed_parse(c->net.ip_addresses, &ra) < 0)
		return 0;
	return net_proxy_neigh(host, c, ra.addrs, ra.n, false);
}

int net_routed_ipv6_on(struct net_sock *ve, const struct ve_config *c)
{
	_cleanup_(routed_done) struct routed ra = {};
	int r;

	if (!c->net.ip_addresses || !c->net.ip_addresses[0])
		return 0;
	r = routed_parse(c->net.ip_addresses, &ra);
	if (r < 0 || !ra.has6)
		return r;
	ra.has4 = false; /* the IPv4 side is there already */
	return routed_ve(ve, &ra, true);
}
