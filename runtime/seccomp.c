/*
 * The seccomp filter of a VE (libseccomp). Default allow: a VE is a full Linux userland and
 * its root keeps CAP_SYS_ADMIN, so the filter only closes what namespaces and the dropped
 * capabilities do not: syscalls that act on the host kernel as a whole, big attack surfaces,
 * and state CRIU cannot checkpoint (nested namespaces, io_uring, seccomp listeners).
 */
#include "runtime/security.h"
#include "runtime/util.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NO_CAP (-1)

/*
 * Always EPERM, unless the VE was explicitly granted cap (cap_on), which then re-opens the
 * syscalls that only that capability guards.
 */
static const struct {
	const char *name;
	int cap;
	const char *why;
} blocked_syscalls[] = {
    {"kexec_load", NO_CAP, "replaces the host kernel"},
    {"kexec_file_load", NO_CAP, "replaces the host kernel"},
    {"init_module", CAP_SYS_MODULE, "loads code into the shared kernel"},
    {"finit_module", CAP_SYS_MODULE, "loads code into the shared kernel"},
    {"delete_module", CAP_SYS_MODULE, "unloads modules the host uses"},
    {"create_module", NO_CAP, "obsolete module interface"},
    {"get_kernel_syms", NO_CAP, "obsolete module interface"},
    {"query_module", NO_CAP, "obsolete module interface"},
    /* Any inode of the host's filesystems by handle, bypassing the VE root (shocker). */
    {"open_by_handle_at", NO_CAP, "opens host files by handle, escaping the VE root"},
    {"bpf", CAP_BPF, "programs and maps in the shared kernel; large attack surface"},
    {"perf_event_open", CAP_PERFMON, "observes the host kernel and other VEs"},
    {"add_key", NO_CAP, "kernel keyrings are not namespaced"},
    {"keyctl", NO_CAP, "kernel keyrings are not namespaced"},
    {"request_key", NO_CAP, "kernel keyrings are not namespaced; may run host upcalls"},
    {"iopl", CAP_SYS_RAWIO, "raw access to the host's I/O ports"},
    {"ioperm", CAP_SYS_RAWIO, "raw access to the host's I/O ports"},
    {"swapon", NO_CAP, "swap is the host's (CAP_SYS_ADMIN, which the VE keeps)"},
    {"swapoff", NO_CAP, "swap is the host's (CAP_SYS_ADMIN, which the VE keeps)"},
    {"acct", CAP_SYS_PACCT, "process accounting is host-wide"},
    {"settimeofday", CAP_SYS_TIME, "the real-time clock is the host's"},
    {"stime", CAP_SYS_TIME, "the real-time clock is the host's (i386)"},
    {"clock_settime", CAP_SYS_TIME, "the real-time clock is the host's"},
    {"clock_settime64", CAP_SYS_TIME, "the real-time clock is the host's (i386)"},
    {"syslog", CAP_SYSLOG, "the kernel log is the host's (readable without caps)"},
    {"lookup_dcookie", NO_CAP, "oprofile leftover; needs CAP_SYS_ADMIN, host paths"},
    {"userfaultfd", NO_CAP, "stalls kernel page faults: exploit primitive"},
    {"io_uring_setup", NO_CAP, "CRIU cannot checkpoint io_uring; large attack surface"},
    {"io_uring_enter", NO_CAP, "CRIU cannot checkpoint io_uring; large attack surface"},
    {"io_uring_register", NO_CAP, "CRIU cannot checkpoint io_uring; large attack surface"},
    {"vm86", NO_CAP, "virtual 8086 mode, old attack surface (i386)"},
    {"vm86old", NO_CAP, "virtual 8086 mode, old attack surface (i386)"},
    {"nfsservctl", NO_CAP, "removed kernel NFS daemon interface"},
    {"uselib", NO_CAP, "obsolete a.out loader, old attack surface"},
    {"_sysctl", NO_CAP, "obsolete binary sysctl, bypasses /proc/sys restrictions"},
};

