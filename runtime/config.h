/*
 * Configuration: the global vz.conf and per-VE CTID.conf in vzctl's KEY="value" format,
 * parsed and validated here into plain structs, one sub-struct per subsystem.
 */
#ifndef VE_CONFIG_H
#define VE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define VE_UNLIMITED UINT64_MAX
#define VE_NAME_MAX  64
#define VE_PAGE_SIZE 4096ULL
#define VE_ID_RANGE  65536U  /* ids of one unprivileged VE's user namespace */
#define VE_ID_BASE   100000U /* where the VEs' id ranges start on the host */

/* A vzctl barrier:limit pair, in the key's unit (bytes, or a count). */
struct ve_barlim {
	uint64_t barrier;
	uint64_t limit;
};

/* Paths and defaults from vz.conf; every path may hold $VEID. */
struct ve_global {
	char *confdir;	       /* /etc/vz or $VZ_CONFDIR */
	char *ve_root;	       /* VE_ROOT */
	char *ve_private;      /* VE_PRIVATE */
	char *template_dir;    /* TEMPLATE */
	char *lockdir;	       /* LOCKDIR */
	char *dumpdir;	       /* DUMPDIR */
	char *rundir;	       /* VE_RUNDIR: pid files, volatile state */
	char *logfile;	       /* LOGFILE */
	char *dist_dir;	       /* DIST_DIR: templates/<distro>/ recipes and scripts */
	char *def_ostemplate;  /* DEF_OSTEMPLATE */
	char *configfile;      /* CONFIGFILE: sample used by create */
	char *bridge;	       /* VE_BRIDGE: default bridge for veth NETIFs */
	char *cgroup_parent;   /* VE_CGROUP_PARENT: parent cgroup of all VEs */
	char *ve_layout;       /* VE_LAYOUT: storage layout of new VEs, "" = by probing */
	char *neighbour_devs;  /* NEIGHBOUR_DEVS: uplinks for proxy ARP/NDP, "" = none */
	char *pool_image;      /* POOL_IMAGE: the "pool" layout's XFS image file */
	char *pool_dir;	       /* POOL_DIR: where that image is mounted */
	uint64_t pool_size;    /* POOL_SIZE, bytes; 0 = no pool configured */
	uint64_t quotatime;    /* QUOTATIME: grace period of soft disk limits, seconds */
	bool logging;	       /* LOGGING */
	bool bridge_create;    /* VE_BRIDGE_CREATE: make a missing bridge (default yes) */
	bool bridge_querier;   /* VE_BRIDGE_MCAST_QUERIER: a bridge we make queries (default no) */
	bool mcast_legacy;     /* VE_MCAST_LEGACY_REPORTS: VEs report with MLDv1/IGMPv2 */
	int loglevel;	       /* LOG_LEVEL */
	unsigned stop_timeout; /* STOP_TIMEOUT, seconds */

	/* Pool monitoring (fs/pool-status.c). */
	unsigned pool_warn_used;     /* POOL_WARN_USED: percent of the pool used, 0 = off */
	double pool_warn_overcommit; /* POOL_WARN_OVERCOMMIT: sum of limits / size, 0 = off */
	uint64_t pool_min_free;	     /* POOL_MIN_FREE, bytes: allocations refused below it */
};

/* Resource limits; VE_UNLIMITED where unset. */
struct ve_res {
	struct ve_barlim physpages; /* bytes */
	struct ve_barlim swappages; /* bytes */
	struct ve_barlim numproc;
	unsigned cpuunits;  /* vzctl CPUUNITS, 8..500000, default 1000 */
	unsigned cpulimit;  /* percent of one CPU, 0 = none */
	unsigned cpus;	    /* 0 = all */
	char *cpumask;	    /* cpuset list, NULL = all */
	int ioprio;	    /* 0..7, -1 = unset */
	uint64_t iolimit;   /* bytes/s, 0 = none */
	uint64_t iopslimit; /* ops/s, 0 = none */
};

