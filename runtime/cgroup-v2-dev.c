/*
 * The device policy on cgroup v2: there are no devices.* files, so the allow list becomes a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the VE's cgroup (as crun and systemd do).
 * The kernel runs it for every open and mknod of a device node by the VE's processes.
 */
#include "cgroup-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

#define MAX_INSNS 4096

/* The defaults every Linux userland needs, as in the v1 policy: type, major, minor (-1 = any). */
static const struct ve_device default_devices[] = {
    {'c', 1, 3, 7},    /* null */
    {'c', 1, 5, 7},    /* zero */
    {'c', 1, 7, 7},    /* full */
    {'c', 1, 8, 7},    /* random */
    {'c', 1, 9, 7},    /* urandom */
    {'c', 5, 0, 7},    /* tty */
    {'c', 5, 1, 7},    /* console */
    {'c', 5, 2, 7},    /* ptmx */
    {'c', 136, -1, 7}, /* pts */
};

struct prog {
	struct bpf_insn insn[MAX_INSNS];
	unsigned n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n < MAX_INSNS)
		p->insn[p->n++] = (struct bpf_insn){
		    .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static unsigned access_bits(unsigned ve_access)
{
	return (ve_access & VE_DEV_READ ? BPF_DEVCG_ACC_READ : 0) |
	       (ve_access & VE_DEV_WRITE ? BPF_DEVCG_ACC_WRITE : 0) |
	       (ve_access & VE_DEV_MKNOD ? BPF_DEVCG_ACC_MKNOD : 0);
}

/*
 * One rule: if the device matches, return allow (or deny for an access-less DEVICES entry);
 * otherwise fall through to the next rule. Registers: r2 type, r3 access, r4 major, r5 minor.
 */
static void emit_rule(struct prog *p, const struct ve_device *d)
{
	unsigned acc = access_bits(d->access);
	/* A jump's offset counts from the next instruction: to leave the rule, jump over the
	 * rule's remaining instructions. */
	int total = 1 + (d->major >= 0) + (d->minor >= 0) + (acc ? 3 : 0) + 2, i = 0;

	emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, total - 1 - i++,
	     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (d->major >= 0)
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, total - 1 - i++, d->major);
	if (d->minor >= 0)
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, total - 1 - i++, d->minor);
	if (acc) { /* every access asked for must be allowed: (asked & ~allowed) == 0 */
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)~acc);
		i += 2;
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, total - 1 - i++, 0);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, acc ? 1 : 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static void build(struct prog *p, const struct ve_sec *sec)
{
	/* r1 is struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, major, minor. */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	emit(p, BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	/* DEVICES entries first, so that they override the defaults (a "none" entry denies). */
	for (unsigned i = 0; sec && i < sec->n_devices; i++)
		emit_rule(p, &sec->devices[i]);
	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++)
		emit_rule(p, &default_devices[i]);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); /* anything else: denied */
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Detaches every device program attached to the cgroup but keep_fd's. */
static void detach_others(int cgfd, int keep_id)
{
	uint32_t ids[64], n = ARRAY_SIZE(ids);
	union bpf_attr q = {0};

	q.query.target_fd = cgfd;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (uint64_t)(uintptr_t)ids;
	q.query.prog_cnt = n;
	if (sys_bpf(BPF_PROG_QUERY, &q) < 0)
		return;
	for (uint32_t i = 0; i < q.query.prog_cnt && i < n; i++) {
		union bpf_attr g = {.prog_id = ids[i]}, d = {0};
		int fd;

		if ((int)ids[i] == keep_id || (fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g)) < 0)
			continue;
		d.target_fd = cgfd;
		d.attach_bpf_fd = fd;
		d.attach_type = BPF_CGROUP_DEVICE;
		sys_bpf(BPF_PROG_DETACH, &d);
		close(fd);
	}
}

static int prog_id(int fd)
{
	struct bpf_prog_info info = {0};
	union bpf_attr a = {0};

	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 ? -1 : (int)info.id;
}

int vcg_v2_devices_apply(const char *cgroup_dir, const struct ve_sec *sec)
{
	static struct prog p;
	char log[1024] = "";
	union bpf_attr load = {0}, att = {0};
	_cleanup_close_ int cgfd = -1, pfd = -1;

	p.n = 0;
	build(&p, sec);
	if (p.n >= MAX_INSNS)
		return log_errno(-E2BIG, "Too many DEVICES entries for the device program");
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)p.insn;
	load.insn_cnt = p.n;
	load.license = (uint64_t)(uintptr_t) "GPL";
	pfd = sys_bpf(BPF_PROG_LOAD, &load);
	if (pfd < 0) { /* again with the verifier's log, only to say why */
		int r = neg_errno();
		load.log_buf = (uint64_t)(uintptr_t)log;
		load.log_size = sizeof(log);
		load.log_level = 1;
		pfd = sys_bpf(BPF_PROG_LOAD, &load);
		if (pfd < 0)
			return log_errno(r, "Unable to load the device program: %m (%.200s)", log);
	}
	cgfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return log_errno(neg_errno(), "open '%s': %m", cgroup_dir);
	att.target_fd = cgfd;
	att.attach_bpf_fd = pfd;
	att.attach_type = BPF_CGROUP_DEVICE;
	/* ALLOW_MULTI: the VE's own init may attach programs below; the new one goes on before
	 * the old ones come off, so there is no moment without a policy. */
	att.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &att) < 0)
		return log_errno(neg_errno(), "Unable to attach the device program to '%s': %m",
				 cgroup_dir);
	detach_others(cgfd, prog_id(pfd));
	return 0;
}
