/*
 * Per-VE control groups through libcgroup, on cgroup v1, v2 or hybrid hosts (detected once
 * at run time). Each VE has one cgroup, <VE_CGROUP_PARENT>/<veid>, in every hierarchy used.
 */
#ifndef VE_CGROUP_H
#define VE_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

enum ve_cgroup_mode { VE_CGROUP_V1 = 1, VE_CGROUP_V2, VE_CGROUP_HYBRID };

struct ve_cgroup_stats {
	uint64_t numproc;    /* tasks in the VE */
	uint64_t mem_usage;  /* bytes of RAM charged */
	uint64_t swap_usage; /* bytes of swap (0 when not accounted) */
	uint64_t cpu_usec;   /* CPU time used */
};

/*
 * Detects the host's layout and initialises libcgroup; parent is VE_CGROUP_PARENT ("vz").
 * Idempotent. Returns 0, -ENODEV when no usable hierarchy exists.
 */
int ve_cgroup_init(const char *parent);
enum ve_cgroup_mode ve_cgroup_mode(void);
const char *ve_cgroup_mode_name(void);

/* Creates the VE's cgroup and applies res and the device rules. -EEXIST is not an error: a
 * leftover cgroup of a crashed start is reused after it is emptied. */
int ve_cgroup_create(unsigned veid, const struct ve_res *res, const struct ve_sec *sec);
/* Applies res (and device rules when sec != NULL) to an existing cgroup, live. */
int ve_cgroup_apply(unsigned veid, const struct ve_res *res, const struct ve_sec *sec);
/* Moves pid (all its threads) into every hierarchy of the VE's cgroup. */
int ve_cgroup_attach(unsigned veid, pid_t pid);
/*
 * A new file descriptor (O_RDONLY | O_DIRECTORY | O_CLOEXEC, caller closes) of the VE's cgroup for
 * clone3(CLONE_INTO_CGROUP), which starts a child in the cgroup without a migration. cgroup v2
 * only: -EOPNOTSUPP on v1 and hybrid hosts (use ve_cgroup_attach), -ENOENT without the cgroup.
 */
int ve_cgroup_clone_fd(unsigned veid);
/* Whether the VE's cgroup exists (1), does not (0), or negative errno. */
int ve_cgroup_exists(unsigned veid);
/* Whether pid is in the VE's cgroup (1/0). */
int ve_cgroup_has_pid(unsigned veid, pid_t pid);
/* Lists the VE's processes (host pids). Caller frees *ret. */
int ve_cgroup_pids(unsigned veid, pid_t **ret, size_t *ret_n);
/* SIGKILLs every process of the VE (freezing first on v1 so none escapes by forking) and waits
 * up to timeout_ms until the cgroup is empty. -ETIMEDOUT if processes remain. */
int ve_cgroup_kill_all(unsigned veid, unsigned timeout_ms);
/* Removes the VE's cgroup from every hierarchy; ENOENT is success. -EBUSY when not empty. */
int ve_cgroup_destroy(unsigned veid);
int ve_cgroup_stats(unsigned veid, struct ve_cgroup_stats *ret);
/* Freezes / thaws the VE (for stop and, later, checkpoint). */
int ve_cgroup_freeze(unsigned veid, bool freeze);
/*
 * Throttles the VE's I/O (IOLIMIT bytes/s, IOPSLIMIT ops/s, each for reads and for writes) on
 * the whole disk behind the filesystem holding path_on_disk (e.g. VE_PRIVATE); 0 removes that
 * limit. Errors: -ENODEV when no block device is behind path (tmpfs, overlay over one),
 * -EOPNOTSUPP without the blkio / io controller, or the errno of the write.
 */
int ve_cgroup_set_io_limit(unsigned veid, const char *path_on_disk, uint64_t bps, uint64_t iops);

/*
 * Called inside the VE's new mount namespace (after its cgroup namespace exists, before
 * pivot_root) with the path of the VE root: mounts the cgroup filesystems under
 * <root>/sys/fs/cgroup as the VE must see them (v2: cgroup2 delegated; v1: tmpfs plus one
 * mount per controller, read-only except name=systemd).
 */
int ve_cgroup_mount_in_ve(const char *root);

/* Pure value conversions (unit-tested). */
uint64_t ve_cgroup_cpuunits_to_shares(unsigned cpuunits);
uint64_t ve_cgroup_cpuunits_to_weight(unsigned cpuunits);
/* Quota in usec per period_us for CPULIMIT percent and CPUS count (0 = none): the smaller one
 * wins; returns 0 for "no cap". */
uint64_t ve_cgroup_cpu_quota(unsigned cpulimit, unsigned cpus, uint64_t period_us);
/* vzctl IOPRIO 0..7 to a BFQ weight 1..1000 (v1 blkio.bfq.weight, v2 io.bfq.weight). */
unsigned ve_cgroup_ioprio_to_weight(int ioprio);

#endif
