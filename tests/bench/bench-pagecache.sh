#!/bin/bash
# Page cache used by N VEs running the same binaries from one template, against one VE: caches
# dropped, one VE started (--wait), the page cache charged to the VEs' parent memory cgroup
# (file minus shmem, a delta across the start) and the host's Cached minus Shmem measured; all
# stopped; caches dropped, N started, measured again. The goal (issue 3): N VEs within 1.2 x one.
#
#   tests/bench/bench-pagecache.sh N OSTEMPLATE          e.g. 20 busybox, or 50 debian-12
#   RUNTIME=lxc-clone tests/bench/bench-pagecache.sh 20 busybox   a peer on the same template:
#       lxc-clone: lxc-copy -s -B overlayfs clones of one LXC container on the template cache;
#       lxc-copy: LXC containers each on its own cp -a copy of the template cache.
#   tests/bench/bench-pagecache.sh clean                 removes what an interrupted run left
#
# Environment: RUNTIME (vz, lxc-clone, lxc-copy), TEMPLATE_DIR (vz.conf TEMPLATE; default: the
# test suite's debian-12 cache for debian-12, else BENCH_DIR/template), LAYOUT_OPTS (vzctl
# create options, e.g. "--diskspace 2G" for the image layout; default none: dir), SETTLE
# (seconds after the starts before measuring, default 3), START_TIMEOUT (seconds per --wait
# start), BENCH_DIR (default /var/tmp/vzkit-bench-pagecache). Prints key=value lines
# ("pagecache runtime=vz n=1 cgroup_kb=... cached_kb=...") and a ratio line; called by
# bench-storage.sh. Drops the host's page cache (echo 3 > drop_caches) twice per run.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
B=${BUILD:-$TOP/build}
VZCTL=$B/vzctl
D=${BENCH_DIR:-/var/tmp/vzkit-bench-pagecache}
RUNTIME=${RUNTIME:-vz}
SETTLE=${SETTLE:-3}
START_TIMEOUT=${START_TIMEOUT:-120}
LAYOUT_OPTS=${LAYOUT_OPTS:-}
CG=vzbpc # the VEs' and containers' parent cgroups start with this name
ID0=3000
export VZ_CONFDIR=$D/etc

die() {
	echo "bench-pagecache: $*" >&2
	exit 1
}

# The memory cgroup directory of parent P, v1 or v2.
memcg() { if [ -d /sys/fs/cgroup/memory ]; then echo "/sys/fs/cgroup/memory/$1"; else echo "/sys/fs/cgroup/$1"; fi; }
# Page cache charged below cgroup P, KB: v1 total_cache - total_shmem, v2 file - shmem.
cg_file_kb() {
	local f
	f=$(memcg "$1")/memory.stat
	[ -r "$f" ] || { echo 0; return; }
	awk '$1 == "total_cache" || $1 == "file" { c = $2 } $1 == "total_shmem" || $1 == "shmem" { s = $2 }
		END { printf "%d\n", (c - s) / 1024 }' "$f"
}
# The host's page cache without tmpfs/shmem, KB.
host_cached_kb() { awk '$1 == "Cached:" { c = $2 } $1 == "Shmem:" { s = $2 } END { print c - s }' /proc/meminfo; }
drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches && sleep 1; }

