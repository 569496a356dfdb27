/*
 * Anti-spoofing through the kernel's nftables, driven by libnftables: one table per host,
 * "table netdev vzkit", with one base chain per host end of a VE ("h_<host ifname>") hooked
 * at that device's ingress, which is where every frame the VE sends enters the host, bridged
 * or routed. The chain drops frames whose source MAC is not the VE's, and in routed mode
 * packets whose source address is not one of the VE's, and every other protocol.
 *
 * The batch is run by vznft, a small dynamic program beside vzctl (cmd/libexec/vznft.c): the
 * binaries are linked statically for start-up time, and a static program cannot safely load
 * libnftables with the second C library it needs. Only a VE with a filter pays that exec.
 * Since Linux 6.x a netdev chain outlives its device, so stop deletes the chain by name.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "net/net-internal.h"

#define NFT_HELPER "vznft"

/* vznft in $VZ_LIBEXECDIR if set, else next to the running binary (the build tree), else the
 * installed one in LIBEXECDIR. */
static void helper_path(char buf[PATH_MAX])
{
	const char *dir = getenv("VZ_LIBEXECDIR");
	ssize_t n;
	char *slash;

	if (dir && *dir) {
		snprintf(buf, PATH_MAX, "%s/%s", dir, NFT_HELPER);
		return;
	}
	n = readlink("/proc/self/exe", buf, PATH_MAX - sizeof(NFT_HELPER) - 1);
	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, NFT_HELPER);
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, PATH_MAX, "%s/%s", VZ_LIBEXECDIR, NFT_HELPER);
}

/* Runs one nft batch (atomic: all or nothing). Logs errors with nft's own message. */
static int nft_run(const char *cmds, const char *what)
{
	char path[PATH_MAX], err[1024];
	char *argv[] = {(char *)NFT_HELPER, NULL};
	_cleanup_close_ int in = memfd_create("vzkit-nft", MFD_CLOEXEC);
	size_t len = strlen(cmds);
	int r;

	/* On stdin: a routed VE with many addresses makes a batch longer than one argument. */
	if (in < 0)
		return log_errno(neg_errno(), "%s: nftables: memfd: %m", what);
	if (write(in, cmds, len) != (ssize_t)len || lseek(in, 0, SEEK_SET) != 0)
		return log_errno(-EIO, "%s: nftables: write the batch: %m", what);
	helper_path(path);
	r = ve_run_tool(path, argv, in, err, sizeof(err), false);
	if (r == 0)
		return 0;
	if (r < 0 && r != -ECHILD)
		return log_errno(r, "%s: nftables: run %s: %m", what, path);
	if (r == 127)
		return log_errno(-ELIBACC, "%s: cannot run %s: %s", what, path,
				 *err ? err : "not there or not executable (reinstall vzkit)");
	if (r == 1)
		return log_errno(-EIO, "%s: nftables: %m: %s", what, err);
	if (r < 0)
		return log_errno(-EIO, "%s: nftables: %s was killed: %s", what, path,
				 *err ? err : "no message");
	return log_errno(-EIO, "%s: nftables: %s exited with status %d: %s", what, path, r,
			 *err ? err : "no message");
}

/* Only names the nft grammar takes unquoted reach a command (ifname_valid's set, "h_" first). */
static int chain_name(const char *ifname, char buf[IFNAMSIZ + 2])
{
	if (!*ifname || strlen(ifname) >= IFNAMSIZ ||
	    strspn(ifname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		strlen(ifname))
		return log_errno(-EINVAL, "host interface name '%s' cannot name a filter: %m",
				 ifname);
	snprintf(buf, IFNAMSIZ + 2, "h_%s", ifname);
	return 0;
}

/* Writes "{ a, b }" of the addresses of family fam (host addresses, no prefix); 0 if none. */
static size_t put_addrs(FILE *f, const struct net_filter *flt, int fam)
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = 0;

	for (size_t i = 0; i < flt->n_addrs; i++) {
		if (nl_addr_get_family(flt->addrs[i]) != fam ||
		    !inet_ntop(fam, nl_addr_get_binary_addr(flt->addrs[i]), buf, sizeof(buf)))
			continue;
		fprintf(f, "%s%s", n++ ? ", " : "{ ", buf);
	}
	if (n)
		fputs(" }", f);
	return n;
}

