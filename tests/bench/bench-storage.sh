#!/bin/bash
# make bench-storage: what a VE costs in storage, next to LXC's overlayfs snapshot clones
# (lxc-copy -s -B overlayfs) and plain copies (cp -a) of the same template cache, in one run:
#   - create time per VE (median), from the busybox template and from the Debian 12 template
#     (the test suite's cache), with a DISKSPACE limit (layout image) and without (dir);
#   - disk used by NDISK VEs beyond the template (du of the private areas: the images' st_blocks);
#   - page cache of PC_N running VEs against one (tests/bench/bench-pagecache.sh).
# Prints the tables, the vzkit/peer ratios and the goals' verdicts (issue 3: create <= 15 ms and
# the same for both templates, < 1 MB of disk per VE, PC_N VEs' page cache within 1.2 x one's).
#
#   tests/bench/bench-storage.sh          full run (RUNS=50, NDISK=100, PC_N=20)
#   RUNS=10 NDISK=20 PC_N=5 tests/bench/bench-storage.sh     quick form
#   tests/bench/bench-storage.sh clean    removes what an interrupted run left behind
#
# Environment: RUNS (timed creates per series), NDISK (instances for the disk series, >= RUNS),
# CP_RUNS (timed cp -a copies, each removed after: they cost a template each), DISKSPACE (the
# image layout's limit), PC_N, PC_DEBIAN (0: no Debian page cache series), DEBIAN_CACHE,
# BENCH_DIR. Keeps only BENCH_DIR/results. Exits non-zero only when a run fails or a
# prerequisite is missing, never because a goal is missed.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
B=${BUILD:-$TOP/build}
VZCTL=$B/vzctl
D=${BENCH_DIR:-/var/tmp/vzkit-bench-storage}
RES=$D/results
RUNS=${RUNS:-50}
NDISK=${NDISK:-100}
CP_RUNS=${CP_RUNS:-10}
DISKSPACE=${DISKSPACE:-2G}
PC_N=${PC_N:-20}
PC_DEBIAN=${PC_DEBIAN:-1}
DEBIAN_CACHE=${DEBIAN_CACHE:-/var/tmp/vzkit-test-templates/$(sha256sum <"$TOP/templates/debian-12/mkcache" | cut -c1-12)}
CG=vzbst
ID0=2000
[ "$NDISK" -ge "$RUNS" ] || NDISK=$RUNS

now_us() { echo "${EPOCHREALTIME/./}"; }
say() { printf '%s\n' "$*" | tee -a "$RES/log.txt"; }
die() {
	echo "bench-storage: $*" >&2
	exit 1
}

# Each template gets its own vzkit tree: D/t-busybox, D/t-debian-12 (VZ_CONFDIR=tree/etc).
tree() { echo "$D/t-$1"; }
vz() { VZ_CONFDIR=$(tree "$1")/etc "$VZCTL" --quiet "${@:2}"; }