cleanup() {
	local f id c h
	trap - EXIT INT TERM
	if [ -d "$D/etc/conf" ]; then
		for f in "$D"/etc/conf/*.conf; do
			[ -e "$f" ] || continue
			id=$(basename "$f" .conf)
			"$VZCTL" --quiet stop "$id" --fast >/dev/null 2>&1
			"$VZCTL" --quiet destroy "$id" >/dev/null 2>&1
		done
	fi
	if [ -d "$D/lxc" ] && command -v lxc-ls >/dev/null; then
		for c in $(lxc-ls -P "$D/lxc" --running 2>/dev/null); do lxc-stop -P "$D/lxc" -n "$c" -k; done
		for c in $(lxc-ls -P "$D/lxc" 2>/dev/null); do
			[ "$c" = base ] || lxc-destroy -P "$D/lxc" -n "$c" >/dev/null 2>&1
		done
	fi
	mountpoint -q "$D/lxc/base/rootfs" 2>/dev/null && umount "$D/lxc/base/rootfs"
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		for f in "$h"/$CG "$h"/$CG-*; do
			[ -d "$f" ] && find "$f" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
	# The template cache (BENCH_DIR/template) is kept: rebuilding busybox's costs seconds.
	[ -d "$D" ] && find "$D" -mindepth 1 -maxdepth 1 ! -name template ! -name results.txt ! -name runs.log \
		-exec rm -rf {} +
}

# VE inits are orphans by design; run under the project's subreaper, because this sandbox's
# PID 1 does not reap them (see tests/helpers/reaper.c).
if [ -z "${VZKIT_REAPED:-}" ] && [ -x "$B/tests/reaper" ]; then
	export VZKIT_REAPED=1
	exec "$B/tests/reaper" bash "${BASH_SOURCE[0]}" "$@"
fi
if [ "${1:-}" = clean ]; then
	cleanup
	echo clean
	exit 0
fi
[ $# = 2 ] || die "usage: $0 N OSTEMPLATE | clean"
N=$1
OST=$2
[ "$(id -u)" = 0 ] || die "must run as root (drop_caches, cgroups, mounts)"
[ -x "$VZCTL" ] || die "$VZCTL missing: run make first"
case $RUNTIME in
vz) ;;
lxc-clone | lxc-copy) command -v lxc-copy >/dev/null || die "lxc missing (apt-get install lxc)" ;;
*) die "RUNTIME must be vz, lxc-clone or lxc-copy" ;;
esac
if [ -z "${TEMPLATE_DIR:-}" ]; then
	if [ "$OST" = debian-12 ]; then
		TEMPLATE_DIR=/var/tmp/vzkit-test-templates/$(sha256sum <"$TOP/templates/debian-12/mkcache" | cut -c1-12)
	else
		TEMPLATE_DIR=$D/template
	fi
fi
[ ! -d "$D/etc" ] && [ -z "$(bench_stale_cgroups $CG)" ] ||
	die "leftovers of an earlier run; remove them with: $0 clean"
mkdir -p "$D/etc/conf" "$TEMPLATE_DIR"
bench_vzconf "$D" "$CG" "TEMPLATE=\"$TEMPLATE_DIR\""
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM
LOG=$D/runs.log
rm -f "$LOG"

# The VEs (also for the peers: the first one's template cache is their root).
"$VZCTL" --quiet create $ID0 --ostemplate "$OST" $LAYOUT_OPTS >>"$LOG" 2>&1 ||
	die "vzctl create from $OST failed (see $LOG; a debian-12 cache is built by tests/integration/t-debian.sh)"
ver=$(sed -n 's/^OSTEMPLATE_VERSION="\(.*\)"/\1/p' "$VZ_CONFDIR/conf/$ID0.conf")
ROOTFS=$TEMPLATE_DIR/cache/$OST/$ver/root
[ -x "$ROOTFS/sbin/init" ] || die "no template cache root at $ROOTFS"

mklxc() { # mklxc NAME ROOTFS_SPEC: LXC container with the template's init, no network
	mkdir -p "$D/lxc/$1"
	cat >"$D/lxc/$1/config" <<EOC
lxc.include = /usr/share/lxc/config/common.conf
lxc.uts.name = $1
lxc.rootfs.path = $2
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
lxc.tty.max = 0
lxc.pty.max = 16
lxc.console.path = none
lxc.autodev = 1
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGUSR2
lxc.log.level = ERROR
lxc.cgroup.dir.container = $CG-lxc/$1
lxc.cgroup.dir.monitor = $CG-mon/$1
lxc.cgroup.dir.monitor.pivot = $CG-pivot
EOC
}

# The clones' base container: lxc-copy insists that the base's rootfs path holds its name, so
# the template cache is bind-mounted (read-only) at LXCPATH/base/rootfs.
lxc_base() {
	mkdir -p "$D/lxc/base/rootfs"
	mountpoint -q "$D/lxc/base/rootfs" ||
		{ mount --bind "$ROOTFS" "$D/lxc/base/rootfs" &&
			mount -o remount,bind,ro "$D/lxc/base/rootfs"; } || die "bind mount of $ROOTFS failed"
	mklxc base "dir:$D/lxc/base/rootfs"
}

prepare() { # the N instances of RUNTIME (created once, started twice)
	local i
	case $RUNTIME in
	vz)
		for ((i = ID0 + 1; i < ID0 + N; i++)); do
			"$VZCTL" --quiet create $i --ostemplate "$OST" $LAYOUT_OPTS >>"$LOG" 2>&1 ||
				die "vzctl create $i failed (see $LOG)"
		done
		;;
	lxc-clone)
		lxc_base
		for ((i = 0; i < N; i++)); do
			lxc-copy -P "$D/lxc" -n base -N "c$i" -s -B overlayfs >>"$LOG" 2>&1 ||
				die "lxc-copy -s failed (see $LOG)"
			# each clone its own cgroups (the copied config names the base's)
			sed -i "s|/base\$|/c$i|" "$D/lxc/c$i/config"
		done
		;;
	lxc-copy)
		for ((i = 0; i < N; i++)); do
			mkdir -p "$D/copies"
			cp -a "$ROOTFS" "$D/copies/c$i" || die "cp -a of $ROOTFS failed"
			mklxc "c$i" "dir:$D/copies/c$i"
		done
		;;
	esac
}

start_n() { # start_n K: starts the first K instances, waiting for each
	local i
	for ((i = 0; i < $1; i++)); do
		case $RUNTIME in
		vz) timeout "$START_TIMEOUT" "$VZCTL" --quiet start $((ID0 + i)) --wait >>"$LOG" 2>&1 ;;
		*) lxc-start -P "$D/lxc" -n "c$i" -d >>"$LOG" 2>&1 &&
			lxc-wait -P "$D/lxc" -n "c$i" -s RUNNING -t 30 ;;
		esac || die "start $i of $RUNTIME failed (see $LOG)"
	done
}

stop_n() {
	local i
	for ((i = 0; i < $1; i++)); do
		case $RUNTIME in
		vz) "$VZCTL" --quiet stop $((ID0 + i)) --fast >>"$LOG" 2>&1 ;;
		*) lxc-stop -P "$D/lxc" -n "c$i" -k >>"$LOG" 2>&1 ;;
		esac
	done
}

# measure K: page cache used by K running instances, as deltas over their start.
measure() {
	local k=$1 parent cg0 cg1 h0 h1
	parent=$([ "$RUNTIME" = vz ] && echo $CG || echo $CG-lxc)
	drop_caches
	cg0=$(cg_file_kb $parent) h0=$(host_cached_kb)
	start_n "$k"
	sleep "$SETTLE"
	cg1=$(cg_file_kb $parent) h1=$(host_cached_kb)
	echo "pagecache runtime=$RUNTIME template=$OST n=$k cgroup_kb=$((cg1 - cg0)) cached_kb=$((h1 - h0))" |
		tee -a "$D/results.txt"
	stop_n "$k"
	sleep 1
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
prepare
rm -f "$D/results.txt"
measure 1
measure "$N"
awk -v a="$(sed -n 1p "$D/results.txt")" -v b="$(sed -n 2p "$D/results.txt")" -v n="$N" 'BEGIN {
	split(a, x, /[ =]/); split(b, y, /[ =]/)
	for (i in x) if (x[i] == "cgroup_kb") c1 = x[i + 1]; else if (x[i] == "cached_kb") h1 = x[i + 1]
	for (i in y) if (y[i] == "cgroup_kb") cn = y[i + 1]; else if (y[i] == "cached_kb") hn = y[i + 1]
	printf "ratio n=%d/1 cgroup=%.2f cached=%.2f\n", n, (c1 > 0 ? cn / c1 : 0), (h1 > 0 ? hn / h1 : 0) }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
