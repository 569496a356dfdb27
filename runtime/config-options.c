/* vzctl's set/create options: each validates its value and updates struct ve_config. */
#include "config-internal.h"
#include "security.h"
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

struct option_desc {
	const char *name;
	int (*apply)(struct ve_config *c, const char *opt, const char *v);
	const char *key; /* the key it writes, for the generic setters */
	uint64_t unit;
};

static int set_key(struct ve_config *c, const char *key, const char *v)
{
	const struct conf_key *k = conf_key_find(key);
	int r = conf_key_parse(c, k, v);

	if (r < 0)
		return r;
	conf_mark(c, key);
	return 0;
}

static int opt_key(struct ve_config *c, const char *opt, const char *v);

static int opt_limit_bytes(struct ve_config *c, const char *opt, const char *v)
{
	const char *key = !strcmp(opt, "ram") ? "PHYSPAGES" : "SWAPPAGES";
	struct ve_barlim *bl = !strcmp(opt, "ram") ? &c->res.physpages : &c->res.swappages;
	uint64_t bytes;
	int r = ve_parse_size(v, 1, &bytes);

	if (r < 0)
		return r;
	/* Whole pages, as the key is kept: "0:4194305" would read back as 4194305 pages. */
	if (bytes != VE_UNLIMITED)
		bytes &= ~(VE_PAGE_SIZE - 1);
	if (bytes != VE_UNLIMITED && bytes < 4 * 1024 * 1024 && !strcmp(opt, "ram"))
		return -ERANGE; /* below 4 MiB not even init fits */
	bl->barrier = 0;
	bl->limit = bytes;
	conf_mark(c, key);
	return 0;
}

static int opt_uint_range(struct ve_config *c, const char *opt, const char *v)
{
	static const struct {
		const char *opt, *key;
		uint64_t min, max;
	} ranges[] = {
	    {"cpuunits", "CPUUNITS", 8, 500000},
	    {"cpulimit", "CPULIMIT", 0, 100 * 4096},
	    {"cpus", "CPUS", 0, 4096},
	    {"stop-timeout", "STOP_TIMEOUT", 0, 86400},
	};
	_cleanup_free_ char *val = strdup(v);
	uint64_t n;

	if (!val)
		return -ENOMEM;
	if (!strcmp(opt, "cpulimit") && *val && val[strlen(val) - 1] == '%')
		val[strlen(val) - 1] = '\0';
	if (!strcmp(opt, "cpus") && !strcmp(val, "unlimited"))
		strcpy(val, "0");
	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
		if (strcmp(opt, ranges[i].opt))
			continue;
		if (ve_parse_u64(val, &n) < 0 || n < ranges[i].min || n > ranges[i].max)
			return -ERANGE;
		return set_key(c, ranges[i].key, val);
	}
	return -ENOENT;
}

static bool cpumask_valid(const char *v)
{
	/* "all" or a cpuset list: 0-3,5,7-8 */
	if (!strcmp(v, "all"))
		return true;
	for (const char *p = v; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != ',' && *p != '-')
			return false;
	return *v && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[strlen(v) - 1]);
}

static int opt_cpumask(struct ve_config *c, const char *opt, const char *v)
{
	if (!cpumask_valid(v))
		return -EINVAL;
	return set_key(c, "CPUMASK", strcmp(v, "all") ? v : "");
}

