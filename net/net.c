/*
 * VE network start and stop: the steps of net/ in order, with the undo of a failed start.
 * One host socket per call, plus one socket opened inside the VE's netns for what must be
 * configured from within it (lo, routed addresses and routes).
 */
#include <string.h>

#include "net/net-internal.h"

struct host_names {
	char **names; /* host end of netifs[i] */
	unsigned n;
};

static void host_names_done(struct host_names *h)
{
	for (unsigned i = 0; i < h->n; i++)
		free(h->names[i]);
	free(h->names);
}

/* Derives every NETIF's host end name first, so clashes fail before anything is created. */
static int host_names_get(const struct ve_config *c, struct host_names *ret)
{
	int r;

	ret->names = calloc(c->net.n_netifs + 1, sizeof(char *));
	if (!ret->names)
		return -ENOMEM;
	for (unsigned i = 0; i < c->net.n_netifs; i++) {
		r = net_netif_host_ifname(c, i, &ret->names[i]);
		if (r < 0)
			return r;
		ret->n++;
		for (unsigned j = 0; j < i; j++)
			if (ve_streq(ret->names[j], ret->names[i]))
				return log_errno(-EEXIST,
						 "NETIF '%s' and '%s' both map to host "
						 "interface '%s': %m; set host_ifname",
						 c->net.netifs[j].ifname, c->net.netifs[i].ifname,
						 ret->names[i]);
	}
	return 0;
}

/*
 * IPV6 in the VE's own namespace, before any interface of it comes up: with "no", no interface
 * there ever gets an IPv6 address. A new netns has IPv6 on, so a start writes only "no": the
 * first look-up of /proc/sys/net in a netns walks a dentry per namespace that looked before
 * (1.2-1.4 ms with 1,000 VEs running). A host that makes new namespaces inherit its own
 * disable_ipv6 (net.core.devconf_inherit_init_net) decides for VEs with IPV6=yes.
 */
static int ipv6_switch(const struct ve_config *c, int netns_fd)
{
	static const char *const keys[] = {"ipv6/conf/all/disable_ipv6",
					   "ipv6/conf/default/disable_ipv6", NULL};

	return net_sysctl_write_in(netns_fd, keys, c->net.ipv6 ? "0" : "1");
}

int ve_net_start(const struct ve_config *c, int netns_fd)
{
	_cleanup_(net_sock_freep) struct net_sock *host = NULL, *ve = NULL;
	_cleanup_(host_names_done) struct host_names hn = {};
	_cleanup_free_ char *rname = NULL;
	bool routed = false;
	unsigned done = 0;
	int r;

	r = host_names_get(c, &hn);
	if (r < 0)
		return r;
	r = net_sock_open(&host);
	if (r < 0)
		return r;
	r = net_sock_open_in(netns_fd, &ve);
	if (r < 0)
		return r;
	r = c->net.ipv6 ? 0 : ipv6_switch(c, netns_fd);
	if (r < 0)
		return r;
	r = net_link_up(ve, "lo");
	if (r < 0)
		return r;
	if (c->net.ip_addresses && c->net.ip_addresses[0]) {
		r = net_routed_start(host, ve, c, netns_fd);
		if (r < 0)
			return r;
		routed = true;
	}
	for (; done < c->net.n_netifs; done++) {
		r = net_netif_start(host, ve, c, done, hn.names[done], netns_fd);
		if (r < 0)
			goto undo;
	}
	return 0;

undo:
	/* Deleting a host end destroys its peer inside the VE and the routes through it. */
	while (done-- > 0)
		(void)net_link_del(host, hn.names[done], "veth");
	rname = net_routed_host_ifname(c->veid);
	if (routed && rname)
		(void)net_link_del(host, rname, "veth");
	return r;
}

