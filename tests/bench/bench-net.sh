#!/bin/bash
# make bench-net: what networking adds to a VE start (the "start step net" line of
# vzctl --verbose start, per configuration), and TCP throughput VE to VE over a bridge with
# iperf3, next to two LXC containers on a bridge in the same run. iperf3 runs from the host's
# binary inside each container's network namespace (nsenter --net), so both runtimes are
# measured on the same path: veth, bridge, veth.
#
#   tests/bench/bench-net.sh          RUNS=30 starts per configuration, IPERF_TIME=10 s x 3
#   tests/bench/bench-net.sh clean    removes what an interrupted run left behind
#
# Works in BENCH_DIR (/var/tmp/vzkit-bench-net); results in BENCH_DIR/results. Exits non-zero
# only when a run fails or a prerequisite is missing, never because a goal is missed.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
B=${BUILD:-$TOP/build}
VZCTL=$B/vzctl
D=${BENCH_DIR:-/var/tmp/vzkit-bench-net}
RES=$D/results
RUNS=${RUNS:-30}
IPERF_TIME=${IPERF_TIME:-10}
IPERF_ROUNDS=${IPERF_ROUNDS:-3}
BR=vzbnbr0 LBR=vzbnlx0 CG=vzbnet
export VZ_CONFDIR=$D/etc

die() {
	echo "bench-net: $*" >&2
	exit 1
}
say() { printf '%s\n' "$*" | tee -a "$RES/log.txt"; }

clean() {
	local f id
	for f in "$VZ_CONFDIR"/conf/*.conf; do
		[ -e "$f" ] || continue
		id=$(basename "$f" .conf)
		"$VZCTL" --quiet stop "$id" --fast >/dev/null 2>&1
		"$VZCTL" --quiet destroy "$id" >/dev/null 2>&1
	done
	for c in vzbn-a vzbn-b; do
		lxc-stop -P "$D/lxc" -n $c -k >/dev/null 2>&1
	done
	ip link del $BR >/dev/null 2>&1
	ip link del $LBR >/dev/null 2>&1
	# The parent cgroups of the VEs and the LXC containers (children first).
	for g in $CG-lxc-pivot $CG-lxc $CG; do
		find /sys/fs/cgroup -depth -mindepth 1 -maxdepth 3 -type d -path "*/$g/*" \
			-exec rmdir {} + 2>/dev/null
		rmdir /sys/fs/cgroup/*/$g /sys/fs/cgroup/$g 2>/dev/null
	done
	find "$D" -mindepth 1 -maxdepth 1 ! -name results -exec rm -rf {} +
}

[ "$(id -u)" = 0 ] || die "needs root"
# VE inits are orphans by design; a subreaper reaps them where PID 1 does not (bench-start).
bench_reaped "${BASH_SOURCE[0]}" "$@"
[ "${1:-}" = clean ] && { clean; exit 0; }
for t in iperf3 nsenter lxc-start nft; do command -v $t >/dev/null || die "missing $t"; done
[ -x "$VZCTL" ] || die "build first (make all)"
mkdir -p "$RES" "$VZ_CONFDIR/conf"
: >"$RES/log.txt"
trap clean EXIT
bench_vzconf "$D" "$CG" "VE_BRIDGE=\"$BR\""

# ---- 1. the net step of a start, per configuration ----
mkve() { # mkve CTID SET-OPTIONS...
	local id=$1
	shift
	"$VZCTL" --quiet create "$id" >>"$RES/runs.log" 2>&1 || die "create $id failed"
	[ $# = 0 ] || "$VZCTL" --quiet set "$id" "$@" --save >>"$RES/runs.log" 2>&1 ||
		die "set $id $* failed"
}
mkve 950
mkve 951 --netif_add eth0
mkve 952 --netif_add eth0 --netif_add eth1
mkve 953 --ipadd 10.213.62.3
mkve 954 --netif_add eth0
sed -i 's/^NETIF="\(.*\)"/NETIF="\1,mac_filter=on"/' "$VZ_CONFDIR/conf/954.conf"

median() { sort -n | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : 0)}'; }
gone() { # gone CTID: waits (up to 5 s) until the kernel has freed the VE's last netns
	local k
	for ((k = 0; k < 500; k++)); do
		ip -o link | grep -qE " (veth$1\.[0-9]+|vzr$1)[@:]" || return 0
		sleep 0.01
	done
}
# A stop leaves the veths to the netns teardown; a start right after it waits for them (that
# wait is not the cost of wiring an interface, so each start here comes after it).
net_us() { # net_us CTID: median "start step net" of RUNS starts, in us
	local i
	for ((i = 0; i < RUNS; i++)); do
		gone "$1"
		"$VZCTL" --verbose start "$1" 2>&1 | sed -n 's/.*start step net: \([0-9]*\) us/\1/p'
		"$VZCTL" --quiet stop "$1" --fast >>"$RES/runs.log" 2>&1
	done | median
}
say "== start step net, median of $RUNS starts (us)"
declare -A NET
for id in 950 951 952 953 954; do NET[$id]=$(net_us $id); done
say "$(printf '%-34s %6s\n' "no interface (lo only)" "${NET[950]}")"
say "$(printf '%-34s %6s\n' "1 NETIF on a bridge" "${NET[951]}")"
say "$(printf '%-34s %6s\n' "2 NETIFs on a bridge" "${NET[952]}")"
say "$(printf '%-34s %6s\n' "routed, 1 address + nft filter" "${NET[953]}")"
say "$(printf '%-34s %6s\n' "1 NETIF with mac_filter (nft)" "${NET[954]}")"
per_if=$(((NET[952] - NET[950]) / 2))
say "per bridged interface: $per_if us (goal: <= 2500 us)"

