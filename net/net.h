/*
 * VE networking through netlink (libnl-route-3): the host bridge, veth pairs whose VE end is
 * created directly inside the VE's network namespace, and routed addresses.
 */
#ifndef VE_NET_H
#define VE_NET_H

#include <sys/types.h>

#include "../runtime/config.h"

/* Creates bridge name if missing and sets it up; an existing one is used as it is. */
int ve_net_bridge_ensure(const char *name);
/* Deletes a bridge (tests); ENODEV is success. */
int ve_net_bridge_del(const char *name);

/*
 * Sets up the VE's network in the namespace netns_fd (an fd of /proc/<pid>/ns/net): lo up,
 * each NETIF as a veth whose VE end is created inside the namespace and whose host end joins
 * its bridge, and the routed IP_ADDRESS list on a routed veth with host routes. On failure
 * removes what it made. Returns 0 or negative errno.
 */
int ve_net_start(const struct ve_config *c, int netns_fd);
/* Removes the host side of everything ve_net_start made (works with the VE gone). */
int ve_net_stop(const struct ve_config *c);
/*
 * For a VE whose processes are all gone, so that its network namespace is going: removes only
 * what outlives the namespace (anti-spoofing filters, proxy neighbour entries). The veth pairs
 * go with it, host ends included, when the kernel frees the namespace (cleanup_net: some ms
 * later, many namespaces in one batch); deleting them here would wait for that same work of
 * the previous stops under the RTNL lock (26-40 ms a stop, back to back). A start that finds
 * its host end still there waits for it (net_veth_add).
 */
int ve_net_release(const struct ve_config *c);
/*
 * Applies the network changes from old to c on a running VE whose netns is netns_fd: NETIFs
 * that c lacks or changed are removed, new ones added; the routed pair is created with the
 * first IP_ADDRESS, deleted with the last, else the addresses differing are added and
 * removed; the anti-spoofing filters follow. Returns 0 or negative errno (logged); a failure
 * midway leaves what was done until then.
 */
int ve_net_apply(const struct ve_config *old, const struct ve_config *c, int netns_fd);
/*
 * Checks what can be checked before anything is made: host interface names (length, derived
 * from the ifname) and, with VE_BRIDGE_CREATE=no, that every NETIF's bridge exists. Returns 0,
 * -ENAMETOOLONG, -EINVAL, -ENODEV (unknown bridge); logs one line.
 */
int ve_net_check(const struct ve_config *c);
/* Host-side interface name for the VE's NETIF ifname, e.g. "veth101.0"; caller frees. */
char *ve_net_host_ifname(unsigned veid, const char *ifname);
/* A stable MAC for the VE's interface (host side when host != 0), as "xx:xx:..". */
char *ve_net_mac(unsigned veid, const char *ifname, int host);

#endif
