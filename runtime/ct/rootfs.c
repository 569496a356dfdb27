/*
 * The VE's filesystem view, built inside its new mount namespace before init runs: /proc with
 * host-revealing entries masked, read-only /sys, /dev, /run, then pivot_root.
 * Runs in the forked child: plain syscalls, fixed buffers, no logging (errors go back to the
 * parent through ret_what).
 */
#include "ct-internal.h"
#include "runtime/cgroup.h"
#include "runtime/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/mount.h>

#define MNT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Host device nodes bind-mounted into the VE's /dev (mknod is not allowed in a user
 * namespace, and binds are what CRIU expects as external mounts). */
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

/* /proc files that reveal or control the host. */
static const char *const proc_masked_files[] = {
    "kcore",			 /* host memory image */
    "kmsg",			 /* host kernel log, and a way to flood it */
    "sysrq-trigger",		 /* crash or reboot the host */
    "keys",			 /* host keyrings' descriptions */
    "timer_list",		 /* host timers, pointers */
    "sched_debug",		 /* host scheduler state of every task */
    "latency_stats", "kallsyms", /* kernel addresses help exploits */
    "kpagecount",    "kpageflags", "kpagecgroup",
};
/* /proc directories hidden under an empty read-only directory (mask_dir). */
static const char *const proc_masked_dirs[] = {"acpi", "scsi", "driver", "fs/nfsd"};
/* /proc trees left visible but read-only. */
static const char *const proc_ro[] = {"sys", "irq", "bus", "fs", "sysvipc"};

static char path_buf[4096];

static int bind_ro(const char *src, const char *dst, unsigned long extra)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return neg_errno();
	/* A bind mount ignores MS_RDONLY on creation: remount it to make it stick. */
	if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | extra, NULL) < 0)
		return neg_errno();
	return 0;
}

/*
 * What masked directories are read-only binds of: an empty directory. Each superblock costs
 * every memory cgroup on the host a shrinker slot (8 bytes + bitmap, for as long as the host
 * runs), so the masks make none of their own: the source is the VE's own sysfs's
 * /sys/fs/cgroup before anything is mounted there (every kernel with cgroups has it, empty in
 * a new sysfs mount), else the first masked directory's read-only tmpfs.
 */
static char mask_src[4096];

static bool dir_is_empty(const char *p)
{
	char buf[512] __attribute__((aligned(8)));
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	long n = 0;
	bool empty = fd >= 0;

	while (empty && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			const struct dirent64 *d = (const void *)(buf + off);

			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				empty = false;
			off += d->d_reclen;
		}
	if (fd >= 0)
		close(fd);
	return empty && n == 0; /* read to its end, not stopped by an error */
}

/* Called once the VE's sysfs is mounted, before anything is mounted on its cgroup directory. */
static void mask_source_from_sysfs(const char *root)
{
	snprintf(mask_src, sizeof(mask_src), "%s/sys/fs/cgroup", root);
	if (!dir_is_empty(mask_src))
		mask_src[0] = '\0';
}

/* Hides directory p under an empty read-only directory, one for all masks of the VE. */
static int mask_dir(const char *p)
{
	if (mask_src[0])
		return bind_ro(mask_src, p, MNT_FLAGS);
	if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MNT_FLAGS, "size=0,mode=555") < 0)
		return neg_errno();
	snprintf(mask_src, sizeof(mask_src), "%s", p);
	return 0;
}

static const char *at(const char *root, const char *rel)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", root, rel);
	return path_buf;
}

/*
 * VE_MCAST_LEGACY_REPORTS=yes: the VE's kernel reports its multicast groups with MLDv1 and
 * IGMPv2, whose reports a snooping bridge sends toward its querier only, whereas it floods
 * MLDv2 and IGMPv3 reports to every port (to every VE on it). Set in the VE's new network
 * namespace before any interface of it exists (its first reports would be MLDv2), through a
 * proc instance of the VE's own pid namespace, made now and attached as its /proc later:
 * through the host's /proc the look-up would walk a dentry per VE (see net/net.c).
 * Returns that detached mount.
 */
