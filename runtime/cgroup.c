/*
 * Per-VE control groups: layout detection, the dispatch to the v1 or v2 ops, value conversions
 * and the helpers both backends share. libcgroup creates cgroups, writes values, attaches and
 * lists tasks; the few things it cannot do are done on the files directly, each with a why.
 */
#include "runtime/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>

#include "runtime/cgroup-internal.h"
#include "runtime/util.h"

struct vcg_state vcg;
static const struct cgroup_ops *ops;

int vcg_errno(int cgret)
{
	int e;

	switch (cgret) {
	case 0:
	case ECGEOF:
		return 0;
	case ECGOTHER:
		e = cgroup_get_last_errno();
		return e > 0 ? -e : -EIO;
	case ECGROUPNOTEXIST:
	case ECGROUPVALUENOTEXIST:
		return -ENOENT;
	case ECGROUPNOTMOUNTED:
	case ECGROUPSUBSYSNOTMOUNTED:
	case ECGROUPNOTCOMPILED:
		return -ENODEV;
	case ECGROUPNOTALLOWED:
	case ECGROUPNOTOWNER:
		return -EPERM;
	case ECGNONEMPTY:
		return -EBUSY;
	case ECGINVAL:
	case ECGVALUEEXISTS:
	case ECGCONTROLLEREXISTS:
		return -EINVAL;
	case ECGROUPUNSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

void vcg_cgroup_freep(struct cgroup **cg)
{
	if (*cg)
		cgroup_free(cg);
}

int vcg_lib_init(void)
{
	int r;

	if (vcg.lib_ready)
		return 0;
	r = vcg_errno(cgroup_init());
	if (r < 0)
		return log_errno(r == -ENODEV ? -ENODEV : r, "initialise libcgroup: %m");
	vcg.lib_ready = true;
	return 0;
}

int vcg_modify(unsigned veid, const char *mnt, const char *const *kv, size_t n)
{
	char dir[PATH_MAX];

	vcg_path(dir, sizeof(dir), mnt, veid, NULL);
	for (size_t i = 0; i + 1 < n; i += 2) {
		/* One write per line (a devices.allow rule each); an empty value leaves the
		 * kernel's default. */
		for (const char *v = kv[i + 1]; *v;) {
			size_t len = strcspn(v, "\n");
			char line[4096];
			int r;

			if (len >= sizeof(line))
				return -E2BIG;
			memcpy(line, v, len);
			line[len] = '\0';
			r = vcg_write(dir, kv[i], line);
			if (r < 0)
				return r;
			v += len + (v[len] == '\n');
		}
	}
	return 0;
}

int vcg_mkdir(unsigned veid, const char *mnt)
{
	char dir[PATH_MAX];

	if (mkdir(vcg_path(dir, sizeof(dir), mnt, veid, NULL), 0755) < 0 && errno != EEXIST)
		return log_errno(neg_errno(), "create cgroup '%s': %m", dir);
	return 0;
}

char *vcg_rel(char *buf, size_t size, unsigned veid)
{
	snprintf(buf, size, "%s/%u", vcg.parent, veid);
	return buf;
}

char *vcg_path(char *buf, size_t size, const char *mnt, unsigned veid, const char *file)
{
	snprintf(buf, size, "%s/%s/%u%s%s", mnt, vcg.parent, veid, file ? "/" : "",
		 file ? file : "");
	return buf;
}

int vcg_write(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	/* cgroup files take one value per write(2): never split it. */
	if (write(fd, value, len) != (ssize_t)len)
		return neg_errno();
	return 0;
}

int vcg_modify_changed(unsigned veid, const char *mnt, const char *const *kv, size_t n)
{
	char dir[PATH_MAX], cur[4096];

	vcg_path(dir, sizeof(dir), mnt, veid, NULL);
	for (size_t i = 0; i + 1 < n; i += 2) {
		int r;

		if (vcg_read_line(dir, kv[i], cur, sizeof(cur)) == 0 && ve_streq(cur, kv[i + 1]))
			continue;
		r = vcg_modify(veid, mnt, kv + i, 2);
		if (r < 0)
			return r;
	}
	return 0;
}

int vcg_read_line(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return neg_errno();
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int vcg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char buf[64];
	int r = vcg_read_line(dir, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (ve_streq(buf, "max")) {
		*ret = VE_UNLIMITED;
		return 0;
	}
	return ve_parse_u64(buf, ret);
}

int vcg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret)
{
	char path[PATH_MAX], line[256];
	_cleanup_fclose_ FILE *f = NULL;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return neg_errno();
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ' ')
			continue;
		line[strcspn(line, "\n")] = '\0';
		return ve_parse_u64(line + klen + 1, ret);
	}
	return -ENOENT;
}

