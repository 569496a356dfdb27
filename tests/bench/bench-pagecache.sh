#!/bin/bash
# Page cache and memory used by N VEs running the same binaries from one template, against one
# VE. Per measurement: caches dropped, K instances started (vzctl start --wait), SETTLE seconds,
# then, as deltas over the start:
#   tmpl_kb    page cache of the template's files (fincore over the template cache root: the
#              VEs' lower layer is that tree, idmapped or not, so these are the pages the VEs
#              share; counted once however many VEs map them);
#   own_kb     page cache of the VEs' own files (fincore over each VE's upper layer: journal,
#              logs, host keys, machine-id, ...; per VE by nature);
#   other_kb   the rest of the file pages charged to the VEs' memory cgroups (files neither in
#              the template nor in an upper layer, e.g. host files read while starting);
#   shmem_kb   tmpfs/shmem charged to the VEs (/run, /dev/shm; a volatile journal lands here);
#   anon_kb    anonymous memory charged to the VEs (v1 total_rss, v2 anon): their processes'
#              heaps and stacks, counted once per page;
#   total_kb   tmpl + own + other + shmem + anon: what the host pays for the K VEs;
#   rss_kb, pss_kb, pss_file_kb  sums over the VEs' processes (/proc/PID/smaps_rollup): RSS
#              counts a shared page once per process that maps it, PSS splits it between them,
#              so pss_file_kb staying flat while rss grows is the sharing of mapped binaries;
#   cgroup_kb  file pages charged to the VEs' parent memory cgroup (v1 total_cache - total_shmem,
#              v2 file - shmem), cached_kb the host's Cached - Shmem (whole machine: noisy).
# The goal (issue 3): N VEs within 1.2 x one; issue 6: 50 Debian VEs running sshd.
#
#   tests/bench/bench-pagecache.sh N OSTEMPLATE          e.g. 20 busybox, or 50 debian-12
#   REPEAT=3 tests/bench/bench-pagecache.sh 20 debian-12  three rounds, the medians reported
#   RUNTIME=lxc-clone tests/bench/bench-pagecache.sh 20 busybox   a peer on the same template:
#       lxc-clone: lxc-copy -s -B overlayfs clones of one LXC container on the template cache;
#       lxc-copy: LXC containers each on its own cp -a copy of the template cache.
#   tests/bench/bench-pagecache.sh clean                 removes what an interrupted run left
#
# Environment: RUNTIME (vz, lxc-clone, lxc-copy), TEMPLATE_DIR (vz.conf TEMPLATE; default: the
# test suite's debian-12 cache for debian-12, else BENCH_DIR/template), LAYOUT_OPTS (vzctl
# create options, e.g. "--diskspace 2G" for the image layout; default none: dir), SETTLE
# (seconds after the starts before measuring, default 3), START_TIMEOUT (seconds per --wait
# start), REPEAT (rounds of "1 then N", default 1), SSHD (1: check that every instance runs
# sshd, the default for debian-12), BENCH_DIR (default /var/tmp/vzkit-bench-pagecache).
# Prints "pagecache-run ..." lines per round, then the medians as key=value lines ("pagecache
# runtime=vz template=T n=K cgroup_kb=... tmpl_kb=... total_kb=...", also in
# BENCH_DIR/results.txt), the VEs' own files with the most page cache ("pagecache-own") and a
# ratio line; called by bench-storage.sh. Drops the host's page cache (echo 3 > drop_caches)
# before every measurement.
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
REPEAT=${REPEAT:-1}
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
# cg_kb P KEY...: the first of the memory.stat keys that exists below cgroup P, KB.
cg_kb() {
	local f
	f=$(memcg "$1")/memory.stat
	shift
	[ -r "$f" ] || { echo 0; return; }
	awk -v keys="$*" 'BEGIN { n = split(keys, k, " ") } { v[$1] = $2 }
		END { for (i = 1; i <= n; i++) if (k[i] in v) { printf "%d\n", v[k[i]] / 1024; exit }
			print 0 }' "$f"
}
# Resident page cache of the regular files below the given trees, KB (fincore, util-linux).
resident_kb() {
	find "$@" -xdev -type f -exec fincore -b -n -o RES {} + 2>/dev/null |
		awk '{ s += $1 } END { printf "%d\n", s / 1024 }'
}
# The instances' processes: every cgroup.procs below the parent memory cgroup P.
procs() { find "$(memcg "$1")" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un; }
# smaps_sums P: "rss pss pss_file" over the processes below P, KB.
smaps_sums() {
	local p
	for p in $(procs "$1"); do cat "/proc/$p/smaps_rollup" 2>/dev/null; done |
		awk '$1 == "Rss:" { r += $2 } $1 == "Pss:" { p += $2 } $1 == "Pss_File:" { f += $2 }
			END { printf "%d %d %d\n", r, p, f }'
}
# The host's page cache without tmpfs/shmem, KB.
host_cached_kb() { awk '$1 == "Cached:" { c = $2 } $1 == "Shmem:" { s = $2 } END { print c - s }' /proc/meminfo; }
drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches && sleep 1; }