struct ve_idmap {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

struct ve_fs {
	char *root;		    /* VE_ROOT, $VEID expanded */
	char *private;		    /* VE_PRIVATE, $VEID expanded */
	char *ostemplate;	    /* OSTEMPLATE */
	char *ostemplate_version;   /* OSTEMPLATE_VERSION: the template cache in use */
	char *layout;		    /* VE_LAYOUT: storage backend name */
	struct ve_barlim diskspace; /* bytes */
	struct ve_barlim diskinodes;
	bool thick; /* DISK_PROVISIONING=thick: the disk is preallocated (image layout) */
	struct ve_idmap uidmap; /* copies of the VE's id maps, for an idmapped template layer */
	struct ve_idmap gidmap;
	unsigned veid;			/* the project id on the quota layouts */
	const struct ve_global *global; /* pool and QUOTATIME settings; may be NULL */
};

enum ve_dev_type { VE_DEV_CHAR = 'c', VE_DEV_BLOCK = 'b' };
#define VE_DEV_READ  1
#define VE_DEV_WRITE 2
#define VE_DEV_MKNOD 4

struct ve_device {
	char type;	 /* 'c' or 'b' */
	int major;	 /* -1 = any */
	int minor;	 /* -1 = any */
	unsigned access; /* VE_DEV_* bits; 0 = denied */
};

struct ve_sec {
	uint64_t cap_on;  /* capabilities forced on (bit = CAP_*) */
	uint64_t cap_off; /* capabilities forced off */
	struct ve_device *devices;
	unsigned n_devices;
	bool nesting;		/* FEATURES nesting:on; not migratable */
	char **features_other;	/* OpenVZ FEATURES kept as written ("nfs:on"); no effect */
	bool privileged;	/* no user namespace: derived, uidmap.count == 0 */
	struct ve_idmap uidmap; /* count 0 = none */
	struct ve_idmap gidmap;
};

struct ve_netif {
	char *ifname; /* inside the VE */
	char *mac;
	char *host_ifname;
	char *host_mac;
	char *bridge;
	bool mac_filter;
};

struct ve_net {
	char *hostname;
	char **ip_addresses; /* IP_ADDRESS, "addr[/prefix]" */
	struct ve_netif *netifs;
	unsigned n_netifs;
	char **nameservers;
	char **searchdomains;
	bool ipv6; /* IPV6: IPv6 inside the VE (default yes) */
};

enum ve_type { VE_TYPE_CT = 0, VE_TYPE_VM = 1 };

/* Which sub-structs a set changed, so a running VE applies only those. */
enum {
	VE_CHANGED_RES = 1 << 0,
	VE_CHANGED_NET = 1 << 1,
	VE_CHANGED_HOSTNAME = 1 << 2,
	VE_CHANGED_SEC = 1 << 3,
	VE_CHANGED_FS = 1 << 4,
	VE_CHANGED_META = 1 << 5,
	VE_CHANGED_USERPASSWD = 1 << 6,
	VE_CHANGED_DEVICES = 1 << 7,
};

struct ve_conf_file; /* private: the file's lines, for writing back */

struct ve_config {
	unsigned veid;
	char veid_str[16];
	enum ve_type type;
	char *name;
	char *description;
	bool onboot;
	bool disabled;
	unsigned stop_timeout; /* seconds */
	struct ve_fs fs;
	struct ve_res res;
	struct ve_sec sec;
	struct ve_net net;
	char **userpasswd; /* pending user:password pairs, never saved */
	unsigned changed;  /* VE_CHANGED_* since load */
	const struct ve_global *global;
	struct ve_conf_file *file;
	char *path; /* conf/CTID.conf */
};

/* Validates a numeric CTID string. Returns 0 or -EINVAL. */
int ve_config_parse_veid(const char *s, unsigned *ret);
/* Validates a VE name: [A-Za-z0-9._-], 1..VE_NAME_MAX, not all digits. */
bool ve_config_name_valid(const char *name);

/*
 * Loads vz.conf from $VZ_CONFDIR or /etc/vz. A missing file gives built-in defaults only
 * when allow_missing; otherwise -ENOENT. Caller owns *ret (ve_global_free).
 * Errors: -ENOENT, -EINVAL (malformed line, logged with file and line), -ENOMEM.
 */
int ve_global_load(bool allow_missing, struct ve_global **ret);
void ve_global_free(struct ve_global *g);
/* Expands $VEID (and ${VEID}) in s. Returns a new string or NULL. */
char *ve_global_expand(const char *s, unsigned veid);

/*
 * Loads conf/CTID.conf over the built-in defaults. -ENOENT if the VE has no config.
 * The config keeps a pointer to g; g must outlive it. Caller owns *ret (ve_config_free).
 */
int ve_config_load(const struct ve_global *g, unsigned veid, struct ve_config **ret);
/* A fresh config for a new VE: defaults, then the sample file named by sample (may be NULL). */
int ve_config_new(const struct ve_global *g, unsigned veid, const char *sample,
		  struct ve_config **ret);
/* Parses config text (for tests and fuzzing); path is used in messages only. */
int ve_config_parse(const struct ve_global *g, unsigned veid, const char *path, const char *text,
		    struct ve_config **ret);
void ve_config_free(struct ve_config *c);

/*
 * Applies one vzctl option (name without dashes, e.g. "ram", "hostname", "ipadd") with its
 * value to the config, validating it. Returns 0, -EINVAL (bad value, logged), -ENOENT
 * (unknown option), -EEXIST (e.g. IP already set).
 */
int ve_config_set_option(struct ve_config *c, const char *option, const char *value);
/* Whether option takes no value (e.g. "ipdel all" takes one, "save" is not an option). */
bool ve_config_option_known(const char *option);

/* Marks KEY (e.g. "OSTEMPLATE") as changed, so that the next save writes it. */
void ve_config_mark(struct ve_config *c, const char *key);

/* Writes the config to c->path atomically, keeping comments, order and unknown keys. */
int ve_config_save(struct ve_config *c);
/* The config file text as it would be saved (caller frees). */
char *ve_config_format(struct ve_config *c);

/* Finds the VE with NAME=name. Returns 0 and *ret, -ENOENT, or another negative errno. */
int ve_config_find_name(const struct ve_global *g, const char *name, unsigned *ret);
/* Finds a VE other than skip whose KEY holds word (as a whole space-separated word). */
int ve_config_find_value(const struct ve_global *g, const char *key, const char *word,
			 unsigned skip, unsigned *ret);
/* Finds a VE other than skip that has addr in IP_ADDRESS, however either is spelled. */
int ve_config_find_ip(const struct ve_global *g, const char *addr, unsigned skip, unsigned *ret);
/*
 * Gives c a free VE_ID_RANGE-sized range of host ids (LOCAL_UID/LOCAL_GID), the lowest not used
 * by another VE. The caller holds ve_lock_acquire_global() until the config is saved.
 */
int ve_config_alloc_ids(struct ve_config *c);
/* Lists the VEs that have a config, sorted. Caller frees *ret. */
int ve_config_list(const struct ve_global *g, unsigned **ret, unsigned *ret_n);

/* Value conversions, shared with the CLI and vzlist. */
/* "512M", "1G", "100" (unit-less: default_unit bytes), "unlimited". */
int ve_parse_size(const char *s, uint64_t default_unit, uint64_t *ret);
/* "b:l" or "v" (barrier = limit = v), each a size in default_unit. */
int ve_parse_barlim(const char *s, uint64_t default_unit, struct ve_barlim *ret);
/* Formats bytes as vzctl writes them: "unlimited", or a number with K/M/G/T when exact. */
char *ve_format_size(uint64_t bytes);
char *ve_format_barlim(const struct ve_barlim *bl);
int ve_parse_bool(const char *s, bool *ret); /* yes/no, on/off, true/false, 1/0 */

#endif