/* "key N" from a flat keyed file already open as fd, read again from its start. */
static int read_key_fd(int fd, const char *key, uint64_t *ret)
{
	char buf[512], *line, *save = NULL;
	size_t klen = strlen(key);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return neg_errno();
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return ve_parse_u64(line + klen + 1, ret);
	return -ENOENT;
}

int vcg_read_procs(const char *dir, pid_t **pids, size_t *n)
{
	char path[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;
	long v;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return neg_errno();
	while (fscanf(f, "%ld", &v) == 1) {
		pid_t *np = realloc(*pids, (*n + 1) * sizeof(pid_t));

		if (!np)
			return -ENOMEM;
		np[(*n)++] = (pid_t)v;
		*pids = np;
	}
	return 0;
}

int vcg_walk(const char *dir, bool post, int (*fn)(const char *dir, void *data), void *data)
{
	DIR *d;
	struct dirent *de;
	int r = 0, k;

	if (!post) {
		r = fn(dir, data);
		if (r < 0)
			return r;
	}
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : neg_errno();
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		k = vcg_walk(sub, post, fn, data);
		if (k < 0 && r == 0)
			r = k;
	}
	closedir(d);
	if (post) {
		k = fn(dir, data);
		if (k < 0 && r == 0)
			r = k;
	}
	return r;
}

struct procs_ctx {
	pid_t *pids;
	size_t n;
};

static int collect_one(const char *dir, void *data)
{
	struct procs_ctx *c = data;
	int r = vcg_read_procs(dir, &c->pids, &c->n);

	return r == -ENOENT ? 0 : r; /* a child cgroup may vanish while we walk */
}

int vcg_collect_procs(const char *mnt, unsigned veid, pid_t **ret, size_t *ret_n)
{
	struct procs_ctx c = {0};
	char dir[PATH_MAX];
	int r;

	if (access(vcg_path(dir, sizeof(dir), mnt, veid, NULL), F_OK) < 0)
		return neg_errno();
	r = vcg_walk(dir, false, collect_one, &c);
	if (r < 0) {
		free(c.pids);
		return r;
	}
	*ret = c.pids;
	*ret_n = c.n;
	return 0;
}

static int rmdir_one(const char *dir, void *data)
{
	if (rmdir(dir) < 0 && errno != ENOENT)
		return neg_errno();
	return 0;
}

int vcg_rmdir_tree(const char *dir)
{
	/* A cgroup directory only holds control files, which rmdir(2) removes with it. */
	return vcg_walk(dir, true, rmdir_one, NULL);
}

void vcg_kill_pids(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			(void)kill(pids[i], SIGKILL);
}

