/*
 * "image": the overlay's upper layer lives in a per-VE sparse ext4 image,
 * VE_PRIVATE/vzkit-disk.img, attached to a loop device (direct I/O, autoclear) and mounted at
 * VE_PRIVATE/fs, which holds upper/ and work/. The image's size is the DISKSPACE hard limit and
 * its inode count the DISKINODES hard limit (mkfs -N, rounded up to whole inode-table blocks);
 * ext4 has no soft limit, so the soft values are only recorded. Works on any kernel with loop
 * devices and ext4; needs mkfs.ext4 (create) and e2fsck and resize2fs (offline grow).
 */
#include "storage-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#define IMAGE_NAME	"vzkit-disk.img"
#define IMAGE_BLOCK	4096ULL
#define IMAGE_MIN_BYTES (16ULL << 20)
#define LOOP_MAJOR_NR	7
/* Inodes kept free for overlayfs: its mount probes create files in work/, so a VE that used
 * every inode could never be mounted again. Held by files in fs/reserve while mounted. */
#define IMAGE_RESERVE_INODES 4
/* Added to DISKINODES at mkfs so the VE can make that many files: ext4's 11 reserved inodes,
 * lost+found, upper, work, work/work, and the overlay's reserve. */
#define IMAGE_EXTRA_INODES (16 + IMAGE_RESERVE_INODES)
/* linux/ext4.h is not a uapi header everywhere: the online resize ioctl, from fs/ext4/ext4.h. */
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)

struct image_paths {
	char *img, *mnt, *upper, *work;
};

static void paths_free(struct image_paths *p)
{
	free(p->img);
	free(p->mnt);
	free(p->upper);
	free(p->work);
}

static int paths_get(const struct ve_fs *fs, struct image_paths *p)
{
	p->img = ve_strdup_printf("%s/" IMAGE_NAME, fs->private);
	p->mnt = ve_strdup_printf("%s/fs", fs->private);
	p->upper = ve_strdup_printf("%s/fs/upper", fs->private);
	p->work = ve_strdup_printf("%s/fs/work", fs->private);
	if (!p->img || !p->mnt || !p->upper || !p->work) {
		paths_free(p);
		return -ENOMEM;
	}
	return 0;
}

#define _cleanup_paths_ _cleanup_(paths_free)

int storage_image_check(const char **why)
{
	_cleanup_free_ char *mkfs = storage_find_program("mkfs.ext4");
	_cleanup_free_ char *fss = NULL;

	if (access("/dev/loop-control", R_OK | W_OK) < 0) {
		*why = "no /dev/loop-control (loop driver missing)";
		return -EOPNOTSUPP;
	}
	if (!mkfs) {
		*why = "mkfs.ext4 not found (install e2fsprogs)";
		return -EOPNOTSUPP;
	}
	if (ve_read_file("/proc/filesystems", &fss, NULL) < 0 || !strstr(fss, "\text4\n")) {
		*why = "the kernel has no ext4";
		return -EOPNOTSUPP;
	}
	return 0;
}

static int image_probe(const char *private_dir)
{
	const char *why = NULL;
	int r = storage_image_check(&why);

	if (r < 0)
		log_error("Layout 'image' is not supported on this host: %s", why);
	return r;
}

