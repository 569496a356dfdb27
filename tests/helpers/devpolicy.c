/*
 * Applies vzkit's cgroup v2 device policy (a BPF program) to a cgroup2 directory, joins it and
 * reports what a process there can open or create: "name ok" or "name EPERM" per line.
 * Usage: devpolicy CGROUP2_DIR  (the directory must exist; DEVICES adds c:1:7:none).
 */
#include "runtime/cgroup-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

static void report(const char *what, int r)
{
	printf("%s %s\n", what, r >= 0 ? "ok" : strerrorname_np(errno));
}

int main(int argc, char **argv)
{
	struct ve_device deny_full[] = {{'c', 1, 7, 0}};
	struct ve_sec sec = {.devices = deny_full, .n_devices = 1};
	char procs[4096], pid[32];
	int r;

	if (argc != 2)
		return 2;
	/* Twice: the second program replaces the first. */
	if (vcg_v2_devices_apply(argv[1], &sec) < 0 || vcg_v2_devices_apply(argv[1], &sec) < 0)
		return 1;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", argv[1]);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (ve_write_file(procs, pid, 0) < 0)
		return 1;
	report("null", open("/dev/null", O_RDWR));
	report("urandom", open("/dev/urandom", O_RDONLY));
	report("full", open("/dev/full", O_RDWR));
	r = mknod("/tmp/.vzkit-devpolicy", S_IFBLK | 0600, makedev(8, 0));
	report("mknod-b-8:0", r);
	if (r == 0)
		unlink("/tmp/.vzkit-devpolicy");
	r = mknod("/tmp/.vzkit-devpolicy", S_IFCHR | 0600, makedev(1, 3));
	report("mknod-c-1:3", r);
	unlink("/tmp/.vzkit-devpolicy");
	fflush(stdout);
	return 0;
}