int vcg_wait_pids_exit(const pid_t *pids, size_t n, unsigned timeout_ms)
{
	uint64_t deadline = ve_now_usec() + (uint64_t)timeout_ms * 1000;
	struct pollfd p[64];
	nfds_t np = 0;
	int r = 0;

	for (size_t i = 0; i < n && np < ARRAY_SIZE(p); i++) {
		int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);

		if (fd >= 0) /* ESRCH: already gone */
			p[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	/* A pidfd turns readable once its process has exited, after it left its cgroups. */
	for (nfds_t done = 0; done < np;) {
		uint64_t now = ve_now_usec();
		int k;

		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		k = poll(p, np, (int)((deadline - now + 999) / 1000));
		if (k < 0 && errno != EINTR) {
			r = neg_errno();
			break;
		}
		for (nfds_t i = 0; k > 0 && i < np; i++)
			if (p[i].fd >= 0 && p[i].revents) {
				close(p[i].fd);
				p[i].fd = -1; /* poll ignores negative fds */
				done++;
			}
	}
	for (nfds_t i = 0; i < np; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	return r;
}

int vcg_wait_event(const char *dir, const char *key, uint64_t want, unsigned timeout_ms)
{
	uint64_t deadline = ve_now_usec() + (uint64_t)timeout_ms * 1000, v;
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT && ve_streq(key, "populated") ? 0 : neg_errno();
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		uint64_t now;

		/* Reading arms the notification: a change after this read wakes the poll. */
		r = read_key_fd(fd, key, &v);
		if (r == -ENODEV && ve_streq(key, "populated"))
			return 0; /* the cgroup was removed meanwhile */
		if (r < 0 || v == want)
			return r;
		now = ve_now_usec();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((deadline - now + 999) / 1000)) < 0 && errno != EINTR)
			return neg_errno();
	}
}

int vcg_open_dir_nofollow(const char *root, const char *rel)
{
	char comp[NAME_MAX + 1];
	const char *p = rel;
	int fd, nfd;

	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0) {
			p++;
			continue;
		}
		if (len > NAME_MAX || (len <= 2 && !strncmp(p, "..", len))) {
			close(fd);
			return -EINVAL;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p += len;
		/* O_NOFOLLOW on every component: a symlink the VE's root planted is refused. */
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && mkdirat(fd, comp, 0755) == 0)
			nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int r = neg_errno();
			close(fd);
			return r;
		}
		close(fd);
		fd = nfd;
	}
	return fd;
}

int vcg_mount_fd(const char *src, int fd, const char *fstype, unsigned long flags, const char *data)
{
	char target[64];

	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(src, target, fstype, flags, data) < 0)
		return neg_errno();
	return 0;
}

static int detect_mode(enum ve_cgroup_mode *ret)
{
	struct statfs sfs;

	if (statfs(VCG_ROOT, &sfs) < 0)
		return log_errno(neg_errno(), "statfs '%s': %m", VCG_ROOT);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		*ret = VE_CGROUP_V2;
		return 0;
	}
	if (statfs(VCG_ROOT "/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		*ret = VE_CGROUP_HYBRID;
	else
		*ret = VE_CGROUP_V1;
	return 0;
}

static int set_parent(const char *parent)
{
	const char *p = parent ? parent : "vz";
	size_t len;

	while (*p == '/')
		p++;
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof(vcg.parent) || strstr(p, ".."))
		return log_errno(-EINVAL, "invalid cgroup parent '%s': %m", parent);
	if (strlen(vcg.parent) != len || strncmp(vcg.parent, p, len)) {
		snprintf(vcg.parent, sizeof(vcg.parent), "%.*s", (int)len, p);
		vcg.parent_ready = false;
	}
	return 0;
}

int ve_cgroup_init(const char *parent)
{
	enum ve_cgroup_mode mode = VE_CGROUP_V1;
	int r;

	r = set_parent(parent);
	if (r < 0)
		return r;
	if (vcg.ready)
		return 0;
	r = detect_mode(&mode);
	if (r < 0)
		return r;
	vcg.mode = mode;
	ops = mode == VE_CGROUP_V2 ? &vcg_v2_ops : &vcg_v1_ops;
	r = ops->detect();
	if (r < 0)
		return r;
	vcg.ready = true;
	log_debug("cgroup layout: %s, parent '%s'", ve_cgroup_mode_name(), vcg.parent);
	return 0;
}

enum ve_cgroup_mode ve_cgroup_mode(void)
{
	return vcg.ready ? vcg.mode : 0;
}

const char *ve_cgroup_mode_name(void)
{
	switch (ve_cgroup_mode()) {
	case VE_CGROUP_V1:
		return "v1";
	case VE_CGROUP_V2:
		return "v2";
	case VE_CGROUP_HYBRID:
		return "hybrid";
	}
	return "none";
}

static int ensure_ready(void)
{
	if (vcg.ready)
		return 0;
	return ve_cgroup_init(vcg.parent[0] ? vcg.parent : NULL);
}