cleanup() {
	local t f id c
	trap - EXIT INT TERM
	for t in "$D"/t-*; do
		[ -d "$t/etc/conf" ] || continue
		for f in "$t"/etc/conf/*.conf; do
			[ -e "$f" ] || continue
			id=$(basename "$f" .conf)
			VZ_CONFDIR=$t/etc "$VZCTL" --quiet destroy "$id" >/dev/null 2>&1
		done
		if [ -d "$t/lxc" ] && command -v lxc-ls >/dev/null; then
			for c in $(lxc-ls -P "$t/lxc" 2>/dev/null); do
				[ "$c" = base ] || lxc-destroy -P "$t/lxc" -n "$c" >/dev/null 2>&1
			done
		fi
		mountpoint -q "$t/lxc/base/rootfs" 2>/dev/null && umount "$t/lxc/base/rootfs"
	done
	[ -d "$D" ] && find "$D" -mindepth 1 -maxdepth 1 ! -name results ! -name template \
		-exec rm -rf {} +
	BENCH_DIR=$D/pagecache "$TOP/tests/bench/bench-pagecache.sh" clean >/dev/null 2>&1
}

stale() {
	local t
	for t in "$D"/t-*; do [ -d "$t" ] && echo "  $t exists (VEs of an earlier run)"; done
	grep -q " $D/" /proc/self/mountinfo && echo "  mounts below $D"
	bench_stale_cgroups "$CG"
	bench_stale_cgroups vzbpc
	true
}

preflight() {
	local s
	[ "$(id -u)" = 0 ] || die "must run as root (loop devices, mounts, drop_caches)"
	[ -x "$VZCTL" ] || die "$VZCTL missing: run make first"
	[ -x "$B/tests/reaper" ] || make -C "$TOP" --no-print-directory "${B#"$TOP"/}/tests/reaper" >/dev/null ||
		die "cannot build $B/tests/reaper"
	command -v mkfs.ext4 >/dev/null && [ -w /dev/loop-control ] ||
		die "the image layout needs mkfs.ext4 and /dev/loop-control"
	s=$(stale)
	[ -z "$s" ] || die "leftovers of an earlier run:
$s
remove them with: $0 clean"
	bench_load_warning
}

# LXC from Debian's packages.
install_peers() {
	bench_install lxc-copy:lxc || die "install failed"
}

# setup_tree OSTEMPLATE TEMPLATE_DIR: the tree, a first VE (builds a missing busybox cache;
# the Debian cache is built by tests/integration/t-debian.sh or here), ROOTFS and the LXC base.
setup_tree() {
	local t ver
	t=$(tree "$1")
	mkdir -p "$t/etc/conf" "$2"
	bench_vzconf "$t" "$CG" "TEMPLATE=\"$2\""
	vz "$1" create $((ID0 - 1)) --ostemplate "$1" >>"$RES/runs.log" 2>&1 || return 1
	ver=$(sed -n 's/^OSTEMPLATE_VERSION="\(.*\)"/\1/p' "$t/etc/conf/$((ID0 - 1)).conf")
	ROOTFS=$2/cache/$1/$ver/root
	[ -x "$ROOTFS/sbin/init" ] || return 1
	# lxc-copy insists that the base's rootfs path holds its name: a read-only bind mount.
	mkdir -p "$t/lxc/base/rootfs"
	mount --bind "$ROOTFS" "$t/lxc/base/rootfs" && mount -o remount,bind,ro "$t/lxc/base/rootfs" ||
		return 1
	printf 'lxc.include = /usr/share/lxc/config/common.conf\nlxc.uts.name = base\n%s\n%s\n' \
		"lxc.rootfs.path = dir:$t/lxc/base/rootfs" "lxc.net.0.type = empty" >"$t/lxc/base/config"
}

# series NAME COUNT TIMED FN: COUNT calls of FN I (I = 0..COUNT-1); the first TIMED are timed
# into RES/NAME.us.
series() {
	local name=$1 count=$2 timed=$3 fn=$4 i t0 t1
	for ((i = 0; i < count; i++)); do
		t0=$(now_us)
		$fn "$i" >>"$RES/runs.log" 2>&1 || { echo "FAILED: $name ($i)" | tee -a "$RES/failed"; return 1; }
		t1=$(now_us)
		((i < timed)) && echo $((t1 - t0)) >>"$RES/$name.us"
	done
	return 0
}

# The creators; OST and T (the tree) are set by run_template.
c_dir() { vz "$OST" create $((ID0 + $1)) --ostemplate "$OST"; }
c_image() { vz "$OST" create $((ID0 + 1000 + $1)) --ostemplate "$OST" --diskspace "$DISKSPACE"; }
c_clone() { lxc-copy -P "$T/lxc" -n base -N "c$1" -s -B overlayfs; }
c_copy() { cp -a "$ROOTFS" "$T/copy"; }
c_copy_rm() { rm -rf "$T/copy"; }

kb() { du -sk "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

run_template() { # run_template OSTEMPLATE TEMPLATE_DIR
	local k ids
	OST=$1 T=$(tree "$1")
	say "template $OST: setting up"
	setup_tree "$1" "$2" || { echo "FAILED: setup of $OST (see $RES/runs.log)" | tee -a "$RES/failed"; return 1; }
	echo "$OST $(kb "$ROOTFS")" >>"$RES/template.kb"
	say "template $OST: $NDISK x vzctl create (dir), $RUNS timed"
	series "$OST.vz_dir" "$NDISK" "$RUNS" c_dir || return 1
	say "template $OST: $NDISK x vzctl create --diskspace $DISKSPACE (image), $RUNS timed"
	series "$OST.vz_image" "$NDISK" "$RUNS" c_image || return 1
	say "template $OST: $NDISK x lxc-copy -s -B overlayfs, $RUNS timed"
	series "$OST.lxc_clone" "$NDISK" "$RUNS" c_clone || return 1
	say "template $OST: $CP_RUNS x cp -a"
	for ((k = 0; k < CP_RUNS; k++)); do
		series "$OST.cp" 1 1 c_copy || return 1
		[ $k = 0 ] && echo "$OST.cp $(kb "$T/copy")" >>"$RES/disk.kb"
		c_copy_rm
	done
	ids=$(seq -f "$T/private/%g" $ID0 $((ID0 + NDISK - 1)))
	echo "$OST.vz_dir $(($(kb $ids) / NDISK))" >>"$RES/disk.kb"
	ids=$(seq -f "$T/private/%g" $((ID0 + 1000)) $((ID0 + 1000 + NDISK - 1)))
	echo "$OST.vz_image $(($(kb $ids) / NDISK))" >>"$RES/disk.kb"
	echo "$OST.lxc_clone $(($(kb $(seq -f "$T/lxc/c%g" 0 $((NDISK - 1)))) / NDISK))" >>"$RES/disk.kb"
	say "template $OST: removing the $NDISK x 3 instances"
	cleanup_tree "$T"
}

cleanup_tree() {
	local t=$1 f c
	for f in "$t"/etc/conf/*.conf; do
		[ -e "$f" ] && VZ_CONFDIR=$t/etc "$VZCTL" --quiet destroy "$(basename "$f" .conf)" >/dev/null 2>&1
	done
	for c in $(lxc-ls -P "$t/lxc" 2>/dev/null); do
		[ "$c" = base ] || lxc-destroy -P "$t/lxc" -n "$c" >/dev/null 2>&1
	done
	umount "$t/lxc/base/rootfs" 2>/dev/null
	rm -rf "$t"
}

pagecache() { # pagecache RUNTIME OSTEMPLATE N
	say "page cache: $3 x $1 on $2 against one"
	RUNTIME=$1 BENCH_DIR=$D/pagecache TEMPLATE_DIR=$4 BUILD=$B \
		"$TOP/tests/bench/bench-pagecache.sh" "$3" "$2" >>"$RES/pagecache.log" 2>&1 ||
		{ echo "FAILED: page cache $1 $2 (see $RES/pagecache.log)" | tee -a "$RES/failed"; return 1; }
	tail -n 3 "$RES/pagecache.log" | grep '^ratio' | sed "s/^/$1 $2 /" >>"$RES/pagecache.txt"
	grep "^pagecache runtime=$1 template=$2" "$D/pagecache/results.txt" >>"$RES/pagecache.txt"
}

# ---- report ----
stats() { # stats FILE -> "runs min median p90 max" in ms
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = v[int(NR * 0.9 + 0.999)]
		printf "%d %.1f %.1f %.1f %.1f\n", NR, v[1] / 1000, m / 1000, p / 1000, v[NR] / 1000 }'
}
median() { [ -s "$RES/$1.us" ] && stats "$RES/$1.us" | cut -d' ' -f3; }
div() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b ? a / b : 0 }' || echo n/a; }
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print (v != "n/a" && v != "" && v <= l) ? "met" : "NOT met" }'; }
disk() { awk -v k="$1" '$1 == k { print $2 }' "$RES/disk.kb" 2>/dev/null; }
pc() { # pc RUNTIME OST N FIELD
	awk -v r="runtime=$1" -v t="template=$2" -v n="n=$3" -v f="$4" '$2 == r && $3 == t && $4 == n {
		for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' \
		"$RES/pagecache.txt" 2>/dev/null
}

report() {
	local o r s name tk a b
	echo
	echo "### Create (ms per instance; $RUNS timed, cp -a: $CP_RUNS)"
	echo
	echo "| template | what | runs | min | median | p90 | max |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
	for o in busybox debian-12; do
		for s in "vz_dir:vzctl create (dir)" "vz_image:vzctl create --diskspace $DISKSPACE (image)" \
			"lxc_clone:lxc-copy -s -B overlayfs" "cp:cp -a of the template"; do
			name=${s%%:*}
			[ -s "$RES/$o.$name.us" ] || continue
			read -r -a r <<<"$(stats "$RES/$o.$name.us")"
			echo "| $o | ${s#*:} | ${r[0]} | ${r[1]} | ${r[2]} | ${r[3]} | ${r[4]} |"
		done
	done
	echo
	echo "### Disk beyond the template (KB per instance; $NDISK instances, du)"
	echo
	echo "| template | template size | vzctl (dir) | vzctl (image) | lxc-copy -s | cp -a |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for o in busybox debian-12; do
		tk=$(awk -v k="$o" '$1 == k { print $2 }' "$RES/template.kb" 2>/dev/null)
		[ -n "$tk" ] || continue
		echo "| $o | $tk | $(disk $o.vz_dir) | $(disk $o.vz_image) | $(disk $o.lxc_clone) | $(disk $o.cp) |"
	done
	echo
	echo "### Page cache (KB charged to the instances' memory cgroups; host Cached delta in brackets)"
	echo
	echo "| template | runtime | 1 instance | N instances | N | ratio N/1 |"
	echo "| --- | --- | ---: | ---: | ---: | ---: |"
	for o in busybox debian-12; do
		for r in vz lxc-clone lxc-copy; do
			local n
			n=$(awk -v r="$r" -v t="$o" '$1 == r && $2 == t { sub(/^n=/, "", $4); split($4, x, "/"); print x[1] }' \
				"$RES/pagecache.txt" 2>/dev/null)
			[ -n "$n" ] || continue
			a=$(pc "$r" "$o" 1 cgroup_kb) b=$(pc "$r" "$o" "$n" cgroup_kb)
			echo "| $o | $r | $a ($(pc "$r" "$o" 1 cached_kb)) | $b ($(pc "$r" "$o" "$n" cached_kb)) | $n | $(div "$b" "$a") |"
		done
	done
	echo
	echo "### Ratios vzkit / peer (create medians; disk per instance)"
	echo
	echo "| template | ratio | value |"
	echo "| --- | --- | ---: |"
	for o in busybox debian-12; do
		[ -s "$RES/$o.vz_dir.us" ] || continue
		echo "| $o | create dir / lxc-copy -s | $(div "$(median $o.vz_dir)" "$(median $o.lxc_clone)") |"
		echo "| $o | create image / lxc-copy -s | $(div "$(median $o.vz_image)" "$(median $o.lxc_clone)") |"
		echo "| $o | create dir / cp -a | $(div "$(median $o.vz_dir)" "$(median $o.cp)") |"
		echo "| $o | create image / cp -a | $(div "$(median $o.vz_image)" "$(median $o.cp)") |"
		echo "| $o | disk dir / lxc-copy -s | $(div "$(disk $o.vz_dir)" "$(disk $o.lxc_clone)") |"
		echo "| $o | disk image / lxc-copy -s | $(div "$(disk $o.vz_image)" "$(disk $o.lxc_clone)") |"
		echo "| $o | disk image / cp -a | $(div "$(disk $o.vz_image)" "$(disk $o.cp)") |"
	done
	echo
	echo "### Goals"
	echo
	for o in busybox debian-12; do
		for name in vz_dir vz_image; do
			a=$(median $o.$name)
			[ -n "$a" ] && echo "- create $name from $o <= 15 ms: $a ms -> $(verdict "$a" 15)"
		done
	done
	for name in vz_dir vz_image; do
		a=$(median busybox.$name) b=$(median debian-12.$name)
		[ -n "$a" ] && [ -n "$b" ] &&
			echo "- create $name independent of template size: debian-12 / busybox = $(div "$b" "$a") (goal ~1)"
	done
	for o in busybox debian-12; do
		for name in vz_dir vz_image; do
			a=$(disk $o.$name)
			[ -n "$a" ] && echo "- disk per VE ($name, $o) < 1024 KB: $a KB -> $(verdict "$a" 1023)"
		done
	done
	for o in busybox debian-12; do
		n=$(awk -v t="$o" '$1 == "vz" && $2 == t { sub(/^n=/, "", $4); split($4, x, "/"); print x[1] }' \
			"$RES/pagecache.txt" 2>/dev/null)
		[ -n "$n" ] || continue
		r=$(div "$(pc vz "$o" "$n" cgroup_kb)" "$(pc vz "$o" 1 cgroup_kb)")
		echo "- page cache of $n VEs ($o) within 1.2 x one: $r -> $(verdict "$r" 1.2)"
	done
}

versions() {
	echo "date: $(date -u +%FT%TZ)"
	echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 |
		sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MiB, kernel $(uname -r)"
	echo "filesystem of $D: $(stat -f -c %T "$D")"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "vzkit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null) ($("$VZCTL" --version 2>&1 | head -1))"
	echo "lxc: $(lxc-copy --version); $(cp --version | head -1)"
	echo "command: RUNS=$RUNS NDISK=$NDISK CP_RUNS=$CP_RUNS DISKSPACE=$DISKSPACE PC_N=$PC_N PC_DEBIAN=$PC_DEBIAN $0"
}

main() {
	local rc=0 t0 deb=1
	preflight
	install_peers
	mkdir -p "$RES"
	rm -f "$RES"/*.us "$RES"/*.kb "$RES"/failed "$RES"/runs.log "$RES"/log.txt \
		"$RES"/pagecache.log "$RES"/pagecache.txt
	trap cleanup EXIT
	trap 'echo "interrupted" >&2; exit 130' INT TERM
	t0=$(now_us)
	versions | tee "$RES/versions.txt"
	if ! ls "$DEBIAN_CACHE"/cache/debian-12/*/root/sbin/init >/dev/null 2>&1; then
		say "no Debian 12 cache at $DEBIAN_CACHE: building it (debootstrap, about a minute)"
	fi
	run_template busybox "$D/template" || rc=1
	run_template debian-12 "$DEBIAN_CACHE" || { rc=1; deb=0; }
	pagecache vz busybox "$PC_N" "$D/template" || rc=1
	pagecache lxc-clone busybox "$PC_N" "$D/template" || rc=1
	pagecache lxc-copy busybox "$PC_N" "$D/template" || rc=1
	if [ "$PC_DEBIAN" = 1 ] && [ $deb = 1 ]; then
		pagecache vz debian-12 "$PC_N" "$DEBIAN_CACHE" || rc=1
	fi
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RES/versions.txt"
	report | tee "$RES/report.md"
	bench_tail "$t0" || rc=1
	return $rc
}

# VE inits are orphans by design; run under the project's subreaper, because this sandbox's
# PID 1 does not reap them (see tests/helpers/reaper.c).
bench_reaped "${BASH_SOURCE[0]}" "$@"
bench_clean_mode "$@"
main
