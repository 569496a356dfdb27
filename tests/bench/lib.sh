# Sourced by the benchmark scripts: what they share. Needs TOP (the source tree) set.

# bench_vzconf DIR CGROUP_PARENT [KEY="value"...]: a private vzkit tree under DIR, its vz.conf in
# DIR/etc (the caller exports VZ_CONFDIR=DIR/etc); extra lines override the defaults.
bench_vzconf() {
	local d=$1 cg=$2 kv
	shift 2
	mkdir -p "$d/etc/conf"
	{
		echo "# vzkit benchmark tree ($(basename "$0"))"
		echo "VE_ROOT=\"$d/root/\$VEID\""
		echo "VE_PRIVATE=\"$d/private/\$VEID\""
		echo "TEMPLATE=\"$d/template\""
		echo "LOCKDIR=\"$d/lock\""
		echo "VE_RUNDIR=\"$d/run\""
		echo "LOGFILE=\"$d/vzctl.log\""
		echo "DIST_DIR=\"$TOP/templates\""
		echo "VE_CGROUP_PARENT=\"$cg\""
		echo "STOP_TIMEOUT=\"10\""
		for kv in "$@"; do echo "$kv"; done
	} >"$d/etc/vz.conf"
}

# bench_stale_cgroups PREFIX: lists the cgroups named PREFIX or PREFIX-* an earlier run left.
bench_stale_cgroups() {
	local h f
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		for f in "$h/$1" "$h/$1"-*; do [ -d "$f" ] && echo "  cgroup $f"; done
	done
	true
}

# bench_reaped SCRIPT ARGS...: runs the benchmark again under the project's subreaper ($B's
# tests/reaper) unless it already is: VE inits are orphans by design, and this sandbox's PID 1
# does not reap them (see tests/helpers/reaper.c).
bench_reaped() {
	[ -z "${VZKIT_REAPED:-}" ] && [ -x "$B/tests/reaper" ] || return 0
	export VZKIT_REAPED=1
	exec "$B/tests/reaper" bash "$@"
}

# bench_install COMMAND:PACKAGE...: installs from Debian's packages those whose command is
# missing. A policy-rc.d refusing service starts keeps the lxc package from bringing up lxcbr0
# and its dnsmasq on the host during the install. Non-zero, with a message, when apt-get fails.
bench_install() {
	local missing="" made=0 rc p
	for p in "$@"; do command -v "${p%%:*}" >/dev/null || missing+=" ${p#*:}"; done
	[ -n "$missing" ] || return 0
	echo "installing$missing"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		made=1
	fi
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
	rc=$?
	[ $made = 1 ] && rm -f /usr/sbin/policy-rc.d
	[ $rc = 0 ] || echo "apt-get install$missing failed" >&2
	return $rc
}

# bench_load_warning: warns when the load average says other work shares the CPUs.
bench_load_warning() {
	local load
	load=$(cut -d' ' -f1 /proc/loadavg)
	if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
		echo "WARNING: load average $load on $(nproc) CPUs: other work is running, timings are noisy"
	fi
}

# bench_cpuset_ok PREFIX: whether a new top-level v1 cpuset can get CPUs and memory nodes (an
# exclusive sibling spanning all CPUs makes every runtime fail); says which cpusets are
# exclusive when not. True where there is no v1 cpuset hierarchy.
bench_cpuset_ok() {
	local t=/sys/fs/cgroup/cpuset/$1-preflight.$$
	[ -e /sys/fs/cgroup/cpuset/cpuset.cpus ] || return 0
	mkdir "$t" || { echo "cannot create cpuset cgroup $t" >&2; return 1; }
	if ! cat /sys/fs/cgroup/cpuset/cpuset.cpus >"$t/cpuset.cpus" 2>/dev/null ||
		! cat /sys/fs/cgroup/cpuset/cpuset.mems >"$t/cpuset.mems" 2>/dev/null; then
		rmdir "$t"
		echo "a new top-level cpuset cannot get CPUs; exclusive cpusets:" >&2
		grep -l 1 /sys/fs/cgroup/cpuset/*/cpuset.cpu_exclusive >&2
		return 1
	fi
	rmdir "$t"
}

# ---- crun refuses this host's hybrid layout (v1 controllers + a cgroup2 mount listing hugetlb):
# in a private mount namespace an empty tmpfs over /sys/fs/cgroup/unified makes it see plain v1.
bench_hybrid() { [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; }

# bench_in_crun_ns SCRIPT CMD...: CMD (a program, or a function of SCRIPT) in that namespace on a
# hybrid host, by running SCRIPT again as "SCRIPT __crun_ns CMD..." (bench_crun_ns_main); else
# here. The namespace's set-up is not part of what CMD times.
bench_in_crun_ns() {
	local self=$1
	shift
	if bench_hybrid; then
		unshare -m --propagation private bash "$self" __crun_ns "$@"
	else
		"$@"
	fi
}

# bench_crun_ns_main ARGS...: called with the script's arguments once its functions are defined;
# for "__crun_ns CMD...", hides the cgroup2 mount, runs CMD and exits with its status.
bench_crun_ns_main() {
	[ "${1:-}" = __crun_ns ] || return 0
	shift
	# 64 MiB: crun writes one cgroup.procs page per container into the tmpfs
	mount -t tmpfs -o size=64m,mode=755 vzbench-hide-unified /sys/fs/cgroup/unified || exit 1
	"$@"
	exit $?
}

# bench_tail T0 [WHAT]: the end of a run's output: the failed runs (from RES/failed) and the
# time since T0 (microseconds) with where the results are (WHAT, default RES). Returns 1 when a
# run failed.
bench_tail() {
	local rc=0
	[ -s "$RES/failed" ] && { rc=1; echo; cat "$RES/failed"; echo "(log: $RES/runs.log)"; }
	echo
	echo "took $(awk -v u="$((${EPOCHREALTIME/./} - $1))" 'BEGIN { printf "%.0f", u / 1e6 }') s;" \
		"results in ${2:-$RES}"
	return $rc
}

# bench_clean_mode ARGS...: for "clean", runs the script's cleanup, checks with its stale that
# nothing is left (die otherwise), and exits.
bench_clean_mode() {
	local s
	[ "${1:-}" = clean ] || return 0
	[ "$(id -u)" = 0 ] || die "must run as root"
	cleanup
	s=$(stale)
	[ -z "$s" ] || die "still left:
$s"
	echo "clean"
	exit 0
}

# The control for "beyond its own processes": bench_procs_start CGDIR K BUSYBOX starts K idle
# `busybox sleep` processes in the (existing) memory cgroup CGDIR and checks that all K run;
# bench_procs_kill CGDIR kills whatever is in it, by pid, and removes it (non-zero if it
# cannot).
bench_procs_start() {
	sh -c 'echo $$ >"$1/cgroup.procs" || exit 1
		i=0; while [ $i -lt "$2" ]; do "$3" sleep 1000000 </dev/null >/dev/null 2>&1 & i=$((i + 1)); done' \
		sh "$1" "$2" "$3" || return 1
	sleep "${SETTLE:-3}"
	[ "$(wc -l <"$1/cgroup.procs")" = "$2" ]
}
bench_procs_kill() {
	local p left
	[ -d "$1" ] || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		left=$(cat "$1/cgroup.procs") # a cgroup file's size is always 0: read it
		[ -n "$left" ] || break
		for p in $left; do kill -9 "$p" 2>/dev/null; done
		sleep 0.2
	done
	rmdir "$1" 2>/dev/null
}