INOTIFY_RESTORE=
cleanup() {
	local f id c h
	trap - EXIT INT TERM
	[ -z "$INOTIFY_RESTORE" ] || echo "$INOTIFY_RESTORE" >/proc/sys/fs/inotify/max_user_instances
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
	[ -d "$D" ] && find "$D" -mindepth 1 -maxdepth 1 ! -name template ! -name results.txt \
		! -name runs.log ! -name runs.txt ! -name own.txt \
		-exec rm -rf {} +
}

# VE inits are orphans by design; run under the project's subreaper, because this sandbox's
# PID 1 does not reap them (see tests/helpers/reaper.c).
bench_reaped "${BASH_SOURCE[0]}" "$@"
if [ "${1:-}" = clean ]; then
	cleanup
	echo clean
	exit 0
fi
[ $# = 2 ] || die "usage: $0 N OSTEMPLATE | clean"
N=$1
OST=$2
SSHD=${SSHD:-$([ "$OST" = debian-12 ] && echo 1 || echo 0)}
[ "$(id -u)" = 0 ] || die "must run as root (drop_caches, cgroups, mounts)"
[ -x "$VZCTL" ] || die "$VZCTL missing: run make first"
command -v fincore >/dev/null || die "fincore missing (util-linux >= 2.30)"
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
# systemd VEs hold about 6 inotify instances each (PID 1 4, dbus 1, logind 1), all charged to
# the owner of their user namespaces, host root, against fs.inotify.max_user_instances (128 by
# default: the 22nd Debian VE would not boot). Raised for this run only, and put back on exit.
ino=$(cat /proc/sys/fs/inotify/max_user_instances)
if [ -e "$ROOTFS/lib/systemd/systemd" ] && [ "$ino" -lt $((N * 6 + 8)) ]; then
	echo "bench-pagecache: fs.inotify.max_user_instances $ino -> $((N * 8 + 128)) for this run" >&2
	echo $((N * 8 + 128)) >/proc/sys/fs/inotify/max_user_instances ||
		die "cannot raise fs.inotify.max_user_instances ($ino; $N systemd VEs need $((N * 6 + 8)))"
	INOTIFY_RESTORE=$ino
fi

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
	vz) ;; # created afresh before each measurement (fresh_vz)
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

# The upper layer (the instance's own files) and the cgroup (below the memory hierarchy's root)
# of instance I (0-based).
own_dir() {
	local id=$((ID0 + $1))
	case $RUNTIME in
	vz) if [ -d "$D/private/$id/upper" ]; then echo "$D/private/$id/upper"; else echo "$D/private/$id/fs/upper"; fi ;;
	lxc-clone) echo "$D/lxc/c$1/overlay/delta" ;;
	lxc-copy) echo "$D/copies/c$1" ;;
	esac
}
inst_cg() { if [ "$RUNTIME" = vz ]; then echo "$CG/$((ID0 + $1))"; else echo "$CG-lxc/c$1"; fi; }

# fresh_vz K: the first K VEs destroyed and created again, so that every measurement is of a
# first boot (a second boot finds the journal of the first, killed by stop --fast, and rotates it).
fresh_vz() {
	local i
	for ((i = 0; i < $1; i++)); do
		"$VZCTL" --quiet destroy $((ID0 + i)) >>"$LOG" 2>&1
		"$VZCTL" --quiet create $((ID0 + i)) --ostemplate "$OST" $LAYOUT_OPTS >>"$LOG" 2>&1 ||
			die "vzctl create $((ID0 + i)) failed (see $LOG)"
	done
}

# check_sshd K: every one of the first K instances runs sshd (issue 6's daemon).
check_sshd() {
	local i p ok=0
	for ((i = 0; i < $1; i++)); do
		for p in $(procs "$(inst_cg $i)"); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && { ok=$((ok + 1)) && break; }
		done
	done
	[ "$ok" = "$1" ] || die "sshd runs in $ok of $1 instances (the template must enable ssh.service)"
}

# own_files K: the instances' own files with the most page cache, summed over the K instances
# by path (the journal's directory, named by the machine id, folded to ID).
own_files() {
	local i
	for ((i = 0; i < $1; i++)); do
		find "$(own_dir $i)" -xdev -type f -exec fincore -b -n -o RES,FILE {} + 2>/dev/null |
			sed "s|$(own_dir $i)/||"
	done | awk '{ f = $2; sub(/journal\/[0-9a-f]+\//, "journal/ID/", f); s[f] += $1; c[f]++ }
		END { for (f in s) if (s[f] > 0) printf "%d %d %s\n", s[f] / 1024, c[f], f }' |
		sort -rn | head -n 6 | while read -r kb cnt f; do
		echo "pagecache-own runtime=$RUNTIME template=$OST n=$1 kb=$kb files=$cnt path=$f"
	done
}

