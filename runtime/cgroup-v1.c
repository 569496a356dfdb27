/*
 * cgroup v1 (and hybrid: all controllers used live in v1) backend. The VE has the cgroup
 * <parent>/<veid> in every v1 hierarchy the host mounts under /sys/fs/cgroup, so that inside its
 * cgroup namespace each hierarchy shows only its own subtree.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>

#include "runtime/cgroup-internal.h"
#include "runtime/util.h"

static const char *const v1_controllers[] = {
    "cpu",	"cpuacct", "cpuset",	 "memory",  "devices", "freezer", "net_cls",
    "net_prio", "blkio",   "perf_event", "hugetlb", "pids",    "rdma",	  "misc",
};

/* The VE's default device access: what every Linux userland needs, nothing more. */
static const char *const default_devices[] = {
    "c 1:3 rwm",   /* null */
    "c 1:5 rwm",   /* zero */
    "c 1:7 rwm",   /* full */
    "c 1:8 rwm",   /* random */
    "c 1:9 rwm",   /* urandom */
    "c 5:0 rwm",   /* tty */
    "c 5:1 rwm",   /* console */
    "c 5:2 rwm",   /* ptmx */
    "c 136:* rwm", /* pts */
};

static bool is_v1_controller(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
		if (ve_streq(s, v1_controllers[i]))
			return true;
	return false;
}

static void note_special(int idx, const char *ctrl)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
	    {"cpu", offsetof(struct vcg_state, h_cpu)},
	    {"cpuacct", offsetof(struct vcg_state, h_cpuacct)},
	    {"cpuset", offsetof(struct vcg_state, h_cpuset)},
	    {"memory", offsetof(struct vcg_state, h_memory)},
	    {"devices", offsetof(struct vcg_state, h_devices)},
	    {"freezer", offsetof(struct vcg_state, h_freezer)},
	    {"blkio", offsetof(struct vcg_state, h_blkio)},
	    {"pids", offsetof(struct vcg_state, h_pids)},
	    {"name=systemd", offsetof(struct vcg_state, h_systemd)},
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (ve_streq(ctrl, map[i].name))
			*(int *)((char *)&vcg + map[i].off) = idx;
}

/* Turns one cgroup v1 mount entry into a hierarchy; 0 when it is not one to use. */
static int add_hierarchy(const struct mntent *me)
{
	struct vcg_hier *h = &vcg.hier[vcg.n_hier];
	char ctrls[128] = "", named[64] = "";
	_cleanup_strv_ char **opts = NULL;
	const char *base;

	/* Only the hierarchies at the standard place: the VE's view mirrors them there. */
	if (strncmp(me->mnt_dir, VCG_ROOT "/", sizeof(VCG_ROOT)) ||
	    strchr(me->mnt_dir + sizeof(VCG_ROOT), '/'))
		return 0;
	opts = ve_strv_split(me->mnt_opts, ",");
	if (!opts)
		return -ENOMEM;
	for (char **o = opts; *o; o++) {
		if (!strncmp(*o, "name=", 5))
			snprintf(named, sizeof(named), "%s", *o);
		else if (is_v1_controller(*o))
			snprintf(ctrls + strlen(ctrls), sizeof(ctrls) - strlen(ctrls), "%s%s",
				 ctrls[0] ? "," : "", *o);
	}
	if (!ctrls[0] && !named[0])
		return 0;
	if (vcg.n_hier >= VCG_MAX_HIER)
		return log_errno(-E2BIG, "too many cgroup v1 hierarchies: %m");
	for (unsigned i = 0; i < vcg.n_hier; i++)
		if (ve_streq(vcg.hier[i].mnt, me->mnt_dir))
			return 0;
	memset(h, 0, sizeof(*h));
	snprintf(h->mnt, sizeof(h->mnt), "%s", me->mnt_dir);
	base = strrchr(h->mnt, '/') + 1;
	snprintf(h->name, sizeof(h->name), "%s", base);
	h->named = !ctrls[0];
	if (h->named)
		snprintf(h->opts, sizeof(h->opts), "none,%s", named);
	else
		snprintf(h->opts, sizeof(h->opts), "%s%s%s", ctrls, named[0] ? "," : "", named);
	snprintf(h->ctl, sizeof(h->ctl), "%.*s", (int)strcspn(ctrls, ","), ctrls);
	for (char **o = opts; *o; o++)
		if (!strncmp(*o, "name=", 5) || is_v1_controller(*o))
			note_special((int)vcg.n_hier, *o);
	vcg.n_hier++;
	return 0;
}

