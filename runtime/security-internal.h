/* Private declarations of the capabilities and seccomp module. */
#ifndef VE_SECURITY_INTERNAL_H
#define VE_SECURITY_INTERNAL_H

#include "runtime/security.h"

/*
 * Optional: compiles the filter for sec in the calling process and keeps the BPF program, so
 * that ve_seccomp_apply() with an equal sec (same nesting flag and capability mask) in a forked
 * child only loads it: no libseccomp work and no malloc between fork and exec. Without it,
 * ve_seccomp_apply() builds the filter itself. Returns 0, -ENOMEM, or another negative errno.
 */
int ve_seccomp_prepare(const struct ve_sec *sec);

#endif