# ---- 2. iperf3 VE to VE over the bridge, and LXC to LXC ----
mkve 960 --netif_add eth0
mkve 961 --netif_add eth0
for id in 960 961; do "$VZCTL" --quiet start $id >>"$RES/runs.log" 2>&1 || die "start $id"; done
"$VZCTL" exec 960 ip addr add 10.213.60.1/24 dev eth0
"$VZCTL" exec 961 ip addr add 10.213.60.2/24 dev eth0
vz_pid() { cut -d' ' -f1 "$D/run/$1.pid"; }

ver=$(sed -n 's/^OSTEMPLATE_VERSION="\(.*\)"/\1/p' "$VZ_CONFDIR/conf/960.conf")
ROOTFS=$D/template/cache/busybox/$ver/root
[ -x "$ROOTFS/sbin/init" ] || die "no busybox root at $ROOTFS"
ip link add $LBR type bridge && ip link set $LBR up || die "bridge $LBR"
mklxc() { # mklxc NAME ADDR: busybox LXC container with one veth on LBR
	mkdir -p "$D/lxc/$1"
	cat >"$D/lxc/$1/config" <<EOC
lxc.include = /usr/share/lxc/config/common.conf
lxc.uts.name = $1
lxc.rootfs.path = dir:$ROOTFS
lxc.rootfs.options = ro
lxc.net.0.type = veth
lxc.net.0.link = $LBR
lxc.net.0.flags = up
lxc.net.0.name = eth0
lxc.net.0.ipv4.address = $2
lxc.apparmor.profile = unconfined
lxc.tty.max = 0
lxc.console.path = none
lxc.autodev = 1
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGUSR2
lxc.log.level = ERROR
lxc.cgroup.dir.container = $CG-lxc/$1
lxc.cgroup.dir.monitor = $CG-lxc/mon-$1
lxc.cgroup.dir.monitor.pivot = $CG-lxc-pivot
EOC
	lxc-start -P "$D/lxc" -n "$1" -d >>"$RES/runs.log" 2>&1 || die "lxc-start $1 failed"
}
mklxc vzbn-a 10.213.61.1/24
mklxc vzbn-b 10.213.61.2/24
lxc_pid() { lxc-info -P "$D/lxc" -n "$1" -p -H; }

iperf() { # iperf CLIENT-PID SERVER-PID SERVER-ADDR: Gbit/s received
	nsenter --net=/proc/$2/ns/net iperf3 -s -1 -D -I "$D/iperf.pid" >/dev/null 2>&1
	sleep 0.3
	nsenter --net=/proc/$1/ns/net iperf3 -c "$3" -t "$IPERF_TIME" -J 2>>"$RES/runs.log" |
		awk '/"sum_received"/ {s = 1} s && /"bits_per_second"/ {
			gsub(/[,]/, ""); printf "%.2f\n", $2 / 1e9; exit }'
}
say "== iperf3 TCP, $IPERF_TIME s, $IPERF_ROUNDS rounds (Gbit/s)"
vz=() lx=()
for ((r = 0; r < IPERF_ROUNDS; r++)); do
	vz+=("$(iperf "$(vz_pid 960)" "$(vz_pid 961)" 10.213.60.2)")
	lx+=("$(iperf "$(lxc_pid vzbn-a)" "$(lxc_pid vzbn-b)" 10.213.61.2)")
	say "round $((r + 1)): vzkit ${vz[r]}  lxc ${lx[r]}"
done
vzm=$(printf '%s\n' "${vz[@]}" | median)
lxm=$(printf '%s\n' "${lx[@]}" | median)
say "median: vzkit $vzm Gbit/s, lxc $lxm Gbit/s, ratio $(awk -v a="$vzm" -v b="$lxm" \
	'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}') (goal: >= 0.95)"
say "kernel $(uname -r), $(nproc) CPUs; results in $RES/log.txt"