/* The fields of an ext4 superblock that resize and usage need. */
struct ext4_geom {
	uint64_t blocks, free_blocks;
	uint32_t inodes, free_inodes, blocks_per_group, inodes_per_group, block_size;
};

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int read_geom(const char *img, struct ext4_geom *g)
{
	unsigned char sb[1024];
	_cleanup_close_ int fd = open(img, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", img);
	if (pread(fd, sb, sizeof(sb), 1024) != sizeof(sb) || (sb[56] | sb[57] << 8) != 0xEF53)
		return log_errno(-EUCLEAN, "%s: no ext4 superblock", img);
	g->inodes = le32(sb + 0);
	g->blocks = le32(sb + 4) | (uint64_t)le32(sb + 0x150) << 32;
	g->free_blocks = le32(sb + 12) | (uint64_t)le32(sb + 0x158) << 32;
	g->free_inodes = le32(sb + 16);
	g->block_size = 1024U << le32(sb + 24);
	g->blocks_per_group = le32(sb + 32);
	g->inodes_per_group = le32(sb + 40);
	if (!g->blocks_per_group || !g->inodes_per_group || g->block_size > 65536)
		return log_errno(-EUCLEAN, "%s: bad ext4 superblock", img);
	return 0;
}

static int run_tool(char *const argv[], const char *what, int ok_max)
{
	char err[256];
	int r = storage_run(argv, err, sizeof(err));

	if (r == -ENOENT)
		return log_errno(-EOPNOTSUPP, "%s not found (install e2fsprogs)", argv[0]);
	if (r < 0)
		return log_errno(r, "Unable to run %s for %s: %m", argv[0], what);
	if (r > ok_max)
		return log_errno(-EIO, "%s failed for %s (exit %d): %s", argv[0], what, r,
				 *err ? err : "no message");
	return 0;
}

/*
 * Thick provisioning: allocates every block of img's first size bytes (mode 0, or
 * FALLOC_FL_KEEP_SIZE for a disk about to grow). Unwritten extents: no data is written, so this
 * takes milliseconds per GB. Refused up front with -ENOSPC when the host's filesystem has less
 * room than is missing, so a failure does not first fill the host's disk.
 */
static int allocate(int fd, const char *img, uint64_t size, int mode)
{
	struct statvfs sv;
	struct stat st;
	uint64_t have, need, avail;

	if (fstat(fd, &st) < 0 || fstatvfs(fd, &sv) < 0)
		return log_errno(neg_errno(), "Unable to stat %s: %m", img);
	have = (uint64_t)st.st_blocks * 512;
	need = size > have ? size - have : 0;
	/* f_bavail, not f_bfree: a thick disk must not eat the host root's reserve. */
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (need > avail)
		return log_errno(
		    -ENOSPC,
		    "Not enough space on the host for a thick disk of %llu MB: %llu MB "
		    "missing, %llu MB free",
		    (unsigned long long)(size >> 20), (unsigned long long)(need >> 20),
		    (unsigned long long)(avail >> 20));
	if (fallocate(fd, mode, 0, (off_t)size) < 0)
		return log_errno(neg_errno(), "Unable to allocate %llu MB for %s: %m",
				 (unsigned long long)(size >> 20), img);
	return 0;
}

/* Thick provisioning of the whole file fd as it is sized now. */
static int allocate_file(int fd, const char *img)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return log_errno(neg_errno(), "Unable to stat %s: %m", img);
	return allocate(fd, img, (uint64_t)st.st_size, 0);
}

#define PREZEROED ",assume_storage_prezeroed=1"

static int make_image(const char *img, const struct ve_fs *fs)
{
	uint64_t size = fs->diskspace.limit / IMAGE_BLOCK * IMAGE_BLOCK;
	char nbuf[32], ebuf[96];
	int r, fd;

	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_errno(neg_errno(), "Unable to create %s: %m", img);
	/* Thin provisioning: a sparse file, blocks are taken as the VE writes. Thick: all of
	 * them now, before mkfs, so the host can never be overcommitted. */
	r = ftruncate(fd, (off_t)size) < 0 ? log_errno(neg_errno(), "Unable to size %s: %m", img)
					   : 0;
	if (r == 0 && fs->thick)
		r = allocate(fd, img, size, 0);
	close(fd);
	if (r < 0)
		return r;
	/* A fresh sparse file reads as zeros: nothing to zero or discard, so creation stays a few
	 * ms and the image stays sparse; -m 0 because the VE's root is the only user. The journal
	 * stays: a host crash must not corrupt a VE's disk. */
	snprintf(ebuf, sizeof(ebuf), "lazy_itable_init=1,lazy_journal_init=1,nodiscard%s",
		 PREZEROED);
	snprintf(nbuf, sizeof(nbuf), "%llu",
		 (unsigned long long)fs->diskinodes.limit + IMAGE_EXTRA_INODES);
	/* No resize_inode: its reserved descriptor blocks cost about 0.5 MB of host disk per GB of
	 * image (1.2 MB at 2 GB, 160 KB without); grows still work, offline by resize2fs moving
	 * blocks and online through meta_bg. */
	char *argv[16] = {"mkfs.ext4",	   "-q", "-F", "-b", "4096", "-m", "0", "-O",
			  "^resize_inode", "-E", ebuf};
	size_t n = 11;
	if (fs->diskinodes.limit != VE_UNLIMITED) {
		argv[n++] = "-N";
		argv[n++] = nbuf;
	}
	argv[n++] = (char *)img;
	r = storage_run(argv, NULL, 0);
	if (r != 0) {
		/* e2fsprogs before 1.47 lack assume_storage_prezeroed: retry without it. */
		ebuf[strlen(ebuf) - strlen(PREZEROED)] = '\0';
		r = run_tool(argv, img, 0);
	}
	return r;
}