static void reset_hierarchies(void)
{
	vcg.n_hier = 0;
	vcg.h_cpu = vcg.h_cpuacct = vcg.h_cpuset = vcg.h_memory = vcg.h_devices = -1;
	vcg.h_freezer = vcg.h_blkio = vcg.h_pids = vcg.h_systemd = -1;
}

/*
 * The hierarchies from /proc/self/cgroup ("id:controllers:path"), each expected at
 * /sys/fs/cgroup/<controllers> (or <name> for name=...), as systemd mounts them. The mount table
 * has one line per mount on the host, a VE root each: reading it is O(VEs) in every vzctl
 * command. Returns 1 when every hierarchy was found so, 0 when the mount table must decide.
 */
static int detect_from_proc_cgroup(void)
{
	_cleanup_(ve_fclosep) FILE *f = fopen("/proc/self/cgroup", "re");
	char lines[VCG_MAX_HIER + 1][256], dir[PATH_MAX];
	unsigned n = 0;
	int r;

	if (!f)
		return 0;
	while (n < ARRAY_SIZE(lines) && fgets(lines[n], sizeof(lines[n]), f))
		n++;
	reset_hierarchies();
	/* The kernel lists the newest hierarchy first: in reverse, the order of the mounts. */
	while (n-- > 0) {
		char *ctrls = strchr(lines[n], ':'), *end;
		struct statfs sfs;

		if (!ctrls || !(end = strchr(++ctrls, ':')))
			return 0;
		*end = '\0';
		if (!*ctrls)
			continue; /* "0::/...": the v2 hierarchy */
		snprintf(dir, sizeof(dir), "%s/%s", VCG_ROOT,
			 strncmp(ctrls, "name=", 5) ? ctrls : ctrls + 5);
		if (statfs(dir, &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC)
			return 0;
		struct mntent me = {.mnt_dir = dir, .mnt_type = "cgroup", .mnt_opts = ctrls};
		r = add_hierarchy(&me);
		if (r < 0)
			return r;
	}
	return feof(f) && vcg.n_hier > 0;
}

static int v1_detect(void)
{
	_cleanup_(ve_fclosep) FILE *f = NULL;
	struct mntent *me;
	int r;

	r = detect_from_proc_cgroup();
	if (r != 0)
		return r < 0 ? r : 0;
	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return log_errno(neg_errno(), "open /proc/self/mounts: %m");
	reset_hierarchies();
	while ((me = getmntent(f))) {
		if (!ve_streq(me->mnt_type, "cgroup"))
			continue;
		r = add_hierarchy(me);
		if (r < 0)
			return r;
	}
	if (vcg.n_hier == 0)
		return log_errno(-ENODEV, "no cgroup v1 hierarchy under %s: %m", VCG_ROOT);
	return 0;
}

/* A libcgroup cgroup for rel with every hierarchy libcgroup knows (one controller each). */
static struct cgroup *new_cg_all(const char *rel)
{
	struct cgroup *cg = cgroup_new_cgroup(rel);

	if (!cg)
		return NULL;
	for (unsigned i = 0; i < vcg.n_hier; i++)
		if (!vcg.hier[i].named && !cgroup_add_controller(cg, vcg.hier[i].ctl)) {
			cgroup_free(&cg);
			return NULL;
		}
	return cg;
}

static int modify(unsigned veid, int h, const char *const *kv, size_t n)
{
	return vcg_modify(veid, vcg.hier[h].mnt, kv, n);
}

static int modify_changed(unsigned veid, int h, const char *const *kv, size_t n)
{
	return vcg_modify_changed(veid, vcg.hier[h].mnt, kv, n);
}

static bool ve_file_exists(unsigned veid, int h, const char *file)
{
	char path[PATH_MAX];

	return h >= 0 &&
	       access(vcg_path(path, sizeof(path), vcg.hier[h].mnt, veid, file), F_OK) == 0;
}

/* Copies an empty cpuset file of dir from its parent, the parent first if empty too. */
static int cpuset_inherit(const char *dir, const char *file)
{
	char buf[4096], up[PATH_MAX];
	int r = vcg_read_line(dir, file, buf, sizeof(buf));

	if (r < 0 || buf[0])
		return r;
	snprintf(up, sizeof(up), "%s", dir);
	*strrchr(up, '/') = '\0';
	r = vcg_read_line(up, file, buf, sizeof(buf));
	if (r == 0 && !buf[0] && strcmp(up, vcg.hier[vcg.h_cpuset].mnt)) {
		r = cpuset_inherit(up, file);
		if (r == 0)
			r = vcg_read_line(up, file, buf, sizeof(buf));
	}
	/* A new v1 cpuset starts with no CPUs or memory nodes and can take no task until it
	 * has some; copying a parent file to a child is not a job libcgroup has an API for. */
	if (r == 0)
		r = vcg_write(dir, file, buf);
	return r < 0 ? log_errno(r, "initialise '%s/%s': %m", dir, file) : 0;
}

/* Whether <parent> exists in every hierarchy already (the usual case after the first VE). */
static bool parent_exists(void)
{
	char dir[PATH_MAX];

	for (unsigned i = 0; i < vcg.n_hier; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", vcg.hier[i].mnt, vcg.parent);
		if (access(dir, F_OK) < 0)
			return false;
	}
	return true;
}

/* Creates <parent> in every hierarchy. */
static int create_parent_dirs(void)
{
	_cleanup_(vcg_cgroup_freep) struct cgroup *cg = NULL;
	char dir[PATH_MAX];
	int r = vcg_lib_init();

	if (r < 0)
		return r;
	cg = new_cg_all(vcg.parent);
	if (!cg)
		return -ENOMEM;
	r = vcg_errno(cgroup_create_cgroup(cg, 1));
	if (r < 0)
		return log_errno(r, "create cgroup '%s': %m", vcg.parent);
	for (unsigned i = 0; i < vcg.n_hier; i++) {
		if (!vcg.hier[i].named)
			continue;
		/* libcgroup 2.0 does not know named hierarchies (name=systemd). */
		snprintf(dir, sizeof(dir), "%s/%s", vcg.hier[i].mnt, vcg.parent);
		r = ve_mkdir_p(dir, 0755);
		if (r < 0)
			return log_errno(r, "create cgroup '%s': %m", dir);
	}
	return 0;
}

static int v1_create_parent(void)
{
	char dir[PATH_MAX], buf[8];
	int r;

	/* libcgroup would mkdir every path component in every hierarchy (~50 EEXIST calls). */
	if (!parent_exists()) {
		r = create_parent_dirs();
		if (r < 0)
			return r;
	}
	if (vcg.h_cpuset >= 0) {
		snprintf(dir, sizeof(dir), "%s/%s", vcg.hier[vcg.h_cpuset].mnt, vcg.parent);
		r = cpuset_inherit(dir, "cpuset.cpus");
		if (r == 0)
			r = cpuset_inherit(dir, "cpuset.mems");
		if (r < 0)
			return r;
		/* Each VE's cpuset is born with the parent's CPUs and nodes: no write to check
		 * against all its siblings at every start. Best effort: without it v1_create
		 * writes them. */
		if (vcg_read_line(dir, "cgroup.clone_children", buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "1"))
			(void)vcg_write(dir, "cgroup.clone_children", "1");
	}
	return 0;
}

static int parent_cpuset(const char *file, char *buf, size_t size)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", vcg.hier[vcg.h_cpuset].mnt, vcg.parent);
	return vcg_read_line(dir, file, buf, size);
}

