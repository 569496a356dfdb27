/*
 * The rtnetlink socket wrapper of net/ and the single-link helpers. One socket per call of a
 * public function; single lookups go through RTM_GETLINK by name, never through a link cache.
 */
#include <fcntl.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/msg.h>

#include "net/net-internal.h"

/* Records the kernel's errno and extack text of an NLMSG_ERROR before libnl maps it. */
static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct net_sock *s = arg;
	/* libnl hands us nlmsg_data() of the NLMSG_ERROR message, so its header precedes e. */
	const struct nlmsghdr *h = (const void *)((const char *)e - NLMSG_HDRLEN);
	size_t payload = sizeof(*e), used;
	struct nlattr *a;

	s->err = e->error < 0 ? e->error : -EIO;
	s->msg[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		payload += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	used = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	if (used >= h->nlmsg_len)
		return NL_STOP;
	a = nla_find((struct nlattr *)((char *)e + NLMSG_ALIGN(payload)), h->nlmsg_len - used,
		     NLMSGERR_ATTR_MSG);
	if (a && nla_len(a) > 0)
		snprintf(s->msg, sizeof(s->msg), "%.*s", nla_len(a), (const char *)nla_data(a));
	return NL_STOP;
}

int net_sock_open(struct net_sock **ret)
{
	_cleanup_(net_sock_freep) struct net_sock *s = calloc(1, sizeof(*s));
	int one = 1, r;

	if (!s)
		return -ENOMEM;
	s->sk = nl_socket_alloc();
	if (!s->sk)
		return -ENOMEM;
	r = nl_connect(s->sk, NETLINK_ROUTE);
	if (r < 0)
		return log_errno(net_err(s, r), "open rtnetlink socket: %m");
	/* Best effort: the kernel's own words on errors, and errors without the echoed request. */
	(void)setsockopt(nl_socket_get_fd(s->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(s->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	r = nl_socket_modify_err_cb(s->sk, NL_CB_CUSTOM, err_cb, s);
	if (r < 0)
		return net_err(s, r);
	*ret = TAKE_PTR(s);
	return 0;
}

/*
 * This thread enters the netns netns_fd (setns of a netns is per-thread; cheaper than a forked
 * helper, ~2 syscalls); *self is the way back for netns_leave. Returns 0 or negative errno.
 */
static int netns_enter(int netns_fd, int *self)
{
	*self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*self < 0)
		return log_errno(neg_errno(), "open '/proc/thread-self/ns/net': %m");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return log_errno(neg_errno(), "enter the VE's network namespace: %m");
	return 0;
}

static void netns_leave(int self)
{
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Going on inside the VE's netns would run host steps there: stop hard. */
		log_errno(neg_errno(), "return to the host network namespace: %m");
		abort();
	}
}

int net_sock_open_in(int netns_fd, struct net_sock **ret)
{
	_cleanup_close_ int self = -1;
	/* A netlink socket stays bound to the netns it was created in. */
	int r = netns_enter(netns_fd, &self);

	if (r < 0)
		return r;
	r = net_sock_open(ret);
	netns_leave(self);
	return r;
}

void net_sock_free(struct net_sock *s)
{
	if (!s)
		return;
	nl_socket_free(s->sk);
	free(s);
}

static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_BAD_SOCK:
		return -EBADF;
	default:
		return -EIO;
	}
}

int net_err(struct net_sock *s, int nle)
{
	int r = s->err;

	/* Consumed here, so a later libnl-only error never reports a stale kernel errno. */
	s->err = 0;
	if (nle >= 0)
		return 0;
	return r < 0 ? r : nle_to_errno(nle);
}

const char *net_kmsg(struct net_sock *s)
{
	static __thread char buf[sizeof(s->msg) + 16];

	if (!s->msg[0])
		return "";
	snprintf(buf, sizeof(buf), " (kernel: %s)", s->msg);
	s->msg[0] = '\0';
	return buf;
}

