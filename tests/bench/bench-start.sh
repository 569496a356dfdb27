#!/bin/bash
# make bench-start: start and stop latency of a busybox VE, measured in the same run next to
# crun (run of /bin/true; run -d + delete -f) and LXC (lxc-start -d + lxc-stop, lxc-start -F),
# all three on one busybox root tree (the vzkit template cache), and the wall time of starting
# and stopping N prepared VEs / containers. Prints a table, the ratios and the goals' verdicts.
#
#   tests/bench/bench-start.sh            full run (RUNS=50 cycles per series, 2 rounds, N=100)
#   RUNS=10 ROUNDS=1 tests/bench/bench-start.sh     quick form
#   tests/bench/bench-start.sh profile    where one "vzctl start" spends its time (tracefs)
#   tests/bench/bench-start.sh clean      removes what an interrupted run left behind
#
# Environment: RUNS (cycles per series and round), ROUNDS, WARMUP, N (VEs for the density
# part), LXC_CLEAN_RUNS (lxc-stop without -k: busybox init sleeps 2 s, so few), PAUSE (seconds
# between series: network namespace teardown is asynchronous), BENCH_DIR, MIN_MEM_MB.
# Works in BENCH_DIR (/var/tmp/vzkit-bench); keeps only BENCH_DIR/results. Exits non-zero only
# when a run fails or a prerequisite is missing, never because a goal is missed.
set -u
export LC_ALL=C # EPOCHREALTIME with a '.' as decimal separator
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
B=${BUILD:-$TOP/build}
VZCTL=$B/vzctl
VZLIST=$B/vzlist
D=${BENCH_DIR:-/var/tmp/vzkit-bench}
RES=$D/results
RUNS=${RUNS:-50}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-3}
N=${N:-100}
LXC_CLEAN_RUNS=${LXC_CLEAN_RUNS:-$((RUNS < 10 ? RUNS : 10))}
PAUSE=${PAUSE:-3}
MIN_MEM_MB=${MIN_MEM_MB:-1024}
CT=900            # the VE of the latency series
N0=1000           # first CTID / container suffix of the density series
CG=vzbench        # every cgroup this script or its runtimes create starts with this name
export VZ_CONFDIR=$D/etc LC_ALL D RES RUNS WARMUP B

now_us() { echo "${EPOCHREALTIME/./}"; }
say() { printf '%s\n' "$*" | tee -a "$RES/log.txt"; }
die() {
	echo "bench-start: $*" >&2
	exit 1
}

# ---- timing primitives (also used inside crun's private mount namespace) ----

# pair NAME_A NAME_B FN_A FN_B [RUNS]: alternates FN_A and FN_B, timing each call; after
# WARMUP untimed cycles appends the microseconds to RES/NAME_A.us and RES/NAME_B.us.
pair() {
	local a=$1 b=$2 fa=$3 fb=$4 runs=${5:-$RUNS} i t0 t1 t2
	for ((i = 0; i < runs + WARMUP; i++)); do
		t0=$(now_us)
		$fa >>"$RES/runs.log" 2>&1 || { echo "FAILED: $a (cycle $i)" | tee -a "$RES/failed"; return 1; }
		t1=$(now_us)
		$fb >>"$RES/runs.log" 2>&1 || { echo "FAILED: $b (cycle $i)" | tee -a "$RES/failed"; return 1; }
		t2=$(now_us)
		((i < WARMUP)) && continue
		echo $((t1 - t0)) >>"$RES/$a.us"
		echo $((t2 - t1)) >>"$RES/$b.us"
	done
}

# single NAME FN: RUNS timed calls of FN (one full cycle each) into RES/NAME.us.
single() {
	local a=$1 fa=$2 i t0 t1
	for ((i = 0; i < RUNS + WARMUP; i++)); do
		t0=$(now_us)
		$fa >>"$RES/runs.log" 2>&1 || { echo "FAILED: $a (cycle $i)" | tee -a "$RES/failed"; return 1; }
		t1=$(now_us)
		((i < WARMUP)) && continue
		echo $((t1 - t0)) >>"$RES/$a.us"
	done
}