static int v1_create(unsigned veid)
{
	char dir[PATH_MAX];
	int r;

	for (unsigned i = 0; i < vcg.n_hier; i++) {
		r = vcg_mkdir(veid, vcg.hier[i].mnt);
		if (r < 0)
			return r;
	}
	if (vcg.h_cpuset < 0)
		return 0;
	/*
	 * Tasks can only join a v1 cpuset with CPUs and memory nodes: the parent's, which its
	 * cgroup.clone_children (v1_create_parent) gave already, else copied now; apply narrows
	 * the CPUs to CPUMASK.
	 */
	vcg_path(dir, sizeof(dir), vcg.hier[vcg.h_cpuset].mnt, veid, NULL);
	r = cpuset_inherit(dir, "cpuset.cpus");
	return r < 0 ? r : cpuset_inherit(dir, "cpuset.mems");
}

static void fmt_limit(char *buf, size_t size, uint64_t v)
{
	if (v == VE_UNLIMITED)
		snprintf(buf, size, "-1");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static int set_memory(unsigned veid, const struct ve_res *res)
{
	uint64_t ram = res->physpages.limit, swap = res->swappages.limit;
	char lim[32], memsw[32];
	int r;

	if (vcg.h_memory < 0) {
		log_debug("no memory cgroup, ignoring RAM limits");
		return 0;
	}
	fmt_limit(lim, sizeof(lim), ram);
	if (!ve_file_exists(veid, vcg.h_memory, "memory.memsw.limit_in_bytes")) {
		log_debug("no swap accounting (memory.memsw), ignoring the swap limit");
		r = modify(veid, vcg.h_memory, (const char *const[]){"memory.limit_in_bytes", lim},
			   2);
	} else {
		/* memsw is RAM plus swap, and the kernel keeps memsw >= limit at every step. */
		fmt_limit(memsw, sizeof(memsw),
			  ram == VE_UNLIMITED || swap == VE_UNLIMITED || ram + swap < ram
			      ? VE_UNLIMITED
			      : ram + swap);
		r = modify(veid, vcg.h_memory,
			   (const char *const[]){"memory.limit_in_bytes", lim,
						 "memory.memsw.limit_in_bytes", memsw},
			   4);
		/* Raising: the limit can only grow once memsw has. */
		if (r == -EINVAL)
			r = modify(veid, vcg.h_memory,
				   (const char *const[]){"memory.memsw.limit_in_bytes", memsw,
							 "memory.limit_in_bytes", lim},
				   4);
	}
	return r < 0 ? log_errno(r, "set memory limits of VE %u: %m", veid) : 0;
}

static int set_cpu(unsigned veid, const struct ve_res *res)
{
	char shares[32], period[32], quota[32];
	uint64_t q = ve_cgroup_cpu_quota(res->cpulimit, res->cpus, VCG_CPU_PERIOD_US);
	int r;

	if (vcg.h_cpu < 0) {
		log_debug("no cpu cgroup, ignoring CPU limits");
		return 0;
	}
	snprintf(shares, sizeof(shares), "%" PRIu64, ve_cgroup_cpuunits_to_shares(res->cpuunits));
	snprintf(period, sizeof(period), "%llu", VCG_CPU_PERIOD_US);
	if (q)
		snprintf(quota, sizeof(quota), "%" PRIu64, q);
	else
		snprintf(quota, sizeof(quota), "-1");
	r = modify_changed(veid, vcg.h_cpu,
			   (const char *const[]){"cpu.shares", shares, "cpu.cfs_period_us", period,
						 "cpu.cfs_quota_us", quota},
			   6);
	return r < 0 ? log_errno(r, "set CPU limits of VE %u: %m", veid) : 0;
}

static int set_cpuset(unsigned veid, const struct ve_res *res)
{
	char cpus[4096];
	int r;

	if (vcg.h_cpuset < 0) {
		if (res->cpumask)
			log_warn("no cpuset cgroup, ignoring CPUMASK");
		return 0;
	}
	if (res->cpumask)
		snprintf(cpus, sizeof(cpus), "%s", res->cpumask);
	else if ((r = parent_cpuset("cpuset.cpus", cpus, sizeof(cpus))) < 0)
		return log_errno(r, "read cpuset of '%s': %m", vcg.parent);
	r = modify_changed(veid, vcg.h_cpuset, (const char *const[]){"cpuset.cpus", cpus}, 2);
	return r < 0 ? log_errno(r, "set cpuset.cpus '%s' of VE %u: %m", cpus, veid) : 0;
}

static int set_pids_blkio(unsigned veid, const struct ve_res *res)
{
	char max[32], weight[16];
	unsigned w = ve_cgroup_ioprio_to_weight(res->ioprio);
	int r;

	if (vcg.h_pids >= 0) {
		if (res->numproc.limit == VE_UNLIMITED)
			snprintf(max, sizeof(max), "max");
		else
			snprintf(max, sizeof(max), "%" PRIu64, res->numproc.limit);
		r = modify(veid, vcg.h_pids, (const char *const[]){"pids.max", max}, 2);
		if (r < 0)
			return log_errno(r, "set pids.max of VE %u: %m", veid);
	} else if (res->numproc.limit != VE_UNLIMITED) {
		log_warn("no pids cgroup, ignoring NUMPROC");
	}
	if (!w)
		return 0;
	if (!ve_file_exists(veid, vcg.h_blkio, "blkio.bfq.weight")) {
		log_debug("no blkio.bfq.weight (BFQ not in use), ignoring IOPRIO");
		return 0;
	}
	snprintf(weight, sizeof(weight), "%u", w);
	r = modify(veid, vcg.h_blkio, (const char *const[]){"blkio.bfq.weight", weight}, 2);
	return r < 0 ? log_errno(r, "set blkio.bfq.weight of VE %u: %m", veid) : 0;
}

static int v1_apply_res(unsigned veid, const struct ve_res *res)
{
	int r;

	r = set_memory(veid, res);
	if (r == 0)
		r = set_cpu(veid, res);
	if (r == 0)
		r = set_cpuset(veid, res);
	if (r == 0)
		r = set_pids_blkio(veid, res);
	return r;
}

/* A device number as the devices cgroup writes it: -1 is "*". */
static const char *dev_num(char *buf, size_t size, int n)
{
	if (n < 0)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%d", n);
	return buf;
}

static bool device_overrides(const struct ve_sec *sec, const char *rule)
{
	char t;
	char maj[16], min[16];

	if (sscanf(rule, "%c %15[^:]:%15s", &t, maj, min) != 3)
		return false;
	for (unsigned i = 0; i < sec->n_devices; i++) {
		const struct ve_device *d = &sec->devices[i];
		char dmaj[16], dmin[16];

		if (d->type == t && ve_streq(dev_num(dmaj, sizeof(dmaj), d->major), maj) &&
		    ve_streq(dev_num(dmin, sizeof(dmin), d->minor), min))
			return true;
	}
	return false;
}

/* The allow list: the defaults a DEVICES entry does not replace, then those entries. */
static char *device_allow_list(const struct ve_sec *sec)
{
	char *s = NULL;
	size_t len = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++)
		if (!device_overrides(sec, default_devices[i]))
			fprintf(f, "%s\n", default_devices[i]);
	for (unsigned i = 0; i < sec->n_devices; i++) {
		const struct ve_device *d = &sec->devices[i];

		if (!(d->access & (VE_DEV_READ | VE_DEV_WRITE | VE_DEV_MKNOD)))
			continue; /* already denied by "a" */
		char maj[16], min[16];

		fprintf(f, "%c %s:%s %s%s%s\n", d->type, dev_num(maj, sizeof(maj), d->major),
			dev_num(min, sizeof(min), d->minor), d->access & VE_DEV_READ ? "r" : "",
			d->access & VE_DEV_WRITE ? "w" : "", d->access & VE_DEV_MKNOD ? "m" : "");
	}
	if (fclose(TAKE_PTR(f)) != 0) {
		free(s);
		return NULL;
	}
	if (len > 0)
		s[len - 1] = '\0'; /* vcg_modify writes each line separately; no trailing one */
	return s;
}