/*
 * Deliberately allowed: adjtimex and clock_adjtime (glibc's ntp_adjtime and systemd read the
 * clock state through them with modes 0, which lives in memory where seccomp cannot look;
 * setting needs the dropped CAP_SYS_TIME), name_to_handle_at (systemd's mount-point test; a
 * handle is useless without open_by_handle_at), quotactl, mount_setattr, fsopen/fsmount,
 * pivot_root, kcmp and process_vm_readv (systemd, CRIU), personality (affects the caller only).
 */

/* Namespace types a VE may not nest unless FEATURES nesting:on (CRIU cannot dump them). */
static const uint64_t nested_ns_flags[] = {
    CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWCGROUP,
};
/* Only unshare(2) and setns(2): for clone(2) 0x80 is part of CSIGNAL, the exit signal. */
#define NESTED_NS_NOT_CLONE CLONE_NEWTIME

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int rule_add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n_cmp,
		    const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	/* A syscall libseccomp does not know on any of our arches cannot be called either. */
	if (nr == __NR_SCMP_ERROR) {
		log_debug("seccomp: syscall %s unknown to libseccomp, not filtered", name);
		return 0;
	}
	r = seccomp_rule_add_array(ctx, action, nr, n_cmp, cmp);
	if (r < 0)
		return log_errno(r, "seccomp rule for %s: %m", name);
	return 0;
}

/* Arch of the running kernel plus its compat arches, so a 32-bit syscall cannot bypass. */
static int add_arches(scmp_filter_ctx ctx)
{
	static const uint32_t x86_64_compat[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
	static const uint32_t aarch64_compat[] = {SCMP_ARCH_ARM};
	uint32_t native = seccomp_arch_native();
	const uint32_t *compat = NULL;
	size_t n = 0;

	if (native == SCMP_ARCH_X86_64) {
		compat = x86_64_compat;
		n = ARRAY_SIZE(x86_64_compat);
	} else if (native == SCMP_ARCH_AARCH64) {
		compat = aarch64_compat;
		n = ARRAY_SIZE(aarch64_compat);
	}
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_arch_add(ctx, compat[i]);
		if (r < 0 && r != -EEXIST)
			return log_errno(r, "seccomp: add arch 0x%x: %m", compat[i]);
	}
	return 0;
}

/* clone(2) and unshare(2) with nested namespace flags, setns(2) into such types: EPERM. */
static int add_nesting_rules(scmp_filter_ctx ctx)
{
	/* s390 swaps clone's first two arguments. */
	uint32_t arch = seccomp_arch_native();
	unsigned clone_arg = arch == SCMP_ARCH_S390X || arch == SCMP_ARCH_S390 ? 1 : 0;
	int r;

	for (size_t i = 0; i <= ARRAY_SIZE(nested_ns_flags); i++) {
		bool clone_too = i < ARRAY_SIZE(nested_ns_flags);
		uint64_t f = clone_too ? nested_ns_flags[i] : NESTED_NS_NOT_CLONE;
		struct scmp_arg_cmp c0 = SCMP_CMP(0, SCMP_CMP_MASKED_EQ, f, f);
		struct scmp_arg_cmp c1 = SCMP_CMP(1, SCMP_CMP_MASKED_EQ, f, f);
		struct scmp_arg_cmp cc = SCMP_CMP(clone_arg, SCMP_CMP_MASKED_EQ, f, f);

		/* One rule per flag: a masked compare with several bits would need all of them. */
		if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "unshare", 1, &c0)) < 0)
			return r;
		/* nstype 0 still passes: with no nested namespaces it can only join the VE's own.
		 */
		if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "setns", 1, &c1)) < 0)
			return r;
		if (clone_too && (r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &cc)) < 0)
			return r;
	}
	/* clone3 passes its flags in memory, out of seccomp's sight; libc falls back to clone. */
	return rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
}