int ct_rootfs_proc_mcast_legacy(const char **ret_what)
{
	static const char *const keys[][2] = {{"sys/net/ipv6/conf/all/force_mld_version", "1"},
					      {"sys/net/ipv4/conf/all/force_igmp_version", "2"}};
	int fs_fd, mnt = -1, fd, r = 0;

	*ret_what = "make the VE's /proc";
	fs_fd = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fs_fd < 0)
		return neg_errno();
	/* "proc" as the source, as mount(2) would name it in the mount table (CRIU reads it). */
	if (syscall(SYS_fsconfig, fs_fd, FSCONFIG_SET_STRING, "source", "proc", 0) == 0 &&
	    syscall(SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = (int)syscall(SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC,
				   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		r = neg_errno();
	close(fs_fd);
	*ret_what = "set the VE's multicast report versions";
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(keys); i++) {
		fd = openat(mnt, keys[i][0], O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			r = errno == ENOENT ? 0 : neg_errno(); /* ENOENT: a kernel without IPv6 */
			continue;
		}
		if (write(fd, keys[i][1], 1) < 0)
			r = neg_errno();
		close(fd);
	}
	if (r < 0 && mnt >= 0)
		close(mnt);
	return r < 0 ? r : mnt;
}

/* proc_fd: a proc mount of ours already made (ct_rootfs_proc_mcast_legacy), or -1. */
static int mount_proc(const char *root, int proc_fd, const char **what)
{
	char p[4096];
	int r;

	mkdir(at(root, "proc"), 0555);
	*what = "mount /proc";
	r = proc_fd >= 0 ? (int)syscall(SYS_move_mount, proc_fd, "", AT_FDCWD, at(root, "proc"),
					MOVE_MOUNT_F_EMPTY_PATH)
			 : mount("proc", at(root, "proc"), "proc", MNT_FLAGS, NULL);
	r = r < 0 ? neg_errno() : 0;
	if (proc_fd >= 0)
		close(proc_fd);
	if (r < 0)
		return r;
	/* Entries this kernel does not have fail with ENOENT: nothing to hide then. */
	for (size_t i = 0; i < ARRAY_SIZE(proc_masked_files); i++) {
		snprintf(p, sizeof(p), "%s/proc/%s", root, proc_masked_files[i]);
		*what = "mask /proc file";
		if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
			return neg_errno();
	}
	for (size_t i = 0; i < ARRAY_SIZE(proc_masked_dirs); i++) {
		snprintf(p, sizeof(p), "%s/proc/%s", root, proc_masked_dirs[i]);
		*what = "mask /proc directory";
		r = mask_dir(p);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(proc_ro); i++) {
		snprintf(p, sizeof(p), "%s/proc/%s", root, proc_ro[i]);
		*what = "make /proc subtree read-only";
		r = bind_ro(p, p, MNT_FLAGS);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	/* Network sysctls belong to the VE's own network namespace: give them back. */
	snprintf(p, sizeof(p), "%s/proc/sys/net", root);
	*what = "bind /proc/sys/net";
	if (mount(p, p, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MNT_FLAGS, NULL) < 0)
		return neg_errno();
	return 0;
}

/* Before /proc: its masks bind an empty directory of this sysfs. */
static int mount_sysfs(const char *root, const char **what)
{
	mkdir(at(root, "sys"), 0555);
	*what = "mount /sys";
	/* Read-only: sysfs writes reach host devices and kernel tunables. */
	if (mount("sysfs", at(root, "sys"), "sysfs", MS_RDONLY | MNT_FLAGS, NULL) < 0)
		return neg_errno();
	mask_source_from_sysfs(root);
	return 0;
}

static int mount_sys(const char *root, const char **what)
{
	*what = "mask /sys/firmware";
	int r = mask_dir(at(root, "sys/firmware"));
	if (r < 0 && r != -ENOENT)
		return r;
	*what = "mount cgroups";
	return ve_cgroup_mount_in_ve(root);
}

static int mount_dev(const char *root, const char **what)
{
	char dst[4096], src[64];

	mkdir(at(root, "dev"), 0755);
	*what = "mount /dev";
	/* Device nodes are binds; /dev/shm below is a directory of this tmpfs, so it has no size
	 * of its own: what the VE stores in it is charged to the VE's memory, as any tmpfs. */
	if (mount("tmpfs", at(root, "dev"), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755") < 0)
		return neg_errno();
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes) + 1; i++) {
		/* The console has no host terminal behind it: it is the VE's own /dev/null. */
		const char *name = i < ARRAY_SIZE(dev_nodes) ? dev_nodes[i] : "console";
		int fd;

		snprintf(dst, sizeof(dst), "%s/dev/%s", root, name);
		snprintf(src, sizeof(src), "/dev/%s", i < ARRAY_SIZE(dev_nodes) ? name : "null");
		fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0)
			return *what = "create /dev node", neg_errno();
		close(fd);
		*what = "bind /dev node";
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return neg_errno();
	}
	*what = "mount /dev/pts";
	mkdir(at(root, "dev/pts"), 0755);
	if (mount("devpts", path_buf, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		return neg_errno();
	*what = "link /dev/ptmx";
	if (symlink("pts/ptmx", at(root, "dev/ptmx")) < 0)
		return neg_errno();
	/* A directory of /dev's tmpfs bound onto itself: a mount point (the VE's init, systemd,
	 * then mounts no tmpfs of its own there) with no superblock of its own (see mask_src). */
	*what = "mount /dev/shm";
	if ((mkdir(at(root, "dev/shm"), 01777) < 0 && errno != EEXIST) ||
	    chmod(path_buf, 01777) < 0 || mount(path_buf, path_buf, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, path_buf, NULL, MS_BIND | MS_REMOUNT | MNT_FLAGS, NULL) < 0)
		return neg_errno();
	*what = "mount /dev/mqueue";
	mkdir(at(root, "dev/mqueue"), 01777);
	if (mount("mqueue", path_buf, "mqueue", MNT_FLAGS, NULL) < 0)
		return neg_errno();
	static const char *const links[][2] = {{"/proc/self/fd", "fd"},
					       {"/proc/self/fd/0", "stdin"},
					       {"/proc/self/fd/1", "stdout"},
					       {"/proc/self/fd/2", "stderr"}};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(dst, sizeof(dst), "%s/dev/%s", root, links[i][1]);
		if (symlink(links[i][0], dst) < 0)
			return *what = "link /dev/fd", neg_errno();
	}
	return 0;
}

static int mount_run(const char *root, const char **what)
{
	struct stat st;

	if (stat(at(root, "run"), &st) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* a template without /run gets none */
	*what = "mount /run";
	if (mount("tmpfs", path_buf, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0)
		return neg_errno();
	return 0;
}

static int pivot(const char *root, const char **what)
{
	*what = "chdir to the VE root";
	if (chdir(root) < 0)
		return neg_errno();
	/* pivot_root(".", ".") stacks the old root under the new one, then we detach it: no
	 * put_old directory is needed inside the VE. */
	*what = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return neg_errno();
	*what = "detach the host root";
	if (umount2(".", MNT_DETACH) < 0)
		return neg_errno();
	if (chdir("/") < 0)
		return neg_errno();
	return 0;
}

int ct_rootfs_setup(const struct ve_config *c, int root_fd, int layer_fd, int proc_fd,
		    const char **ret_what)
{
	const char *root = ".";
	int r;

	/* No mount of the VE may propagate to the host or back (and CRIU requires it). */
	*ret_what = "make / rprivate";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return neg_errno();
	/*
	 * The VE root is a detached mount, in no namespace: the host's mount table never lists
	 * it. Attached on our cwd (the mount point the helper entered as the host's root: an
	 * unprivileged VE's root may not be allowed to walk the path to it), it is a mount of
	 * this namespace's own, which pivot_root accepts (copies of the host's mounts are locked
	 * in a user namespace); fchdir steps onto it.
	 */
	/*
	 * The idmapped template the overlay holds a clone of: dropped as a detached mount it
	 * would cost an RCU grace period on the start's path. Attached under the root, it goes
	 * with the host's mounts in the one detach after pivot_root.
	 */
	if (layer_fd >= 0) {
		*ret_what = "attach the template layer";
		r = (int)syscall(SYS_move_mount, layer_fd, "", AT_FDCWD, ".",
				 MOVE_MOUNT_F_EMPTY_PATH);
		close(layer_fd);
		if (r < 0) {
			r = neg_errno();
			close(root_fd);
			return r;
		}
	}
	*ret_what = "attach the VE root";
	r = (int)syscall(SYS_move_mount, root_fd, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH);
	if (r == 0)
		r = fchdir(root_fd);
	r = r < 0 ? neg_errno() : 0;
	close(root_fd);
	if (r < 0)
		return r;
	/* everything below is relative to the new root mount */
	r = mount_sysfs(root, ret_what);
	if (r == 0)
		r = mount_proc(root, proc_fd, ret_what);
	else if (proc_fd >= 0)
		close(proc_fd);
	if (r == 0)
		r = mount_sys(root, ret_what);
	if (r == 0)
		r = mount_dev(root, ret_what);
	if (r == 0)
		r = mount_run(root, ret_what);
	if (r == 0)
		r = pivot(root, ret_what);
	return r;
}