static int v1_apply_devices(unsigned veid, const struct ve_sec *sec)
{
	_cleanup_free_ char *allow = NULL;
	int r;

	if (vcg.h_devices < 0) {
		log_warn("no devices cgroup, VE %u gets no device policy", veid);
		return 0;
	}
	allow = device_allow_list(sec);
	if (!allow)
		return -ENOMEM;
	/* Deny everything first, then allow the list: a whitelist, as vzctl keeps it. */
	r = modify(veid, vcg.h_devices,
		   (const char *const[]){"devices.deny", "a", "devices.allow", allow}, 4);
	return r < 0 ? log_errno(r, "set device access of VE %u: %m", veid) : 0;
}

static int v1_delegate(unsigned veid, uid_t uid, gid_t gid)
{
	static const char *const files[] = {"", "cgroup.procs", "tasks", "cgroup.clone_children",
					    "notify_on_release"};
	char path[PATH_MAX];

	/* Only name=systemd is mounted writable in the VE: its init builds its tree there. */
	if (vcg.h_systemd < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		vcg_path(path, sizeof(path), vcg.hier[vcg.h_systemd].mnt, veid,
			 files[i][0] ? files[i] : NULL);
		if (chown(path, uid, gid) < 0 && errno != ENOENT)
			return log_errno(neg_errno(), "chown '%s': %m", path);
	}
	return 0;
}