# measure K: page cache and memory used by K running instances, as deltas over their start;
# appends one key=value line to D/runs.txt.
measure() {
	local k=$1 parent cg0 cg1 h0 h1 t0 t1 sh0 an0 own i other sm line
	parent=$([ "$RUNTIME" = vz ] && echo $CG || echo $CG-lxc)
	[ "$RUNTIME" = vz ] && fresh_vz "$k"
	drop_caches
	cg0=$(cg_file_kb $parent) h0=$(host_cached_kb) t0=$(resident_kb "$ROOTFS")
	sh0=$(cg_kb $parent total_shmem shmem) an0=$(cg_kb $parent total_rss anon)
	start_n "$k"
	sleep "$SETTLE"
	[ "$SSHD" = 1 ] && check_sshd "$k"
	cg1=$(cg_file_kb $parent) h1=$(host_cached_kb) t1=$(resident_kb "$ROOTFS")
	own=0
	for ((i = 0; i < k; i++)); do own=$((own + $(resident_kb "$(own_dir $i)"))); done
	other=$((cg1 - cg0 - (t1 - t0) - own))
	[ $other -lt 0 ] && other=0 # template pages charged elsewhere: not ours to count
	read -r -a sm <<<"$(smaps_sums $parent)"
	line="n=$k cgroup_kb=$((cg1 - cg0)) cached_kb=$((h1 - h0)) tmpl_kb=$((t1 - t0)) own_kb=$own"
	line="$line other_kb=$other shmem_kb=$(($(cg_kb $parent total_shmem shmem) - sh0))"
	line="$line anon_kb=$(($(cg_kb $parent total_rss anon) - an0))"
	line="$line rss_kb=${sm[0]} pss_kb=${sm[1]} pss_file_kb=${sm[2]} procs=$(procs $parent | wc -l)"
	line="$line tmpl_before_kb=$t0"
	line=$(awk -v l="$line" 'BEGIN { n = split(l, f, " "); for (i = 1; i <= n; i++) { split(f[i], kv, "=")
		v[kv[1]] = kv[2] } t = v["tmpl_kb"] + v["own_kb"] + v["other_kb"] + v["shmem_kb"] + v["anon_kb"]
		print l " total_kb=" t }')
	echo "pagecache-run runtime=$RUNTIME template=$OST $line" | tee -a "$D/runs.txt"
	[ "$k" = "$N" ] && [ -n "$LAST" ] && own_files "$k" | tee -a "$D/own.txt"
	stop_n "$k"
	sleep 1
}

# median_line K: per key, the median over the rounds' lines for K instances.
median_line() {
	awk -v n="n=$1" '$4 == n { r++; for (i = 4; i <= NF; i++) { split($i, kv, "="); k[i] = kv[1]
			v[kv[1], r] = kv[2] } nf = NF }
		END { if (!r) exit 1; printf "pagecache runtime=%s template=%s", substr($2, 9), substr($3, 10)
			for (i = 4; i <= nf; i++) { m = 0
				for (j = 1; j <= r; j++) a[j] = v[k[i], j] + 0
				for (j = 2; j <= r; j++) for (l = j; l > 1 && a[l - 1] > a[l]; l--) {
					t = a[l]; a[l] = a[l - 1]; a[l - 1] = t }
				m = (r % 2) ? a[(r + 1) / 2] : (a[r / 2] + a[r / 2 + 1]) / 2
				printf " %s=%s", k[i], (i == 4 ? substr(n, 3) : sprintf("%d", m)) }
			printf " rounds=%d\n", r }' "$D/runs.txt"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
prepare
rm -f "$D/results.txt" "$D/runs.txt" "$D/own.txt"
LAST=
for ((round = 1; round <= REPEAT; round++)); do
	[ $round = "$REPEAT" ] && LAST=1
	measure 1
	measure "$N"
done
{ median_line 1 && median_line "$N"; } | tee "$D/results.txt" || die "no measurement"
awk -v a="$(sed -n 1p "$D/results.txt")" -v b="$(sed -n 2p "$D/results.txt")" -v n="$N" 'BEGIN {
	na = split(a, x, /[ =]/); nb = split(b, y, /[ =]/)
	for (i = 1; i < na; i++) one[x[i]] = x[i + 1]
	for (i = 1; i < nb; i++) all[y[i]] = y[i + 1]
	split("cgroup cached tmpl own anon total", f, " ")
	printf "ratio n=%d/1", n
	for (i = 1; i <= 6; i++) { k = f[i] "_kb"; printf " %s=%.2f", f[i], (one[k] > 0 ? all[k] / one[k] : 0) }
	printf " per_extra_kb=%d\n", (n > 1 ? (all["total_kb"] - one["total_kb"]) / (n - 1) : 0) }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
