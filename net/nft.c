/*
 * Anti-spoofing through the kernel's nftables, driven by libnftables: one table per host,
 * "table netdev vzkit", with one base chain per host end of a VE ("h_<host ifname>") hooked
 * at that device's ingress, which is where every frame the VE sends enters the host, bridged
 * or routed. The chain drops frames whose source MAC is not the VE's, and in routed mode
 * packets whose source address is not one of the VE's, and every other protocol.
 *
 * libnftables is loaded with dlopen on first use: it has no static archive and pulls in five
 * more shared objects, which every vzctl call would otherwise load (the binaries link their
 * other libraries statically for start-up time). Since Linux 6.x a netdev chain outlives its
 * device, so stop deletes the chain by name.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "net/net-internal.h"

#define NFT_LIB "libnftables.so.1"

static struct {
	void *dl;
	typeof(&nft_ctx_new) ctx_new;
	typeof(&nft_ctx_free) ctx_free;
	typeof(&nft_ctx_buffer_output) buffer_output;
	typeof(&nft_ctx_buffer_error) buffer_error;
	typeof(&nft_ctx_get_error_buffer) get_error;
	typeof(&nft_run_cmd_from_buffer) run;
} nft;

static pthread_once_t nft_once = PTHREAD_ONCE_INIT;

static void nft_load(void)
{
	/* Local symbols: libnftables's own deps (jansson) must not clash with our static copy. */
	void *dl = dlopen(NFT_LIB, RTLD_NOW | RTLD_LOCAL);

	if (!dl)
		return;
	nft.ctx_new = dlsym(dl, "nft_ctx_new");
	nft.ctx_free = dlsym(dl, "nft_ctx_free");
	nft.buffer_output = dlsym(dl, "nft_ctx_buffer_output");
	nft.buffer_error = dlsym(dl, "nft_ctx_buffer_error");
	nft.get_error = dlsym(dl, "nft_ctx_get_error_buffer");
	nft.run = dlsym(dl, "nft_run_cmd_from_buffer");
	if (!nft.ctx_new || !nft.ctx_free || !nft.buffer_output || !nft.buffer_error ||
	    !nft.get_error || !nft.run) {
		dlclose(dl);
		memset(&nft, 0, sizeof(nft));
		return;
	}
	nft.dl = dl;
}

/* Runs one nft batch (atomic: all or nothing). Logs errors with nft's own message. */
static int nft_run(const char *cmds, const char *what)
{
	struct nft_ctx *ctx;
	const char *err;
	size_t len;
	int r;

	pthread_once(&nft_once, nft_load);
	if (!nft.dl)
		return log_errno(-ENOPKG, "%s: cannot load %s (install libnftables1): %m", what,
				 NFT_LIB);
	ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	/* Buffered: libnftables would otherwise print to our stdout and stderr. */
	nft.buffer_output(ctx);
	nft.buffer_error(ctx);
	r = nft.run(ctx, cmds);
	if (r != 0) {
		err = nft.get_error(ctx);
		len = err ? strlen(err) : 0;
		while (len && err[len - 1] == '\n')
			len--;
		log_errno(-EIO, "%s: nftables: %m: %.*s", what, (int)len, err ? err : "");
		nft.ctx_free(ctx);
		return -EIO;
	}
	nft.ctx_free(ctx);
	return 0;
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