static bool hostname_valid(const char *h)
{
	size_t len = strlen(h), label = 0;

	if (len == 0 || len > 253 || h[0] == '.' || h[0] == '-')
		return false;
	for (const char *p = h; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

static int opt_hostname(struct ve_config *c, const char *opt, const char *v)
{
	if (!hostname_valid(v))
		return -EINVAL;
	return set_key(c, "HOSTNAME", v);
}

static int opt_name(struct ve_config *c, const char *opt, const char *v)
{
	if (*v && !ve_config_name_valid(v))
		return -EINVAL;
	return set_key(c, "NAME", v);
}

static int opt_description(struct ve_config *c, const char *opt, const char *v)
{
	if (strpbrk(v, "\"\n") || strlen(v) > 1024)
		return -EINVAL;
	return set_key(c, "DESCRIPTION", v);
}

static int opt_ipadd(struct ve_config *c, const char *opt, const char *v)
{
	char canon[64];

	/* Stored in canonical form, so that one address has one spelling on the host. */
	if (conf_ip_canon(v, true, canon, sizeof(canon)) < 0)
		return -EINVAL;
	for (char **p = c->net.ip_addresses; p && *p; p++)
		if (conf_ip_same(*p, v))
			return -EEXIST;
	if (!c->net.ip_addresses && !(c->net.ip_addresses = calloc(1, sizeof(char *))))
		return -ENOMEM;
	if (ve_strv_push(&c->net.ip_addresses, canon) < 0)
		return -ENOMEM;
	conf_mark(c, "IP_ADDRESS");
	return 0;
}

static int opt_ipdel(struct ve_config *c, const char *opt, const char *v)
{
	char **w = c->net.ip_addresses, **o = w;
	bool all = !strcmp(v, "all"), found = false;

	if (!all && conf_parse_ip(v, NULL) < 0)
		return -EINVAL;
	for (char **p = w; p && *p; p++) {
		if (all || conf_ip_same(*p, v)) {
			free(*p);
			found = true;
		} else {
			*o++ = *p;
		}
	}
	if (o)
		*o = NULL;
	if (!found && !all)
		return -ENOENT;
	conf_mark(c, "IP_ADDRESS");
	return 0;
}

/* vzctl keeps --nameserver/--searchdomain repeatable within one call: the first use in a
 * call replaces the list, later ones append. We approximate: each call appends unless the
 * value is "inherit" or empty, which resets the list. */
static int opt_strv_append(struct ve_config *c, const char *opt, const char *v)
{
	bool ns = !strcmp(opt, "nameserver");
	char ***list = ns ? &c->net.nameservers : &c->net.searchdomains;

	if (!*v || !strcmp(v, "inherit")) {
		ve_strv_free(*list);
		*list = NULL;
		if (*v && ve_strv_push(list, v) < 0)
			return -ENOMEM;
	} else {
		if (ns ? conf_parse_ip(v, NULL) < 0 || strchr(v, '/') : !hostname_valid(v))
			return -EINVAL;
		if (*list && ve_strv_len(*list) == 1 && !strcmp((*list)[0], "inherit")) {
			ve_strv_free(*list);
			*list = NULL;
		}
		if (ve_strv_push(list, v) < 0)
			return -ENOMEM;
	}
	conf_mark(c, ns ? "NAMESERVER" : "SEARCHDOMAIN");
	return 0;
}

bool conf_ifname_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

bool conf_mac_valid(const char *s)
{
	/* Checked by hand: sscanf's %2x takes " 0", "+0", "-5" and "0x" as bytes. */
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	/* multicast addresses cannot be an interface's own */
	return !((isdigit((unsigned char)s[1]) ? s[1] - '0' : (s[1] | 0x20) - 'a' + 10) & 1);
}

/* --netif_add ifname[,mac,host_ifname,host_mac,bridge] */
static int opt_netif_add(struct ve_config *c, const char *opt, const char *v)
{
	_cleanup_strv_ char **f = NULL;
	char *fields[5] = {0};
	struct ve_netif *arr;
	size_t n = 0;
	const char *p = v;

	/* Split keeping empty fields: "eth0,,veth1" leaves the MAC to be generated. */
	f = calloc(6, sizeof(char *));
	if (!f)
		return -ENOMEM;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (n == 5)
			return -EINVAL; /* a sixth field */
		if (!(f[n] = strndup(p, len)))
			return -ENOMEM;
		fields[n] = *f[n] ? f[n] : NULL;
		n++;
		if (!p[len])
			break;
		p += len + 1;
	}
	if (!fields[0] || !conf_ifname_valid(fields[0]) ||
	    (fields[1] && !conf_mac_valid(fields[1])) ||
	    (fields[2] && !conf_ifname_valid(fields[2])) ||
	    (fields[3] && !conf_mac_valid(fields[3])) ||
	    (fields[4] && !conf_ifname_valid(fields[4])))
		return -EINVAL;
	for (unsigned i = 0; i < c->net.n_netifs; i++)
		if (!strcmp(c->net.netifs[i].ifname, fields[0]))
			return -EEXIST;
	arr = realloc(c->net.netifs, (c->net.n_netifs + 1) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	c->net.netifs = arr;
	struct ve_netif *ni = &arr[c->net.n_netifs];
	memset(ni, 0, sizeof(*ni));
	char **dst[5] = {&ni->ifname, &ni->mac, &ni->host_ifname, &ni->host_mac, &ni->bridge};
	for (int i = 0; i < 5; i++)
		if (fields[i] && !(*dst[i] = strdup(fields[i])))
			return -ENOMEM; /* the partly filled entry is not counted yet; leaks on
					   ENOMEM */
	c->net.n_netifs++;
	conf_mark(c, "NETIF");
	return 0;
}

static int opt_netif_del(struct ve_config *c, const char *opt, const char *v)
{
	unsigned o = 0;
	bool found = false;

	for (unsigned i = 0; i < c->net.n_netifs; i++) {
		struct ve_netif *n = &c->net.netifs[i];
		if (!strcmp(v, "all") || !strcmp(n->ifname, v)) {
			free(n->ifname);
			free(n->mac);
			free(n->host_ifname);
			free(n->host_mac);
			free(n->bridge);
			found = true;
		} else {
			c->net.netifs[o++] = *n;
		}
	}
	c->net.n_netifs = o;
	if (!found && strcmp(v, "all"))
		return -ENOENT;
	conf_mark(c, "NETIF");
	return 0;
}

/* --capability name:on|off, added to what the VE has. */
/* --capability name:on|off and --features name:on|off add to what the VE has; for a name
 * given twice the later setting wins. */
static int opt_accumulate(struct ve_config *c, const char *opt, const char *v)
{
	const char *key = !strcmp(opt, "capability") ? "CAPABILITY" : "FEATURES";
	_cleanup_free_ char *cur = conf_key_format(c, conf_key_find(key));
	_cleanup_free_ char *nv = NULL;

	if (!cur)
		return -ENOMEM;
	nv = ve_strdup_printf("%s %s", cur, v);
	return nv ? set_key(c, key, nv) : -ENOMEM;
}

/* --devices c|b:major:minor|all:[r][w][m]|none; replaces an entry for the same device. */
static int opt_devices(struct ve_config *c, const char *opt, const char *v)
{
	_cleanup_free_ char *norm = strdup(v);
	char *all = norm ? strstr(norm, ":all:") : NULL;
	struct ve_device dev, *d;
	unsigned o = 0;

	if (!norm)
		return -ENOMEM;
	if (all) { /* vzctl writes "all" for any minor; the file keeps "*" */
		all[1] = '*';
		memmove(all + 2, all + 4, strlen(all + 4) + 1);
	}
	if (conf_parse_device(norm, &dev) < 0)
		return -EINVAL;
	d = c->sec.devices;
	for (unsigned i = 0; i < c->sec.n_devices; i++)
		if (!(d[i].type == dev.type && d[i].major == dev.major && d[i].minor == dev.minor))
			d[o++] = d[i];
	d = realloc(d, (o + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	d[o++] = dev;
	c->sec.devices = d;
	c->sec.n_devices = o;
	conf_mark(c, "DEVICES");
	return 0;
}

static int opt_userpasswd(struct ve_config *c, const char *opt, const char *v)
{
	const char *colon = strchr(v, ':');

	if (!colon || colon == v || !colon[1] || strchr(v, '\n'))
		return -EINVAL;
	if (ve_strv_push(&c->userpasswd, v) < 0)
		return -ENOMEM;
	c->changed |= VE_CHANGED_USERPASSWD;
	return 0;
}

static const struct option_desc options[] = {
    {"ram", opt_limit_bytes, NULL, 0},
    {"swap", opt_limit_bytes, NULL, 0},
    {"physpages", opt_key, "PHYSPAGES", 0},
    {"swappages", opt_key, "SWAPPAGES", 0},
    {"numproc", opt_key, "NUMPROC", 0},
    {"diskspace", opt_key, "DISKSPACE", 0},
    {"diskinodes", opt_key, "DISKINODES", 0},
    {"diskprovisioning", opt_key, "DISK_PROVISIONING", 0},
    {"cpuunits", opt_uint_range, NULL, 0},
    {"cpulimit", opt_uint_range, NULL, 0},
    {"cpus", opt_uint_range, NULL, 0},
    {"stop-timeout", opt_uint_range, NULL, 0},
    {"cpumask", opt_cpumask, NULL, 0},
    {"ioprio", opt_key, "IOPRIO", 0},
    {"iolimit", opt_key, "IOLIMIT", 1024 * 1024},
    {"iopslimit", opt_key, "IOPSLIMIT", 1},
    {"onboot", opt_key, "ONBOOT", 0},
    {"disabled", opt_key, "DISABLED", 0},
    {"name", opt_name, NULL, 0},
    {"description", opt_description, NULL, 0},
    {"hostname", opt_hostname, NULL, 0},
    {"ipadd", opt_ipadd, NULL, 0},
    {"ipdel", opt_ipdel, NULL, 0},
    {"nameserver", opt_strv_append, NULL, 0},
    {"searchdomain", opt_strv_append, NULL, 0},
    {"ipv6", opt_key, "IPV6", 0},
    {"netif_add", opt_netif_add, NULL, 0},
    {"netif_del", opt_netif_del, NULL, 0},
    {"capability", opt_accumulate, NULL, 0},
    {"devices", opt_devices, NULL, 0},
    {"features", opt_accumulate, NULL, 0},
    {"userpasswd", opt_userpasswd, NULL, 0},
};

/* Generic: the value in the key's own syntax; a unit overrides the key's default unit. */
static int opt_key(struct ve_config *c, const char *opt, const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct conf_key *k;
		uint64_t n;

		if (strcmp(options[i].name, opt))
			continue;
		k = conf_key_find(options[i].key);
		if (options[i].unit) {
			int r = ve_parse_size(v, options[i].unit, &n);
			if (r < 0)
				return r;
			*(uint64_t *)((char *)c + k->off) = n == VE_UNLIMITED ? 0 : n;
			conf_mark(c, k->name);
			return 0;
		}
		return set_key(c, k->name, v);
	}
	return -ENOENT;
}

bool ve_config_option_known(const char *option)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (!strcmp(options[i].name, option))
			return true;
	return false;
}

int ve_config_set_option(struct ve_config *c, const char *option, const char *value)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		int r;

		if (strcmp(options[i].name, option))
			continue;
		if (!value)
			return log_errno(-EINVAL, "Option --%s requires a value", option);
		r = options[i].apply(c, option, value);
		if (r == -EEXIST && !strcmp(option, "ipadd"))
			return log_errno(r, "IP address %s is already assigned to CT %s", value,
					 c->veid_str);
		if (r == -EEXIST)
			return log_errno(r, "Interface %s already exists", value);
		if (r == -ENOENT)
			return log_errno(r, "%s not found in CT %s configuration", value,
					 c->veid_str);
		if (r == -ENOMEM)
			return log_errno(r, "Out of memory");
		if (r < 0)
			return log_errno(-EINVAL, "Invalid value for --%s: %s", option, value);
		return 0;
	}
	return log_errno(-ENOENT, "Unknown option --%s", option);
}