/* Whether the calling process has exactly one thread. */
static bool self_single_threaded(void)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir("/proc/self/task");

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n == 1;
}

/*
 * Moves the calling, single-threaded process into the VE's cgroup in every hierarchy by writing
 * "0" to "tasks". Writing a pid (libcgroup does) makes the kernel take cgroup_threadgroup_rwsem
 * for writing, which waits for a full RCU grace period (4-40 ms) whenever no other migration
 * happened within the last one; "0" in "tasks" moves only the current thread and skips that
 * lock (cgroup_procs_write_start), ~20 us per hierarchy.
 */
static int attach_self(unsigned veid)
{
	char dir[PATH_MAX];
	int r;

	for (unsigned i = 0; i < vcg.n_hier; i++) {
		r = vcg_write(vcg_path(dir, sizeof(dir), vcg.hier[i].mnt, veid, NULL), "tasks",
			      "0");
		if (r < 0)
			return log_errno(r, "move %d into cgroup '%s': %m", getpid(), dir);
	}
	return 0;
}

static int v1_attach(unsigned veid, pid_t pid)
{
	_cleanup_(vcg_cgroup_freep) struct cgroup *cg = NULL;
	char rel[128], dir[PATH_MAX], buf[32];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (pid == getpid() && self_single_threaded())
		return attach_self(veid);
	r = vcg_lib_init();
	if (r < 0)
		return r;
	cg = new_cg_all(vcg_rel(rel, sizeof(rel), veid));
	if (!cg)
		return -ENOMEM;
	/* libcgroup writes v1 "tasks", which moves one thread: move each of them. */
	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	if (!d)
		return log_errno(neg_errno(), "list threads of %d: %m", pid);
	while (r == 0 && (de = readdir(d))) {
		int tid = atoi(de->d_name);

		if (tid > 0)
			r = vcg_errno(cgroup_attach_task_pid(cg, tid));
	}
	closedir(d);
	if (r < 0)
		return log_errno(r, "move %d into cgroup '%s': %m", pid, rel);
	snprintf(buf, sizeof(buf), "%d", pid);
	for (unsigned i = 0; i < vcg.n_hier; i++) {
		if (!vcg.hier[i].named)
			continue;
		/* libcgroup 2.0 does not know named hierarchies (name=systemd). */
		r = vcg_write(vcg_path(dir, sizeof(dir), vcg.hier[i].mnt, veid, NULL),
			      "cgroup.procs", buf);
		if (r < 0)
			return log_errno(r, "move %d into cgroup '%s': %m", pid, dir);
	}
	return 0;
}

