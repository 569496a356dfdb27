/*
 * Project quota primitives for the "prjquota" and "pool" layouts: probing whether a
 * filesystem enforces project quota, tagging a directory with a project id, and setting and
 * reading a project's limits. Everything goes through quotactl_fd(2) (Linux 5.14+) on a
 * directory of the filesystem, so no block device path is needed, and through the generic
 * quota interface, which XFS and ext4 both implement.
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

static int quotactl_fd(int fd, unsigned cmd, uint32_t id, void *addr)
{
	return syscall(SYS_quotactl_fd, fd, QCMD(cmd, PRJQUOTA), id, addr) < 0 ? neg_errno() : 0;
}

/* Opens path, or its nearest existing parent (VE_PRIVATE may not exist yet). */
static int open_existing(const char *path)
{
	_cleanup_free_ char *p = strdup(path);
	char *slash;
	int fd;

	if (!p)
		return -ENOMEM;
	for (;;) {
		fd = open(*p ? p : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			return fd < 0 ? neg_errno() : fd;
		slash = strrchr(p, '/');
		if (!slash)
			return -ENOENT;
		*slash = '\0';
	}
}

int storage_quota_check(const char *path, const char **why)
{
	_cleanup_close_ int fd = open_existing(path);
	struct if_dqinfo info;
	struct fs_quota_stat st = {0};
	int r;

	if (fd < 0) {
		*why = "the directory cannot be opened";
		return fd;
	}
	r = quotactl_fd(fd, Q_GETINFO, 0, &info);
	if (r == -ENOSYS) {
		*why = "the kernel has no quotactl_fd (Linux 5.14 or newer needed)";
		return -EOPNOTSUPP;
	}
	if (r == -ESRCH) {
		*why = "project quota is off on its filesystem (mount it with prjquota)";
		return -EOPNOTSUPP;
	}
	if (r < 0) {
		*why = r == -EPERM ? "quotactl is not permitted here"
				   : "its filesystem has no quota support";
		return -EOPNOTSUPP;
	}
	/* Accounting alone does not stop a VE: the limits must be enforced. */
	r = quotactl_fd(fd, Q_XGETQSTAT, 0, &st);
	if (r == 0 && !(st.qs_flags & FS_QUOTA_PDQ_ENFD)) {
		*why = "project quota is accounted but not enforced on its filesystem";
		return -EOPNOTSUPP;
	}
	return 0;
}

int storage_quota_tag(int dfd, uint32_t projid)
{
	struct fsxattr fsx;

	if (ioctl(dfd, FS_IOC_FSGETXATTR, &fsx) < 0)
		return neg_errno();
	/* PROJINHERIT: everything created below, overlay's work files included, joins the
	 * project; a rename from outside it fails with EXDEV instead of escaping the quota. */
	fsx.fsx_projid = projid;
	fsx.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	return ioctl(dfd, FS_IOC_FSSETXATTR, &fsx) < 0 ? neg_errno() : 0;
}

int storage_quota_get(int fd, uint32_t projid, struct storage_quota *ret)
{
	struct if_dqblk q = {0};
	int r = quotactl_fd(fd, Q_GETQUOTA, projid, &q);

	memset(ret, 0, sizeof(*ret));
	/* XFS has no quota record for a project that never owned a file: nothing used. */
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	ret->bytes_used = q.dqb_curspace;
	ret->inodes_used = q.dqb_curinodes;
	ret->bytes_soft = q.dqb_bsoftlimit * QIF_DQBLKSIZE;
	ret->bytes_hard = q.dqb_bhardlimit * QIF_DQBLKSIZE;
	ret->inodes_soft = q.dqb_isoftlimit;
	ret->inodes_hard = q.dqb_ihardlimit;
	return 0;
}

/* A limit in the quota's units (bytes or inodes) from a vzctl value; 0 is "none". */
static uint64_t lim(uint64_t v, uint64_t extra)
{
	return v == VE_UNLIMITED ? 0 : v + extra;
}

int storage_quota_set(int fd, uint32_t projid, const struct ve_fs *fs, uint64_t extra_inodes)
{
	struct if_dqblk q = {.dqb_valid = QIF_LIMITS};

	/* Rounded up to the quota's 1 KB blocks, so a VE gets at least what it was sold. */
	q.dqb_bhardlimit = (lim(fs->diskspace.limit, 0) + QIF_DQBLKSIZE - 1) / QIF_DQBLKSIZE;
	q.dqb_bsoftlimit = (lim(fs->diskspace.barrier, 0) + QIF_DQBLKSIZE - 1) / QIF_DQBLKSIZE;
	q.dqb_ihardlimit = lim(fs->diskinodes.limit, extra_inodes);
	q.dqb_isoftlimit = lim(fs->diskinodes.barrier, extra_inodes);
	return quotactl_fd(fd, Q_SETQUOTA, projid, &q);
}

int storage_quota_clear(int fd, uint32_t projid)
{
	struct if_dqblk q = {.dqb_valid = QIF_LIMITS};

	return quotactl_fd(fd, Q_SETQUOTA, projid, &q);
}

int storage_quota_set_grace(int fd, uint64_t seconds)
{
	struct if_dqinfo info = {
	    .dqi_bgrace = seconds, .dqi_igrace = seconds, .dqi_valid = IIF_BGRACE | IIF_IGRACE};
	struct if_dqinfo now;

	/* The grace period is per filesystem and project quota type, not per project. */
	if (quotactl_fd(fd, Q_GETINFO, 0, &now) == 0 && now.dqi_bgrace == seconds &&
	    now.dqi_igrace == seconds)
		return 0;
	return quotactl_fd(fd, Q_SETINFO, 0, &info);
}
