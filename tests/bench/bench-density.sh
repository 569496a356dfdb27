#!/bin/bash
# make bench-density: N long-running networked VEs at once, next to crun and LXC in the same run.
# For each N in DENSITY_N: N VEs (busybox init plus one idle `sleep`), each in its own network
# namespace with a veth on one bridge: wall time to start all (sequential and -P$PAR), host
# memory per VE (MemAvailable and Slab deltas / N, the VE cgroups' own accounting beside it,
# that once more after the host dropped its caches, and both beyond the VE's own processes, a
# process's own cost measured in the same run on plain host copies of the VE's idle process),
# host processes left per VE, wall time to stop and destroy all and until the kernel has freed
# the network namespaces (the bridge has no ports left). The same N for crun (run -d of a
# sleeping busybox, a veth created in its netns on the same bridge, eth0 set up) and LXC
# (lxc-start -d of busybox init, lxc.net veth on the same bridge). Prints the tables, the
# vzkit/peer ratios and the goals' verdicts, and draws a PNG chart with gnuplot.
#
#   tests/bench/bench-density.sh                 DENSITY_N="100 300 1000"
#   DENSITY_N="100 300" tests/bench/bench-density.sh
#   tests/bench/bench-density.sh clean           removes what an interrupted run left behind
#   DENSITY_N=... tests/bench/bench-density.sh report    tables and chart again from the results
#
# Environment: DENSITY_N, PAR (jobs of the parallel series, default nproc), IDLE (1: one idle
# `sleep` per VE through vzctl exec, untimed), SETTLE (seconds before a memory snapshot),
# DRAIN_TIMEOUT (seconds to wait for the bridge to empty), PROC_K (copies of the idle process
# for its own cost, default 100), BENCH_DIR, RUNTIMES ("vz crun lxc"),
# VE_IPV6 (yes; no: IPv6 off in every VE's and container's netns: vzctl --ipv6 no, the
# disable_ipv6 sysctls in crun's spec and LXC's config), QUERIER (no; yes: the bridge is an
# MLD/IGMP querier, in effect before the first start, through a warm-up port BR.q, so that it
# forwards a VE's multicast only to the ports that asked for it; uplink: the querier is another
# bridge BR.u behind that port, as a router on a provider's uplink would be), MCAST_LEGACY (no;
# yes: every VE and container reports its multicast groups with MLDv1/IGMPv2, which a snooping
# bridge sends to its querier only: VE_MCAST_LEGACY_REPORTS=yes, the force_mld_version and
# force_igmp_version sysctls in crun's spec and LXC's config).
# Works in BENCH_DIR (/var/tmp/vzkit-density); keeps only BENCH_DIR/results. Exits non-zero only
# when a run fails or a prerequisite is missing, never because a goal is missed.
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/bench/lib.sh"
B=${BUILD:-$TOP/build}
VZCTL=$B/vzctl
VZLIST=$B/vzlist
D=${BENCH_DIR:-/var/tmp/vzkit-density}
RES=$D/results
DENSITY_N=${DENSITY_N:-100 300 1000}
PAR=${PAR:-$(nproc)}
IDLE=${IDLE:-1}
SETTLE=${SETTLE:-5}
PROC_K=${PROC_K:-100}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-120}
RUNTIMES=${RUNTIMES:-vz crun lxc}
VE_IPV6=${VE_IPV6:-yes}
QUERIER=${QUERIER:-no}
MCAST_LEGACY=${MCAST_LEGACY:-no}
N0=3000   # first CTID; containers are vzd-<id>
CG=vzdens # every cgroup of this script or its runtimes starts with this name
BR=vzdbr0 # the one bridge of every VE / container
WARM=$BR.q # QUERIER=yes/uplink: the warm-up port (a veth whose peer is $BR.p), not counted
UPLINK=$BR.u # QUERIER=uplink: the querier's bridge
export VZ_CONFDIR=$D/etc D RES B BR CG

now_us() { echo "${EPOCHREALTIME/./}"; }
say() { printf '%s\n' "$*" | tee -a "$RES/log.txt"; }
die() {
	echo "bench-density: $*" >&2
	exit 1
}
fail() { echo "FAILED: $*" | tee -a "$RES/failed"; }
maxn() { printf '%s\n' $DENSITY_N | sort -n | tail -1; }

# ---- crun, in a private mount namespace on this hybrid host (lib.sh)
in_crun_ns() { bench_in_crun_ns "${BASH_SOURCE[0]}" "$@"; }

# timed NAME PAR CMD...: CMD once per id of RES/ids ({} is the id) through xargs with PAR
# jobs; the wall time goes to RES/NAME.wall (us). Also used inside crun's mount namespace.
timed() {
	local name=$1 par=$2 t0 t1 rc
	shift 2
	t0=$(now_us)
	xargs -a "$RES/ids" -P "$par" -I{} "$@" >>"$RES/runs.log" 2>&1
	rc=$?
	t1=$(now_us)
	echo $((t1 - t0)) >"$RES/$name.wall"
	[ $rc = 0 ] || { fail "$name (xargs exit $rc)"; return 1; }
}

bench_crun_ns_main "$@"

# ---- memory and process snapshots ----
memdir() { # memdir: the memory controller's root (v1 hierarchy or the v2 mount)
	if [ -d /sys/fs/cgroup/memory ]; then echo /sys/fs/cgroup/memory; else echo /sys/fs/cgroup; fi
}
usage_file() { [ -d /sys/fs/cgroup/memory ] && echo memory.usage_in_bytes || echo memory.current; }
anon_key() { [ -d /sys/fs/cgroup/memory ] && echo total_rss || echo anon; }

