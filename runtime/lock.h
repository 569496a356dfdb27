/* One lock per VE: LOCKDIR/<veid>.lck, an flock() held for the command's life. */
#ifndef VE_LOCK_H
#define VE_LOCK_H

#include <stdbool.h>

#include "config.h"

/*
 * Takes the VE's lock. Without wait, returns -EAGAIN at once when another command holds it;
 * with wait, blocks until it is free. The lock file records the holder's pid and command.
 * Returns the lock's fd (>= 0; close it with ve_lock_release) or negative errno.
 */
int ve_lock_acquire(const struct ve_global *g, unsigned veid, const char *what, bool wait);
void ve_lock_release(int fd);
/* Host-wide lock (LOCKDIR/vzkit.lck) for allocations shared by all VEs, such as id ranges.
 * Always waits. Returns the fd or negative errno. */
int ve_lock_acquire_global(const struct ve_global *g);

#endif
