/*
 * Probes one isolation or limit boundary from inside a VE and reports what the kernel did.
 *
 *   probe SUBCOMMAND [ARG]
 *
 * Exit status: 0 the attempt was blocked the expected way (or, for allow-*, succeeded),
 * 1 the attempt succeeded where it should have been blocked, 2 an unexpected error,
 * 3 the probe does not apply to this architecture. One line on stdout: "probe NAME: RESULT".
 *
 * Every attempt is built to be harmless should it get through: invalid arguments the kernel
 * checks only after the permission check (or after seccomp), nothing written to the real
 * sysrq trigger, the fork bomb capped at N. The VE has no libc, so the tests build this
 * with -static; the Makefile's dynamic build only proves it compiles with the house flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

enum { BLOCKED = 0, GOT_THROUGH = 1, UNEXPECTED = 2, NOT_HERE = 3 };

static const char *name;

static const char *errname(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOSYS:
		return "ENOSYS";
	case EAGAIN:
		return "EAGAIN";
	case EROFS:
		return "EROFS";
	case ENOENT:
		return "ENOENT";
	case EINVAL:
		return "EINVAL";
	case ENOMEM:
		return "ENOMEM";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return strerror(e);
	}
}

/* The verdict on one syscall's return: blocked with want, got through, or something else. */
static int verdict(long ret, int err, int want)
{
	if (ret >= 0) {
		printf("probe %s: succeeded\n", name);
		return GOT_THROUGH;
	}
	if (err == want) {
		printf("probe %s: %s\n", name, errname(err));
		return BLOCKED;
	}
	printf("probe %s: %s (expected %s)\n", name, errname(err), errname(want));
	return UNEXPECTED;
}

static int probe_keyctl(void)
{
	/* KEYCTL_GET_KEYRING_ID of the session keyring, no create: read-only. */
	long r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);

	return verdict(r, errno, EPERM);
}

static int probe_bpf(void)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	r = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (r >= 0)
		close((int)r);
	return verdict(r, errno, EPERM);
}

static int probe_perf(void)
{
	struct perf_event_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	r = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (r >= 0)
		close((int)r);
	return verdict(r, errno, EPERM);
}

static int probe_kexec(void)
{
	/* Bogus flags: past the permission check the kernel can only answer EINVAL. */
	long r = syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL);

	return verdict(r, errno, EPERM);
}

static int probe_init_module(void)
{
	static const char junk[64] = "not an ELF module";
	/* A garbage image: past the permission check the loader refuses it. */
	long r = syscall(SYS_init_module, junk, sizeof(junk), "");

	return verdict(r, errno, EPERM);
}

static int probe_open_by_handle(void)
{
	struct file_handle *fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
	int mnt, fd;

	if (!fh)
		return UNEXPECTED;
	fh->handle_bytes = MAX_HANDLE_SZ;
	/* A real handle where the filesystem gives one, else a made-up one: either way the
	 * filter must answer before the kernel looks at it. */
	if (name_to_handle_at(AT_FDCWD, "/", fh, &mnt, 0) < 0) {
		memset(fh, 0, sizeof(*fh) + 8);
		fh->handle_bytes = 8;
		fh->handle_type = 1;
	}
	fd = open_by_handle_at(AT_FDCWD, fh, O_RDONLY);
	free(fh);
	if (fd >= 0)
		close(fd);
	return verdict(fd, errno, EPERM);
}

static int probe_unshare(int flag, int want)
{
	int r = unshare(flag);

	if (want == 0) {
		if (r == 0) {
			printf("probe %s: OK\n", name);
			return BLOCKED;
		}
		printf("probe %s: %s (expected success)\n", name, errname(errno));
		return errno == EPERM ? GOT_THROUGH : UNEXPECTED;
	}
	return verdict(r, errno, want);
}

static int probe_clone3(void)
{
	/* struct clone_args v0: flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	 * stack_size, tls. */
	uint64_t args[8] = {0, 0, 0, 0, SIGCHLD, 0, 0, 0};
	long r = syscall(SYS_clone3, args, sizeof(args));

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return verdict(r, errno, ENOSYS);
}

