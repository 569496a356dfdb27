/* Private declarations of net/: the netlink socket wrapper, libnl cleanup helpers, link steps. */
#ifndef VE_NET_INTERNAL_H
#define VE_NET_INTERNAL_H

#include <stdint.h>

#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "net/net.h"
#include "runtime/util.h"

/* Name of the VE end and prefix of the host end of the routed (venet-like) pair. */
#define NET_ROUTED_VE_IFNAME   "venet0"
#define NET_ROUTED_HOST_PREFIX "vzr"
/* Link-local address of every routed host end: the VE's IPv6 default gateway. */
#define NET_ROUTED_GW6 "fe80::1"

/* Kinds of generated MAC addresses (net_mac_bytes). */
enum { NET_MAC_VE = 0, NET_MAC_HOST = 1, NET_MAC_BRIDGE = 2 };

/*
 * One rtnetlink socket bound to the network namespace it was opened in, with the errno and
 * the extended-ack message of the last kernel error (libnl maps errnos lossily to NLE_*).
 */
struct net_sock {
	struct nl_sock *sk;
	int err;       /* -errno of the last NLMSG_ERROR, 0 if none */
	char msg[160]; /* kernel's extack text for it, "" if none */
};

/* Opens a socket in the caller's netns. Returns 0 or -errno. */
int net_sock_open(struct net_sock **ret);
/* Opens a socket inside the netns netns_fd; the calling thread returns to its own netns. */
int net_sock_open_in(int netns_fd, struct net_sock **ret);
void net_sock_free(struct net_sock *s);
/* Turns a libnl return value into -errno (the kernel's errno when one was received). */
int net_err(struct net_sock *s, int nle);
/* " (kernel: <extack>)" for the last error, or "" - for appending to a log line. */
const char *net_kmsg(struct net_sock *s);

static inline void net_sock_freep(struct net_sock **s)
{
	net_sock_free(*s);
}

/* libnl destructors, NULL-safe, for _cleanup_(). */
static inline void rtnl_link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
static inline void nl_addr_putp(struct nl_addr **a)
{
	if (*a)
		nl_addr_put(*a);
}
static inline void rtnl_addr_putp(struct rtnl_addr **a)
{
	if (*a)
		rtnl_addr_put(*a);
}
static inline void rtnl_route_putp(struct rtnl_route **r)
{
	if (*r)
		rtnl_route_put(*r);
}

/* Link helpers (link.c). */
/* Fetches one link by name with a single RTM_GETLINK; -ENODEV if absent (not logged). */
int net_link_get(struct net_sock *s, const char *name, struct rtnl_link **ret);
/* Fetches a link's ifindex; -ENODEV if absent (not logged). */
int net_link_index(struct net_sock *s, const char *name, int *ret);
/* Sets the link up (by name). Logs errors. */
int net_link_up(struct net_sock *s, const char *name);
/*
 * Deletes the link name if it exists and is of type kind (NULL: any type). Returns 1 if
 * deleted, 0 if absent or of another kind (the latter logged as a warning), or -errno.
 */
int net_link_del(struct net_sock *s, const char *name, const char *kind);
/*
 * Waits up to timeout_ms for link name to disappear (a VE's host end goes with the VE's network
 * namespace, after its stop). 0 once gone; -EEXIST when still there, or at once when it is not
 * of kind (when kind is given).
 */
int net_link_wait_gone(struct net_sock *s, const char *name, const char *kind, unsigned timeout_ms);
/* How long a start waits for the veth of the VE's previous run to go (ms). */
#define NET_LEFTOVER_MS 5000
/* Parses "xx:xx:xx:xx:xx:xx" into an AF_LLC address; -EINVAL if malformed. */
int net_mac_parse(const char *mac, struct nl_addr **ret);
/* Writes value to /proc/sys/net/<key> (key with '/' separators). Logs errors. */
int net_sysctl_write(const char *key, const char *value);
/*
 * Writes value to /proc/sys/net/<key> for each key (NULL-terminated) of the netns netns_fd; a
 * key this kernel lacks is skipped. Logs errors.
 */
int net_sysctl_write_in(int netns_fd, const char *const *keys, const char *value);

/*
 * Bridge (bridge.c): ensures the bridge, returns its ifindex. A missing one is made unless g
 * says VE_BRIDGE_CREATE=no (-ENODEV), an IGMP/MLD querier with VE_BRIDGE_MCAST_QUERIER=yes;
 * g NULL: vz.conf's defaults.
 */
int net_bridge_ensure(struct net_sock *s, const char *name, const struct ve_global *g,
		      int *ret_ifindex);
/* The bridge of c->net.netifs[i] (its own, else VE_BRIDGE), NULL for none. */
const char *net_netif_bridge(const struct ve_config *c, unsigned i);

/* Names and MACs (veth.c). */
/*
 * Host end name "veth<veid>.<N>": N is the trailing digits of ifname, else index (index < 0:
 * none allowed). -ENAMETOOLONG beyond IFNAMSIZ-1, -EINVAL without digits nor index.
 */
