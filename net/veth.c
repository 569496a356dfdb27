/*
 * NETIF veth pairs: host-side names, generated MACs, and the pair itself, created with one
 * RTM_NEWLINK whose peer carries IFLA_NET_NS_FD so the VE end is born inside the VE's netns
 * (about 2 ms, against about 19 ms to create it on the host and move it); one more request on
 * the VE's socket sets the VE end up.
 */
#include <ctype.h>
#include <net/if.h>
#include <string.h>

#include <netlink/route/link/veth.h>

#include "net/net-internal.h"

int net_host_ifname(unsigned veid, const char *ifname, int index, char **ret)
{
	_cleanup_free_ char *name = NULL;
	const char *p;

	if (!ifname || !*ifname)
		return -EINVAL;
	p = ifname + strlen(ifname);
	while (p > ifname && isdigit((unsigned char)p[-1]))
		p--;
	if (*p)
		name = ve_strdup_printf("veth%u.%s", veid, p);
	else if (index >= 0)
		name = ve_strdup_printf("veth%u.%d", veid, index);
	else
		return -EINVAL;
	if (!name)
		return -ENOMEM;
	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	*ret = TAKE_PTR(name);
	return 0;
}

char *ve_net_host_ifname(unsigned veid, const char *ifname)
{
	char *name = NULL;
	int r = net_host_ifname(veid, ifname, -1, &name);

	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return name;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void net_mac_bytes(unsigned veid, const char *ifname, int kind, uint8_t mac[6])
{
	char id[16];
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char k = (unsigned char)kind;

	snprintf(id, sizeof(id), "%u", veid);
	h = fnv1a(h, id, strlen(id) + 1);
	h = fnv1a(h, ifname, strlen(ifname) + 1);
	h = fnv1a(h, &k, 1);
	/* splitmix64 finaliser: every input bit reaches every output byte. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	/*
	 * Locally administered, unicast. Host ends start with fe so a bridge without a fixed MAC
	 * never adopts one of them (it takes its lowest port MAC); 40 hashed bits leave a
	 * collision chance of about n^2/2^41 among n interfaces on one segment.
	 */
	mac[0] = kind == NET_MAC_HOST ? 0xfe : 0x02;
	for (int i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

char *ve_net_mac(unsigned veid, const char *ifname, int host)
{
	uint8_t m[6];

	if (!ifname) {
		errno = EINVAL;
		return NULL;
	}
	net_mac_bytes(veid, ifname, host ? NET_MAC_HOST : NET_MAC_VE, m);
	return ve_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
				m[5]);
}

static int link_mac(unsigned veid, const char *ve_ifname, const char *conf, int kind,
		    struct nl_addr **ret)
{
	uint8_t m[6];

	if (conf) {
		if (net_mac_parse(conf, ret) < 0)
			return log_errno(-EINVAL, "invalid MAC address '%s': %m", conf);
		return 0;
	}
	net_mac_bytes(veid, ve_ifname, kind, m);
	*ret = nl_addr_build(AF_LLC, m, sizeof(m));
	return *ret ? 0 : -ENOMEM;
}

/*
 * A bridge port needs no address of its own. With IPv6 on, each host end would get a
 * link-local address (duplicate address detection, reports) and three routes in the host's
 * tables, which every device's removal walks: O(VEs) per stop. Turned off before the port goes
 * up; a kernel without IPv6 has nothing to turn off.
 */
static void port_ipv6_off(const char *host_ifname)
{
	_cleanup_free_ char *path =
	    ve_strdup_printf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", host_ifname);
	int r = path ? ve_write_file(path, "1", 0) : -ENOMEM;

	if (r < 0 && r != -ENOENT)
		log_debug("%s: %s, IPv6 left on", path ? path : host_ifname, strerror(-r));
}

int net_veth_add(struct net_sock *host, struct net_sock *ve, unsigned veid,
		 const struct net_veth *v, int netns_fd)
{
	bool port = v->master_ifindex > 0 && !v->routed;
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_veth_alloc();
	_cleanup_(rtnl_link_putp) struct rtnl_link *peer = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *hmac = NULL, *vmac = NULL;
	int r;

	if (!l)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(l);
	r = link_mac(veid, v->ve_ifname, v->host_mac, NET_MAC_HOST, &hmac);
	if (r < 0)
		return r;
	r = link_mac(veid, v->ve_ifname, v->ve_mac, NET_MAC_VE, &vmac);
	if (r < 0)
		return r;

	rtnl_link_set_name(l, v->host_ifname);
	rtnl_link_set_addr(l, hmac);
	/*
	 * One queue each way per end. The kernel's default is one per possible CPU, each with its
	 * NAPI context and sysfs directories (about 7 KiB per queue and pair here: a pair costs
	 * about 0.5 MiB on a host with 64 possible CPUs); a veth without XDP or GRO delivers
	 * through the receiving CPU's backlog whatever its queue count.
	 */
	rtnl_link_set_num_tx_queues(l, 1);
	rtnl_link_set_num_rx_queues(l, 1);
	rtnl_link_set_num_tx_queues(peer, 1);
	rtnl_link_set_num_rx_queues(peer, 1);
	if (!port)
		rtnl_link_set_flags(l, IFF_UP);
	/* The kernel enslaves right after creating: the port never runs outside the bridge. */
	if (v->master_ifindex > 0)
		rtnl_link_set_master(l, v->master_ifindex);
	/* Not IFF_UP here: the kernel opens the peer before pairing it, and veth_open fails. */
	rtnl_link_set_name(peer, v->ve_ifname);
	rtnl_link_set_addr(peer, vmac);
	/* Born inside the VE: the VE's ifname never exists, even briefly, in the host netns. */
	rtnl_link_set_ns_fd(peer, netns_fd);

	r = net_err(host, rtnl_link_add(host->sk, l, NLM_F_CREATE | NLM_F_EXCL));
	/* The pair of the VE's last run goes with its network namespace, some ms after the stop. */
	if (r == -EEXIST && net_link_wait_gone(host, v->host_ifname, "veth", NET_LEFTOVER_MS) == 0)
		r = net_err(host, rtnl_link_add(host->sk, l, NLM_F_CREATE | NLM_F_EXCL));
	if (r == -EEXIST)
		return log_errno(
		    r,
		    "create veth '%s' (VE end '%s'): %m%s; another VE's host_ifname, a "
		    "duplicate NETIF, or the VE's last network namespace is still held "
		    "by a process",
		    v->host_ifname, v->ve_ifname, net_kmsg(host));
	if (r < 0)
		return log_errno(r, "create veth '%s' (VE end '%s'): %m%s", v->host_ifname,
				 v->ve_ifname, net_kmsg(host));
	/* The filter is in place before the VE end goes up, so nothing spoofed ever passes. */
	if (v->filter) {
		struct net_filter flt = {
		    .routed = v->routed, .addrs = v->addrs, .n_addrs = v->n_addrs};

		memcpy(flt.mac, nl_addr_get_binary_addr(vmac), sizeof(flt.mac));
		r = net_filter_set(v->host_ifname, &flt);
		if (r < 0) {
			(void)net_link_del(host, v->host_ifname, "veth");
			/* -ELIBACC: vznft did not run, so there is nothing to delete either. */
			if (r != -ELIBACC)
				(void)net_filter_del(v->host_ifname);
			return r;
		}
	}
	if (port) {
		port_ipv6_off(v->host_ifname);
		r = net_link_up(host, v->host_ifname);
	}
	if (r == 0)
		r = net_link_up(ve, v->ve_ifname);
	if (r < 0) {
		(void)net_link_del(host, v->host_ifname, "veth");
		if (v->filter)
			(void)net_filter_del(v->host_ifname);
	}
	return r;
}

int net_netif_host_ifname(const struct ve_config *c, unsigned i, char **ret)
{
	const struct ve_netif *n = &c->net.netifs[i];
	int r;

	if (n->host_ifname) {
		if (!*n->host_ifname || strlen(n->host_ifname) >= IFNAMSIZ)
			return log_errno(-ENAMETOOLONG,
					 "host_ifname '%s' of NETIF '%s': %m (1..%d "
					 "characters)",
					 n->host_ifname, n->ifname, IFNAMSIZ - 1);
		*ret = strdup(n->host_ifname);
		return *ret ? 0 : -ENOMEM;
	}
	r = net_host_ifname(c->veid, n->ifname, (int)i, ret);
	if (r == -ENAMETOOLONG)
		return log_errno(r,
				 "host interface name 'veth%u.N' for NETIF '%s' of VE %u: %m "
				 "(over %d characters); set host_ifname in NETIF",
				 c->veid, n->ifname, c->veid, IFNAMSIZ - 1);
	if (r < 0)
		return log_errno(r, "host interface name for NETIF '%s': %m", n->ifname);
	return 0;
}

const char *net_netif_bridge(const struct ve_config *c, unsigned i)
{
	const char *bridge = c->net.netifs[i].bridge;

	if ((!bridge || !*bridge) && c->global)
		bridge = c->global->bridge;
	return bridge && *bridge ? bridge : NULL;
}

void net_netif_mdb(struct net_sock *host, const struct ve_config *c, unsigned i,
		   const char *host_ifname)
{
	const struct ve_netif *n = &c->net.netifs[i];
	const char *bridge = net_netif_bridge(c, i);
	_cleanup_(nl_addr_putp) struct nl_addr *mac = NULL;
	uint8_t m[6];
	int r;

	if (!bridge || !c->net.ipv6)
		return;
	if (link_mac(c->veid, n->ifname, n->mac, NET_MAC_VE, &mac) < 0)
		return; /* the start checked the MAC already */
	memcpy(m, nl_addr_get_binary_addr(mac), sizeof(m));
	r = net_mdb_ve_port(host, bridge, host_ifname, m);
	if (r < 0)
		log_warn("bridge %s: no multicast entry for %s: %s%s; with a querier on the "
			 "bridge the VE is reachable over IPv6 only after its next report",
			 bridge, host_ifname, strerror(-r), net_kmsg(host));
}

int net_netif_start(struct net_sock *host, struct net_sock *ve, const struct ve_config *c,
		    unsigned i, const char *host_ifname, int netns_fd)
{
	const struct ve_netif *n = &c->net.netifs[i];
	const char *bridge = net_netif_bridge(c, i);
	struct net_veth v = {};
	int r;

	if (!n->ifname || !*n->ifname || strlen(n->ifname) >= IFNAMSIZ || strchr(n->ifname, '/'))
		return log_errno(-EINVAL, "invalid NETIF ifname '%s': %m",
				 n->ifname ? n->ifname : "");
	if (bridge) {
		r = net_bridge_ensure(host, bridge, c->global, &v.master_ifindex);
		if (r < 0)
			return r;
	}
	v.host_ifname = host_ifname;
	v.host_mac = n->host_mac;
	v.ve_ifname = n->ifname;
	v.ve_mac = n->mac;
	v.filter = n->mac_filter;
	r = net_veth_add(host, ve, c->veid, &v, netns_fd);
	if (r < 0)
		return r;
	net_netif_mdb(host, c, i, host_ifname);
	log_debug("veth '%s' <-> VE '%s'%s%s", host_ifname, n->ifname, bridge ? " on bridge " : "",
		  bridge ? bridge : "");
	return 0;
}
