/* Private to the cgroup subsystem: the v1/v2 ops table, the detected layout, shared helpers. */
#ifndef VE_CGROUP_INTERNAL_H
#define VE_CGROUP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <libcgroup.h>

#include "runtime/cgroup.h"
#include "runtime/config.h"

#define VCG_ROOT	  "/sys/fs/cgroup"
#define VCG_MAX_HIER	  16
#define VCG_MAX_V2_CTRL	  8
#define VCG_CPU_PERIOD_US 100000ULL

/* One mounted v1 hierarchy (or the single v2 one). */
struct vcg_hier {
	char mnt[128];	/* host mount point, e.g. /sys/fs/cgroup/cpu,cpuacct */
	char name[64];	/* directory under /sys/fs/cgroup inside the VE: basename of mnt */
	char opts[128]; /* mount data for the VE: "cpu,cpuacct" or "none,name=systemd" */
	char ctl[32];	/* one controller naming it for libcgroup; "" for a named hierarchy */
	bool named;	/* name=... hierarchy: libcgroup 2.0 does not know these */
};

struct vcg_state {
	bool ready;
	enum ve_cgroup_mode mode;
	char parent[64]; /* relative to each hierarchy root, no leading '/' */
	bool parent_ready;
	bool lib_ready; /* cgroup_init() done (vcg_lib_init) */
	/* v1 (and hybrid): every cgroup v1 hierarchy mounted on the host */
	struct vcg_hier hier[VCG_MAX_HIER];
	unsigned n_hier;
	/* index into hier[] of the hierarchies with special duties, -1 when absent */
	int h_cpu, h_cpuacct, h_cpuset, h_memory, h_devices, h_freezer, h_blkio, h_pids, h_systemd;
	/* v2: the controllers of the root this subsystem uses, for subtree_control and libcgroup */
	char v2_ctrl[VCG_MAX_V2_CTRL][16];
	unsigned n_v2_ctrl;
};

extern struct vcg_state vcg;

struct cgroup_ops {
	const char *name;
	/* Fills the hierarchy part of vcg; called once from ve_cgroup_init. */
	int (*detect)(void);
	/* Creates <parent> in every hierarchy (called at most once per process on success). */
	int (*create_parent)(void);
	/* Creates the (empty) VE cgroup; 0 also when it existed. */
	int (*create)(unsigned veid);
	int (*apply_res)(unsigned veid, const struct ve_res *res);
	int (*apply_devices)(unsigned veid, const struct ve_sec *sec);
	/* Hands the cgroup dirs a VE-root owned process must write to over to uid/gid. */
	int (*delegate)(unsigned veid, uid_t uid, gid_t gid);
	int (*attach)(unsigned veid, pid_t pid);
	/* Every process in the VE's subtree; caller frees *ret. */
	int (*pids)(unsigned veid, pid_t **ret, size_t *ret_n);
	int (*kill_all)(unsigned veid, unsigned timeout_ms);
	int (*freeze)(unsigned veid, bool freeze);
	int (*destroy)(unsigned veid);
	int (*stats)(unsigned veid, struct ve_cgroup_stats *ret);
	int (*mount_in_ve)(const char *root);
	/* Per-device throttle of the whole disk dev; 0 removes a limit. */
	int (*set_io_limit)(unsigned veid, dev_t dev, uint64_t bps, uint64_t iops);
};

extern const struct cgroup_ops vcg_v1_ops;
extern const struct cgroup_ops vcg_v2_ops;

/* libcgroup's ECG* codes (and 0) to 0 / negative errno. */
int vcg_errno(int cgret);
void vcg_cgroup_freep(struct cgroup **cg);
/*
 * libcgroup is initialised on first use, by the operations that go through it (creating the
 * parent hierarchy, attaching another process): its
 * cgroup_init() zeroes 1.2 MB of tables and parses the mount table, 0.4-0.9 ms and ~300 page
 * faults per command, which the per-VE start and stop path does without.
 */
