#!/bin/bash
# Where a VE's memory goes, by kind, on a cgroup v2 host: N networked busybox VEs (init only,
# a veth on one bridge) started one after another from a shell in a cgroup of its own (the
# runtime side); prints the per-VE growth of the VEs' parent cgroup and of that cgroup, by
# memory.stat key (anon, file, kernel and its parts), and the MemAvailable drop. Beside them,
# what one plain host process of the same busybox costs by itself (N copies of `sleep` in a
# cgroup of their own), and the VE's charge beyond its one process (its anon and that cost).
#   tests/bench/bench-memv2.sh                       on a cgroup v2 host, as root
#   tests/kernel-lane/run.sh --cmd 'N=100 tests/bench/bench-memv2.sh'   Debian's 6.1 in QEMU
# Environment: N (100), BENCH_DIR (/var/tmp/vzkit-memv2). The density benchmark measures this
# host's cgroup v1, whose memory.stat has no kernel breakdown. Exits non-zero when a
# prerequisite is missing or a start fails; removes what it made, also when interrupted.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
B=${BUILD:-$TOP/build}
N=${N:-100}
D=${BENCH_DIR:-/var/tmp/vzkit-memv2}
BR=vzmbr0
CG=vzmemv2 # the VEs' parent; $CG-rt holds the runtime side
N0=3000
KEYS="anon file kernel kernel_stack pagetables percpu sock shmem slab_reclaimable slab_unreclaimable"
export VZ_CONFDIR=$D/etc

die() {
	echo "bench-memv2: $*" >&2
	exit 1
}

cleanup() {
	local i
	for ((i = N0 + 1; i <= N0 + N; i++)); do
		[ -e "$VZ_CONFDIR/conf/$i.conf" ] || continue
		"$B/vzctl" --quiet stop $i --fast >/dev/null 2>&1
		"$B/vzctl" --quiet destroy $i >/dev/null 2>&1
	done
	[ -e "/sys/class/net/$BR" ] && ip link del "$BR"
	bench_procs_kill "/sys/fs/cgroup/$CG-proc"
	rmdir "/sys/fs/cgroup/$CG-rt" "/sys/fs/cgroup/$CG" 2>/dev/null
	rm -rf "$D"
}

snap() { # snap CGROUP: the values of $KEYS in its memory.stat, in that order
	local k
	for k in $KEYS; do awk -v k="$k" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
		"$1/memory.stat"; done | tr '\n' ' '
}

avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

bench_reaped "${BASH_SOURCE[0]}" "$@"
[ "$(id -u)" = 0 ] || die "run as root"
[ -e /sys/fs/cgroup/cgroup.controllers ] || die "not a cgroup v2 host (see bench-density for v1)"
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
	die "the memory controller is not enabled for the root's children"
[[ $N =~ ^[0-9]+$ ]] && ((N > 0 && N <= 1000)) || die "N must be 1-1000, not '$N'"
[ -x "$B/vzctl" ] || die "no $B/vzctl: run make first"
[ -e "$D" ] || [ -e "/sys/class/net/$BR" ] || [ -d "/sys/fs/cgroup/$CG" ] &&
	die "left over from an earlier run: $D, bridge $BR or cgroup $CG (remove them)"
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

bench_vzconf "$D" "$CG" "VE_BRIDGE=\"$BR\""
ip link add "$BR" type bridge && ip link set "$BR" up || die "cannot create bridge $BR"
for ((i = N0 + 1; i <= N0 + N; i++)); do
	"$B/vzctl" --quiet create $i --ostemplate busybox >/dev/null &&
		"$B/vzctl" --quiet set $i --netif_add eth0 --save >/dev/null || die "create $i failed"
done
mkdir -p "/sys/fs/cgroup/$CG-rt" "/sys/fs/cgroup/$CG" "/sys/fs/cgroup/$CG-proc" ||
	die "cannot create the cgroups"
bb=$(ls "$D"/template/cache/busybox/*/root/bin/busybox 2>/dev/null | head -1)
[ -x "$bb" ] || die "no busybox in the template cache under $D/template"
q0=$(snap "/sys/fs/cgroup/$CG-proc")
SETTLE=3 bench_procs_start "/sys/fs/cgroup/$CG-proc" "$N" "$bb" ||
	die "cannot start $N control processes"
q1=$(snap "/sys/fs/cgroup/$CG-proc")
bench_procs_kill "/sys/fs/cgroup/$CG-proc" || die "control processes left in $CG-proc"
sync
echo 3 >/proc/sys/vm/drop_caches
sleep 1
p0=$(snap "/sys/fs/cgroup/$CG") r0=$(snap "/sys/fs/cgroup/$CG-rt") m0=$(avail)
sh -c 'echo $$ >"$1/cgroup.procs" || exit 1; shift
	for i in $(seq "$2" "$3"); do "$1" --quiet start $i || exit 1; done' \
	sh "/sys/fs/cgroup/$CG-rt" "$B/vzctl" $((N0 + 1)) $((N0 + N)) || die "a start failed"
sleep 5
p1=$(snap "/sys/fs/cgroup/$CG") r1=$(snap "/sys/fs/cgroup/$CG-rt") m1=$(avail)

echo "kernel $(uname -r), cgroup v2, $(nproc) CPUs, N=$N networked busybox VEs (init only)"
echo "KiB per VE             VEs' cgroups  runtime side  one plain process"
K=($KEYS) a=($p0) b=($p1) c=($r0) d=($r1) e=($q0) f=($q1)
for ((j = 0; j < ${#K[@]}; j++)); do
	printf '%-22s %12d  %12d  %17d\n' "${K[j]}" $(((b[j] - a[j]) / 1024 / N)) \
		$(((d[j] - c[j]) / 1024 / N)) $(((f[j] - e[j]) / 1024 / N))
	case ${K[j]} in
	anon) an=$(((b[j] - a[j] + d[j] - c[j]) / 1024 / N)) ;;
	file) fp=$(((b[j] - a[j] + d[j] - c[j]) / 1024 / N)) ;;
	kernel) ke=$(((b[j] - a[j] + d[j] - c[j]) / 1024 / N)) pk=$(((f[j] - e[j]) / 1024 / N)) ;;
	esac
done
echo "MemAvailable drop: $(((m0 - m1) / N)) KiB per VE"
echo "charged beyond anon: $((fp + ke)) KiB per VE; beyond its process (anon and $pk KiB of" \
	"kernel memory): $((fp + ke - pk)) KiB, of it file pages $fp"
