/*
 * Capabilities of a VE's processes (libcap). A VE root is the full root of its own userland,
 * so it keeps almost every capability; only those that act on the host kernel as a whole
 * (time, modules, raw I/O, audit, MAC policy, BPF, ...) are dropped from every set,
 * bounding set included, so no exec of a setuid or file-capability binary can get them back.
 */
#include "runtime/security.h"
#include "runtime/util.h"

#include <ctype.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

/* Dropped by default: each reaches beyond the VE's namespaces to the host. */
static const struct {
	int cap;
	const char *why;
} dropped_caps[] = {
    {CAP_SYS_MODULE, "loads code into the shared kernel"},
    {CAP_SYS_RAWIO, "raw port/memory I/O (iopl, /dev/mem, FIBMAP, SG_IO on any device)"},
    {CAP_SYS_TIME, "the real-time clock is one for the whole host"},
    {CAP_MAC_ADMIN, "changes the host's LSM (AppArmor/SELinux/Smack) policy"},
    {CAP_MAC_OVERRIDE, "bypasses the host's LSM policy"},
    {CAP_SYSLOG, "kernel log is the host's and shows kernel addresses"},
    {CAP_WAKE_ALARM, "alarms that wake the host from suspend"},
    {CAP_SYS_PACCT, "process accounting (acct) is host-wide"},
    {CAP_AUDIT_CONTROL, "changes the host's audit rules and state"},
    {CAP_AUDIT_READ, "reads the host's audit log via multicast netlink"},
    {CAP_BLOCK_SUSPEND, "blocks suspend of the host"},
    {CAP_BPF, "loads BPF programs and maps into the shared kernel"},
    {CAP_PERFMON, "perf events see the host's kernel and other VEs"},
    {CAP_CHECKPOINT_RESTORE, "set_tid, ns_last_pid, map_files: only the host's CRIU needs them"},
};

/* Highest capability the running kernel knows; libcap's build-time value as a fallback. */
static int kernel_last_cap(void)
{
	static int last = -1;
	_cleanup_free_ char *s = NULL;
	uint64_t v;

	if (last >= 0)
		return last;
	if (ve_read_file("/proc/sys/kernel/cap_last_cap", &s, NULL) >= 0) {
		s[strcspn(s, "\n")] = '\0';
		if (ve_parse_u64(s, &v) >= 0 && v < 64)
			return (last = (int)v);
	}
	/* cap_max_bits() probes the kernel when /proc is not mounted. */
	v = (uint64_t)cap_max_bits();
	last = v > 0 && v <= 64 ? (int)v - 1 : CAP_LAST_CAP;
	return last;
}

/* Bits 0..last set. */
static uint64_t caps_upto(int last)
{
	return last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

int ve_caps_from_name(const char *name)
{
	char buf[64];
	cap_value_t v;

	if (!name || !*name)
		return -EINVAL;
	/* libcap wants the "cap_" prefix; it compares case-insensitively. */
	if (strncasecmp(name, "cap_", 4) == 0)
		snprintf(buf, sizeof(buf), "%s", name);
	else if (snprintf(buf, sizeof(buf), "cap_%s", name) >= (int)sizeof(buf))
		return -EINVAL;
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	/* "cap_all" and lists are not one capability; libcap also takes plain numbers. */
	if (strchr(buf, ',') || strchr(buf, '=') || ve_streq(buf, "cap_all"))
		return -EINVAL;
	if (cap_from_name(buf, &v) < 0) {
		if (cap_from_name(name, &v) < 0)
			return -EINVAL;
	}
	if (v < 0 || v > 63)
		return -EINVAL;
	return v;
}

const char *ve_caps_to_name(int cap)
{
	static char names[64][32];
	char *s;

	if (cap < 0 || cap > 63)
		return NULL;
	if (names[cap][0])
		return names[cap];
	/* libcap prints unknown (newer than itself) capabilities as plain numbers. */
	s = cap_to_name((cap_value_t)cap);
	if (!s)
		return NULL;
	snprintf(names[cap], sizeof(names[cap]), "%s", strncmp(s, "cap_", 4) == 0 ? s + 4 : s);
	cap_free(s);
	return names[cap];
}

uint64_t ve_caps_default_mask(void)
{
	int last = kernel_last_cap();
	uint64_t mask;

	/* Capabilities newer than libcap's table are unknown to us: not granted by default. */
	if (last > CAP_LAST_CAP)
		last = CAP_LAST_CAP;
	mask = caps_upto(last);
	for (size_t i = 0; i < ARRAY_SIZE(dropped_caps); i++)
		mask &= ~(UINT64_C(1) << dropped_caps[i].cap);
	return mask;
}

uint64_t ve_caps_mask(const struct ve_sec *sec)
{
	uint64_t mask = ve_caps_default_mask();

	if (sec) {
		mask |= sec->cap_on;
		mask &= ~sec->cap_off;
	}
	/* A capability the running kernel does not have cannot be granted. */
	return mask & caps_upto(kernel_last_cap());
}

static void cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}