# wall NAME PAR CMD...: runs CMD once per id of RES/ids ({} is the id) through xargs with PAR
# jobs at once; the wall time goes to RES/NAME.wall in microseconds.
wall() {
	local name=$1 par=$2 t0 t1 rc
	shift 2
	t0=$(now_us)
	xargs -a "$RES/ids" -P "$par" -I{} "$@" >>"$RES/runs.log" 2>&1
	rc=$?
	t1=$(now_us)
	echo $((t1 - t0)) >"$RES/$name.wall"
	[ $rc = 0 ] || { echo "FAILED: $name (xargs exit $rc)" | tee -a "$RES/failed"; return 1; }
}

# ---- crun, in a private mount namespace on this hybrid host (lib.sh); the timed loops run
# inside that namespace, so its cost is not timed.
in_crun_ns() { bench_in_crun_ns "${BASH_SOURCE[0]}" "$@"; }

c_true() { crun run -b "$D/crun/true" vzb-true </dev/null; }
c_run_d() { crun run -d -b "$D/crun/sleep" vzb-sleep </dev/null >/dev/null; }
c_delete() { crun delete -f vzb-sleep; }
c_series() {
	single crun_run_true c_true &&
		sleep "$PAUSE" &&
		pair crun_run_d crun_delete_f c_run_d c_delete
}
c_hyperfine() {
	hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$RES/hyperfine.json" \
		-n crun_run_true "crun run -b $D/crun/true vzb-true" >>"$RES/runs.log" 2>&1
}

# ---- interleaved: one vzctl start, one crun run /bin/true, the VE's stop, cycle after cycle, so
# that the machine's drift (other guests on the host's CPUs) hits both alike. Not the goal's
# measure: crun, no longer run back to back, then pays an RCU grace period in its cgroup
# migration each time (the cold case of a single run), where the goal counts its loop figure.
# crun runs in a mount namespace held by a sleeping process (hybrid hosts) and is timed inside
# it: entering it is not timed.
CRUN_NS_PID=
crun_ns_hold() {
	local i
	bench_hybrid || return 0
	unshare -m --propagation private bash "${BASH_SOURCE[0]}" __crun_ns exec sleep 86400 &
	CRUN_NS_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(nsenter -t "$CRUN_NS_PID" -m stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = \
			tmpfs ] && return 0
		sleep 0.05
	done
	return 1
}
crun_ns_release() {
	[ -n "$CRUN_NS_PID" ] && kill "$CRUN_NS_PID" 2>/dev/null && wait "$CRUN_NS_PID" 2>/dev/null
	CRUN_NS_PID=
}
c_true_timed() { # c_true_timed FILE: one crun run /bin/true, its microseconds appended to FILE
	# shellcheck disable=SC2016 # expanded by the inner bash
	local cmd='t0=${EPOCHREALTIME/./}; crun run -b "$1" vzb-true </dev/null || exit 1
		echo $((${EPOCHREALTIME/./} - t0)) >>"$2"'
	if [ -n "$CRUN_NS_PID" ]; then
		nsenter -t "$CRUN_NS_PID" -m -- bash -c "$cmd" _ "$D/crun/true" "$1"
	else
		bash -c "$cmd" _ "$D/crun/true" "$1"
	fi
}
interleaved() {
	local i t0 t1 tmp=$RES/interleaved.tmp
	crun_ns_hold || { echo "FAILED: crun's mount namespace" | tee -a "$RES/failed"; return 1; }
	for ((i = 0; i < RUNS + WARMUP; i++)); do
		: >"$tmp"
		t0=$(now_us)
		v_start >>"$RES/runs.log" 2>&1 || { echo "FAILED: interleaved vzctl start" |
			tee -a "$RES/failed"; crun_ns_release; return 1; }
		t1=$(now_us)
		# crun while the VE runs, the VE's stop after it: a stop's teardown in the kernel
		# (namespaces, memory cgroup offline) then lands on vzctl's next start, not on crun.
		c_true_timed "$tmp" >>"$RES/runs.log" 2>&1 &&
			v_stop_fast >>"$RES/runs.log" 2>&1 || { echo "FAILED: interleaved crun run" |
			tee -a "$RES/failed"; crun_ns_release; return 1; }
		((i < WARMUP)) && continue
		echo $((t1 - t0)) >>"$RES/i_vz_start.us"
		cat "$tmp" >>"$RES/i_crun_run_true.us"
	done
	rm -f "$tmp"
	crun_ns_release
}