static int ensure_parent(void)
{
	int r = ensure_ready();

	if (r < 0 || vcg.parent_ready)
		return r;
	r = ops->create_parent();
	if (r < 0)
		return r;
	vcg.parent_ready = true;
	return 0;
}

/* The host uid/gid that the VE's root maps to, when it runs in a user namespace. */
static bool ve_root_owner(const struct ve_sec *sec, uid_t *uid, gid_t *gid)
{
	if (!sec || sec->privileged || !sec->uidmap.count || !sec->gidmap.count)
		return false;
	if (sec->uidmap.inside != 0 || sec->gidmap.inside != 0)
		return false;
	*uid = sec->uidmap.outside;
	*gid = sec->gidmap.outside;
	return true;
}

int ve_cgroup_exists(unsigned veid)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = ensure_ready();

	if (r < 0)
		return r;
	r = ops->pids(veid, &pids, &n);
	free(pids);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

int ve_cgroup_apply(unsigned veid, const struct ve_res *res, const struct ve_sec *sec)
{
	int r = ensure_ready();

	if (r < 0)
		return r;
	if (res) {
		r = ops->apply_res(veid, res);
		if (r < 0)
			return r;
	}
	if (sec)
		r = ops->apply_devices(veid, sec);
	return r;
}

int ve_cgroup_create(unsigned veid, const struct ve_res *res, const struct ve_sec *sec)
{
	pid_t *pids = NULL;
	size_t n = 0;
	uid_t uid;
	gid_t gid;
	int r = ensure_parent();

	if (r < 0)
		return r;
	/* A cgroup left by a crashed start may still hold processes: empty it before reuse. */
	if (ops->pids(veid, &pids, &n) == 0 && n > 0) {
		log_warn("cgroup of VE %u holds %zu leftover processes, killing them", veid, n);
		r = ops->kill_all(veid, 5000);
	}
	free(pids);
	if (r < 0)
		return r;
	r = ops->create(veid);
	if (r < 0)
		goto fail;
	r = ve_cgroup_apply(veid, res, sec);
	if (r < 0)
		goto fail;
	/* An unprivileged VE's root must own its subtree to manage it (cgroup delegation). */
	if (ve_root_owner(sec, &uid, &gid)) {
		r = ops->delegate(veid, uid, gid);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	(void)ops->destroy(veid);
	return r;
}

int ve_cgroup_attach(unsigned veid, pid_t pid)
{
	int r = ensure_ready();

	return r < 0 ? r : ops->attach(veid, pid);
}

int ve_cgroup_clone_fd(unsigned veid)
{
	char dir[PATH_MAX];
	int r = ensure_ready(), fd;

	if (r < 0)
		return r;
	if (vcg.mode != VE_CGROUP_V2)
		return -EOPNOTSUPP;
	/* Not O_PATH: clone3 needs a real open file of the cgroup directory. */
	fd = open(vcg_path(dir, sizeof(dir), VCG_ROOT, veid, NULL),
		  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? neg_errno() : fd;
}

int ve_cgroup_pids(unsigned veid, pid_t **ret, size_t *ret_n)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = ensure_ready();

	if (r < 0)
		return r;
	r = ops->pids(veid, &pids, &n);
	if (r < 0) {
		free(pids);
		return r;
	}
	*ret = pids;
	*ret_n = n;
	return 0;
}

int ve_cgroup_has_pid(unsigned veid, pid_t pid)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = ve_cgroup_pids(veid, &pids, &n);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

int ve_cgroup_kill_all(unsigned veid, unsigned timeout_ms)
{
	int r = ensure_ready();

	return r < 0 ? r : ops->kill_all(veid, timeout_ms);
}

int ve_cgroup_destroy(unsigned veid)
{
	int r = ensure_ready();

	if (r < 0)
		return r;
	/*
	 * A task killed a moment ago can keep its cgroup busy until it has fully exited, after
	 * cgroup.procs already reads empty; and a task that was inside an uninterruptible
	 * migration when it was killed arrives after the kill. Retry for up to a second, killing
	 * whatever shows up; only the last failure is reported.
	 */
	for (int i = 0; i < 200; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		int level = ve_log_get_level();
		size_t n = 0;

		ve_log_set_level(-1);
		r = ops->destroy(veid);
		ve_log_set_level(level);
		if (r != -EBUSY)
			break;
		if (ops->pids(veid, &pids, &n) == 0 && n > 0)
			ops->kill_all(veid, 100);
		usleep(5000);
	}
	if (r < 0 && r != -ENOENT)
		log_errno(r, "Unable to remove the cgroups of CT %u: %m", veid);
	return r;
}

int ve_cgroup_stats(unsigned veid, struct ve_cgroup_stats *ret)
{
	int r = ensure_ready();

	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	return ops->stats(veid, ret);
}

int ve_cgroup_freeze(unsigned veid, bool freeze)
{
	int r = ensure_ready();

	return r < 0 ? r : ops->freeze(veid, freeze);
}

int ve_cgroup_mount_in_ve(const char *root)
{
	/* Runs in a forked child: the layout must have been detected before the fork. */
	if (!vcg.ready)
		return -ENODEV;
	return ops->mount_in_ve(root);
}

/* The whole disk behind a block device: a partition's parent in sysfs. */
static int whole_disk(dev_t dev, dev_t *ret)
{
	char path[PATH_MAX], buf[32];
	unsigned maj, min;
	int r;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (access(path, F_OK) < 0)
		return -ENODEV;
	if (access(strcat(path, "/partition"), F_OK) < 0) {
		*ret = dev;
		return 0;
	}
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/..", major(dev), minor(dev));
	r = vcg_read_line(path, "dev", buf, sizeof(buf));
	if (r < 0)
		return r;
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	*ret = makedev(maj, min);
	return 0;
}

int ve_cgroup_set_io_limit(unsigned veid, const char *path_on_disk, uint64_t bps, uint64_t iops)
{
	struct stat st;
	dev_t disk;
	int r = ensure_ready();

	if (r < 0)
		return r;
	if (stat(path_on_disk, &st) < 0)
		return log_errno(neg_errno(), "stat '%s': %m", path_on_disk);
	r = whole_disk(st.st_dev, &disk);
	if (r < 0)
		return log_errno(r, "no block device behind '%s' (%u:%u) for I/O limits: %m",
				 path_on_disk, major(st.st_dev), minor(st.st_dev));
	return ops->set_io_limit(veid, disk, bps, iops);
}

uint64_t ve_cgroup_cpuunits_to_shares(unsigned cpuunits)
{
	/* vzctl's default 1000 units is the kernel's default 1024 shares. */
	uint64_t shares = (uint64_t)cpuunits * 1024 / 1000;

	if (shares < 2)
		return 2;
	if (shares > 262144)
		return 262144;
	return shares;
}

uint64_t ve_cgroup_cpuunits_to_weight(unsigned cpuunits)
{
	/* crun/runc: weight = 1 + (shares - 2) * 9999 / 262142, mapping [2, 262144] onto
	 * [1, 10000]. */
	uint64_t shares = ve_cgroup_cpuunits_to_shares(cpuunits);
	uint64_t weight = 1 + (shares - 2) * 9999 / 262142;

	return weight > 10000 ? 10000 : weight;
}

uint64_t ve_cgroup_cpu_quota(unsigned cpulimit, unsigned cpus, uint64_t period_us)
{
	uint64_t q = 0;

	if (cpulimit)
		q = (uint64_t)cpulimit * period_us / 100;
	if (cpus && (q == 0 || (uint64_t)cpus * period_us < q))
		q = (uint64_t)cpus * period_us;
	/* The kernel refuses a quota under 1 ms. */
	if (q && q < 1000)
		q = 1000;
	return q;
}

unsigned ve_cgroup_ioprio_to_weight(int ioprio)
{
	/* 0..7 onto 100..1000: the lowest priority still weighs as much as a non-VE group
	 * (BFQ's default weight is 100). Unset (< 0) gives 0: leave the weight alone. */
	if (ioprio < 0)
		return 0;
	if (ioprio > 7)
		ioprio = 7;
	return 100 + (unsigned)ioprio * 900 / 7;
}