# memsnap LABEL PARENT GLOB: /proc/meminfo, and the sums over the per-VE memory cgroups
# PARENT/GLOB (usage, anonymous memory), and the whole PARENT subtree's usage.
memsnap() {
	local m u
	m=$(memdir) u=$(usage_file)
	cp /proc/meminfo "$RES/meminfo.$1"
	cp /proc/slabinfo "$RES/slabinfo.$1" 2>/dev/null
	cp "$m/$2/memory.stat" "$RES/memstat.$1" 2>/dev/null
	{
		cat "$m/$2"/$3/"$u" 2>/dev/null | awk '{ s += $1; n++ } END { printf "%d %d ", n, s }'
		# through cat: before the first start there is no VE cgroup, and awk given no file
		# would print nothing, shifting the fields after it
		cat "$m/$2"/$3/memory.stat 2>/dev/null |
			awk -v k="$(anon_key)" '$1 == k { s += $2 } END { printf "%d ", s }'
		echo "$(cat "$m/$2/$u" 2>/dev/null || echo 0) $(cat "$m/$CG-rt/$u" 2>/dev/null || echo 0)"
	} >"$RES/memcg.$1"
}
field() { awk -v k="$2:" '$1 == k { print $2 }' "$RES/meminfo.$1"; }

# ---- bridge: the host ends of all veths; netns teardown is asynchronous, so the ports go
# away some time after the last container is gone.
ports() { find "/sys/class/net/$BR/brif" -mindepth 1 -maxdepth 1 ! -name "$WARM" 2>/dev/null | wc -l; }
drain() { # drain NAME: waits until the bridge is empty; the wait goes to RES/NAME.wall
	local t0 t1
	t0=$(now_us)
	while [ "$(ports)" -gt 0 ]; do
		(($(now_us) - t0 > DRAIN_TIMEOUT * 1000000)) && {
			fail "$1: $(ports) ports still on $BR after $DRAIN_TIMEOUT s"
			return 1
		}
		sleep 0.05
	done
	t1=$(now_us)
	echo $((t1 - t0)) >"$RES/$1.wall"
}

