/*
 * cgroup v2 backend (Documentation/admin-guide/cgroup-v2.rst): one hierarchy at
 * /sys/fs/cgroup, the VE's cgroup is <parent>/<veid>, its controllers enabled in the
 * subtree_control of the root and of <parent>. The VE's init owns what lies below its cgroup.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime/cgroup-internal.h"
#include "runtime/util.h"

static bool v2_has(const char *ctrl)
{
	for (unsigned i = 0; i < vcg.n_v2_ctrl; i++)
		if (ve_streq(vcg.v2_ctrl[i], ctrl))
			return true;
	return false;
}

static int v2_detect(void)
{
	char buf[512], *save = NULL;
	int r;

	r = vcg_read_line(VCG_ROOT, "cgroup.controllers", buf, sizeof(buf));
	if (r < 0)
		return log_errno(r, "read %s/cgroup.controllers: %m", VCG_ROOT);
	vcg.n_v2_ctrl = 0;
	for (char *t = strtok_r(buf, " ", &save); t && vcg.n_v2_ctrl < VCG_MAX_V2_CTRL;
	     t = strtok_r(NULL, " ", &save))
		snprintf(vcg.v2_ctrl[vcg.n_v2_ctrl++], sizeof(vcg.v2_ctrl[0]), "%s", t);
	if (vcg.n_v2_ctrl == 0)
		return log_errno(-ENODEV, "no controllers in %s/cgroup.controllers: %m", VCG_ROOT);
	return 0;
}

/* Enables each controller in dir's subtree_control; with drop, forgets those that fail. */
static int enable_controllers(const char *dir, bool drop)
{
	char cur[512], op[24];
	int r;

	r = vcg_read_line(dir, "cgroup.subtree_control", cur, sizeof(cur));
	if (r < 0)
		return log_errno(r, "read '%s/cgroup.subtree_control': %m", dir);
	for (unsigned i = 0; i < vcg.n_v2_ctrl; i++) {
		char pad[520];

		snprintf(pad, sizeof(pad), " %s ", cur);
		snprintf(op, sizeof(op), " %s ", vcg.v2_ctrl[i]);
		if (strstr(pad, op))
			continue;
		/* libcgroup enables controllers in the ancestors it creates but never in the root,
		 * and one "+ctrl" per write tells which one the kernel refuses. */
		snprintf(op, sizeof(op), "+%s", vcg.v2_ctrl[i]);
		r = vcg_write(dir, "cgroup.subtree_control", op);
		if (r == 0)
			continue;
		if (!drop)
			return log_errno(r, "enable '%s' in '%s': %m", op, dir);
		log_debug("cannot enable '%s' in '%s' (%s), not using it", op, dir, strerror(-r));
		memmove(vcg.v2_ctrl[i], vcg.v2_ctrl[i + 1],
			(vcg.n_v2_ctrl - i - 1) * sizeof(vcg.v2_ctrl[0]));
		vcg.n_v2_ctrl--;
		i--;
	}
	if (vcg.n_v2_ctrl == 0)
		return log_errno(-ENODEV, "no cgroup v2 controller can be enabled: %m");
	return 0;
}

/* A libcgroup cgroup for rel with every controller in use. */
static struct cgroup *new_cg_all(const char *rel)
{
	struct cgroup *cg = cgroup_new_cgroup(rel);

	if (!cg)
		return NULL;
	for (unsigned i = 0; i < vcg.n_v2_ctrl; i++)
		if (!cgroup_add_controller(cg, vcg.v2_ctrl[i])) {
			cgroup_free(&cg);
			return NULL;
		}
	return cg;
}

static int v2_create_parent(void)
{
	_cleanup_(vcg_cgroup_freep) struct cgroup *cg = NULL;
	char dir[PATH_MAX];
	int r;

	r = enable_controllers(VCG_ROOT, true);
	if (r == 0)
		r = vcg_lib_init();
	if (r < 0)
		return r;
	cg = new_cg_all(vcg.parent);
	if (!cg)
		return -ENOMEM;
	r = vcg_errno(cgroup_create_cgroup(cg, 1));
	if (r < 0)
		return log_errno(r, "create cgroup '%s': %m", vcg.parent);
	snprintf(dir, sizeof(dir), "%s/%s", VCG_ROOT, vcg.parent);
	return enable_controllers(dir, false);
}

static int v2_create(unsigned veid)
{
	return vcg_mkdir(veid, VCG_ROOT);
}

