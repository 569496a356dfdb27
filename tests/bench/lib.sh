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