bench_crun_ns_main "$@"

# ---- vzkit and LXC cycles ----
v_start() { "$VZCTL" --quiet start $CT; }
v_start_wait() { "$VZCTL" --quiet start $CT --wait; }
v_stop() { "$VZCTL" --quiet stop $CT; }
v_stop_fast() { "$VZCTL" --quiet stop $CT --fast; }
l_start() { lxc-start -P "$D/lxc" -n vzb-init -d; }
l_stop() { lxc-stop -P "$D/lxc" -n vzb-init; }
l_stop_k() { lxc-stop -P "$D/lxc" -n vzb-init -k; }
l_true() { lxc-start -P "$D/lxc" -n vzb-true -F; }

# ---- profile: where the time of one "vzctl start" goes, from tracefs events (syscalls, forks,
# execs, cgroup attaches) of vzctl and its children only: far less overhead than strace.
TR=/sys/kernel/tracing/instances/$CG-prof
profile_summary() { # min, median, max of each column of RES/profile.txt (mawk: no asort)
	local i name tot=
	printf '%-12s %8s %8s %8s %8s\n' phase min median max "of total"
	i=0
	for name in total pre attach tasks_write clone_ns init_setup init_wait after fsync \
		init_mounts syscalls; do
		i=$((i + 1))
		awk -v c=$i 'NF == 11 { print $c }' "$RES/profile.txt" | sort -g | awk -v name=$name \
			-v tot="$tot" '{ v[NR] = $1 } END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			if (tot == "") tot = m
			printf "%-12s %8.2f %8.2f %8.2f %7.0f%%\n", name, v[1], m, v[NR],
				name == "syscalls" ? 0 : 100 * m / tot }'
		[ -n "$tot" ] || tot=$(awk 'NF == 11 { print $1 }' "$RES/profile.txt" | sort -g |
			awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	done
}

traced_start() { # one traced start of CT into RES/trace.$1
	echo >"$TR/trace"
	sh -c "echo \$\$ >$TR/set_event_pid && echo 1 >$TR/tracing_on && exec $VZCTL --quiet start $CT"
	local rc=$?
	echo 0 >"$TR/tracing_on"
	echo >"$TR/set_event_pid"
	cp "$TR/trace" "$RES/trace.$1"
	return $rc
}

profile() {
	local k runs=${PROFILE_RUNS:-20} e
	[ -d "${TR%/*}" ] || die "no tracefs instances at ${TR%/*}"
	[ ! -e "$TR" ] || die "$TR exists: another profile is running, or remove it (rmdir)"
	mkdir -p "$RES"
	rm -f "$RES"/trace.* "$RES/profile.txt"
	trap cleanup EXIT
	trap 'echo "interrupted" >&2; exit 130' INT TERM
	setup_vz
	mkdir "$TR" || die "cannot create $TR"
	echo 0 >"$TR/tracing_on"
	echo 8192 >"$TR/buffer_size_kb"
	echo 1 >"$TR/options/event-fork" # follow the helper and init
	for e in syscalls sched/sched_process_fork sched/sched_process_exec \
		sched/sched_process_exit cgroup/cgroup_attach_task; do
		echo 1 >"$TR/events/$e/enable" || die "cannot enable trace event $e"
	done
	for ((k = 0; k < WARMUP; k++)); do v_start && v_stop_fast || die "warm-up start failed"; done
	for ((k = 1; k <= runs; k++)); do
		traced_start "$k" || die "traced start $k failed"
		v_stop_fast || die "stop failed"
		awk -f "$TOP/tests/bench/start-trace.awk" "$RES/trace.$k" >>"$RES/profile.txt"
	done
	echo "vzctl start $CT, $runs traced runs (tracefs, $(nproc) CPUs): ms"
	profile_summary | tee "$RES/profile-summary.txt"
}

