/* The per-VE keys of CTID.conf: how each is parsed into struct ve_config and written back. */
#include "config-internal.h"
#include "security.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#define OFF(f) offsetof(struct ve_config, f)

int conf_ip_canon(const char *s, bool with_prefix, char *out, size_t outlen)
{
	char addr[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned char buf[16];
	uint64_t prefix = 0;
	int family;

	if (len == 0 || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, buf) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		family = AF_INET6;
	else
		return -EINVAL;
	if (slash &&
	    (ve_parse_u64(slash + 1, &prefix) < 0 || prefix > (family == AF_INET ? 32 : 128)))
		return -EINVAL;
	if (!inet_ntop(family, buf, canon, sizeof(canon)))
		return -EINVAL;
	if ((size_t)snprintf(out, outlen, slash && with_prefix ? "%s/%u" : "%s", canon,
			     (unsigned)prefix) >= outlen)
		return -ENAMETOOLONG;
	return family;
}

int conf_parse_ip(const char *s, int *ret_family)
{
	char buf[INET6_ADDRSTRLEN + 8];
	int family = conf_ip_canon(s, true, buf, sizeof(buf));

	if (family < 0)
		return family;
	if (ret_family)
		*ret_family = family;
	return 0;
}

bool conf_ip_same(const char *a, const char *b)
{
	char ca[INET6_ADDRSTRLEN + 8], cb[INET6_ADDRSTRLEN + 8];

	return conf_ip_canon(a, false, ca, sizeof(ca)) > 0 &&
	       conf_ip_canon(b, false, cb, sizeof(cb)) > 0 && !strcmp(ca, cb);
}
static int parse_type(struct ve_config *c, const char *v)
{
	if (!strcmp(v, "ct") || !strcmp(v, ""))
		c->type = VE_TYPE_CT;
	else if (!strcmp(v, "vm"))
		c->type = VE_TYPE_VM;
	else
		return -EINVAL;
	return 0;
}

static char *format_type(const struct ve_config *c)
{
	return strdup(c->type == VE_TYPE_VM ? "vm" : "ct");
}

/* DISK_PROVISIONING: thin (the default) or thick; ploop's "expanded" and "plain" too. */
static int parse_provisioning(struct ve_config *c, const char *v)
{
	if (!strcmp(v, "thin") || !strcmp(v, "expanded") || !*v)
		c->fs.thick = false;
	else if (!strcmp(v, "thick") || !strcmp(v, "plain"))
		c->fs.thick = true;
	else
		return -EINVAL;
	return 0;
}

static char *format_provisioning(const struct ve_config *c)
{
	return strdup(c->fs.thick ? "thick" : "thin");
}

static int parse_ioprio(struct ve_config *c, const char *v)
{
	uint64_t n;

	if (!*v) {
		c->res.ioprio = -1;
		return 0;
	}
	if (ve_parse_u64(v, &n) < 0 || n > 7)
		return -EINVAL;
	c->res.ioprio = (int)n;
	return 0;
}

static char *format_ioprio(const struct ve_config *c)
{
	return c->res.ioprio < 0 ? strdup("") : ve_strdup_printf("%d", c->res.ioprio);
}

/* CAPABILITY="name:on name:off ..." */
static int parse_caps(struct ve_config *c, const char *v)
{
	_cleanup_strv_ char **w = ve_strv_split(v, " \t");
	uint64_t on = 0, off = 0;

	if (!w)
		return -ENOMEM;
	for (char **p = w; *p; p++) {
		char *colon = strchr(*p, ':');
		bool b;
		int cap;

		if (!colon || ve_parse_bool(colon + 1, &b) < 0)
			return -EINVAL;
		*colon = '\0';
		cap = ve_caps_from_name(*p);
		if (cap < 0 || cap > 63)
			return -EINVAL;
		if (b) {
			on |= 1ULL << cap;
			off &= ~(1ULL << cap);
		} else {
			off |= 1ULL << cap;
			on &= ~(1ULL << cap);
		}
	}
	c->sec.cap_on = on;
	c->sec.cap_off = off;
	return 0;
}

static char *format_caps(const struct ve_config *c)
{
	char buf[2048] = "";
	size_t o = 0;

	for (int cap = 0; cap < 64; cap++) {
		const char *name;
		uint64_t bit = 1ULL << cap;

		if (!((c->sec.cap_on | c->sec.cap_off) & bit) || !(name = ve_caps_to_name(cap)))
			continue;
		o += snprintf(buf + o, sizeof(buf) - o, "%s%s:%s", o ? " " : "", name,
			      c->sec.cap_on & bit ? "on" : "off");
		if (o >= sizeof(buf))
			return NULL;
	}
	return strdup(buf);
}

/* Ends an open_memstream: its text, or NULL if writing failed (ENOMEM). */
static char *memstream_close(FILE *f, char **buf)
{
	bool err = ferror(f);

	/* *buf is only final after fclose. */
	if (fclose(f) != 0 || err) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* One DEVICES entry: "c:MAJOR:MINOR:ACCESS", MINOR may be "*", ACCESS r/w/m letters or "none". */
int conf_parse_device(const char *s, struct ve_device *d)
{
	_cleanup_strv_ char **f = ve_strv_split(s, ":");
	uint64_t n;

	if (!f || ve_strv_len(f) != 4 || (strcmp(f[0], "c") && strcmp(f[0], "b")))
		return -EINVAL;
	d->type = f[0][0];
	if (ve_parse_u64(f[1], &n) < 0 || n > 4095)
		return -EINVAL;
	d->major = (int)n;
	if (!strcmp(f[2], "*"))
		d->minor = -1;
	else if (ve_parse_u64(f[2], &n) < 0 || n > 1048575)
		return -EINVAL;
	else
		d->minor = (int)n;
	d->access = 0;
	if (strcmp(f[3], "none")) {
		for (const char *p = f[3]; *p; p++) {
			if (*p == 'r')
				d->access |= VE_DEV_READ;
			else if (*p == 'w')
				d->access |= VE_DEV_WRITE;
			else if (*p == 'm' || *p == 'q')
				d->access |= VE_DEV_MKNOD;
			else
				return -EINVAL;
		}
	}
	return 0;
}

static int parse_devices(struct ve_config *c, const char *v)
{
	_cleanup_strv_ char **w = ve_strv_split(v, " \t");
	size_t n = ve_strv_len(w);
	struct ve_device *d;

	if (!w)
		return -ENOMEM;
	d = calloc(n ? n : 1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (conf_parse_device(w[i], &d[i]) < 0) {
			free(d);
			return -EINVAL;
		}
	}
	free(c->sec.devices);
	c->sec.devices = d;
	c->sec.n_devices = n;
	return 0;
}

static char *format_devices(const struct ve_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (unsigned i = 0; i < c->sec.n_devices; i++) {
		const struct ve_device *d = &c->sec.devices[i];
		char minor[16], acc[4] = "";
		int k = 0;

		snprintf(minor, sizeof(minor), d->minor < 0 ? "*" : "%d", d->minor);
		if (d->access & VE_DEV_READ)
			acc[k++] = 'r';
		if (d->access & VE_DEV_WRITE)
			acc[k++] = 'w';
		if (d->access & VE_DEV_MKNOD)
			acc[k++] = 'm';
		fprintf(f, "%s%c:%d:%s:%s", i ? " " : "", d->type, d->major, minor,
			k ? acc : "none");
	}
	return memstream_close(f, &buf);
}

/* FEATURES="nesting:on" */
/* OpenVZ features a config may carry. vzkit keeps them so such a file loads and saves
 * unchanged; they have no effect here (a VE's root is a full root of its own namespaces). */
static const char *const openvz_features[] = {"sysfs", "nfs",	"sit",	  "ipip",
					      "ppp",   "ipgre", "bridge", "nfsd"};

static bool openvz_feature(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(openvz_features); i++)
		if (strlen(openvz_features[i]) == len && !strncmp(openvz_features[i], name, len))
			return true;
	return false;
}

static int parse_features(struct ve_config *c, const char *v)
{
	_cleanup_strv_ char **w = ve_strv_split(v, " \t");
	_cleanup_strv_ char **other = calloc(1, sizeof(char *));
	bool nesting = false;

	if (!w || !other)
		return -ENOMEM;
	for (char **p = w; *p; p++) {
		char *colon = strchr(*p, ':');
		bool b;

		if (!colon || ve_parse_bool(colon + 1, &b) < 0)
			return -EINVAL;
		if (!strncmp(*p, "nesting:", 8)) {
			nesting = b;
			continue;
		}
		if (!openvz_feature(*p, colon - *p))
			return -EINVAL;
		for (char **o = other; *o; o++) /* a later "name:" replaces an earlier one */
			if (!strncmp(*o, *p, colon - *p + 1)) {
				free(*o);
				memmove(o, o + 1, (ve_strv_len(o + 1) + 1) * sizeof(char *));
				break;
			}
		if (ve_strv_push(&other, *p) < 0)
			return -ENOMEM;
	}
	c->sec.nesting = nesting;
	ve_strv_free(c->sec.features_other);
	c->sec.features_other = TAKE_PTR(other);
	return 0;
}

static char *format_features(const struct ve_config *c)
{
	size_t len = sizeof("nesting:off");
	char *s, *o;

	for (char **p = c->sec.features_other; p && *p; p++)
		len += strlen(*p) + 1;
	s = o = malloc(len);
	if (!s)
		return NULL;
	o = stpcpy(o, c->sec.nesting ? "nesting:on" : "");
	for (char **p = c->sec.features_other; p && *p; p++)
		o += sprintf(o, "%s%s", o == s ? "" : " ", *p);
	return s;
}

/* NETIF="ifname=eth0,mac=..,host_ifname=..,host_mac=..,bridge=..,mac_filter=on;ifname=eth1,.." */
static void netif_free(struct ve_netif *n)
{
	free(n->ifname);
	free(n->mac);
	free(n->host_ifname);
	free(n->host_mac);
	free(n->bridge);
}

static int netif_field(struct ve_netif *n, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char **dst = NULL;
	size_t klen;

	if (!eq)
		return -EINVAL;
	klen = eq - kv;
#define IS(k) (klen == strlen(k) && !strncmp(kv, k, klen))
	if (IS("ifname"))
		dst = &n->ifname;
	else if (IS("mac"))
		dst = &n->mac;
	else if (IS("host_ifname"))
		dst = &n->host_ifname;
	else if (IS("host_mac"))
		dst = &n->host_mac;
	else if (IS("bridge"))
		dst = &n->bridge;
	else if (IS("mac_filter"))
		return ve_parse_bool(eq + 1, &n->mac_filter);
	else
		return -EINVAL;
#undef IS
	free(*dst);
	*dst = eq[1] ? strdup(eq + 1) : NULL;
	return eq[1] && !*dst ? -ENOMEM : 0;
}

static int parse_netif(struct ve_config *c, const char *v)
{
	_cleanup_strv_ char **ifs = ve_strv_split(v, ";");
	size_t n = ve_strv_len(ifs);
	struct ve_netif *arr;
	int r = 0;

	if (!ifs)
		return -ENOMEM;
	arr = calloc(n ? n : 1, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_strv_ char **kv = ve_strv_split(ifs[i], ",");
		if (!kv)
			r = -ENOMEM;
		for (char **p = kv; r == 0 && p && *p; p++)
			r = netif_field(&arr[i], *p);
		/* Checked as --netif_add checks them: a bad line fails at load, not at start. */
		if (r == 0 && (!arr[i].ifname || !conf_ifname_valid(arr[i].ifname) ||
			       (arr[i].mac && !conf_mac_valid(arr[i].mac)) ||
			       (arr[i].host_mac && !conf_mac_valid(arr[i].host_mac)) ||
			       (arr[i].host_ifname && !conf_ifname_valid(arr[i].host_ifname)) ||
			       (arr[i].bridge && !conf_ifname_valid(arr[i].bridge))))
			r = -EINVAL;
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			netif_free(&arr[i]);
		free(arr);
		return r;
	}
	for (unsigned i = 0; i < c->net.n_netifs; i++)
		netif_free(&c->net.netifs[i]);
	free(c->net.netifs);
	c->net.netifs = arr;
	c->net.n_netifs = n;
	return 0;
}

static char *format_netif(const struct ve_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (unsigned i = 0; i < c->net.n_netifs; i++) {
		const struct ve_netif *n = &c->net.netifs[i];
		fprintf(f, "%sifname=%s", i ? ";" : "", n->ifname);
#define F(name, val)                                                                               \
	if (val)                                                                                   \
		fprintf(f, "," name "=%s", (val));
		F("mac", n->mac)
		F("host_ifname", n->host_ifname)
		F("host_mac", n->host_mac)
		F("bridge", n->bridge)
		F("mac_filter", n->mac_filter ? "on" : (const char *)NULL)
#undef F
	}
	return memstream_close(f, &buf);
}

static int parse_ips(struct ve_config *c, const char *v)
{
	_cleanup_strv_ char **w = ve_strv_split(v, " \t");

	if (!w)
		return -ENOMEM;
	for (char **p = w; *p; p++)
		if (conf_parse_ip(*p, NULL) < 0)
			return -EINVAL;
	ve_strv_free(c->net.ip_addresses);
	c->net.ip_addresses = TAKE_PTR(w);
	return 0;
}

/* LOCAL_UID / LOCAL_GID: the host id that the VE's root (id 0) maps to; the VE owns the
 * VE_ID_RANGE ids from there. Empty: no user namespace (a privileged VE). */
static int parse_idbase(struct ve_idmap *m, const char *v)
{
	uint64_t n;

	if (!*v) {
		*m = (struct ve_idmap){0};
		return 0;
	}
	if (ve_parse_u64(v, &n) < 0 || n == 0 || n + VE_ID_RANGE - 1 > UINT32_MAX - 1)
		return -EINVAL; /* 0 would map the VE's root onto the host's */
	*m = (struct ve_idmap){.inside = 0, .outside = (uint32_t)n, .count = VE_ID_RANGE};
	return 0;
}

static int parse_local_uid(struct ve_config *c, const char *v)
{
	return parse_idbase(&c->sec.uidmap, v);
}

static int parse_local_gid(struct ve_config *c, const char *v)
{
	return parse_idbase(&c->sec.gidmap, v);
}

static char *format_idbase(const struct ve_idmap *m)
{
	return m->count ? ve_strdup_printf("%u", m->outside) : strdup("");
}

static char *format_local_uid(const struct ve_config *c)
{
	return format_idbase(&c->sec.uidmap);
}

static char *format_local_gid(const struct ve_config *c)
{
	return format_idbase(&c->sec.gidmap);
}

const struct conf_key conf_keys[] = {
    {"VE_TYPE", CT_CUSTOM, 0, 0, VE_CHANGED_META, parse_type, format_type},
    {"NAME", CT_STR, OFF(name), 0, VE_CHANGED_META, NULL, NULL},
    {"DESCRIPTION", CT_STR, OFF(description), 0, VE_CHANGED_META, NULL, NULL},
    {"ONBOOT", CT_BOOL, OFF(onboot), 0, VE_CHANGED_META, NULL, NULL},
    {"DISABLED", CT_BOOL, OFF(disabled), 0, VE_CHANGED_META, NULL, NULL},
    {"STOP_TIMEOUT", CT_UINT, OFF(stop_timeout), 0, VE_CHANGED_META, NULL, NULL},
    {"OSTEMPLATE", CT_STR, OFF(fs.ostemplate), 0, VE_CHANGED_FS, NULL, NULL},
    {"OSTEMPLATE_VERSION", CT_STR, OFF(fs.ostemplate_version), 0, VE_CHANGED_FS, NULL, NULL},
    {"VE_ROOT", CT_STR, OFF(fs.root), 0, VE_CHANGED_FS, NULL, NULL},
    {"VE_PRIVATE", CT_STR, OFF(fs.private), 0, VE_CHANGED_FS, NULL, NULL},
    {"VE_LAYOUT", CT_STR, OFF(fs.layout), 0, VE_CHANGED_FS, NULL, NULL},
    {"DISKSPACE", CT_BARLIM, OFF(fs.diskspace), 1024, VE_CHANGED_FS, NULL, NULL},
    {"DISKINODES", CT_BARLIM, OFF(fs.diskinodes), 1, VE_CHANGED_FS, NULL, NULL},
    {"DISK_PROVISIONING", CT_CUSTOM, 0, 0, VE_CHANGED_FS, parse_provisioning, format_provisioning},
    {"PHYSPAGES", CT_BARLIM, OFF(res.physpages), VE_PAGE_SIZE, VE_CHANGED_RES, NULL, NULL},
    {"SWAPPAGES", CT_BARLIM, OFF(res.swappages), VE_PAGE_SIZE, VE_CHANGED_RES, NULL, NULL},
    {"NUMPROC", CT_BARLIM, OFF(res.numproc), 1, VE_CHANGED_RES, NULL, NULL},
    {"CPUUNITS", CT_UINT, OFF(res.cpuunits), 0, VE_CHANGED_RES, NULL, NULL},
    {"CPULIMIT", CT_UINT, OFF(res.cpulimit), 0, VE_CHANGED_RES, NULL, NULL},
    {"CPUS", CT_UINT, OFF(res.cpus), 0, VE_CHANGED_RES, NULL, NULL},
    {"CPUMASK", CT_STR, OFF(res.cpumask), 0, VE_CHANGED_RES, NULL, NULL},
    {"IOPRIO", CT_CUSTOM, 0, 0, VE_CHANGED_RES, parse_ioprio, format_ioprio},
    {"IOLIMIT", CT_U64, OFF(res.iolimit), 1, VE_CHANGED_RES, NULL, NULL},
    {"IOPSLIMIT", CT_U64, OFF(res.iopslimit), 1, VE_CHANGED_RES, NULL, NULL},
    {"CAPABILITY", CT_CUSTOM, 0, 0, VE_CHANGED_SEC, parse_caps, format_caps},
    {"DEVICES", CT_CUSTOM, 0, 0, VE_CHANGED_DEVICES, parse_devices, format_devices},
    {"FEATURES", CT_CUSTOM, 0, 0, VE_CHANGED_SEC, parse_features, format_features},
    {"LOCAL_UID", CT_CUSTOM, 0, 0, VE_CHANGED_SEC, parse_local_uid, format_local_uid},
    {"LOCAL_GID", CT_CUSTOM, 0, 0, VE_CHANGED_SEC, parse_local_gid, format_local_gid},
    {"HOSTNAME", CT_STR, OFF(net.hostname), 0, VE_CHANGED_HOSTNAME, NULL, NULL},
    {"IP_ADDRESS", CT_CUSTOM, OFF(net.ip_addresses), 0, VE_CHANGED_NET, parse_ips, NULL},
    {"NETIF", CT_CUSTOM, 0, 0, VE_CHANGED_NET, parse_netif, format_netif},
    {"NAMESERVER", CT_STRV, OFF(net.nameservers), 0, VE_CHANGED_HOSTNAME, NULL, NULL},
    {"SEARCHDOMAIN", CT_STRV, OFF(net.searchdomains), 0, VE_CHANGED_HOSTNAME, NULL, NULL},
    {"IPV6", CT_BOOL, OFF(net.ipv6), 0, VE_CHANGED_NET, NULL, NULL},
};
const size_t conf_n_keys = ARRAY_SIZE(conf_keys);

const struct conf_key *conf_key_find(const char *name)
{
	for (size_t i = 0; i < conf_n_keys; i++)
		if (!strcmp(conf_keys[i].name, name))
			return &conf_keys[i];
	return NULL;
}

void conf_mark(struct ve_config *c, const char *key)
{
	const struct conf_key *k = conf_key_find(key);

	if (k && c->file)
		c->file->dirty |= 1ULL << (k - conf_keys);
	if (k)
		c->changed |= k->changed;
}

void ve_config_mark(struct ve_config *c, const char *key)
{
	conf_mark(c, key);
}

static int parse_uint(const char *v, unsigned *ret)
{
	uint64_t n;
	int r = ve_parse_u64(v, &n);

	if (r < 0)
		return r;
	if (n > UINT32_MAX)
		return -ERANGE;
	*ret = (unsigned)n;
	return 0;
}

int conf_key_parse(struct ve_config *c, const struct conf_key *k, const char *v)
{
	void *p = (char *)c + k->off;

	switch (k->type) {
	case CT_STR: {
		char *s = *v ? strdup(v) : NULL;
		if (*v && !s)
			return -ENOMEM;
		free(*(char **)p);
		*(char **)p = s;
		return 0;
	}
	case CT_BOOL:
		return ve_parse_bool(v, (bool *)p);
	case CT_UINT:
		return *v ? parse_uint(v, (unsigned *)p) : (*(unsigned *)p = 0, 0);
	case CT_U64:
		return *v ? ve_parse_size(v, k->unit, (uint64_t *)p) : (*(uint64_t *)p = 0, 0);
	case CT_BARLIM:
		return ve_parse_barlim(v, k->unit, (struct ve_barlim *)p);
	case CT_STRV: {
		char **w = ve_strv_split(v, " \t");
		if (!w)
			return -ENOMEM;
		ve_strv_free(*(char ***)p);
		*(char ***)p = w;
		return 0;
	}
	case CT_CUSTOM:
		return k->parse(c, v);
	}
	return -EINVAL;
}

static char *strv_join(char *const *v)
{
	size_t len = 1;
	char *s, *o;

	for (char *const *p = v; p && *p; p++)
		len += strlen(*p) + 1;
	s = o = malloc(len);
	if (!s)
		return NULL;
	*o = '\0';
	for (char *const *p = v; p && *p; p++)
		o += sprintf(o, "%s%s", p == v ? "" : " ", *p);
	return s;
}

char *conf_key_format(const struct ve_config *c, const struct conf_key *k)
{
	const void *p = (const char *)c + k->off;

	switch (k->type) {
	case CT_STR:
		return strdup(*(char *const *)p ? *(char *const *)p : "");
	case CT_BOOL:
		return strdup(*(const bool *)p ? "yes" : "no");
	case CT_UINT:
		return ve_strdup_printf("%u", *(const unsigned *)p);
	case CT_U64:
		return ve_format_size(*(const uint64_t *)p);
	case CT_BARLIM:
		return ve_format_barlim((const struct ve_barlim *)p);
	case CT_STRV:
		return strv_join(*(char **const *)p);
	case CT_CUSTOM:
		return k->format ? k->format(c) : strv_join(*(char **const *)p);
	}
	return NULL;
}

void conf_defaults(struct ve_config *c, const struct ve_global *g)
{
	const struct ve_barlim unl = {VE_UNLIMITED, VE_UNLIMITED};

	c->global = g;
	c->res.physpages = c->res.swappages = c->res.numproc = unl;
	c->fs.diskspace = c->fs.diskinodes = unl;
	c->res.cpuunits = 1000;
	c->res.ioprio = -1;
	c->net.ipv6 = true;
	c->stop_timeout = g ? g->stop_timeout : 60;
}

void conf_free_fields(struct ve_config *c)
{
	for (size_t i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (k->type == CT_STR)
			free(*(char **)((char *)c + k->off));
		else if (k->type == CT_STRV)
			ve_strv_free(*(char ***)((char *)c + k->off));
	}
	ve_strv_free(c->net.ip_addresses);
	for (unsigned i = 0; i < c->net.n_netifs; i++)
		netif_free(&c->net.netifs[i]);
	free(c->net.netifs);
	free(c->sec.devices);
	ve_strv_free(c->sec.features_other);
	ve_strv_free(c->userpasswd);
}