static int image_create(const struct ve_fs *fs)
{
	_cleanup_paths_ struct image_paths p = {0};
	int r;

	if (fs->diskspace.limit == VE_UNLIMITED)
		return log_errno(-EINVAL, "Layout 'image' needs a DISKSPACE limit (--diskspace)");
	if (fs->diskspace.limit < IMAGE_MIN_BYTES)
		return log_errno(-EINVAL, "DISKSPACE %llu KB is below the image minimum of %llu KB",
				 (unsigned long long)fs->diskspace.limit / 1024,
				 IMAGE_MIN_BYTES / 1024);
	if (paths_get(fs, &p) < 0)
		return -ENOMEM;
	if (ve_path_exists(fs->private))
		return log_errno(-EEXIST, "Private area %s already exists", fs->private);
	/* 0700: the VE's files, setuid ones included, must not be reachable by host users. */
	r = ve_mkdir_p(p.mnt, 0700);
	if (r < 0) {
		ve_rm_rf(fs->private);
		return log_errno(r, "Unable to create private area %s: %m", fs->private);
	}
	r = make_image(p.img, fs);
	if (r < 0)
		ve_rm_rf(fs->private);
	return r;
}

/* Mounts the image at VE_PRIVATE/fs unless it is mounted already. */
static int image_attach(const struct image_paths *p)
{
	_cleanup_close_ int img_fd = -1, loop_fd = -1;
	char dev[64];

	if (ve_is_mount_point(p->mnt) == 1)
		return 0;
	img_fd = open(p->img, O_RDWR | O_CLOEXEC);
	if (img_fd < 0 && errno == ENOENT)
		return log_errno(-ENOENT, "Disk image %s not found", p->img);
	if (img_fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", p->img);
	loop_fd = storage_loop_attach(img_fd, p->img, false, dev, sizeof(dev));
	if (loop_fd < 0)
		return loop_fd;
	/* nosuid, nodev: the VE's files are reached through the overlay, whose own flags
	 * govern; the host path to them must not run a VE-planted setuid binary. */
	if (mount(dev, p->mnt, "ext4", MS_NOSUID | MS_NODEV | MS_NOATIME, NULL) < 0)
		return log_errno(neg_errno(), "Unable to mount %s (%s) on %s: %m", p->img, dev,
				 p->mnt);
	/* Private: later mounts below it never propagate into other namespaces, which would pin
	 * the image and its loop device after umount. */
	if (mount(NULL, p->mnt, NULL, MS_PRIVATE, NULL) < 0)
		log_warn_errno(neg_errno(), "Unable to make %s private: %m, ignoring", p->mnt);
	return 0;
}

/* Waits briefly until the loop device dev is released (the superblock may outlive umount
 * while a dying VE's mount namespace still holds the overlay). */
static void wait_loop_free(dev_t dev)
{
	char attr[96];

	if (major(dev) != LOOP_MAJOR_NR)
		return;
	snprintf(attr, sizeof(attr), "/sys/dev/block/%u:%u/loop/backing_file", major(dev),
		 minor(dev));
	for (int i = 0; i < 200 && access(attr, F_OK) == 0; i++)
		usleep(5000);
	if (access(attr, F_OK) == 0)
		log_debug("loop device %u:%u still busy after umount", major(dev), minor(dev));
}

static int image_detach(const struct image_paths *p)
{
	struct stat st;
	int r = ve_is_mount_point(p->mnt);

	if (r != 1)
		return 0;
	if (stat(p->mnt, &st) < 0)
		return log_errno(neg_errno(), "Unable to stat %s: %m", p->mnt);
	r = storage_overlay_umount(p->mnt);
	if (r == 0)
		wait_loop_free(st.st_dev);
	return r;
}

static int ensure_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return log_errno(neg_errno(), "Unable to create %s: %m", path);
	return 0;
}