static int probe_iopl(void)
{
#if defined(__x86_64__) || defined(__i386__)
	long r = syscall(SYS_iopl, 3);

	if (r == 0)
		syscall(SYS_iopl, 0);
	return verdict(r, errno, EPERM);
#else
	printf("probe %s: no iopl on this architecture\n", name);
	return NOT_HERE;
#endif
}

static int probe_swapon(void)
{
	/* A missing file: past the filter the kernel answers ENOENT, never swaps. */
	int r = swapon("/nonexistent-probe-swap", 0);

	return verdict(r, errno, EPERM);
}

static int probe_settime(bool clock)
{
	/* An invalid usec/nsec: the kernel validates it (EINVAL) before its capability check, so
	 * EPERM can only come from the seccomp filter, and the clock never moves. Raw syscalls:
	 * libc would validate it itself, and its settimeofday() is clock_settime() inside. */
	struct timeval tv = {.tv_sec = 1, .tv_usec = 2000000};
	struct timespec ts = {.tv_sec = 1, .tv_nsec = 2000000000L};
	long r = clock ? syscall(SYS_clock_settime, CLOCK_REALTIME, &ts)
		       : syscall(SYS_settimeofday, &tv, NULL);

	return verdict(r, errno, EPERM);
}

static int probe_mknod(const char *path)
{
	int r = mknod(path, S_IFBLK | 0600, makedev(8, 0));

	if (r == 0)
		unlink(path);
	return verdict(r, errno, EPERM);
}

static int probe_sysrq(void)
{
	struct stat st;
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;
		/* Absent (kernel without CONFIG_MAGIC_SYSRQ), or not writable: both block it. */
		printf("probe %s: %s\n", name, errname(e));
		return e == ENOENT || e == EACCES || e == EROFS || e == EPERM ? BLOCKED
									      : UNEXPECTED;
	}
	/* Never write to a real trigger: a writable one is the failure by itself. */
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
		close(fd);
		printf("probe %s: masked by /dev/null\n", name);
		return BLOCKED;
	}
	close(fd);
	printf("probe %s: writable\n", name);
	return GOT_THROUGH;
}

static int read_cap_line(const char *key, uint64_t *ret)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");
	int r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			*ret = strtoull(line + klen + 1, NULL, 16);
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

static int probe_caps(void)
{
	static const struct {
		int bit;
		const char *name;
	} forbidden[] = {
	    {16, "sys_module"}, {17, "sys_rawio"}, {25, "sys_time"},
	    {33, "mac_admin"},	{34, "syslog"},
	};
	uint64_t eff, bnd;
	int ret = BLOCKED;

	if (read_cap_line("CapEff", &eff) < 0 || read_cap_line("CapBnd", &bnd) < 0) {
		printf("probe %s: cannot read /proc/self/status\n", name);
		return UNEXPECTED;
	}
	printf("probe %s: CapEff=%016llx CapBnd=%016llx", name, (unsigned long long)eff,
	       (unsigned long long)bnd);
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if ((eff | bnd) & (UINT64_C(1) << forbidden[i].bit)) {
			printf(" has:%s", forbidden[i].name);
			ret = GOT_THROUGH;
		}
	printf("\n");
	return ret;
}

static int probe_fork_bomb(long cap)
{
	pid_t *pids = calloc(cap > 0 ? cap : 1, sizeof(pid_t));
	long n = 0;
	int err = 0;

	if (!pids || cap <= 0)
		return UNEXPECTED;
	/* Capped at N children: a missing limit shows as N forks, not a dead host. */
	for (; n < cap; n++) {
		pid_t p = fork();

		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		pids[n] = p;
	}
	for (long i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	free(pids);
	if (!err) {
		printf("probe %s: %ld forks, never stopped\n", name, n);
		return GOT_THROUGH;
	}
	printf("probe %s: %s after %ld forks\n", name, errname(err), n);
	return err == EAGAIN ? BLOCKED : UNEXPECTED;
}

static int probe_alloc(long mb)
{
	size_t len = (size_t)mb << 20;
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	if (mb <= 0)
		return UNEXPECTED;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("probe %s: mmap %s\n", name, errname(errno));
		return UNEXPECTED;
	}
	/* Touch every page: only resident memory is charged to the cgroup. */
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
	printf("probe %s: touched %ld MB\n", name, mb);
	return GOT_THROUGH;
}