static bool ve_file_exists(unsigned veid, const char *file)
{
	char path[PATH_MAX];

	return access(vcg_path(path, sizeof(path), VCG_ROOT, veid, file), F_OK) == 0;
}

static void fmt_max(char *buf, size_t size, uint64_t v)
{
	if (v == VE_UNLIMITED)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static int set_memory(unsigned veid, const struct ve_res *res)
{
	char max[32], swap[32];
	int r;

	if (!v2_has("memory")) {
		log_debug("no memory controller, ignoring RAM limits");
		return 0;
	}
	fmt_max(max, sizeof(max), res->physpages.limit);
	fmt_max(swap, sizeof(swap), res->swappages.limit);
	/* Unlike v1's memsw, memory.swap.max counts swap alone. */
	if (ve_file_exists(veid, "memory.swap.max"))
		r = vcg_modify(veid, VCG_ROOT,
			       (const char *const[]){"memory.max", max, "memory.swap.max", swap},
			       4);
	else {
		log_debug("no memory.swap.max (swap accounting off), ignoring the swap limit");
		r = vcg_modify(veid, VCG_ROOT, (const char *const[]){"memory.max", max}, 2);
	}
	return r < 0 ? log_errno(r, "set memory limits of VE %u: %m", veid) : 0;
}

static int set_cpu(unsigned veid, const struct ve_res *res)
{
	char weight[32], max[48], dir[PATH_MAX], cur[4096];
	uint64_t q = ve_cgroup_cpu_quota(res->cpulimit, res->cpus, VCG_CPU_PERIOD_US);
	int r;

	if (v2_has("cpu")) {
		snprintf(weight, sizeof(weight), "%" PRIu64,
			 ve_cgroup_cpuunits_to_weight(res->cpuunits));
		if (q)
			snprintf(max, sizeof(max), "%" PRIu64 " %llu", q, VCG_CPU_PERIOD_US);
		else
			snprintf(max, sizeof(max), "max %llu", VCG_CPU_PERIOD_US);
		r = vcg_modify_changed(
		    veid, VCG_ROOT, (const char *const[]){"cpu.weight", weight, "cpu.max", max}, 4);
		if (r < 0)
			return log_errno(r, "set CPU limits of VE %u: %m", veid);
	} else {
		log_debug("no cpu controller, ignoring CPU limits");
	}
	if (!v2_has("cpuset")) {
		if (res->cpumask)
			log_warn("no cpuset controller, ignoring CPUMASK");
		return 0;
	}
	vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL);
	if (res->cpumask)
		r = vcg_modify_changed(veid, VCG_ROOT,
				       (const char *const[]){"cpuset.cpus", res->cpumask}, 2);
	else if (vcg_read_line(dir, "cpuset.cpus", cur, sizeof(cur)) == 0 && !cur[0])
		r = 0; /* the parent's CPUs already */
	else
		/* Empty means the parent's CPUs; vcg_modify skips writing empty values. */
		r = vcg_write(dir, "cpuset.cpus", "\n");
	return r < 0 ? log_errno(r, "set cpuset.cpus of VE %u: %m", veid) : 0;
}

static int set_pids_io(unsigned veid, const struct ve_res *res)
{
	char max[32], weight[32];
	unsigned w = ve_cgroup_ioprio_to_weight(res->ioprio);
	int r;

	if (v2_has("pids")) {
		fmt_max(max, sizeof(max), res->numproc.limit);
		r = vcg_modify(veid, VCG_ROOT, (const char *const[]){"pids.max", max}, 2);
		if (r < 0)
			return log_errno(r, "set pids.max of VE %u: %m", veid);
	} else if (res->numproc.limit != VE_UNLIMITED) {
		log_warn("no pids controller, ignoring NUMPROC");
	}
	if (!w)
		return 0;
	if (!v2_has("io") || !ve_file_exists(veid, "io.bfq.weight")) {
		log_debug("no io.bfq.weight (BFQ not in use), ignoring IOPRIO");
		return 0;
	}
	snprintf(weight, sizeof(weight), "default %u", w);
	r = vcg_modify(veid, VCG_ROOT, (const char *const[]){"io.bfq.weight", weight}, 2);
	return r < 0 ? log_errno(r, "set io.bfq.weight of VE %u: %m", veid) : 0;
}

static int v2_apply_res(unsigned veid, const struct ve_res *res)
{
	int r = set_memory(veid, res);

	if (r == 0)
		r = set_cpu(veid, res);
	if (r == 0)
		r = set_pids_io(veid, res);
	return r;
}