# ---- cleanup: everything below D except the results; our VEs, containers, cgroups, bridge ----
cleanup() {
	local f c h
	trap - EXIT INT TERM
	[ -d "/sys/fs/cgroup/memory/$CG-rt" ] && echo $$ >/sys/fs/cgroup/memory/cgroup.procs
	if [ -d "$D/etc/conf" ] && ls "$D"/etc/conf/*.conf >/dev/null 2>&1; then
		for f in "$D"/etc/conf/*.conf; do basename "$f" .conf; done >"$D/cleanup.ids"
		xargs -a "$D/cleanup.ids" -P 2 -I{} "$VZCTL" --quiet stop {} --fast >/dev/null 2>&1
		xargs -a "$D/cleanup.ids" -P 2 -I{} "$VZCTL" --quiet destroy {} >/dev/null 2>&1
	fi
	if command -v crun >/dev/null; then
		crun list 2>/dev/null | awk 'NR > 1 && $1 ~ /^vzd-/ { print $1 }' >"$D/cleanup.crun"
		[ -s "$D/cleanup.crun" ] &&
			in_crun_ns xargs -a "$D/cleanup.crun" -P 2 -I{} crun delete -f {} >/dev/null 2>&1
	fi
	if [ -d "$D/lxc" ] && command -v lxc-ls >/dev/null; then
		for c in $(lxc-ls -P "$D/lxc" --running 2>/dev/null); do
			lxc-stop -P "$D/lxc" -n "$c" -k >/dev/null 2>&1
		done
	fi
	proc_cost_kill
	[ -e "/sys/class/net/$WARM" ] && ip link del "$WARM"
	[ -e "/sys/class/net/$UPLINK" ] && ip link del "$UPLINK"
	[ -e "/sys/class/net/$BR" ] && ip link del "$BR"
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		for f in "$h"/$CG "$h"/$CG-*; do
			[ -d "$f" ] && find "$f" -depth -type d -exec rmdir {} + 2>/dev/null
		done
	done
	[ -d "$D" ] && find "$D" -mindepth 1 -maxdepth 1 ! -name results -exec rm -rf {} +
}

# ---- QUERIER=yes: the bridge's own querier needs the bridge's link-local address, which
# comes with a first port, and a query sent from it; then it counts as present after one
# response interval. Startup queries every 0.25 s with 1 s of response time until a ping to a
# group nobody joined leaves the host but no longer reaches the warm-up port; then the
# bridge's defaults again.
querier_on() {
	local i b0 w0 tx
	tx() { cat "/sys/class/net/$1/statistics/tx_packets"; }
	ip link set "$BR" type bridge mcast_snooping 1 mcast_querier 1 mcast_startup_query_count 40 \
		mcast_startup_query_interval 25 mcast_query_response_interval 100 &&
		ip link add "$WARM" type veth peer name "$BR.p" && ip link set "$WARM" master "$BR" up &&
		ip link set "$BR.p" up || die "cannot make $BR a querier"
	for ((i = 0; i < 100; i++)); do
		b0=$(tx "$BR") w0=$(tx "$WARM")
		ping -6 -c1 -W0.1 "ff02::1:ff12:3456%$BR" >/dev/null 2>&1
		[ "$(tx "$BR")" != "$b0" ] && [ "$(tx "$WARM")" = "$w0" ] && break
		sleep 0.2
	done
	((i < 100)) || die "the querier of $BR did not take effect in 20 s"
	ip link set "$BR" type bridge mcast_query_response_interval 1000 \
		mcast_startup_query_count 2 mcast_startup_query_interval 3125
}

# QUERIER=uplink: the querier is $UPLINK, reached through the warm-up port; $BR does not query
# itself. In effect once a query from it has come in on that port (the port's multicast
# statistics) and the response interval has passed.
querier_uplink() {
	local i
	ip link set "$BR" type bridge mcast_snooping 1 mcast_stats_enabled 1 &&
		ip link add "$UPLINK" type bridge mcast_snooping 1 mcast_querier 1 \
			mcast_startup_query_count 40 mcast_startup_query_interval 25 \
			mcast_query_response_interval 100 && ip link set "$UPLINK" up &&
		ip link add "$WARM" type veth peer name "$BR.p" && ip link set "$WARM" master "$BR" up &&
		ip link set "$BR.p" master "$UPLINK" up || die "cannot make $UPLINK a querier for $BR"
	for ((i = 0; i < 100; i++)); do
		ip link xstats type bridge_slave dev "$WARM" |
			awk '/MLD queries/ { f = 1 } f && /RX/ { exit !($3 > 0) }' && break
		sleep 0.2
	done
	((i < 100)) || die "no query from $UPLINK reached $BR in 20 s"
	sleep 1.5
	ip link set "$UPLINK" type bridge mcast_query_response_interval 1000 \
		mcast_startup_query_count 2 mcast_startup_query_interval 3125
}

# ---- prerequisites: say what is wrong instead of producing numbers ----
stale() {
	local h f
	[ -d "$D/etc" ] && echo "  $D/etc exists (VEs of an earlier run)"
	[ -e "/sys/class/net/$BR" ] && echo "  bridge $BR"
	[ -e "/sys/class/net/$WARM" ] && echo "  link $WARM"
	[ -e "/sys/class/net/$UPLINK" ] && echo "  bridge $UPLINK"
	bench_stale_cgroups "$CG"
	command -v crun >/dev/null &&
		crun list 2>/dev/null | awk 'NR > 1 && $1 ~ /^vzd-/ { print "  crun container " $1 }'
	true
}

preflight() {
	case $VE_IPV6 in yes | no) ;; *) die "VE_IPV6 must be yes or no, not '$VE_IPV6'" ;; esac
	case $QUERIER in yes | no | uplink) ;; *) die "QUERIER must be yes, no or uplink, not '$QUERIER'" ;; esac
	case $MCAST_LEGACY in yes | no) ;; *) die "MCAST_LEGACY must be yes or no, not '$MCAST_LEGACY'" ;; esac
	local n avail need procs t v
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, cgroups, mounts, links)"
	[ -x "$VZCTL" ] || die "$VZCTL missing: run make first"
	n=$(maxn)
	[ "$n" -le 1000 ] || die "N=$n: one bridge takes at most 1024 ports"
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	need=$((1024 + n * 4)) # the peers measured up to 1.3 MiB per container; 4 MiB is ample
	[ "$avail" -ge "$need" ] || die "only $avail MiB available, $need needed for N=$n"
	# three processes per VE at most (init, sleep, a transient exec), with room for the host
	procs=$(ls -d /proc/[0-9]* | wc -l)
	for v in pid_max threads-max; do
		t=$(cat /proc/sys/kernel/$v)
		[ "$t" -ge $((procs + 3 * n + 2000)) ] ||
			die "kernel.$v is $t: $((procs + 3 * n + 2000)) needed for N=$n ($procs tasks now)"
	done
	for v in max_user_namespaces max_net_namespaces max_pid_namespaces max_mnt_namespaces; do
		t=$(cat /proc/sys/user/$v 2>/dev/null) || continue
		[ "$t" -ge $((n + 500)) ] || die "user.$v is $t: $((n + 500)) needed for N=$n"
	done
	t=$(stale)
	[ -z "$t" ] || die "leftovers of an earlier run:
$t
remove them with: $0 clean"
	bench_cpuset_ok "$CG" || die "see above"
	bench_load_warning
}

# The peers and gnuplot from Debian's packages.
install_peers() {
	bench_install crun:crun lxc-start:lxc jq:jq gnuplot:gnuplot-nox || die "install failed"
}

# ---- setup: a private vzkit tree; crun bundles and LXC configs on its template cache ----
setup() {
	local ver
	mkdir -p "$VZ_CONFDIR/conf" "$D/crun/pid"
	bench_vzconf "$D" "$CG" "VE_BRIDGE=\"$BR\"" "VE_MCAST_LEGACY_REPORTS=\"$MCAST_LEGACY\""
	ip link add "$BR" type bridge && ip link set "$BR" up || die "cannot create bridge $BR"
	[ "$QUERIER" = yes ] && querier_on
	[ "$QUERIER" = uplink ] && querier_uplink
	# builds the template cache once; the VE itself is not needed
	"$VZCTL" --quiet create $((N0 - 1)) --ostemplate busybox >>"$RES/runs.log" 2>&1 ||
		die "vzctl create failed (see $RES/runs.log)"
	ver=$(sed -n 's/^OSTEMPLATE_VERSION="\(.*\)"/\1/p' "$VZ_CONFDIR/conf/$((N0 - 1)).conf")
	"$VZCTL" --quiet destroy $((N0 - 1)) >>"$RES/runs.log" 2>&1
	ROOTFS=$D/template/cache/busybox/$ver/root
	[ -x "$ROOTFS/sbin/init" ] || die "no busybox cache root at $ROOTFS"
	(cd "$D/crun" && crun spec && mv config.json spec.json) || die "crun spec failed"
}

# ---- the goal counts a VE's memory beyond its own processes. What a process costs by itself,
# measured in this run: PROC_K plain host copies of the VEs' idle process (the shared rootfs's
# busybox sleep) in a memory cgroup of their own; each one's charge beyond its anonymous
# memory and its page cache (a shared binary's pages are charged to whoever read them first)
# is its kernel memory: stack, page tables, task, mm, files, signal structures.
proc_cost_kill() {
	bench_procs_kill "$(memdir)/$CG-proc" || fail "control processes left in $(memdir)/$CG-proc"
}
proc_cost() {
	local m=$(memdir)/$CG-proc k=$PROC_K
	mkdir "$m" || die "cannot create the memory cgroup $CG-proc"
	bench_procs_start "$m" "$k" "$ROOTFS/bin/busybox" ||
		{ proc_cost_kill; die "cannot start $k control processes in $m"; }
	# usage - anon - page cache, per process (KiB), then its anon
	awk -v u="$(cat "$m/$(usage_file)")" -v k="$k" -v a="$(anon_key)" \
		-v f="$([ -d /sys/fs/cgroup/memory ] && echo total_cache || echo file)" '
		$1 == a { an = $2 } $1 == f { fi = $2 }
		END { printf "%d %d\n", (u - an - fi) / 1024 / k, an / 1024 / k }' \
		"$m/memory.stat" >"$RES/proccost"
	proc_cost_kill
	say "a process by itself: $(cut -d' ' -f1 "$RES/proccost") KiB beyond its $(cut -d' ' -f2 \
		"$RES/proccost") KiB anon ($k copies of busybox sleep)"
}
proc_kern() { [ -s "$RES/proccost" ] && cut -d' ' -f1 "$RES/proccost" || echo n/a; }

mkbundle() { # mkbundle ID: crun's default spec (pid, net, ipc, uts, mount ns), a sleeping busybox
	mkdir -p "$D/crun/b/vzd-$1"
	jq --arg id "vzd-$1" --arg root "$ROOTFS" --arg cg "/$CG-crun/vzd-$1" --arg v6 "$VE_IPV6" \
		--arg legacy "$MCAST_LEGACY" '
		.process.terminal = false | .process.args = ["/bin/sleep", "1000000"] |
		.root.path = $root | .root.readonly = true | .hostname = $id |
		.linux.cgroupsPath = $cg |
		if $v6 == "no" then .linux.sysctl += {"net.ipv6.conf.all.disable_ipv6": "1",
			"net.ipv6.conf.default.disable_ipv6": "1"} else . end |
		if $legacy == "yes" then .linux.sysctl += {
			"net.ipv6.conf.all.force_mld_version": "1",
			"net.ipv4.conf.all.force_igmp_version": "2"} else . end' \
		"$D/crun/spec.json" >"$D/crun/b/vzd-$1/config.json"
}

mklxc() { # mklxc ID: busybox init on the shared tree, read-only, one veth on the bridge
	mkdir -p "$D/lxc/vzd-$1"
	cat >"$D/lxc/vzd-$1/config" <<EOC
lxc.include = /usr/share/lxc/config/common.conf
lxc.uts.name = vzd-$1
lxc.rootfs.path = dir:$ROOTFS
lxc.rootfs.options = ro
lxc.net.0.type = veth
lxc.net.0.link = $BR
lxc.net.0.flags = up
lxc.net.0.name = eth0
lxc.apparmor.profile = unconfined
lxc.tty.max = 0
lxc.pty.max = 16
lxc.console.path = none
lxc.autodev = 1
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGUSR2
lxc.log.level = ERROR
lxc.cgroup.dir.container = $CG-lxc/vzd-$1
lxc.cgroup.dir.monitor = $CG-lxc/mon-vzd-$1
lxc.cgroup.dir.monitor.pivot = $CG-lxc-pivot
EOC
	[ "$VE_IPV6" = no ] && printf '%s\n' "lxc.sysctl.net.ipv6.conf.all.disable_ipv6 = 1" \
		"lxc.sysctl.net.ipv6.conf.default.disable_ipv6 = 1" >>"$D/lxc/vzd-$1/config"
	[ "$MCAST_LEGACY" = yes ] && printf '%s\n' "lxc.sysctl.net.ipv6.conf.all.force_mld_version = 1" \
		"lxc.sysctl.net.ipv4.conf.all.force_igmp_version = 2" >>"$D/lxc/vzd-$1/config"
	return 0
}

# ---- one runtime at one N ----
piddir() { if [ -d /sys/fs/cgroup/pids ]; then echo /sys/fs/cgroup/pids; else echo /sys/fs/cgroup; fi; }
# settle_snap NAME PARENT GLOB N: after SETTLE s, the "after" snapshot and the host processes
settle_snap() {
	sleep "$SETTLE"
	memsnap "$1.after" "$2" "$3"
	# What cannot be given back: the same once the host has dropped its clean page cache and
	# its reclaimable dentries and inodes (the whole host's, as bench-pagecache does).
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
	memsnap "$1.dropped" "$2" "$3"
	{
		# only the bench's own copy: other vzctl users may share the machine
		echo "vzctl $(pgrep -c -f "^$D/bin/vzctl")"
		echo "crun $(pgrep -c -x crun)"
		echo "lxc-monitor $(pgrep -c -f '^\[lxc monitor\]')"
		echo "tasks $(cat "$(piddir)/$2"/$3/tasks "$(piddir)/$2"/$3/cgroup.threads 2>/dev/null |
			wc -l)"
	} >"$RES/procs.$1"
}

count_running() { # count_running vz|crun|lxc
	case $1 in
	vz) "$VZLIST" -H -o ctid 2>/dev/null | wc -l ;;
	crun) crun list 2>/dev/null | awk '$1 ~ /^vzd-/ && $3 == "running"' | wc -l ;;
	lxc) lxc-ls -P "$D/lxc" --running 2>/dev/null | wc -w ;;
	esac
}
check() { # check RUNTIME N LABEL: all N running and all N veths on the bridge
	local got p
	got=$(count_running "$1") p=$(ports)
	[ "$got" = "$2" ] && [ "$p" = "$2" ] && return 0
	fail "$3: $got of $2 running, $p ports on $BR"
	return 1
}

vz_n() { # vz_n N: create (untimed), then -P1 and -P$PAR rounds; destroy timed at the end
	local n=$1 p t=vz.$1
	say "vzkit: creating $n VEs (untimed)"
	xargs -a "$RES/ids" -P "$PAR" -I{} sh -c "'$VZCTL' --quiet create {} --ostemplate busybox &&
		'$VZCTL' --quiet set {} --netif_add eth0 --ipv6 $VE_IPV6 --save" >>"$RES/runs.log" 2>&1 ||
		{ fail "vzctl create/set of $n VEs"; return 1; }
	for p in 1 "$PAR"; do
		sync
		sleep 2
		[ "$p" = 1 ] && memsnap "$t.before" $CG '[0-9]*'
		say "vzkit: N=$n start -P$p"
		timed "$t.start.p$p" "$p" "$VZCTL" --quiet start {} || return 1
		check vz "$n" "vzkit N=$n -P$p" || return 1
		if [ "$p" = 1 ] && [ "$IDLE" = 1 ]; then
			# the shell lingers 20 ms: a background child of a shell that exits at once
			# was seen killed before it ran (vzctl exec, not investigated further)
			timed "$t.idle" "$PAR" "$VZCTL" exec {} \
				'sleep 100000 </dev/null >/dev/null 2>&1 & sleep 0.02' || return 1
		fi
		[ "$p" = 1 ] && settle_snap "$t" $CG '[0-9]*'
		timed "$t.stop.p$p" "$p" "$VZCTL" --quiet stop {} --fast || return 1
		drain "$t.drain.p$p" || return 1
	done
	timed "$t.destroy.p$PAR" "$PAR" "$VZCTL" --quiet destroy {} || return 1
}

crun_n() {
	local n=$1 p t=crun.$1 t0 t1 i
	for i in $(cat "$RES/ids"); do [ -e "$D/crun/b/vzd-$i" ] || mkbundle "$i"; done
	for p in 1 "$PAR"; do
		sync
		sleep 2
		[ "$p" = 1 ] && memsnap "$t.before" $CG-crun 'vzd-*'
		say "crun: N=$n start -P$p"
		in_crun_ns timed "$t.run.p$p" "$p" crun run -d --pid-file "$D/crun/pid/{}" \
			-b "$D/crun/b/vzd-{}" "vzd-{}" || return 1
		# the veth as vzkit makes it: its container end created in the container's netns
		# (one ip process for all host ends), then eth0 set up inside
		t0=$(now_us)
		for i in $(cat "$RES/ids"); do
			echo "link add vzdc$i master $BR up type veth peer name eth0 netns $(cat "$D/crun/pid/$i")"
		done >"$D/crun/veth.batch"
		ip -batch "$D/crun/veth.batch" >>"$RES/runs.log" 2>&1 || { fail "crun veths"; return 1; }
		t1=$(now_us)
		echo $((t1 - t0)) >"$RES/$t.veth.p$p.wall"
		timed "$t.up.p$p" "$p" sh -c 'exec nsenter -t "$(cat "$D/crun/pid/$1")" -n \
			ip link set eth0 up' sh {} || return 1
		echo $(($(cat "$RES/$t.run.p$p.wall") + $(cat "$RES/$t.veth.p$p.wall") + \
			$(cat "$RES/$t.up.p$p.wall"))) >"$RES/$t.start.p$p.wall"
		check crun "$n" "crun N=$n -P$p" || return 1
		[ "$p" = 1 ] && settle_snap "$t" $CG-crun 'vzd-*'
		in_crun_ns timed "$t.stop.p$p" "$p" crun delete -f "vzd-{}" || return 1
		drain "$t.drain.p$p" || return 1
	done
}

lxc_n() {
	local n=$1 p t=lxc.$1 i
	for i in $(cat "$RES/ids"); do [ -e "$D/lxc/vzd-$i" ] || mklxc "$i"; done
	for p in 1 "$PAR"; do
		sync
		sleep 2
		[ "$p" = 1 ] && memsnap "$t.before" $CG-lxc 'vzd-*'
		say "lxc: N=$n start -P$p"
		timed "$t.start.p$p" "$p" lxc-start -P "$D/lxc" -n "vzd-{}" -d || return 1
		check lxc "$n" "lxc N=$n -P$p" || return 1
		[ "$p" = 1 ] && settle_snap "$t" $CG-lxc 'vzd-*'
		timed "$t.stop.p$p" "$p" lxc-stop -P "$D/lxc" -n "vzd-{}" -k || return 1
		drain "$t.drain.p$p" || return 1
	done
}

# ---- report ----
s_of() { [ -s "$RES/$1.wall" ] && awk '{ printf "%.2f", $1 / 1e6 }' "$RES/$1.wall" || echo n/a; }
per_ms() { # per_ms NAME N: ms per VE
	[ -s "$RES/$1.wall" ] && awk -v n="$2" '{ printf "%.2f", $1 / 1e3 / n }' "$RES/$1.wall" ||
		echo n/a
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a";
	else printf "%.2f", a / b }'; }
add2() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else print a + b }'; }
sumw() { # sumw NAME...: the sum of walls in seconds
	local f s=0
	for f in "$@"; do
		[ -s "$RES/$f.wall" ] || { echo n/a; return; }
		s=$((s + $(cat "$RES/$f.wall")))
	done
	awk -v s=$s 'BEGIN { printf "%.2f", s / 1e6 }'
}

kern() { # kern LABEL: SUnreclaim + Percpu + KernelStack + PageTables (KiB)
	awk '$1 ~ /^(SUnreclaim|Percpu|KernelStack|PageTables):$/ { s += $2 } END { print s }' \
		"$RES/meminfo.$1"
}
# mem RT N -> per VE in KiB: "MemAvailable-drop slab kernel own-usage own-anon subtree
# runtime-side" and the number of cgroups summed, then "charged beyond anon once the caches
# were dropped" (n/a without that snapshot)
mem() {
	local t=$1.$2 n=$2 s2 r2 a2 s0 r0 b0
	[ -s "$RES/memcg.$t.after" ] || { echo "n/a n/a n/a n/a n/a n/a n/a 0 n/a"; return; }
	# (results of runs before the memsnap fix lack the anon field when no VE cgroup existed)
	read -r -a b0 <"$RES/memcg.$t.before"
	[ ${#b0[@]} = 4 ] && b0=("${b0[0]}" "${b0[1]}" 0 "${b0[2]}" "${b0[3]}")
	s0=${b0[3]} r0=${b0[4]}
	read -r c1 u1 a1 s1 r1 <"$RES/memcg.$t.after"
	read -r _ _ a2 s2 r2 <"$RES/memcg.$t.dropped" 2>/dev/null
	awk -v n="$n" -v av=$(($(field "$t.before" MemAvailable) - $(field "$t.after" MemAvailable))) \
		-v sl=$(($(field "$t.after" Slab) - $(field "$t.before" Slab))) \
		-v k=$(($(kern "$t.after") - $(kern "$t.before"))) -v u="$u1" -v a="$a1" \
		-v s=$((s1 - s0)) -v r=$((r1 - r0)) -v c="$c1" \
		-v d="${s2:+$((s2 + r2 - s0 - r0 - a2))}" 'BEGIN {
		printf "%d %d %d %d %d %d %d %d %s\n", av / n, sl / n, k / n, u / 1024 / n, a / 1024 / n,
			s / 1024 / n, r / 1024 / n, c, d == "" ? "n/a" : int(d / 1024 / n) }'
}
procs() { awk -v k="$2" '$1 == k { print $2 }' "$RES/procs.$1"; }
# beyond_procs RT N DROPPED: charged beyond anon (DROPPED=1: once the caches were dropped) less
# each of the VE's tasks' own kernel memory (proc_cost), per VE in KiB
beyond_procs() {
	local m
	read -r -a m <<<"$(mem "$1" "$2")"
	[ -s "$RES/procs.$1.$2" ] || { echo n/a; return; }
	awk -v c="$([ "$3" = 1 ] && echo "${m[8]}" || awk -v s="${m[5]}" -v r="${m[6]}" \
		-v b="${m[4]}" 'BEGIN { print s + r - b }')" -v t="$(procs "$1.$2" tasks)" -v n="$2" \
		-v k="$(proc_kern)" 'BEGIN { if (c == "n/a" || k == "n/a") print "n/a";
		else printf "%d", c - t / n * k }'
}

report() {
	local n rt m vm
	echo
	echo "### Wall time (s) for N VEs / containers, each with a veth on one bridge"
	echo
	echo "| N | runtime | start -P1 | ms/VE | start -P$PAR | ms/VE | stop -P1 | stop -P$PAR | destroy | netns gone after stop (-P1, -P$PAR) |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for n in $DENSITY_N; do
		for rt in $RUNTIMES; do
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s, %s |\n' "$n" "$rt" \
				"$(s_of $rt.$n.start.p1)" "$(per_ms $rt.$n.start.p1 "$n")" \
				"$(s_of $rt.$n.start.p$PAR)" "$(per_ms $rt.$n.start.p$PAR "$n")" \
				"$(s_of $rt.$n.stop.p1)" "$(s_of $rt.$n.stop.p$PAR)" \
				"$([ $rt = vz ] && s_of $rt.$n.destroy.p$PAR || echo "(in stop)")" \
				"$(s_of $rt.$n.drain.p1)" "$(s_of $rt.$n.drain.p$PAR)"
		done
	done
	echo
	echo "crun's start is run -d + one ip batch creating all veths + nsenter/ip setting eth0 up:"
	for n in $DENSITY_N; do
		echo "N=$n: -P1 $(s_of crun.$n.run.p1) + $(s_of crun.$n.veth.p1) + $(s_of crun.$n.up.p1) s;" \
			"-P$PAR $(s_of crun.$n.run.p$PAR) + $(s_of crun.$n.veth.p$PAR) + $(s_of crun.$n.up.p$PAR) s"
	done
	[ "$IDLE" = 1 ] && for n in $DENSITY_N; do
		echo "vzkit N=$n: the idle sleep (vzctl exec, -P$PAR, untimed above): $(s_of vz.$n.idle) s"
	done
	echo
	echo "### Host memory per VE / container (KiB), $SETTLE s after all started"
	echo
	echo "| N | runtime | MemAvailable drop | Slab growth | kernel growth | own cgroups' usage | of it anon | whole subtree | runtime side | drop beyond anon | charged beyond anon | the same, caches dropped | charged beyond its processes | the same, caches dropped | host processes | tasks per VE |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for n in $DENSITY_N; do
		for rt in $RUNTIMES; do
			read -r -a m <<<"$(mem "$rt" "$n")"
			[ -s "$RES/procs.$rt.$n" ] || continue
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				"$n" "$rt" "${m[@]:0:7}" \
				"$(awk -v a="${m[0]}" -v b="${m[4]}" 'BEGIN { print a - b }')" \
				"$(awk -v s="${m[5]}" -v r="${m[6]}" -v b="${m[4]}" 'BEGIN { print s + r - b }')" \
				"${m[8]}" "$(beyond_procs "$rt" "$n" 0)" "$(beyond_procs "$rt" "$n" 1)" \
				"$(case $rt in vz) echo "vzctl: $(procs "$rt.$n" vzctl)" ;;
				crun) echo "crun: $(procs "$rt.$n" crun)" ;;
				lxc) echo "monitors: $(procs "$rt.$n" lxc-monitor)" ;; esac)" \
				"$(awk -v t="$(procs "$rt.$n" tasks)" -v n="$n" 'BEGIN { printf "%.1f", t / n }')"
		done
	done
	echo
	echo "### Ratios vzkit / peer (below 1: vzkit better)"
	echo
	echo "| N | peer | start -P1 | start -P$PAR | stop -P1 | stop -P$PAR | memory (MemAvailable) | memory (charged) | Slab |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for n in $DENSITY_N; do
		read -r -a vm <<<"$(mem vz "$n")"
		for rt in crun lxc; do
			read -r -a m <<<"$(mem "$rt" "$n")"
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$rt" \
				"$(div "$(s_of vz.$n.start.p1)" "$(s_of $rt.$n.start.p1)")" \
				"$(div "$(s_of vz.$n.start.p$PAR)" "$(s_of $rt.$n.start.p$PAR)")" \
				"$(div "$(s_of vz.$n.stop.p1)" "$(s_of $rt.$n.stop.p1)")" \
				"$(div "$(s_of vz.$n.stop.p$PAR)" "$(s_of $rt.$n.stop.p$PAR)")" \
				"$(div "${vm[0]}" "${m[0]}")" \
				"$(div "$(add2 "${vm[5]}" "${vm[6]}")" "$(add2 "${m[5]}" "${m[6]}")")" "$(div "${vm[1]}" "${m[1]}")"
		done
	done
	echo
	echo "### Goals (largest N = $(maxn))"
	echo
	n=$(maxn)
	read -r -a vm <<<"$(mem vz "$n")"
	goal "$n networked VEs started in <= 5 s (-P$PAR)" "$(s_of vz.$n.start.p$PAR)" 5 s
	goal "$n networked VEs started in <= 5 s (-P1)" "$(s_of vz.$n.start.p1)" 5 s
	# Until the bridge is empty: a stop leaves the veths to the kernel's netns teardown.
	goal "$n VEs torn down in <= 5 s (-P$PAR: stop, netns gone, destroy)" \
		"$(sumw vz.$n.stop.p$PAR vz.$n.drain.p$PAR vz.$n.destroy.p$PAR)" 5 s
	goal "$n VEs stopped in <= 5 s (-P$PAR, netns gone, without destroy)" \
		"$(sumw vz.$n.stop.p$PAR vz.$n.drain.p$PAR)" 5 s
	goal "host memory per idle VE beyond its own processes <= 0.3 MiB (MemAvailable drop - anon)" \
		"$(awk -v a="${vm[0]}" -v b="${vm[4]}" 'BEGIN { printf "%.2f", (a - b) / 1024 }')" 0.3 MiB
	goal "the same, charged to our cgroups (VE subtree + runtime side - anon)" \
		"$(awk -v s="${vm[5]}" -v r="${vm[6]}" -v b="${vm[4]}" \
			'BEGIN { printf "%.2f", (s + r - b) / 1024 }')" 0.3 MiB
	echo "  (once the host dropped its caches: $(awk -v d="${vm[8]}" 'BEGIN {
		printf (d == "n/a" ? "n/a" : "%.2f MiB"), d / 1024 }'), not a verdict: the goal counts reclaimable memory too)"
	goal "the same, less its tasks' own kernel memory too ($(proc_kern) KiB each, measured on a plain process)" \
		"$(awk -v k="$(beyond_procs vz "$n" 0)" 'BEGIN { printf (k == "n/a" ? "n/a" : "%.2f"), k / 1024 }')" 0.3 MiB
	echo "  (once the host dropped its caches: $(awk -v k="$(beyond_procs vz "$n" 1)" 'BEGIN {
		printf (k == "n/a" ? "n/a" : "%.2f MiB"), k / 1024 }'), not a verdict)"
	goal "no resident host process per VE (vzctl processes while $n VEs run)" \
		"$(procs "vz.$n" vzctl)" 0 ""
}
goal() { # goal TEXT VALUE LIMIT UNIT
	echo "- $1: $2 $4 -> $(awk -v v="$2" -v l="$3" 'BEGIN {
		print (v != "n/a" && v <= l) ? "met" : "NOT met" }')"
}

# chart: start time per VE (-P1 solid, -P$PAR dashed) and memory per VE against N
chart() {
	local n rt m
	for rt in $RUNTIMES; do
		for n in $DENSITY_N; do
			read -r -a m <<<"$(mem "$rt" "$n")"
			echo "$n $(per_ms $rt.$n.start.p1 "$n") $(per_ms $rt.$n.start.p$PAR "$n")" \
				"$(awk -v k="${m[0]}" -v s="${m[5]}" -v r="${m[6]}" 'BEGIN {
					if (k == "n/a") print "NaN NaN"; else print k / 1024, (s + r) / 1024 }')"
		done | sed 's/n\/a/NaN/g' >"$RES/chart.$rt.dat"
	done
	gnuplot <<EOG >>"$RES/runs.log" 2>&1 || fail "gnuplot"
set terminal pngcairo size 1100,500 font "sans,10"
set output "$RES/density.png"
set multiplot layout 1,2 title "N networked busybox VEs / containers on one bridge ($(nproc) CPUs, kernel $(uname -r), $(date -u +%F))"
set key top left
set grid
set xlabel "N (VEs / containers running at once)"
set xtics ($(printf '%s,' $DENSITY_N | sed 's/,$//'))
set logscale x
set xrange [$(printf '%s\n' $DENSITY_N | sort -n | head -1) / 1.4 : $(maxn) * 1.4]
set yrange [0:*]
set key below
set title "start: wall time / N (ms)\nsolid: one at a time, dashed: $PAR jobs"
plot "$RES/chart.vz.dat" u 1:2 w lp lw 2 lc rgb "#1b7837" t "vzkit -P1", \
     "$RES/chart.vz.dat" u 1:3 w lp lw 2 dt 2 lc rgb "#1b7837" t "vzkit -P$PAR", \
     "$RES/chart.crun.dat" u 1:2 w lp lw 2 lc rgb "#2166ac" t "crun -P1", \
     "$RES/chart.crun.dat" u 1:3 w lp lw 2 dt 2 lc rgb "#2166ac" t "crun -P$PAR", \
     "$RES/chart.lxc.dat" u 1:2 w lp lw 2 lc rgb "#b2182b" t "LXC -P1", \
     "$RES/chart.lxc.dat" u 1:3 w lp lw 2 dt 2 lc rgb "#b2182b" t "LXC -P$PAR"
set title "host memory per VE (MiB)\nsolid: charged to the bench cgroups, dashed: MemAvailable drop / N"
plot "$RES/chart.vz.dat" u 1:5 w lp lw 2 lc rgb "#1b7837" t "vzkit charged", \
     "$RES/chart.vz.dat" u 1:4 w lp lw 2 dt 2 lc rgb "#1b7837" t "vzkit MemAvailable", \
     "$RES/chart.crun.dat" u 1:5 w lp lw 2 lc rgb "#2166ac" t "crun charged", \
     "$RES/chart.crun.dat" u 1:4 w lp lw 2 dt 2 lc rgb "#2166ac" t "crun MemAvailable", \
     "$RES/chart.lxc.dat" u 1:5 w lp lw 2 lc rgb "#b2182b" t "LXC charged", \
     "$RES/chart.lxc.dat" u 1:4 w lp lw 2 dt 2 lc rgb "#b2182b" t "LXC MemAvailable", \
     0.3 w l dt 3 lc rgb "#555555" t "0.3 MiB (goal)"
unset multiplot
EOG
}

versions() {
	echo "date: $(date -u +%FT%TZ)"
	echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 |
		sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MiB, kernel $(uname -r)"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "cgroups: $(bench_hybrid && echo 'v1 + hybrid cgroup2 (crun in a private mount ns)' ||
		{ [ -d /sys/fs/cgroup/cpu ] && echo v1 || echo v2; })"
	echo "vzkit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)"
	echo "crun: $(crun --version | head -1); lxc: $(lxc-start --version)"
	echo "IPv6 in the VEs: $VE_IPV6; bridge querier: $QUERIER; legacy multicast reports: $MCAST_LEGACY"
	echo "command: DENSITY_N=\"$DENSITY_N\" PAR=$PAR IDLE=$IDLE SETTLE=$SETTLE VE_IPV6=$VE_IPV6" \
		"QUERIER=$QUERIER MCAST_LEGACY=$MCAST_LEGACY $0"
}

main() {
	local n rt rc=0 t0 i
	preflight
	install_peers
	mkdir -p "$RES"
	rm -f "$RES"/*
	trap cleanup EXIT
	trap 'echo "interrupted" >&2; exit 130' INT TERM
	# The host side of every runtime (this script, vzctl, crun, lxc-start, ip) is charged to a
	# memory cgroup of its own: other tenants of the machine do not pollute that figure.
	if [ -d /sys/fs/cgroup/memory ]; then
		mkdir "/sys/fs/cgroup/memory/$CG-rt" && echo $$ >"/sys/fs/cgroup/memory/$CG-rt/cgroup.procs" ||
			die "cannot create the memory cgroup $CG-rt"
	fi
	t0=$(now_us)
	# a private copy: other work in this tree may rebuild build/ while the run goes on
	mkdir -p "$D/bin" && cp "$VZCTL" "$VZLIST" "$D/bin/" || die "cannot copy vzctl to $D/bin"
	VZCTL=$D/bin/vzctl VZLIST=$D/bin/vzlist
	versions | tee "$RES/versions.txt"
	setup
	proc_cost
	for n in $DENSITY_N; do
		for ((i = N0; i < N0 + n; i++)); do echo $i; done >"$RES/ids"
		for rt in $RUNTIMES; do
			${rt}_n "$n" || { rc=1; break 2; }
			say "load: $(cut -d' ' -f1-3 /proc/loadavg)"
			sleep 2
		done
	done
	report | tee "$RES/report.md"
	chart
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	bench_tail "$t0" "$RES (report.md, density.png)" || rc=1
	return $rc
}

# VE inits are orphans by design; run under the project's subreaper, because this sandbox's
# PID 1 does not reap them (see tests/helpers/reaper.c).
bench_reaped "${BASH_SOURCE[0]}" "$@"
if [ "${1:-}" = report ]; then # the tables and the chart again from RES (same DENSITY_N)
	report | tee "$RES/report.md"
	chart
	exit 0
fi
bench_clean_mode "$@"
main