/* E, P and I all set to exactly mask. */
static int caps_set_proc(uint64_t mask, int last)
{
	_cleanup_(cap_freep) cap_t c = cap_init();
	static const cap_flag_t flags[] = {CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE};

	if (!c)
		return -ENOMEM;
	for (int cap = 0; cap <= last; cap++) {
		cap_value_t v = cap;

		if (!(mask & (UINT64_C(1) << cap)))
			continue;
		for (size_t f = 0; f < ARRAY_SIZE(flags); f++)
			if (cap_set_flag(c, flags[f], 1, &v, CAP_SET) < 0)
				return log_errno(neg_errno(), "cap_set_flag %d: %m", cap);
	}
	if (cap_set_proc(c) < 0)
		return log_errno(neg_errno(), "cap_set_proc: %m");
	return 0;
}

/* The permitted set of the calling process as a mask. */
static int caps_permitted(int last, uint64_t *ret)
{
	_cleanup_(cap_freep) cap_t c = cap_get_proc();
	uint64_t mask = 0;

	if (!c)
		return log_errno(neg_errno(), "cap_get_proc: %m");
	for (int cap = 0; cap <= last; cap++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(c, (cap_value_t)cap, CAP_PERMITTED, &v) >= 0 && v == CAP_SET)
			mask |= UINT64_C(1) << cap;
	}
	*ret = mask;
	return 0;
}

int ve_caps_apply(const struct ve_sec *sec)
{
	int last = kernel_last_cap();
	uint64_t mask = ve_caps_mask(sec), have = 0;
	int r;

	/* A VE cannot hold what its creator lacks (vzkit itself running confined, say). */
	if ((r = caps_permitted(last, &have)) < 0)
		return r;
	for (int cap = 0; cap <= last; cap++) {
		uint64_t bit = UINT64_C(1) << cap;

		if ((mask & bit) && !(have & bit))
			ve_log(sec && (sec->cap_on & bit) ? VE_LOG_WARN : VE_LOG_DEBUG,
			       "capability %s is not held by vzkit, not granted to the VE",
			       ve_caps_to_name(cap) ?: "?");
	}
	mask &= have;

	/*
	 * Bounding set first: dropping needs CAP_SETPCAP, which the mask may not keep. A root
	 * exec gets P' = I | bounding, so the bounding set is what actually limits the VE.
	 */
	for (int cap = 0; cap <= last; cap++) {
		if (mask & (UINT64_C(1) << cap))
			continue;
		if (cap_drop_bound((cap_value_t)cap) < 0) {
			r = neg_errno();
			/* EINVAL: the kernel lacks this capability; nothing to drop. */
			if (r != -EINVAL)
				return log_errno(r, "drop capability %s from bounding set: %m",
						 ve_caps_to_name(cap) ?: "?");
		}
	}
	if ((r = caps_set_proc(mask, last)) < 0)
		return r;
	/* Ambient capabilities would survive exec of unprivileged binaries; the VE starts clean. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return log_errno(neg_errno(), "clear ambient capabilities: %m");
	return 0;
}
