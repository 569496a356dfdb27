/*
 * Capabilities (libcap) and the seccomp filter (libseccomp) that a VE's processes run with.
 * Both are applied by a process about to exec inside the VE: init at start, and every
 * process vzctl exec/enter puts there.
 */
#ifndef VE_SECURITY_H
#define VE_SECURITY_H

#include <stdint.h>

#include "config.h"

/* Capability number for a name such as "sys_time" or "CAP_SYS_TIME"; -EINVAL if unknown. */
int ve_caps_from_name(const char *name);
/* Lower-case name without the CAP_ prefix, or NULL. Static storage. */
const char *ve_caps_to_name(int cap);
/* The default mask of capabilities a VE keeps (bit = CAP_*). */
uint64_t ve_caps_default_mask(void);
/* Effective mask for a VE: default, with sec->cap_on added and sec->cap_off removed. */
uint64_t ve_caps_mask(const struct ve_sec *sec);
/*
 * Drops every capability not in ve_caps_mask(sec) from the bounding set, and sets the
 * effective, permitted and inheritable sets to the mask, clears ambient. Run as root before
 * exec. Returns 0 or negative errno.
 */
int ve_caps_apply(const struct ve_sec *sec);

/*
 * Loads the VE's seccomp filter into the calling process (it applies across exec; no_new_privs
 * is not needed as the caller holds CAP_SYS_ADMIN). Blocked syscalls return EPERM; with
 * sec->nesting off, unshare/clone with nested uts/ipc/pid/user/cgroup/time flags return EPERM
 * and clone3 ENOSYS (so libc falls back to clone). Returns 0 or negative errno.
 */
int ve_seccomp_apply(const struct ve_sec *sec);

/*
 * Optional: compiles the filter for sec in the calling process and keeps the BPF program, so
 * that ve_seccomp_apply() with an equal sec in a forked child only loads it: no libseccomp work
 * and no malloc between fork and exec. With cache_dir (root's, e.g. VE_RUNDIR), the program
 * is kept there too, in a file named after this binary's build id and sec's inputs, and later
 * commands read it instead of compiling (libseccomp: ~0.5 ms of CPU). Returns 0, -ENOMEM, or
 * another negative errno.
 */
int ve_seccomp_prepare(const struct ve_sec *sec, const char *cache_dir);

#endif