int vcg_lib_init(void);
/* Writes name/value pairs, in order, to the VE's cgroup in the hierarchy mounted at mnt; empty
 * values are skipped. The per-VE files are plain writes: see vcg_lib_init for why. */
int vcg_modify(unsigned veid, const char *mnt, const char *const *kv, size_t n);
/* Creates the VE's cgroup in the hierarchy mounted at mnt; EEXIST is success. */
int vcg_mkdir(unsigned veid, const char *mnt);
/* "<parent>/<veid>" into buf (at least 96 bytes). */
char *vcg_rel(char *buf, size_t size, unsigned veid);
/* "<mnt>/<parent>/<veid>[/<file>]" into buf; file may be NULL. */
char *vcg_path(char *buf, size_t size, const char *mnt, unsigned veid, const char *file);
/* cgroup-v2-dev.c: loads the VE's device policy as a BPF program and attaches it to
 * cgroup_dir, replacing the device programs attached there before. */
int vcg_v2_devices_apply(const char *cgroup_dir, const struct ve_sec *sec);

/* Direct file access for what libcgroup cannot express (see the callers for why). */
int vcg_write(const char *dir, const char *file, const char *value);
int vcg_read_u64(const char *dir, const char *file, uint64_t *ret);
/* Reads the first line of dir/file, without the newline, into buf. */
int vcg_read_line(const char *dir, const char *file, char *buf, size_t size);
/*
 * vcg_modify for the values that differ from the VE's current ones (single-line values). For
 * the files whose write walks every sibling or task group: cpuset.cpus and .mems
 * (validate_change(), 0.6 ms each with 1,000 VEs), the CFS period and quota
 * (__cfs_schedulable()).
 */
int vcg_modify_changed(unsigned veid, const char *mnt, const char *const *kv, size_t n);
/* Value of "key N" in a flat keyed file (cpu.stat, cgroup.events). */
int vcg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret);

/* Appends the pids listed in dir/cgroup.procs. */
int vcg_read_procs(const char *dir, pid_t **pids, size_t *n);
/* Every process in the VE's cgroup under mnt and its descendants, from their cgroup.procs
 * files. -ENOENT without the cgroup. */
int vcg_collect_procs(const char *mnt, unsigned veid, pid_t **ret, size_t *ret_n);
/* Calls fn on dir and every cgroup below it, children before parents when post. */
int vcg_walk(const char *dir, bool post, int (*fn)(const char *dir, void *data), void *data);
/* rmdir of dir and every cgroup below it, children first; ENOENT is success. */
int vcg_rmdir_tree(const char *dir);
/* Kills every pid in the list with SIGKILL; ESRCH is ignored. */
void vcg_kill_pids(const pid_t *pids, size_t n);
/* Waits up to timeout_ms until the listed processes (at most the first 64) have exited, woken
 * by their pidfds instead of polling the cgroup. Returns 0, or -ETIMEDOUT. */
int vcg_wait_pids_exit(const pid_t *pids, size_t n, unsigned timeout_ms);
/* Waits up to timeout_ms until dir/cgroup.events (v2) says "key want"; woken by the kernel's
 * notification of the file (POLLPRI), not by polling. 0 also when the cgroup is gone. */
int vcg_wait_event(const char *dir, const char *key, uint64_t want, unsigned timeout_ms);

/* Fork-safe (no heap) helpers for ve_cgroup_mount_in_ve. */
/* Opens root/rel as an O_PATH directory without following any symlink, creating missing
 * components with mode 0755. Returns the fd or negative errno. */
int vcg_open_dir_nofollow(const char *root, const char *rel);
/* mount(2) onto an fd from vcg_open_dir_nofollow (through /proc/self/fd). */
int vcg_mount_fd(const char *src, int fd, const char *fstype, unsigned long flags,
		 const char *data);

#endif