static int v2_apply_devices(unsigned veid, const struct ve_sec *sec)
{
	char dir[PATH_MAX];

	/* v2 has no devices files: the policy is a BPF program on the VE's cgroup. */
	return vcg_v2_devices_apply(vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL), sec);
}

static int v2_delegate(unsigned veid, uid_t uid, gid_t gid)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], list[512], *save = NULL;
	int r;

	vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL);
	/* The kernel lists the files a delegatee must own (cgroup-v2.rst, "Delegation"). */
	r = vcg_read_line("/sys/kernel/cgroup", "delegate", list, sizeof(list));
	if (r < 0)
		snprintf(list, sizeof(list), "cgroup.procs cgroup.threads cgroup.subtree_control");
	for (char *p = list; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (chown(dir, uid, gid) < 0)
		return log_errno(neg_errno(), "chown '%s': %m", dir);
	for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, t);
		if (chown(path, uid, gid) < 0 && errno != ENOENT)
			return log_errno(neg_errno(), "chown '%s': %m", path);
	}
	return 0;
}

/*
 * Once the VE's init has enabled controllers below its cgroup, that cgroup may hold no process
 * ("no internal processes"), so a process joining later (vzctl exec/enter) goes to a leaf of
 * its own, as lxc-attach does. Written directly: libcgroup would enable controllers in the
 * VE's subtree_control, which belongs to the VE.
 */
static int attach_leaf(unsigned veid, pid_t pid)
{
	char dir[PATH_MAX], buf[32];

	vcg_path(dir, sizeof(dir), VCG_ROOT, veid, ".vzctl");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return neg_errno();
	snprintf(buf, sizeof(buf), "%d", pid);
	return vcg_write(dir, "cgroup.procs", buf);
}

static int v2_attach(unsigned veid, pid_t pid)
{
	_cleanup_(vcg_cgroup_freep) struct cgroup *cg = NULL;
	char rel[128];
	int r;

	r = vcg_lib_init();
	if (r < 0)
		return r;
	/* One controller is enough: v2 has one hierarchy and libcgroup writes cgroup.procs,
	 * which moves every thread of pid. */
	cg = cgroup_new_cgroup(vcg_rel(rel, sizeof(rel), veid));
	if (!cg || !cgroup_add_controller(cg, vcg.v2_ctrl[0]))
		return -ENOMEM;
	r = vcg_errno(cgroup_attach_task_pid(cg, pid));
	if (r == -EBUSY)
		r = attach_leaf(veid, pid);
	return r < 0 ? log_errno(r, "move %d into cgroup '%s': %m", pid, rel) : 0;
}

static int v2_pids(unsigned veid, pid_t **ret, size_t *ret_n)
{
	return vcg_collect_procs(VCG_ROOT, veid, ret, ret_n);
}

/* Without cgroup.kill (kernels before 5.14): freeze, SIGKILL each process, thaw. */
static int kill_by_list(unsigned veid, const char *dir)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r;

	(void)vcg_write(dir, "cgroup.freeze", "1");
	(void)vcg_wait_event(dir, "frozen", 1, 1000);
	r = v2_pids(veid, &pids, &n);
	if (r == 0)
		vcg_kill_pids(pids, n);
	/* Frozen tasks die of SIGKILL, but thaw anyway so none stays stopped. */
	(void)vcg_write(dir, "cgroup.freeze", "0");
	return r == -ENOENT ? 0 : r;
}

static int v2_kill_all(unsigned veid, unsigned timeout_ms)
{
	uint64_t deadline = ve_now_usec() + (uint64_t)timeout_ms * 1000;
	char dir[PATH_MAX];
	bool has_kill;
	int r;

	vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL);
	if (access(dir, F_OK) < 0)
		return errno == ENOENT ? 0 : neg_errno();
	has_kill = ve_file_exists(veid, "cgroup.kill");
	for (;;) {
		/* cgroup.kill is not a value libcgroup can write: a one-shot trigger file that
		 * kills the whole subtree atomically, forks included. */
		r = has_kill ? vcg_write(dir, "cgroup.kill", "1") : kill_by_list(veid, dir);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return log_errno(r, "kill the processes of VE %u: %m", veid);
		r = vcg_wait_event(dir, "populated", 0, has_kill ? timeout_ms : 20);
		if (r == 0)
			return 0;
		if (r != -ETIMEDOUT)
			return log_errno(r, "wait for VE %u to empty: %m", veid);
		if (ve_now_usec() >= deadline)
			return log_errno(-ETIMEDOUT, "processes of VE %u survive SIGKILL: %m",
					 veid);
	}
}