/* Argument-level blocks that apply to every VE. */
static int add_arg_rules(scmp_filter_ctx ctx, bool nesting)
{
	/* ioctl's cmd is an int: compare the low 32 bits only, or high garbage would bypass. */
	static const unsigned long tty_inject[] = {TIOCSTI, TIOCLINUX};
	int r;

	/*
	 * The VE root holds CAP_SYS_ADMIN, which lets TIOCSTI push input into any tty it has an
	 * fd of, e.g. the host terminal vzctl exec inherited; TIOCLINUX pastes on a VT.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(tty_inject); i++) {
		struct scmp_arg_cmp c =
		    SCMP_CMP(1, SCMP_CMP_MASKED_EQ, 0xffffffffULL, tty_inject[i]);
		if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &c)) < 0)
			return r;
	}
	if (nesting)
		return 0;
	/* A seccomp user-notification listener does not survive checkpoint/restore. */
	struct scmp_arg_cmp ln[] = {
	    SCMP_CMP(0, SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER),
	    SCMP_CMP(1, SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
		     SECCOMP_FILTER_FLAG_NEW_LISTENER),
	};
	if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), "seccomp", ARRAY_SIZE(ln), ln)) < 0)
		return r;
	return add_nesting_rules(ctx);
}

static int build_filter(const struct ve_sec *sec, scmp_filter_ctx *ret)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	uint64_t caps = ve_caps_mask(sec);
	int r;

	if (!ctx)
		return log_errno(-ENOMEM, "seccomp_init: %m");
	/* systemd and su/sudo inside the VE must keep gaining privileges through setuid exec. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		return log_errno(r, "seccomp: clear no_new_privs attribute: %m");
	/* An arch we did not add (none on x86_64) gets no way around the filter. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* Kernels before 4.14 (and valgrind) only kill the thread. */
	if (r == -EINVAL)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL);
	if (r < 0)
		return log_errno(r, "seccomp: set bad-arch action: %m");
	/* Real kernel errno from seccomp_load instead of libseccomp's -ECANCELED. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* A binary tree of the syscall numbers instead of a linear list: every allowed syscall of
	 * the VE then runs a few comparisons instead of one per rule, and the kernel's check of
	 * which syscalls are always allowed (its cache, at load) is cheaper. Older libseccomp
	 * builds the linear filter. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if ((r = add_arches(ctx)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(blocked_syscalls); i++) {
		int cap = blocked_syscalls[i].cap;

		if (cap != NO_CAP && (caps & (UINT64_C(1) << cap)))
			continue;
		if ((r = rule_add(ctx, SCMP_ACT_ERRNO(EPERM), blocked_syscalls[i].name, 0, NULL)) <
		    0)
			return r;
	}
	if ((r = add_arg_rules(ctx, sec && sec->nesting)) < 0)
		return r;
	*ret = TAKE_PTR(ctx);
	return 0;
}

/*
 * The compiled program of the last ve_seccomp_prepare(): libseccomp takes ~0.5 ms to build the
 * three-arch filter, the kernel ~0.2 ms to load it, so a parent builds once before fork and
 * every child only loads (measured on x86_64, kernel 6.18, libseccomp 2.5.4).
 */
static struct {
	bool valid;
	bool nesting;
	uint64_t caps;
	struct sock_filter *insns;
	size_t n_insns;
} prepared;

static bool prepared_matches(const struct ve_sec *sec)
{
	return prepared.valid && prepared.nesting == (sec && sec->nesting) &&
	       prepared.caps == ve_caps_mask(sec);
}

/* libseccomp 2.5 exports only to an fd; a memfd brings the program back into memory. */
/* Reads a whole BPF program from fd (of size st_size): whole instructions, at most
 * BPF_MAXINSNS. 0, -EINVAL (not a program), -ENOMEM or -EIO; not logged. */
static int program_read(int fd, off_t st_size, struct sock_filter **ret, size_t *ret_n)
{
	_cleanup_free_ struct sock_filter *insns = NULL;

	if (st_size <= 0 || st_size % sizeof(*insns) || st_size / sizeof(*insns) > BPF_MAXINSNS)
		return -EINVAL;
	insns = malloc(st_size);
	if (!insns)
		return -ENOMEM;
	if (pread(fd, insns, st_size, 0) != st_size)
		return -EIO;
	*ret_n = st_size / sizeof(*insns);
	*ret = TAKE_PTR(insns);
	return 0;
}