/* The hierarchy whose cgroup.procs lists the VE's processes: the VE cannot write to it. */
static const struct vcg_hier *procs_hier(void)
{
	if (vcg.h_freezer >= 0)
		return &vcg.hier[vcg.h_freezer];
	if (vcg.h_pids >= 0)
		return &vcg.hier[vcg.h_pids];
	for (unsigned i = 0; i < vcg.n_hier; i++)
		if (!vcg.hier[i].named)
			return &vcg.hier[i];
	return &vcg.hier[0];
}

static int v1_pids(unsigned veid, pid_t **ret, size_t *ret_n)
{
	const struct vcg_hier *h = procs_hier();

	return vcg_collect_procs(h->mnt, veid, ret, ret_n);
}

static int wait_frozen(const char *dir, unsigned timeout_ms)
{
	uint64_t deadline = ve_now_usec() + (uint64_t)timeout_ms * 1000;
	char state[32];
	int r;

	for (;;) {
		r = vcg_read_line(dir, "freezer.state", state, sizeof(state));
		if (r < 0 || ve_streq(state, "FROZEN"))
			return r;
		if (ve_now_usec() >= deadline)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

static int v1_kill_all(unsigned veid, unsigned timeout_ms)
{
	uint64_t deadline = ve_now_usec() + (uint64_t)timeout_ms * 1000;
	char fdir[PATH_MAX];
	bool freezer = vcg.h_freezer >= 0;
	_cleanup_free_ pid_t *first = NULL;
	size_t n0 = 0;
	int r;

	/* Nothing to kill (a stop killed init, and with it the VE's pid namespace): no freeze. */
	r = v1_pids(veid, &first, &n0);
	if (r == -ENOENT || (r == 0 && n0 == 0))
		return 0;
	if (freezer) {
		vcg_path(fdir, sizeof(fdir), vcg.hier[vcg.h_freezer].mnt, veid, NULL);
		/* Frozen, no task can fork a child between our reading the list and the kill. */
		r = vcg_write(fdir, "freezer.state", "FROZEN");
		if (r == -ENOENT)
			return 0;
		if (r == 0 && wait_frozen(fdir, timeout_ms < 1000 ? timeout_ms : 1000) < 0)
			log_debug("VE %u not fully frozen, killing anyway", veid);
	}
	for (unsigned round = 0;; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		r = v1_pids(veid, &pids, &n);
		if (r == -ENOENT)
			r = 0;
		if (r == 0)
			vcg_kill_pids(pids, n);
		/* SIGKILLed tasks only die once thawed. */
		if (round == 0 && freezer)
			(void)vcg_write(fdir, "freezer.state", "THAWED");
		if (r < 0)
			return log_errno(r, "list processes of VE %u: %m", veid);
		if (n == 0)
			return 0;
		uint64_t now = ve_now_usec();
		if (now >= deadline)
			return log_errno(-ETIMEDOUT, "%zu processes of VE %u survive SIGKILL: %m",
					 n, veid);
		/* Then list again: something may have forked before the freeze took hold, and a
		 * pid reused meanwhile must not hold us for long. */
		unsigned left = (unsigned)((deadline - now) / 1000) + 1;
		(void)vcg_wait_pids_exit(pids, n, left < 100 ? left : 100);
	}
}

static int v1_freeze(unsigned veid, bool freeze)
{
	char dir[PATH_MAX];
	int r;

	if (vcg.h_freezer < 0)
		return log_errno(-EOPNOTSUPP, "no freezer cgroup to freeze VE %u: %m", veid);
	vcg_path(dir, sizeof(dir), vcg.hier[vcg.h_freezer].mnt, veid, NULL);
	/* A state file to poll: a direct write keeps the pair in one place. */
	r = vcg_write(dir, "freezer.state", freeze ? "FROZEN" : "THAWED");
	if (r < 0)
		return log_errno(r, "%s VE %u: %m", freeze ? "freeze" : "thaw", veid);
	if (!freeze)
		return 0;
	r = wait_frozen(dir, 5000);
	if (r < 0) {
		(void)vcg_write(dir, "freezer.state", "THAWED");
		return log_errno(r, "freeze VE %u: %m", veid);
	}
	return 0;
}

static int v1_destroy(unsigned veid)
{
	char dir[PATH_MAX];
	int r = 0, k;

	/* Plain rmdir, children first: libcgroup's delete moves remaining tasks to the parent
	 * (even with CGFLAG_DELETE_IGNORE_MIGRATION), which would silently let a live VE's
	 * processes escape into <parent>; rmdir fails with EBUSY instead. */
	for (unsigned i = 0; i < vcg.n_hier; i++) {
		k = vcg_rmdir_tree(vcg_path(dir, sizeof(dir), vcg.hier[i].mnt, veid, NULL));
		if (k < 0 && r == 0)
			r = log_errno(k, "remove cgroup '%s': %m", dir);
	}
	return r;
}

static void read_opt(int h, unsigned veid, const char *file, uint64_t *ret)
{
	char dir[PATH_MAX];

	if (h >= 0 &&
	    vcg_read_u64(vcg_path(dir, sizeof(dir), vcg.hier[h].mnt, veid, NULL), file, ret) < 0)
		*ret = 0;
}

static int v1_stats(unsigned veid, struct ve_cgroup_stats *ret)
{
	char dir[PATH_MAX];
	uint64_t memsw = 0, ns = 0;

	if (access(vcg_path(dir, sizeof(dir), procs_hier()->mnt, veid, NULL), F_OK) < 0)
		return neg_errno();
	read_opt(vcg.h_pids, veid, "pids.current", &ret->numproc);
	read_opt(vcg.h_memory, veid, "memory.usage_in_bytes", &ret->mem_usage);
	read_opt(vcg.h_memory, veid, "memory.memsw.usage_in_bytes", &memsw);
	read_opt(vcg.h_cpuacct, veid, "cpuacct.usage", &ns);
	if (memsw > ret->mem_usage)
		ret->swap_usage = memsw - ret->mem_usage;
	ret->cpu_usec = ns / 1000;
	if (vcg.h_pids < 0) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (v1_pids(veid, &pids, &n) == 0)
			ret->numproc = n;
	}
	return 0;
}

static int set_io_limit(unsigned veid, dev_t dev, uint64_t bps, uint64_t iops)
{
	char b[64], o[64];
	int r;

	if (vcg.h_blkio < 0)
		return log_errno(-EOPNOTSUPP, "no blkio cgroup for I/O limits: %m");
	/* "M:m 0" removes the device's rule. */
	snprintf(b, sizeof(b), "%u:%u %" PRIu64, major(dev), minor(dev), bps);
	snprintf(o, sizeof(o), "%u:%u %" PRIu64, major(dev), minor(dev), iops);
	r = modify(veid, vcg.h_blkio,
		   (const char *const[]){
		       "blkio.throttle.read_bps_device", b, "blkio.throttle.write_bps_device", b,
		       "blkio.throttle.read_iops_device", o, "blkio.throttle.write_iops_device", o},
		   8);
	return r < 0 ? log_errno(r, "set I/O limits of VE %u: %m", veid) : 0;
}

/* Mounts hierarchy h at tfd/<name>; no heap use: this runs in a forked child. */
static int mount_hier(int tfd, const struct vcg_hier *h)
{
	const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char names[sizeof(h->name)], *save = NULL;
	int fd, r;

	if (mkdirat(tfd, h->name, 0755) < 0 && errno != EEXIST)
		return neg_errno();
	fd = openat(tfd, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	/* Controllers read-only: limits are the host's to set. name=systemd stays writable so
	 * the VE's init can build its own tree below its cgroup namespace root. */
	r = vcg_mount_fd("cgroup", fd, "cgroup", fl | (h->named ? 0 : MS_RDONLY), h->opts);
	close(fd);
	if (r < 0)
		return r;
	/* Co-mounted controllers get the host's symlinks: cpu -> cpu,cpuacct. */
	if (!strchr(h->name, ','))
		return 0;
	memcpy(names, h->name, sizeof(names));
	for (char *t = strtok_r(names, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (symlinkat(h->name, tfd, t) < 0 && errno != EEXIST)
			return neg_errno();
	return 0;
}

static int v1_mount_in_ve(const char *root)
{
	const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int fd, r;

	fd = vcg_open_dir_nofollow(root, "sys/fs/cgroup");
	if (fd < 0)
		return log_errno(fd, "open '%s/sys/fs/cgroup': %m", root);
	r = vcg_mount_fd("cgroup", fd, "tmpfs", fl, "mode=755,size=64k");
	close(fd);
	if (r < 0)
		return log_errno(r, "mount tmpfs on '%s/sys/fs/cgroup': %m", root);
	/* Reopened: the path now leads into the new tmpfs. */
	fd = vcg_open_dir_nofollow(root, "sys/fs/cgroup");
	if (fd < 0)
		return log_errno(fd, "open '%s/sys/fs/cgroup': %m", root);
	for (unsigned i = 0; i < vcg.n_hier; i++) {
		r = mount_hier(fd, &vcg.hier[i]);
		if (r < 0) {
			close(fd);
			return log_errno(r, "mount cgroup '%s' in the VE: %m", vcg.hier[i].opts);
		}
	}
	/* Read-only once populated, so the VE cannot add or replace hierarchies. */
	r = vcg_mount_fd(NULL, fd, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | fl, NULL);
	close(fd);
	return r < 0 ? log_errno(r, "remount '%s/sys/fs/cgroup' read-only: %m", root) : 0;
}

const struct cgroup_ops vcg_v1_ops = {
    .name = "v1",
    .detect = v1_detect,
    .create_parent = v1_create_parent,
    .create = v1_create,
    .apply_res = v1_apply_res,
    .apply_devices = v1_apply_devices,
    .delegate = v1_delegate,
    .attach = v1_attach,
    .pids = v1_pids,
    .kill_all = v1_kill_all,
    .freeze = v1_freeze,
    .destroy = v1_destroy,
    .stats = v1_stats,
    .mount_in_ve = v1_mount_in_ve,
    .set_io_limit = set_io_limit,
};