static int v2_freeze(unsigned veid, bool freeze)
{
	char dir[PATH_MAX];
	int r;

	vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL);
	/* A state to poll in cgroup.events: a direct write keeps the pair in one place. */
	r = vcg_write(dir, "cgroup.freeze", freeze ? "1" : "0");
	if (r < 0)
		return log_errno(r, "%s VE %u: %m", freeze ? "freeze" : "thaw", veid);
	if (!freeze)
		return 0;
	r = vcg_wait_event(dir, "frozen", 1, 5000);
	if (r < 0) {
		(void)vcg_write(dir, "cgroup.freeze", "0");
		return log_errno(r, "freeze VE %u: %m", veid);
	}
	return 0;
}

static int v2_destroy(unsigned veid)
{
	char dir[PATH_MAX];
	int r;

	/* Plain rmdir, children first (the VE's init builds a tree below its cgroup):
	 * libcgroup's delete would move remaining tasks to the parent instead of failing. */
	r = vcg_rmdir_tree(vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL));
	return r < 0 ? log_errno(r, "remove cgroup '%s': %m", dir) : 0;
}

static int v2_stats(unsigned veid, struct ve_cgroup_stats *ret)
{
	char dir[PATH_MAX];
	uint64_t v;

	vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL);
	if (access(dir, F_OK) < 0)
		return neg_errno();
	if (vcg_read_u64(dir, "pids.current", &v) == 0)
		ret->numproc = v;
	if (vcg_read_u64(dir, "memory.current", &v) == 0)
		ret->mem_usage = v;
	if (vcg_read_u64(dir, "memory.swap.current", &v) == 0)
		ret->swap_usage = v;
	/* cpu.stat exists without the cpu controller too. */
	if (vcg_read_key(dir, "cpu.stat", "usage_usec", &v) == 0)
		ret->cpu_usec = v;
	if (!v2_has("pids")) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (v2_pids(veid, &pids, &n) == 0)
			ret->numproc = n;
	}
	return 0;
}

static int v2_set_io_limit(unsigned veid, dev_t dev, uint64_t bps, uint64_t iops)
{
	char line[160], b[32], o[32];
	int r;

	if (!v2_has("io"))
		return log_errno(-EOPNOTSUPP, "no io controller for I/O limits: %m");
	if (bps)
		snprintf(b, sizeof(b), "%" PRIu64, bps);
	else
		snprintf(b, sizeof(b), "max");
	if (iops)
		snprintf(o, sizeof(o), "%" PRIu64, iops);
	else
		snprintf(o, sizeof(o), "max");
	snprintf(line, sizeof(line), "%u:%u rbps=%s wbps=%s riops=%s wiops=%s", major(dev),
		 minor(dev), b, b, o, o);
	r = vcg_modify(veid, VCG_ROOT, (const char *const[]){"io.max", line}, 2);
	return r < 0 ? log_errno(r, "set io.max '%s' of VE %u: %m", line, veid) : 0;
}

static int v2_mount_in_ve(const char *root)
{
	int fd, r;

	fd = vcg_open_dir_nofollow(root, "sys/fs/cgroup");
	if (fd < 0)
		return log_errno(fd, "open '%s/sys/fs/cgroup': %m", root);
	/* From inside the VE's cgroup namespace the mount shows only the VE's subtree; rw so
	 * its init can manage what was delegated to it. Root-level options such as nsdelegate
	 * can only be set from the host's namespace and are inherited from its mount. */
	r = vcg_mount_fd("cgroup2", fd, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	close(fd);
	return r < 0 ? log_errno(r, "mount cgroup2 on '%s/sys/fs/cgroup': %m", root) : 0;
}

const struct cgroup_ops vcg_v2_ops = {
    .name = "v2",
    .detect = v2_detect,
    .create_parent = v2_create_parent,
    .create = v2_create,
    .apply_res = v2_apply_res,
    .apply_devices = v2_apply_devices,
    .delegate = v2_delegate,
    .attach = v2_attach,
    .pids = v2_pids,
    .kill_all = v2_kill_all,
    .freeze = v2_freeze,
    .destroy = v2_destroy,
    .stats = v2_stats,
    .mount_in_ve = v2_mount_in_ve,
    .set_io_limit = v2_set_io_limit,
};