static socklen_t abstract_addr(const char *n, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strncpy(sa->sun_path + 1, n, sizeof(sa->sun_path) - 2); /* sun_path[0] = 0: abstract */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa->sun_path + 1));
}

/* Host side: listen on an abstract unix socket for a while (the target of abstract-connect). */
static int probe_abstract_listen(const char *n, long seconds)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(n, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 4) < 0)
		return UNEXPECTED;
	printf("probe %s: listening\n", name);
	sleep((unsigned)seconds);
	return BLOCKED;
}

/* Inside the VE: the host's abstract sockets live in the host's network namespace only. */
static int probe_abstract_connect(const char *n)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(n, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return UNEXPECTED;
	if (connect(fd, (struct sockaddr *)&sa, len) == 0) {
		printf("probe %s: connected\n", name);
		return GOT_THROUGH;
	}
	printf("probe %s: %s\n", name, errname(errno));
	return errno == ECONNREFUSED || errno == ENOENT ? BLOCKED : UNEXPECTED;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int flag;
		int want;
	} unshares[] = {
	    {"unshare-uts", CLONE_NEWUTS, EPERM},	{"unshare-pid", CLONE_NEWPID, EPERM},
	    {"unshare-user", CLONE_NEWUSER, EPERM},	{"unshare-ipc", CLONE_NEWIPC, EPERM},
	    {"unshare-cgroup", CLONE_NEWCGROUP, EPERM}, {"unshare-time", CLONE_NEWTIME, EPERM},
	    {"allow-unshare-net", CLONE_NEWNET, 0},
	};
	const char *arg = argc > 2 ? argv[2] : NULL;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: probe SUBCOMMAND [ARG]\n");
		return UNEXPECTED;
	}
	name = argv[1];
	for (size_t i = 0; i < sizeof(unshares) / sizeof(unshares[0]); i++)
		if (!strcmp(name, unshares[i].name))
			return probe_unshare(unshares[i].flag, unshares[i].want);
	if (!strcmp(name, "abstract-listen"))
		return probe_abstract_listen(arg ? arg : "vzkit",
					     argc > 3 ? strtol(argv[3], NULL, 10) : 5);
	if (!strcmp(name, "abstract-connect"))
		return probe_abstract_connect(arg ? arg : "vzkit");
	if (!strcmp(name, "keyctl"))
		return probe_keyctl();
	if (!strcmp(name, "bpf"))
		return probe_bpf();
	if (!strcmp(name, "perf_event_open"))
		return probe_perf();
	if (!strcmp(name, "kexec_load"))
		return probe_kexec();
	if (!strcmp(name, "init_module"))
		return probe_init_module();
	if (!strcmp(name, "open_by_handle_at"))
		return probe_open_by_handle();
	if (!strcmp(name, "clone3"))
		return probe_clone3();
	if (!strcmp(name, "iopl"))
		return probe_iopl();
	if (!strcmp(name, "swapon"))
		return probe_swapon();
	if (!strcmp(name, "settimeofday"))
		return probe_settime(false);
	if (!strcmp(name, "clock_settime"))
		return probe_settime(true);
	if (!strcmp(name, "mknod-disk"))
		return probe_mknod(arg ? arg : "/tmp/.probe-disk");
	if (!strcmp(name, "sysrq"))
		return probe_sysrq();
	if (!strcmp(name, "caps"))
		return probe_caps();
	if (!strcmp(name, "fork-bomb"))
		return probe_fork_bomb(arg ? strtol(arg, NULL, 10) : 0);
	if (!strcmp(name, "alloc"))
		return probe_alloc(arg ? strtol(arg, NULL, 10) : 0);
	fprintf(stderr, "probe: unknown subcommand '%s'\n", name);
	return UNEXPECTED;
}