static void put_routed(FILE *f, const char *pre, const struct net_filter *flt)
{
	/* Routed: the VE's IPs only; link-local and unspecified IPv6 for neighbour discovery. */
	fprintf(f, "%s meta protocol != { ip, ip6, arp } counter drop\n", pre);
	fprintf(f, "%s meta protocol ip ip saddr != ", pre);
	if (!put_addrs(f, flt, AF_INET))
		fputs("0.0.0.0/0", f);
	fputs(" counter drop\n", f);
	fprintf(f, "%s meta protocol arp arp saddr ip != { 0.0.0.0", pre);
	for (size_t i = 0; i < flt->n_addrs; i++) {
		char buf[INET_ADDRSTRLEN];

		if (nl_addr_get_family(flt->addrs[i]) == AF_INET &&
		    inet_ntop(AF_INET, nl_addr_get_binary_addr(flt->addrs[i]), buf, sizeof(buf)))
			fprintf(f, ", %s", buf);
	}
	fputs(" } counter drop\n", f);
	fprintf(f, "%s meta protocol ip6 ip6 saddr != { ::, fe80::/10", pre);
	for (size_t i = 0; i < flt->n_addrs; i++) {
		char buf[INET6_ADDRSTRLEN];

		if (nl_addr_get_family(flt->addrs[i]) == AF_INET6 &&
		    inet_ntop(AF_INET6, nl_addr_get_binary_addr(flt->addrs[i]), buf, sizeof(buf)))
			fprintf(f, ", %s", buf);
	}
	fputs(" } counter drop\n", f);
}

int net_filter_set(const char *host_ifname, const struct net_filter *flt)
{
	_cleanup_free_ char *cmds = NULL;
	char chain[IFNAMSIZ + 2], pre[64];
	const uint8_t *m = flt->mac;
	size_t len = 0;
	FILE *f;
	int r;

	r = chain_name(host_ifname, chain);
	if (r < 0)
		return r;
	f = open_memstream(&cmds, &len);
	if (!f)
		return -ENOMEM;
	snprintf(pre, sizeof(pre), "add rule netdev vzkit %s", chain);
	/* Ingress of the host end: before the bridge and before routing, -500 before others. */
	fprintf(f,
		"add table netdev vzkit\n"
		"add chain netdev vzkit %s { type filter hook ingress device \"%s\" priority -500; "
		"policy accept; }\n"
		"flush chain netdev vzkit %s\n",
		chain, host_ifname, chain);
	fprintf(f, "%s ether saddr != %02x:%02x:%02x:%02x:%02x:%02x counter drop\n", pre, m[0],
		m[1], m[2], m[3], m[4], m[5]);
	fprintf(f,
		"%s meta protocol arp arp saddr ether != %02x:%02x:%02x:%02x:%02x:%02x counter "
		"drop\n",
		pre, m[0], m[1], m[2], m[3], m[4], m[5]);
	if (flt->routed)
		put_routed(f, pre, flt);
	if (fclose(f) != 0)
		return -ENOMEM;
	r = nft_run(cmds, host_ifname);
	if (r < 0)
		return r;
	log_debug("filter on '%s': %s", host_ifname, flt->routed ? "MAC and IPs" : "MAC");
	return 0;
}

int net_filter_del(const char *host_ifname)
{
	_cleanup_free_ char *cmds = NULL;
	char chain[IFNAMSIZ + 2];
	int r;

	r = chain_name(host_ifname, chain);
	if (r < 0)
		return r;
	/* Added first, so the batch succeeds whether or not the chain is there (nft 1.0.6 has
	 * no "destroy"); an existing base chain is left as it is by the add. */
	cmds = ve_strdup_printf("add table netdev vzkit\n"
				"add chain netdev vzkit %s\n"
				"delete chain netdev vzkit %s\n",
				chain, chain);
	if (!cmds)
		return -ENOMEM;
	return nft_run(cmds, host_ifname);
}