/* Frees (hold false) or takes back (hold true) the inodes kept for overlayfs's mount. */
static void reserve_inodes(const struct image_paths *p, bool hold)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/reserve", p->mnt);
	if (hold && mkdir(path, 0700) < 0 && errno != EEXIST)
		return;
	for (int i = 0; i < IMAGE_RESERVE_INODES - 1; i++) {
		snprintf(path, sizeof(path), "%s/reserve/%d", p->mnt, i);
		if (!hold)
			unlink(path);
		else if (mknodat(AT_FDCWD, path, S_IFREG | 0600, 0) < 0 && errno != EEXIST)
			log_debug("Unable to reserve inode %s: %m, ignoring", path);
	}
	snprintf(path, sizeof(path), "%s/reserve", p->mnt);
	if (!hold)
		rmdir(path);
}

static int image_mount(const struct ve_fs *fs, const char *lowerdir, int userns,
		       struct ve_root *ret)
{
	_cleanup_paths_ struct image_paths p = {0};
	int r;

	if (paths_get(fs, &p) < 0)
		return -ENOMEM;
	r = image_attach(&p);
	if (r < 0)
		return r;
	reserve_inodes(&p, false);
	r = ensure_dir(p.upper, 0755);
	if (r == 0)
		r = ensure_dir(p.work, 0700);
	if (r == 0)
		r = storage_overlay_mount(fs, lowerdir, p.upper, p.work, userns, ret);
	if (r < 0)
		image_detach(&p);
	else
		reserve_inodes(&p, true);
	return r;
}

static int image_umount(const struct ve_fs *fs)
{
	_cleanup_paths_ struct image_paths p = {0};
	int r;

	if (paths_get(fs, &p) < 0)
		return -ENOMEM;
	/* The overlay holds the image's filesystem: it goes first. */
	r = storage_overlay_umount(fs->root);
	return r < 0 ? r : image_detach(&p);
}

static int image_destroy(const struct ve_fs *fs)
{
	_cleanup_paths_ struct image_paths p = {0};
	int r;

	if (paths_get(fs, &p) < 0)
		return -ENOMEM;
	ve_snapshot_umount_all(fs); /* their loop devices go with their mounts */
	/* A leftover image mount would make rm -rf delete the VE's files one by one. */
	r = image_detach(&p);
	if (r < 0)
		return r;
	return storage_remove_private(fs);
}

/* The inode count an image will have with blocks, and whether limit fits it. */
static int check_inodes(const struct ve_fs *fs, const struct ext4_geom *g, uint64_t blocks)
{
	uint64_t groups = (blocks + g->blocks_per_group - 1) / g->blocks_per_group;
	uint64_t have = groups * g->inodes_per_group - IMAGE_EXTRA_INODES;
	uint64_t lim = fs->diskinodes.limit;
	/* mkfs -N rounds up to whole inode-table blocks in every group. */
	uint64_t slack = groups * (g->block_size / 128);

	if (lim == VE_UNLIMITED || (lim <= have && lim + slack + IMAGE_EXTRA_INODES >= g->inodes))
		return 0;
	if (lim > have)
		return log_errno(-ERANGE,
				 "DISKINODES %llu: the image holds %llu inodes at this DISKSPACE; "
				 "raise DISKSPACE for more",
				 (unsigned long long)lim, (unsigned long long)have);
	return log_errno(-ERANGE, "DISKINODES %llu: the image layout cannot lower its %u inodes",
			 (unsigned long long)lim, g->inodes);
}