# ---- cleanup: everything below D except the results, our VEs, containers and cgroups ----
cleanup() {
	local f id c h
	trap - EXIT INT TERM
	crun_ns_release
	if [ -d "$TR" ]; then
		echo 0 >"$TR/tracing_on"
		rmdir "$TR"
	fi
	if [ -d "$D/etc/conf" ]; then
		for f in "$D"/etc/conf/*.conf; do
			[ -e "$f" ] || continue
			id=$(basename "$f" .conf)
			"$VZCTL" --quiet stop "$id" --fast >/dev/null 2>&1
			"$VZCTL" --quiet destroy "$id" >/dev/null 2>&1
		done
	fi
	if command -v crun >/dev/null; then
		for c in $(crun list 2>/dev/null | awk 'NR > 1 && $1 ~ /^vzb-/ { print $1 }'); do
			in_crun_ns crun delete -f "$c" >/dev/null 2>&1
		done
	fi
	for f in "$D/lxc" "$D/lxcn"; do
		if [ ! -d "$f" ] || ! command -v lxc-ls >/dev/null; then continue; fi
		for c in $(lxc-ls -P "$f" --running 2>/dev/null); do lxc-stop -P "$f" -n "$c" -k; done
	done
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		for f in "$h"/$CG "$h"/$CG-*; do
			[ -d "$f" ] && find "$f" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
	if [ -d "$D" ]; then
		find "$D" -mindepth 1 -maxdepth 1 ! -name results -exec rm -rf {} +
	fi
}

# ---- prerequisites: say what is wrong instead of producing numbers ----
stale() {
	local h f
	[ -d "$D/etc" ] && echo "  $D/etc exists (VEs of an earlier run)"
	[ -e "$TR" ] && echo "  trace instance $TR"
	bench_stale_cgroups "$CG"
	command -v crun >/dev/null &&
		crun list 2>/dev/null | awk 'NR > 1 && $1 ~ /^vzb-/ { print "  crun container " $1 }'
	true
}

preflight() {
	local avail s
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, cgroups, mounts)"
	[ -x "$VZCTL" ] || die "$VZCTL missing: run make first"
	[ -x "$B/tests/reaper" ] || make -C "$TOP" --no-print-directory "${B#"$TOP"/}/tests/reaper" >/dev/null ||
		die "cannot build $B/tests/reaper"
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	[ "$avail" -ge "$MIN_MEM_MB" ] ||
		die "only $avail MiB available, $MIN_MEM_MB needed (MIN_MEM_MB to change)"
	s=$(stale)
	[ -z "$s" ] || die "leftovers of an earlier run:
$s
remove them with: $0 clean"
	bench_cpuset_ok "$CG" || exit 1
	bench_load_warning
}

# The peers from Debian's packages.
install_peers() {
	bench_install crun:crun lxc-start:lxc hyperfine:hyperfine jq:jq || die "install failed"
}

# ---- setup: a private vzkit tree; crun bundles and LXC configs on the template cache ----
setup_vz() {
	mkdir -p "$VZ_CONFDIR/conf"
	bench_vzconf "$D" "$CG"
	"$VZCTL" --quiet create $CT --ostemplate busybox >>"$RES/runs.log" 2>&1 ||
		die "vzctl create $CT failed (see $RES/runs.log)"
	local ver
	ver=$(sed -n 's/^OSTEMPLATE_VERSION="\(.*\)"/\1/p' "$VZ_CONFDIR/conf/$CT.conf")
	ROOTFS=$D/template/cache/busybox/$ver/root
	[ -x "$ROOTFS/sbin/init" ] || die "no busybox cache root at $ROOTFS"
}

mkbundle() { # mkbundle DIR ID CMD...: crun's default spec (pid, net, ipc, uts, mount) on ROOTFS
	local dir=$1 id=$2 args
	shift 2
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	mkdir -p "$dir"
	jq --argjson args "$args" --arg id "$id" --arg root "$ROOTFS" --arg cg "/$CG-crun/$id" '
		.process.terminal = false | .process.args = $args | .root.path = $root |
		.root.readonly = true | .hostname = $id | .linux.cgroupsPath = $cg' \
		"$D/crun/spec.json" >"$dir/config.json"
}

mklxc() { # mklxc LXCPATH NAME INIT...: minimal LXC container on ROOTFS, read-only
	mkdir -p "$1/$2"
	cat >"$1/$2/config" <<EOC
lxc.include = /usr/share/lxc/config/common.conf
lxc.uts.name = $2
lxc.rootfs.path = dir:$ROOTFS
lxc.rootfs.options = ro
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
lxc.tty.max = 0
lxc.pty.max = 16
lxc.console.path = none
lxc.autodev = 1
lxc.init.cmd = ${*:3}
lxc.signal.halt = SIGUSR2
lxc.log.level = ERROR
lxc.cgroup.dir.container = $CG-lxc/$2
lxc.cgroup.dir.monitor = $CG-lxc/mon-$2
lxc.cgroup.dir.monitor.pivot = $CG-lxc-pivot
EOC
}

setup_peers() {
	local i
	mkdir -p "$D/crun"
	(cd "$D/crun" && crun spec && mv config.json spec.json) || die "crun spec failed"
	mkbundle "$D/crun/true" vzb-true /bin/true
	mkbundle "$D/crun/sleep" vzb-sleep /bin/sleep 1000000
	mklxc "$D/lxc" vzb-init /sbin/init
	mklxc "$D/lxc" vzb-true /bin/true
	for ((i = N0; i < N0 + N; i++)); do
		mkbundle "$D/crun/n/vzb-n$i" "vzb-n$i" /bin/sleep 1000000
		mklxc "$D/lxcn" "vzb-n$i" /sbin/init
		"$VZCTL" --quiet create $i --ostemplate busybox >>"$RES/runs.log" 2>&1 ||
			die "vzctl create $i failed (see $RES/runs.log)"
		echo $i
	done >"$RES/ids"
	# sanity: each runtime runs once on the shared tree before anything is timed
	in_crun_ns c_true >>"$RES/runs.log" 2>&1 || die "crun run on $ROOTFS failed (see $RES/runs.log)"
	l_true >>"$RES/runs.log" 2>&1 || die "lxc-start -F on $ROOTFS failed (see $RES/runs.log)"
}

# ---- the series ----
latency_round() {
	say "round $1: vzkit"
	pair vz_start vz_stop_fast v_start v_stop_fast || return 1
	sleep "$PAUSE"
	pair vz_start_wait vz_stop v_start_wait v_stop || return 1
	sleep "$PAUSE"
	say "round $1: crun"
	in_crun_ns c_series || return 1
	sleep "$PAUSE"
	say "round $1: vzkit and crun interleaved"
	interleaved || return 1
	sleep "$PAUSE"
	say "round $1: lxc"
	pair lxc_start_d lxc_stop_k l_start l_stop_k || return 1
	sleep "$PAUSE"
	single lxc_start_F_true l_true || return 1
	if [ "$1" = 1 ] && [ "$LXC_CLEAN_RUNS" -gt 0 ]; then
		sleep "$PAUSE"
		pair lxc_start_d_2 lxc_stop l_start l_stop "$LXC_CLEAN_RUNS" || return 1
	fi
	sleep "$PAUSE"
}

count_running() { # count_running vz|crun|lxc
	case $1 in
	vz) "$VZLIST" -H -o ctid 2>/dev/null | wc -l ;;
	crun) crun list 2>/dev/null | awk '$1 ~ /^vzb-n/ && $3 == "running"' | wc -l ;;
	lxc) lxc-ls -P "$D/lxcn" --running 2>/dev/null | wc -w ;;
	esac
}

check_running() { # check_running vz|crun|lxc WANT LABEL
	local got
	got=$(count_running "$1")
	[ "$got" = "$2" ] || { echo "FAILED: $3: $got of $2 running" | tee -a "$RES/failed"; return 1; }
}

density() {
	local par p
	par=$(nproc)
	say "density: $N vzkit VEs"
	for p in 1 "$par"; do
		wall vz_n_start_p$p "$p" "$VZCTL" --quiet start {} && check_running vz "$N" "vz start -P$p" &&
			wall vz_n_stop_fast_p$p "$p" "$VZCTL" --quiet stop {} --fast || return 1
		sleep "$PAUSE"
	done
	wall vz_n_start_wait_p1 1 "$VZCTL" --quiet start {} --wait &&
		wall vz_n_stop_p1 1 "$VZCTL" --quiet stop {} || return 1
	sleep "$PAUSE"
	say "density: $N crun containers"
	for p in 1 "$par"; do
		in_crun_ns wall crun_n_run_d_p$p "$p" crun run -d -b "$D/crun/n/vzb-n{}" "vzb-n{}" &&
			check_running crun "$N" "crun run -d -P$p" &&
			in_crun_ns wall crun_n_delete_f_p$p "$p" crun delete -f "vzb-n{}" || return 1
		sleep "$PAUSE"
	done
	say "density: $N LXC containers"
	for p in 1 "$par"; do
		wall lxc_n_start_d_p$p "$p" lxc-start -P "$D/lxcn" -n "vzb-n{}" -d &&
			check_running lxc "$N" "lxc-start -d -P$p" &&
			wall lxc_n_stop_k_p$p "$p" lxc-stop -P "$D/lxcn" -n "vzb-n{}" -k || return 1
		sleep "$PAUSE"
	done
}

# ---- report ----
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
stats() { # stats FILE -> "runs min median p90 max" in ms
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = v[int(NR * 0.9 + 0.999)]
		printf "%d %.1f %.1f %.1f %.1f\n", NR, v[1] / 1000, m / 1000, p / 1000, v[NR] / 1000 }'
}
median() { [ -s "$RES/$1.us" ] && stats "$RES/$1.us" | cut -d' ' -f3; }
ratio() { # ratio A B: median(A) / median(B), or n/a
	local a b
	a=$(median "$1") b=$(median "$2")
	[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }' ||
		echo n/a
}

row() { # row NAME DESCRIPTION
	[ -s "$RES/$1.us" ] || return 0
	local r
	read -r -a r <<<"$(stats "$RES/$1.us")"
	printf '| %-44s | %4s | %7s | %7s | %7s | %7s |\n' "$2" "${r[@]}"
}

wrow() { # wrow NAME DESCRIPTION
	[ -s "$RES/$1.wall" ] || return 0
	local w
	w=$(cat "$RES/$1.wall")
	printf '| %-44s | %9s | %8s |\n' "$2" "$(ms "$w")" "$(awk -v w="$w" -v n="$N" \
		'BEGIN { printf "%.2f", w / n / 1000 }')"
}

verdict() { # verdict VALUE LIMIT -> met / not met
	awk -v v="$1" -v l="$2" 'BEGIN { print (v != "n/a" && v <= l) ? "met" : "NOT met" }'
}

report() {
	local par r s w hf
	par=$(nproc)
	echo
	echo "### Latency (ms; $ROUNDS round(s) x $RUNS cycles, $WARMUP warm-up cycles per series)"
	echo
	echo "| series                                       | runs |     min |  median |     p90 |     max |"
	echo "| -------------------------------------------- | ---- | ------- | ------- | ------- | ------- |"
	row vz_start "vzkit: vzctl start (init exec'd)"
	row vz_start_wait "vzkit: vzctl start --wait (rcS done)"
	row vz_stop "vzkit: vzctl stop (clean)"
	row vz_stop_fast "vzkit: vzctl stop --fast"
	row crun_run_true "crun: run /bin/true (create..delete)"
	row i_vz_start "interleaved: vzctl start"
	row i_crun_run_true "interleaved: crun run /bin/true (cold)"
	row crun_run_d "crun: run -d sleep"
	row crun_delete_f "crun: delete -f (kill)"
	row lxc_start_d "lxc: lxc-start -d (busybox init)"
	row lxc_stop_k "lxc: lxc-stop -k"
	row lxc_stop "lxc: lxc-stop (clean, SIGUSR2 to init)"
	row lxc_start_F_true "lxc: lxc-start -F /bin/true"
	if [ -s "$RES/hyperfine.json" ]; then
		read -r -a hf <<<"$(jq -r '.results[0] | [(.times | length), .min, .median, .max] |
			map(tostring) | join(" ")' "$RES/hyperfine.json")"
		printf '| %-44s | %4s | %7s | %7s | %7s | %7s |\n' "crun: run /bin/true (hyperfine -N)" \
			"${hf[0]}" "$(ms "$(awk -v s="${hf[1]}" 'BEGIN { print s * 1e6 }')")" \
			"$(ms "$(awk -v s="${hf[2]}" 'BEGIN { print s * 1e6 }')")" "" \
			"$(ms "$(awk -v s="${hf[3]}" 'BEGIN { print s * 1e6 }')")"
	fi
	echo
	echo "### Ratios (medians)"
	echo
	echo "| ratio | value |"
	echo "| --- | --- |"
	echo "| vzctl start / crun run /bin/true | $(ratio vz_start crun_run_true) |"
	echo "| the same, interleaved cycles (crun cold, see above) | $(ratio i_vz_start i_crun_run_true) |"
	echo "| vzctl start --wait / crun run /bin/true | $(ratio vz_start_wait crun_run_true) |"
	echo "| vzctl start / crun run -d | $(ratio vz_start crun_run_d) |"
	echo "| vzctl start / lxc-start -d | $(ratio vz_start lxc_start_d) |"
	echo "| vzctl start --wait / lxc-start -d | $(ratio vz_start_wait lxc_start_d) |"
	echo "| vzctl stop --fast / crun delete -f | $(ratio vz_stop_fast crun_delete_f) |"
	echo "| vzctl stop --fast / lxc-stop -k | $(ratio vz_stop_fast lxc_stop_k) |"
	echo "| vzctl stop / lxc-stop (clean) | $(ratio vz_stop lxc_stop) |"
	echo
	echo "### $N VEs / containers (wall time, ms; sequential = -P1, parallel = -P$par)"
	echo
	echo "| what                                         | wall (ms) | ms each |"
	echo "| -------------------------------------------- | --------- | ------- |"
	wrow vz_n_start_p1 "vzkit: $N x vzctl start, -P1"
	wrow vz_n_stop_fast_p1 "vzkit: $N x vzctl stop --fast, -P1"
	wrow vz_n_start_p$par "vzkit: $N x vzctl start, -P$par"
	wrow vz_n_stop_fast_p$par "vzkit: $N x vzctl stop --fast, -P$par"
	wrow vz_n_start_wait_p1 "vzkit: $N x vzctl start --wait, -P1"
	wrow vz_n_stop_p1 "vzkit: $N x vzctl stop, -P1"
	wrow crun_n_run_d_p1 "crun: $N x run -d sleep, -P1"
	wrow crun_n_delete_f_p1 "crun: $N x delete -f, -P1"
	wrow crun_n_run_d_p$par "crun: $N x run -d sleep, -P$par"
	wrow crun_n_delete_f_p$par "crun: $N x delete -f, -P$par"
	wrow lxc_n_start_d_p1 "lxc: $N x lxc-start -d, -P1"
	wrow lxc_n_stop_k_p1 "lxc: $N x lxc-stop -k, -P1"
	wrow lxc_n_start_d_p$par "lxc: $N x lxc-start -d, -P$par"
	wrow lxc_n_stop_k_p$par "lxc: $N x lxc-stop -k, -P$par"
	echo
	echo "### Goals"
	echo
	r=$(ratio vz_start crun_run_true)
	echo "- VE start <= 0.6 x crun run /bin/true: ratio $r -> $(verdict "$r" 0.6)"
	for p in 1 "$par"; do
		[ -s "$RES/vz_n_start_p$p.wall" ] || continue
		w=$(awk -v w="$(cat "$RES/vz_n_start_p$p.wall")" 'BEGIN { printf "%.2f", w / 1e6 }')
		s=$([ "$N" = 100 ] && verdict "$w" 1 || echo "n/a, N=$N")
		echo "- 100 VEs start in < 1 s (-P$p): $w s -> $s"
	done
}

versions() {
	echo "date: $(date -u +%FT%TZ)"
	echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 |
		sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MiB, kernel $(uname -r)"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "cgroups: $(bench_hybrid && echo 'v1 + hybrid cgroup2 (crun in a private mount ns)' ||
		{ [ -d /sys/fs/cgroup/cpu ] && echo v1 || echo v2; })"
	echo "vzkit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null) ($("$VZCTL" --version 2>&1 | head -1))"
	echo "crun: $(crun --version | head -1); lxc: $(lxc-start --version); $(hyperfine --version)"
	echo "command: RUNS=$RUNS ROUNDS=$ROUNDS WARMUP=$WARMUP N=$N LXC_CLEAN_RUNS=$LXC_CLEAN_RUNS $0"
}

main() {
	local r rc=0 t0
	preflight
	install_peers
	mkdir -p "$RES"
	rm -f "$RES"/*.us "$RES"/*.wall "$RES"/failed "$RES"/runs.log "$RES"/log.txt \
		"$RES"/hyperfine.json
	trap cleanup EXIT
	trap 'echo "interrupted" >&2; exit 130' INT TERM
	t0=$(now_us)
	versions | tee "$RES/versions.txt"
	setup_vz
	setup_peers
	say "rootfs for all three: $ROOTFS"
	for ((r = 1; r <= ROUNDS; r++)); do
		latency_round "$r" || { rc=1; break; }
	done
	if [ $rc = 0 ]; then
		in_crun_ns c_hyperfine || echo "FAILED: hyperfine crun run /bin/true" | tee -a "$RES/failed"
		sleep "$PAUSE"
		density || rc=1
	fi
	report | tee "$RES/report.md"
	bench_tail "$t0" || rc=1
	return $rc
}

# VE inits are orphans by design; run under the project's subreaper, because this sandbox's
# PID 1 does not reap them (see tests/helpers/reaper.c).
bench_reaped "${BASH_SOURCE[0]}" "$@"
if [ "${1:-}" = profile ]; then
	[ "$(id -u)" = 0 ] || die "must run as root"
	s=$(stale)
	[ -z "$s" ] || die "leftovers of an earlier run:
$s
remove them with: $0 clean"
	profile
	exit $?
fi
bench_clean_mode "$@"
main