static int export_filter(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = memfd_create("ve-seccomp", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return log_errno(neg_errno(), "seccomp: memfd_create: %m");
	if ((r = seccomp_export_bpf(ctx, fd)) < 0)
		return log_errno(r, "seccomp: export filter: %m");
	if (fstat(fd, &st) < 0)
		return log_errno(neg_errno(), "seccomp: fstat exported filter: %m");
	r = program_read(fd, st.st_size, ret, ret_n);
	if (r < 0)
		return log_errno(r, "seccomp: read back the exported filter (%lld bytes): %m",
				 (long long)st.st_size);
	return 0;
}

/* dl_iterate_phdr callback: this program's build id (ELF note NT_GNU_BUILD_ID) as hex into
 * data, left empty without one. Any change of the code or of the linked libseccomp changes it. */
static int note_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	char *out = data;

	(void)size;
	if (info->dlpi_name && info->dlpi_name[0]) /* the main program comes first, unnamed */
		return 1;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr),
			   *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const void *)p;
			const unsigned char *desc =
			    (const unsigned char *)p + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u);

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(p + sizeof(*nh), "GNU", 4) && nh->n_descsz <= 32) {
				for (unsigned k = 0; k < nh->n_descsz; k++)
					sprintf(out + 2 * k, "%02x", desc[k]);
				return 1;
			}
			p = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1;
}

/*
 * The file of the compiled program for sec in cache_dir, named after everything the program
 * depends on: this binary (its build id) and the inputs of build_filter. NULL without a build id.
 */
static char *cache_path(const char *cache_dir, const struct ve_sec *sec)
{
	char id[65] = "";

	dl_iterate_phdr(note_build_id, id);
	if (!id[0])
		return NULL;
	return ve_strdup_printf("%s/.seccomp-%s-%d-%llx.bpf", cache_dir, id, sec && sec->nesting,
				(unsigned long long)ve_caps_mask(sec));
}

/* Reads a cached program: a root-owned regular file, not writable by others, of whole
 * instructions. 0, or negative errno (not logged: a miss). */
static int cache_read(const char *path, struct sock_filter **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return -EINVAL;
	return program_read(fd, st.st_size, ret, ret_n);
}

int ve_seccomp_prepare(const struct ve_sec *sec, const char *cache_dir)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_free_ char *path = NULL;
	struct sock_filter *insns = NULL;
	size_t n = 0;
	int r;

	if (prepared_matches(sec))
		return 0;
	path = cache_dir ? cache_path(cache_dir, sec) : NULL;
	if (!path || cache_read(path, &insns, &n) < 0) {
		if ((r = build_filter(sec, &ctx)) < 0)
			return r;
		if ((r = export_filter(ctx, &insns, &n)) < 0)
			return r;
		/* Best effort: without it the next command compiles again. */
		if (path && ve_mkdir_p(cache_dir, 0755) == 0)
			(void)ve_write_file_replace(path, (const char *)insns, n * sizeof(*insns),
						    0600);
	}
	free(prepared.insns);
	prepared.insns = insns;
	prepared.n_insns = n;
	prepared.nesting = sec && sec->nesting;
	prepared.caps = ve_caps_mask(sec);
	prepared.valid = true;
	log_debug("seccomp: filter of %zu instructions prepared", n);
	return 0;
}

int ve_seccomp_apply(const struct ve_sec *sec)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	if (prepared_matches(sec)) {
		struct sock_fprog prog = {
		    .len = (unsigned short)prepared.n_insns,
		    .filter = prepared.insns,
		};
		/* Flags 0 and no prctl(NO_NEW_PRIVS): the same load seccomp_load() does for us. */
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			return log_errno(neg_errno(), "load seccomp filter: %m");
		return 0;
	}
	if ((r = build_filter(sec, &ctx)) < 0)
		return r;
	/* Without no_new_privs the kernel wants CAP_SYS_ADMIN: load before dropping it. */
	if ((r = seccomp_load(ctx)) < 0)
		return log_errno(r, "load seccomp filter: %m");
	return 0;
}
