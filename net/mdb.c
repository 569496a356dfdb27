/*
 * A VE port's own entry in its bridge's multicast database. A bridge with multicast snooping
 * and an MLD querier (its own, `mcast_querier 1`, or a router's) forwards IPv6 multicast other
 * than to all nodes only to the ports that reported the group, and a fresh VE's reports are not
 * reliably learned (seen: none after 3 s; the first ones leave while its address is still
 * tentative, from the unspecified address): a neighbour solicitation for a VE that just started
 * then reaches no port, and the VE stays unreachable over IPv6 until it answers a general
 * query, up to two minutes later. So each bridged VE port gets a permanent entry for the
 * solicited-node group of the link-local address the kernel derives from the VE end's MAC
 * (EUI-64; SLAAC addresses from a prefix share the group): solicitations reach the VE from its
 * first moment. Without a querier the bridge floods all multicast and the entry changes
 * nothing. It goes with the port.
 */
#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include <netlink/msg.h>

#include "net/net-internal.h"

void net_ll_solicited_group(const uint8_t mac[6], struct in6_addr *group)
{
	/* ff02::1:ff00:0/104 and the low 24 bits of the interface id: the MAC's last three. */
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};

	memcpy(group->s6_addr, prefix, sizeof(prefix));
	memcpy(group->s6_addr + 13, mac + 3, 3);
}

/* 1 when the bridge snoops multicast, 0 when not (or this kernel cannot), else -errno. */
static int bridge_snooping(const char *bridge)
{
	_cleanup_free_ char *path =
	    ve_strdup_printf("/sys/class/net/%s/bridge/multicast_snooping", bridge);
	_cleanup_free_ char *buf = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	if (access("/proc/sys/net/ipv6", F_OK) < 0)
		return 0; /* no IPv6 in this kernel: no MLD */
	r = ve_read_file(path, &buf, NULL);
	if (r == -ENOENT)
		return 0; /* a kernel without snooping */
	return r < 0 ? r : buf[0] != '0';
}

static int mdb_add(struct net_sock *s, int br_ifindex, int port_ifindex,
		   const struct in6_addr *group)
{
	struct br_port_msg bpm = {.family = AF_BRIDGE, .ifindex = (uint32_t)br_ifindex};
	struct br_mdb_entry e = {.ifindex = (uint32_t)port_ifindex, .state = MDB_PERMANENT};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWMDB, NLM_F_CREATE | NLM_F_EXCL);
	int r;

	if (!msg)
		return -ENOMEM;
	e.addr.proto = htons(ETH_P_IPV6);
	e.addr.u.ip6 = *group;
	if (nlmsg_append(msg, &bpm, sizeof(bpm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, MDBA_SET_ENTRY, sizeof(e), &e) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	s->err = 0;
	r = net_err(s, nl_send_sync(s->sk, msg)); /* frees msg */
	return r == -EEXIST ? 0 : r;
}

int net_mdb_ve_port(struct net_sock *s, const char *bridge, const char *port, const uint8_t mac[6])
{
	struct in6_addr group;
	char text[INET6_ADDRSTRLEN];
	int br, p, r;

	r = bridge_snooping(bridge);
	if (r <= 0)
		return r;
	/* An ioctl each: RTM_GETLINK would return each link's whole description. */
	br = (int)if_nametoindex(bridge);
	p = br > 0 ? (int)if_nametoindex(port) : 0;
	if (p <= 0)
		return neg_errno();
	net_ll_solicited_group(mac, &group);
	r = mdb_add(s, br, p, &group);
	if (r < 0)
		return r;
	log_debug("bridge %s: group %s on port %s", bridge,
		  inet_ntop(AF_INET6, &group, text, sizeof(text)) ? text : "?", port);
	return 1;
}