int net_host_ifname(unsigned veid, const char *ifname, int index, char **ret);
/* Stable locally administered unicast MAC derived from (veid, ifname, kind). */
void net_mac_bytes(unsigned veid, const char *ifname, int kind, uint8_t mac[6]);

/*
 * A veth pair created with one RTM_NEWLINK: the host end in the caller's netns (up, on master
 * when master_ifindex > 0), the VE end directly inside netns_fd, then set up through ve (a
 * socket in that netns). On failure nothing is left.
 */
struct net_veth {
	const char *host_ifname;
	const char *host_mac; /* NULL: generated */
	const char *ve_ifname;
	const char *ve_mac; /* NULL: generated */
	int master_ifindex; /* 0: no master */
	bool filter;	    /* MAC filter on the host end before the VE end goes up */
	bool routed;	    /* the filter also allows only addrs (and IPv4, IPv6, ARP) */
	struct nl_addr **addrs;
	size_t n_addrs;
};
int net_veth_add(struct net_sock *host, struct net_sock *ve, unsigned veid,
		 const struct net_veth *v, int netns_fd);
/* Creates the veth of c->net.netifs[i] with host end host_ifname (net_netif_host_ifname). */
int net_netif_start(struct net_sock *host, struct net_sock *ve, const struct ve_config *c,
		    unsigned i, const char *host_ifname, int netns_fd);
/* Host-side name of c->net.netifs[i] (configured or derived). Logs errors. */
int net_netif_host_ifname(const struct ve_config *c, unsigned i, char **ret);

/* Multicast database (mdb.c). */
struct in6_addr;
/* The solicited-node group of the EUI-64 link-local address of mac (ff02::1:ffXX:XXXX). */
void net_ll_solicited_group(const uint8_t mac[6], struct in6_addr *group);
/*
 * Gives the bridge port the permanent entry for that group of the VE end's mac when the bridge
 * snoops multicast. Returns 1 when added (or there), 0 when the bridge does not snoop or the
 * kernel has no IPv6, -errno on failure (not logged: the caller warns, the VE works without).
 */
int net_mdb_ve_port(struct net_sock *s, const char *bridge, const char *port, const uint8_t mac[6]);
/* The same for c->net.netifs[i] with host end host_ifname, when it is bridged and IPv6 is on;
 * a failure is a warning. */
void net_netif_mdb(struct net_sock *host, const struct ve_config *c, unsigned i,
		   const char *host_ifname);

/* Proxy neighbours (neigh.c). */
/*
 * Adds (add) or deletes the proxy ARP/NDP entries of addrs on each device of vz.conf's
 * NEIGHBOUR_DEVS (none when unset); adding an IPv6 one sets the device's proxy_ndp. Adding
 * stops at the first error (an unknown device: -ENODEV); deleting tries all and ignores
 * absent entries and devices. Logs errors.
 */
int net_proxy_neigh(struct net_sock *s, const struct ve_config *c, struct nl_addr **addrs, size_t n,
		    bool add);

/* Routed mode (route.c). */
/* Creates venet0/vzr<veid>, the addresses and routes; removes the pair on failure. */
int net_routed_start(struct net_sock *host, struct net_sock *ve, const struct ve_config *c,
		     int netns_fd);
/* Deletes the proxy neighbours of c's IP_ADDRESS on NEIGHBOUR_DEVS (stop). */
int net_routed_proxy_del(struct net_sock *host, const struct ve_config *c);
/* After IPV6 went from no to yes on a running VE: its IPv6 addresses and route inside. */
int net_routed_ipv6_on(struct net_sock *ve, const struct ve_config *c);
/* Host end name of the routed pair, "vzr<veid>". Returns NULL on ENOMEM. */
char *net_routed_host_ifname(unsigned veid);
/*
 * Brings the routed pair of a running VE from the addresses in old (may be NULL) to those of
 * c: creates the pair on the first address, deletes it (and its filter) with the last, else
 * adds and removes the difference. Addresses already there are not an error.
 */
int net_routed_apply(struct net_sock *host, struct net_sock *ve, const struct ve_config *c,
		     char **old, int netns_fd);

/* Anti-spoofing filter (nft.c) on the ingress of one host end. */
struct net_filter {
	uint8_t mac[6];		/* the only source MAC allowed */
	bool routed;		/* also only these source IPs, and only IPv4, IPv6, ARP */
	struct nl_addr **addrs; /* routed: the VE's addresses */
	size_t n_addrs;
};
/* Creates or replaces (atomically) the chain of host_ifname. -ELIBACC when vznft cannot run
 * (missing, or libnftables missing: nothing was changed), -EIO when nft refuses the batch. */
int net_filter_set(const char *host_ifname, const struct net_filter *flt);
/* Deletes the chain of host_ifname; absent is success. */
int net_filter_del(const char *host_ifname);

#endif