int net_link_get(struct net_sock *s, const char *name, struct rtnl_link **ret)
{
	int r = rtnl_link_get_kernel(s->sk, 0, name, ret);

	if (r >= 0)
		return 0;
	r = net_err(s, r);
	s->msg[0] = '\0';
	return r == -ENOENT ? -ENODEV : r;
}

int net_link_index(struct net_sock *s, const char *name, int *ret)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
	int r = net_link_get(s, name, &l);

	if (r < 0)
		return r;
	*ret = rtnl_link_get_ifindex(l);
	return 0;
}

/* One RTM_NEWLINK on an existing link by name, changing only the flags in mask. */
static int link_set_flags(struct net_sock *s, const char *name, unsigned flags, unsigned mask)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = flags, .ifi_change = mask};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	int r;

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	r = nl_send_sync(s->sk, msg); /* frees msg */
	return net_err(s, r);
}

int net_link_up(struct net_sock *s, const char *name)
{
	int r = link_set_flags(s, name, IFF_UP, IFF_UP);

	if (r < 0)
		return log_errno(r, "set link '%s' up: %m%s", name, net_kmsg(s));
	return 0;
}

int net_link_del(struct net_sock *s, const char *name, const char *kind)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
	const char *type;
	int r;

	r = net_link_get(s, name, &l);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return log_errno(r, "look up link '%s': %m", name);
	type = rtnl_link_get_type(l);
	/* A host end name may come from the config: never delete a link we would not create. */
	if (kind && !ve_streq(type, kind)) {
		log_warn("link '%s' is a '%s', not a '%s', not deleting it", name,
			 type ? type : "device", kind);
		return 0;
	}
	r = net_err(s, rtnl_link_delete(s->sk, l));
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return log_errno(r, "delete link '%s': %m%s", name, net_kmsg(s));
	return 1;
}

int net_link_wait_gone(struct net_sock *s, const char *name, const char *kind, unsigned timeout_ms)
{
	unsigned waited = 0, step = 1;

	for (;;) {
		_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
		int r = net_link_get(s, name, &l);

		if (r == -ENODEV)
			return 0;
		if (r < 0)
			return r;
		if (kind && !ve_streq(rtnl_link_get_type(l), kind))
			return -EEXIST;
		if (waited >= timeout_ms)
			return -EEXIST;
		usleep(step * 1000);
		waited += step;
		step = step * 2 > 50 ? 50 : step * 2;
	}
}

int net_mac_parse(const char *mac, struct nl_addr **ret)
{
	struct nl_addr *a = NULL;

	if (nl_addr_parse(mac, AF_LLC, &a) < 0)
		return -EINVAL;
	if (nl_addr_get_len(a) != 6) {
		nl_addr_put(a);
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

int net_sysctl_write(const char *key, const char *value)
{
	_cleanup_free_ char *path = ve_strdup_printf("/proc/sys/net/%s", key);
	int r;

	if (!path)
		return -ENOMEM;
	r = ve_write_file(path, value, 0);
	if (r < 0)
		return log_errno(r, "write '%s' to '%s': %m", value, path);
	return 0;
}

int net_sysctl_write_in(int netns_fd, const char *const *keys, const char *value)
{
	_cleanup_close_ int self = -1;
	/* /proc/sys/net shows the opener's netns. */
	int r = netns_enter(netns_fd, &self);

	if (r < 0)
		return r;
	for (; *keys && r == 0; keys++) {
		_cleanup_free_ char *path = ve_strdup_printf("/proc/sys/net/%s", *keys);

		r = path ? ve_write_file(path, value, 0) : -ENOMEM;
		if (r == -ENOENT) /* e.g. no IPv6 in this kernel */
			r = 0;
		else if (r < 0)
			log_errno(r, "write '%s' to '%s' in the VE: %m", value, path);
	}
	netns_leave(self);
	return r;
}