/* The host side of what ve_net_start made; the veth pairs themselves only when links. */
static int net_stop(const struct ve_config *c, bool links)
{
	_cleanup_(net_sock_freep) struct net_sock *host = NULL;
	_cleanup_free_ char *rname = net_routed_host_ifname(c->veid);
	int r, ret = 0;

	if (!rname)
		return -ENOMEM;
	r = net_sock_open(&host);
	if (r < 0)
		return r;
	/*
	 * Host side only, by name, so it works with the VE's netns gone. Always tried for the
	 * routed end: IP_ADDRESS may have been emptied while the VE ran. A NETIF dropped from
	 * the config while running is not found here; its pair dies with the VE's netns.
	 */
	r = links ? net_link_del(host, rname, "veth") : 0;
	if (r < 0)
		ret = r;
	/*
	 * A netdev chain outlives its device (Linux 6.x), so filters go by name too; libnftables
	 * is loaded only for a VE that has one, to keep the stop of the others cheap.
	 */
	if (c->net.ip_addresses && c->net.ip_addresses[0]) {
		r = net_filter_del(rname);
		if (r < 0 && ret == 0)
			ret = r;
		r = net_routed_proxy_del(host, c);
		if (r < 0 && ret == 0)
			ret = r;
	}
	for (unsigned i = 0; i < c->net.n_netifs; i++) {
		_cleanup_free_ char *name = NULL;

		r = net_netif_host_ifname(c, i, &name);
		if (r >= 0 && links)
			r = net_link_del(host, name, "veth");
		if (r >= 0 && c->net.netifs[i].mac_filter)
			r = net_filter_del(name);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int ve_net_stop(const struct ve_config *c)
{
	return net_stop(c, true);
}

int ve_net_release(const struct ve_config *c)
{
	bool filters = c->net.ip_addresses && c->net.ip_addresses[0];

	for (unsigned i = 0; i < c->net.n_netifs; i++)
		filters |= c->net.netifs[i].mac_filter;
	/* Nothing of the VE's outlives its netns: no netlink socket to open. */
	return filters ? net_stop(c, false) : 0;
}

static bool str_eq0(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool netif_same(const struct ve_netif *a, const struct ve_netif *b)
{
	return str_eq0(a->ifname, b->ifname) && str_eq0(a->mac, b->mac) &&
	       str_eq0(a->host_ifname, b->host_ifname) && str_eq0(a->host_mac, b->host_mac) &&
	       str_eq0(a->bridge, b->bridge) && a->mac_filter == b->mac_filter;
}

/* Index of a NETIF of c equal in every field to n, or -1. */
static int netif_find(const struct ve_config *c, const struct ve_netif *n)
{
	for (unsigned i = 0; i < c->net.n_netifs; i++)
		if (netif_same(&c->net.netifs[i], n))
			return (int)i;
	return -1;
}

/* Removes the NETIFs of old that c no longer has (or has changed), host side by name. */
static int netifs_remove(struct net_sock *host, const struct ve_config *old,
			 const struct ve_config *c)
{
	for (unsigned i = 0; i < old->net.n_netifs; i++) {
		_cleanup_free_ char *name = NULL;
		int r;

		if (netif_find(c, &old->net.netifs[i]) >= 0)
			continue;
		r = net_netif_host_ifname(old, i, &name);
		if (r >= 0)
			r = net_link_del(host, name, "veth");
		if (r >= 0 && old->net.netifs[i].mac_filter)
			r = net_filter_del(name);
		if (r < 0)
			return r;
		log_info("Interface %s removed", old->net.netifs[i].ifname);
	}
	return 0;
}

int ve_net_apply(const struct ve_config *old, const struct ve_config *c, int netns_fd)
{
	_cleanup_(net_sock_freep) struct net_sock *host = NULL, *ve = NULL;
	_cleanup_(host_names_done) struct host_names hn = {};
	int r;

	/* All names first: a clash or a too long name fails before anything changes. */
	r = host_names_get(c, &hn);
	if (r < 0)
		return r;
	r = net_sock_open(&host);
	if (r >= 0)
		r = net_sock_open_in(netns_fd, &ve);
	if (r >= 0 && c->net.ipv6 != old->net.ipv6)
		r = ipv6_switch(c, netns_fd);
	if (r < 0)
		return r;
	/* The routed IPv6 addresses left out while IPv6 was off (unchanged ones included). */
	if (c->net.ipv6 && !old->net.ipv6) {
		r = net_routed_ipv6_on(ve, c);
		if (r < 0)
			return r;
	}
	r = netifs_remove(host, old, c);
	if (r < 0)
		return r;
	r = net_routed_apply(host, ve, c, old->net.ip_addresses, netns_fd);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < c->net.n_netifs; i++) {
		_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;

		/* Already there: unchanged, or added live by an earlier set without --save. */
		if (net_link_get(host, hn.names[i], &l) == 0) {
			if (c->net.ipv6 && !old->net.ipv6)
				net_netif_mdb(host, c, i, hn.names[i]);
			continue;
		}
		r = net_netif_start(host, ve, c, i, hn.names[i], netns_fd);
		if (r < 0)
			return r;
		log_info("Interface %s added", c->net.netifs[i].ifname);
	}
	return 0;
}