/* Online grow: the loop device learns the new size, then ext4 grows in place. */
static int grow_online(const struct image_paths *p, int img_fd, uint64_t old, uint64_t size)
{
	char dev[64];
	struct stat st;
	uint64_t blocks = size / IMAGE_BLOCK;
	_cleanup_close_ int loop_fd = -1, dir_fd = open(p->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (dir_fd < 0 || fstat(dir_fd, &st) < 0 || major(st.st_dev) != LOOP_MAJOR_NR)
		return log_errno(dir_fd < 0 ? neg_errno() : -ENODEV, "No loop device under %s",
				 p->mnt);
	snprintf(dev, sizeof(dev), "/dev/loop%u", minor(st.st_dev));
	loop_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (loop_fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", dev);
	if (ftruncate(img_fd, (off_t)size) < 0)
		return log_errno(neg_errno(), "Unable to grow %s: %m", p->img);
	r = ioctl(loop_fd, LOOP_SET_CAPACITY, 0) < 0 ? neg_errno() : 0;
	if (r == 0 && ioctl(dir_fd, EXT4_IOC_RESIZE_FS, &blocks) < 0)
		r = neg_errno();
	if (r == 0)
		return 0;
	/* Undo: ext4 has not grown, so the image and the device go back to the old size. */
	if (ftruncate(img_fd, (off_t)old) == 0)
		ioctl(loop_fd, LOOP_SET_CAPACITY, 0);
	if (r == -EPERM)
		log_debug("online ext4 resize refused: no CAP_SYS_RESOURCE on this host");
	return log_errno(-EBUSY,
			 "Unable to grow the mounted disk %s (%s); stop the container "
			 "and retry",
			 p->img, strerror(-r));
}

static int grow_offline(const struct image_paths *p, int img_fd, uint64_t old, uint64_t size)
{
	char *fsck[] = {"e2fsck", "-f", "-p", p->img, NULL};
	char *resize[] = {"resize2fs", p->img, NULL};
	int r;

	/* resize2fs insists on a freshly checked filesystem; exit 1 means "fixed", still fine. */
	r = run_tool(fsck, p->img, 1);
	if (r < 0)
		return r;
	if (ftruncate(img_fd, (off_t)size) < 0)
		return log_errno(neg_errno(), "Unable to grow %s: %m", p->img);
	r = run_tool(resize, p->img, 0);
	if (r < 0 && ftruncate(img_fd, (off_t)old) < 0)
		log_warn_errno(neg_errno(), "Unable to shrink %s back: %m, ignoring", p->img);
	return r;
}

static int image_resize(const struct ve_fs *fs)
{
	_cleanup_paths_ struct image_paths p = {0};
	_cleanup_close_ int img_fd = -1;
	uint64_t size = fs->diskspace.limit / IMAGE_BLOCK * IMAGE_BLOCK;
	struct ext4_geom g = {0};
	struct stat st;
	int r;

	if (paths_get(fs, &p) < 0)
		return -ENOMEM;
	if (fs->diskspace.limit == VE_UNLIMITED)
		return log_errno(-ERANGE, "Layout 'image' cannot drop its DISKSPACE limit");
	img_fd = open(p.img, O_RDWR | O_CLOEXEC);
	if (img_fd < 0 || fstat(img_fd, &st) < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", p.img);
	r = read_geom(p.img, &g);
	if (r < 0)
		return r;
	if (size < (uint64_t)st.st_size)
		return log_errno(-ERANGE,
				 "DISKSPACE %llu KB: the image layout cannot shrink a disk "
				 "(now %llu KB)",
				 (unsigned long long)fs->diskspace.limit / 1024,
				 (unsigned long long)st.st_size / 1024);
	r = check_inodes(fs, &g, size / g.block_size);
	if (r < 0)
		return r;
	/* Thick (also a thin disk turned thick): every block, the grown ones included, before
	 * ext4 may use them; past the old end they stay outside the file until it grows. */
	if (fs->thick && (r = allocate(img_fd, p.img, size, FALLOC_FL_KEEP_SIZE)) < 0)
		return r;
	if (size == (uint64_t)st.st_size)
		return 0;
	if (ve_is_mount_point(p.mnt) == 1)
		r = grow_online(&p, img_fd, st.st_size, size);
	else
		r = grow_offline(&p, img_fd, st.st_size, size);
	if (r == 0)
		log_info("Disk %s grown to %llu KB", p.img, (unsigned long long)size / 1024);
	/* A truncate to the old size frees the blocks allocated past it. */
	else if (fs->thick && ftruncate(img_fd, st.st_size) < 0)
		log_warn_errno(neg_errno(), "Unable to free %s's new blocks: %m, ignoring", p.img);
	return r;
}

static int image_usage(const struct ve_fs *fs, struct ve_fs_usage *ret)
{
	_cleanup_free_ char *mnt = ve_strdup_printf("%s/fs", fs->private);
	struct statfs sf;

	memset(ret, 0, sizeof(*ret));
	if (!mnt)
		return -ENOMEM;
	if (ve_is_mount_point(mnt) != 1)
		return -ENOTCONN;
	if (statfs(mnt, &sf) < 0)
		return log_errno(neg_errno(), "Unable to statfs %s: %m", mnt);
	/* What df inside the VE shows: the overlay reports its upper filesystem. */
	ret->bytes_used = (uint64_t)(sf.f_blocks - sf.f_bfree) * sf.f_bsize;
	ret->inodes_used = sf.f_files - sf.f_ffree;
	return 0;
}

/* Copies the image into dir/disk.img; a mounted image is synced and frozen for the copy. */
static int image_snapshot_take(const struct ve_fs *fs, const char *dir)
{
	_cleanup_paths_ struct image_paths p = {0};
	_cleanup_free_ char *dst = ve_strdup_printf("%s/" IMAGE_NAME, dir);
	_cleanup_close_ int in = -1, out = -1, mnt = -1;
	bool frozen = false;
	int r;

	if (!dst || paths_get(fs, &p) < 0)
		return -ENOMEM;
	if (ve_is_mount_point(p.mnt) == 1) {
		mnt = open(p.mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mnt < 0 || syncfs(mnt) < 0)
			return log_errno(neg_errno(), "Unable to sync %s: %m", p.mnt);
		/* FIFREEZE flushes the journal and marks ext4 clean: the copy mounts read-only
		 * without a replay. Without it the synced image is still crash-consistent. */
		frozen = ioctl(mnt, FIFREEZE, 0) == 0;
		if (!frozen)
			log_debug("FIFREEZE %s: %m, copying the synced image", p.mnt);
	}
	in = open(p.img, O_RDONLY | O_CLOEXEC);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		r = log_errno(neg_errno(), "Unable to open %s or %s: %m", p.img, dst);
	else if ((r = storage_copy_data(in, out)) < 0)
		log_errno(r, "Unable to copy %s: %m", p.img);
	if (frozen && ioctl(mnt, FITHAW, 0) < 0)
		log_error("Unable to thaw %s: %m", p.mnt);
	return r;
}

static int image_snapshot_restore(const struct ve_fs *fs, const char *dir)
{
	_cleanup_paths_ struct image_paths p = {0};
	_cleanup_free_ char *src = ve_strdup_printf("%s/" IMAGE_NAME, dir);
	_cleanup_free_ char *next = ve_strdup_printf("%s/" IMAGE_NAME ".new", fs->private);
	_cleanup_close_ int in = -1, out = -1;
	int r;

	if (!src || !next || paths_get(fs, &p) < 0)
		return -ENOMEM;
	if (ve_is_mount_point(p.mnt) == 1)
		return log_errno(-EBUSY, "Disk %s is mounted", p.img);
	/* Copied beside the image and renamed over it: a failure leaves the disk as it was. */
	unlink(next);
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(next, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		r = log_errno(neg_errno(), "Unable to open %s or %s: %m", src, next);
	else if ((r = storage_copy_data(in, out)) < 0)
		log_errno(r, "Unable to copy %s: %m", src);
	/* A snapshot is kept sparse; a thick VE's disk is allocated again when it comes back. */
	if (r == 0 && fs->thick)
		r = allocate_file(out, next);
	if (r == 0 && (fsync(out) < 0 || rename(next, p.img) < 0))
		r = log_errno(neg_errno(), "Unable to put %s in place: %m", p.img);
	if (r < 0)
		unlink(next);
	return r;
}

/* Attaches dir's image read-only at dir/fs; dir/fs/upper is the snapshot's upper tree. */
static int image_snapshot_open(const struct ve_fs *fs, const char *dir, char **ret_upper)
{
	_cleanup_free_ char *img = ve_strdup_printf("%s/" IMAGE_NAME, dir);
	_cleanup_free_ char *mnt = ve_strdup_printf("%s/fs", dir);
	_cleanup_close_ int img_fd = -1, loop_fd = -1;
	char dev[64];

	if (!img || !mnt)
		return -ENOMEM;
	if (mkdir(mnt, 0700) < 0 && errno != EEXIST)
		return log_errno(neg_errno(), "Unable to create %s: %m", mnt);
	img_fd = open(img, O_RDONLY | O_CLOEXEC);
	if (img_fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", img);
	loop_fd = storage_loop_attach(img_fd, img, true, dev, sizeof(dev));
	if (loop_fd < 0)
		return loop_fd;
	/* noload: a snapshot taken without FIFREEZE may carry a journal that must not be
	 * replayed into the snapshot; read-only, nosuid, nodev for the host path. */
	if (mount(dev, mnt, "ext4", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOATIME, "noload") < 0)
		return log_errno(neg_errno(), "Unable to mount %s (%s) on %s: %m", img, dev, mnt);
	if (mount(NULL, mnt, NULL, MS_PRIVATE, NULL) < 0)
		log_warn_errno(neg_errno(), "Unable to make %s private: %m, ignoring", mnt);
	*ret_upper = ve_strdup_printf("%s/upper", mnt);
	if (!*ret_upper) {
		umount2(mnt, MNT_DETACH);
		return -ENOMEM;
	}
	return 0;
}

static void image_snapshot_close(const struct ve_fs *fs, const char *dir)
{
	_cleanup_free_ char *mnt = ve_strdup_printf("%s/fs", dir);
	struct stat st;

	if (!mnt || ve_is_mount_point(mnt) != 1 || stat(mnt, &st) < 0)
		return;
	if (storage_overlay_umount(mnt) == 0)
		wait_loop_free(st.st_dev);
}

/* Makes the disk's allocation follow fs->thick; a thin disk keeps its blocks until compacted. */
static int image_provision(const struct ve_fs *fs)
{
	_cleanup_free_ char *img = ve_strdup_printf("%s/" IMAGE_NAME, fs->private);
	_cleanup_close_ int fd = -1;

	if (!img)
		return -ENOMEM;
	if (!fs->thick)
		return 0;
	fd = open(img, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", img);
	return allocate_file(fd, img);
}

/* The bytes img takes on the host's filesystem. */
static int allocated(const char *img, uint64_t *ret)
{
	struct stat st;

	if (stat(img, &st) < 0)
		return log_errno(neg_errno(), "Unable to stat %s: %m", img);
	*ret = (uint64_t)st.st_blocks * 512;
	return 0;
}

/* FITRIM: ext4 discards its free blocks, and the loop device turns each discard into a hole
 * punched in the image file (fallocate PUNCH_HOLE on the host). */
static int trim(int dir_fd, const char *img)
{
	struct fstrim_range range = {.start = 0, .len = UINT64_MAX, .minlen = 0};

	if (ioctl(dir_fd, FITRIM, &range) < 0)
		return log_errno(neg_errno(), "Unable to trim the filesystem in %s: %m", img);
	log_debug("%s: %llu bytes discarded", img, (unsigned long long)range.len);
	return 0;
}

/*
 * Trims a stopped VE's image through a detached mount (fsopen/fsmount): no path reaches it, no
 * mount namespace sees it, and it goes with its autoclear loop device when the fds close, even
 * if vzctl is killed half-way.
 */
static int trim_detached(const struct image_paths *p)
{
	_cleanup_close_ int img_fd = -1, loop_fd = -1, fs_fd = -1, mnt_fd = -1, dir_fd = -1;
	struct stat st = {0};
	char dev[64];
	int r;

	img_fd = open(p->img, O_RDWR | O_CLOEXEC);
	if (img_fd < 0)
		return log_errno(neg_errno(), "Unable to open %s: %m", p->img);
	loop_fd = storage_loop_attach(img_fd, p->img, false, dev, sizeof(dev));
	if (loop_fd < 0)
		return loop_fd;
	fs_fd = fsopen("ext4", FSOPEN_CLOEXEC);
	if (fs_fd < 0 || fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", dev, 0) < 0 ||
	    fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return log_errno(neg_errno(), "Unable to mount %s (%s): %m", p->img, dev);
	/* nosuid, nodev, noexec: nothing on the VE's disk is used, only its free space. */
	mnt_fd =
	    fsmount(fs_fd, FSMOUNT_CLOEXEC,
		    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME);
	if (mnt_fd < 0)
		return log_errno(neg_errno(), "Unable to mount %s (%s): %m", p->img, dev);
	dir_fd = openat(mnt_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0 || fstat(dir_fd, &st) < 0)
		return log_errno(neg_errno(), "Unable to open the mounted %s: %m", p->img);
	r = trim(dir_fd, p->img);
	/* The mount, then the filesystem context, then the loop device: the image is free and
	 * its size final when this returns. */
	close(TAKE_FD(dir_fd));
	close(TAKE_FD(mnt_fd));
	close(TAKE_FD(fs_fd));
	close(TAKE_FD(loop_fd));
	wait_loop_free(st.st_dev);
	return r;
}

static int image_compact(const struct ve_fs *fs, uint64_t *ret_before, uint64_t *ret_after)
{
	_cleanup_paths_ struct image_paths p = {0};
	_cleanup_close_ int dir_fd = -1;
	int r;

	if (paths_get(fs, &p) < 0)
		return -ENOMEM;
	r = allocated(p.img, ret_before);
	if (r < 0)
		return r;
	*ret_after = *ret_before;
	if (fs->thick) {
		log_info("The disk is thick-provisioned: its %llu MB stay allocated, nothing to "
			 "compact",
			 (unsigned long long)(*ret_before >> 20));
		return 1;
	}
	if (ve_is_mount_point(p.mnt) == 1) {
		dir_fd = open(p.mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = dir_fd < 0 ? log_errno(neg_errno(), "Unable to open %s: %m", p.mnt)
			       : trim(dir_fd, p.img);
	} else {
		r = trim_detached(&p);
	}
	return r < 0 ? r : allocated(p.img, ret_after);
}

const struct ve_storage_ops ve_storage_image_ops = {
    .name = "image",
    .probe = image_probe,
    .create = image_create,
    .mount = image_mount,
    .umount = image_umount,
    .destroy = image_destroy,
    .resize = image_resize,
    .usage = image_usage,
    .snapshot_take = image_snapshot_take,
    .snapshot_restore = image_snapshot_restore,
    .snapshot_open = image_snapshot_open,
    .snapshot_close = image_snapshot_close,
    .provision = image_provision,
    .compact = image_compact,
};
