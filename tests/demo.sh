#!/bin/bash
# make demo: creates a busybox VE in a private tree, starts it with limits and a routed
# address and a veth on a bridge, shows it running and networked, then removes it again
# (KEEP=1 leaves it running; remove it later with the commands printed at the end).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$TOP/build
if [ "$(id -u)" != 0 ]; then
	echo "make demo must run as root (it creates namespaces, cgroups, mounts and links)" >&2
	exit 1
fi
# The VE's init is orphaned by design; reap it here too, as some sandboxes' PID 1 does not.
if [ -z "${VZKIT_REAPED:-}" ] && [ -x "$B/tests/reaper" ]; then
	export VZKIT_REAPED=1
	exec "$B/tests/reaper" "$0" "$@"
fi
D=${DEMO_DIR:-/var/tmp/vzkit-demo}
export VZ_CONFDIR=$D/etc
CT=101
IP=10.213.0.101

run() {
	printf '\n\033[1m# %s\033[0m\n' "$*"
	"$@"
}
cleanup() {
	"$B/vzctl" --quiet stop $CT --fast >/dev/null 2>&1
	"$B/vzctl" --quiet destroy $CT >/dev/null 2>&1
	ip link del vzdemo0 >/dev/null 2>&1
	rmdir /sys/fs/cgroup/*/vzdemo /sys/fs/cgroup/vzdemo 2>/dev/null # the VEs' parent cgroup
	rm -rf "$D"
}
cleanup # an earlier, interrupted demo
mkdir -p "$VZ_CONFDIR/conf"
cat >"$VZ_CONFDIR/vz.conf" <<CONF
# vzkit demo tree (make demo)
VE_ROOT="$D/root/\$VEID"
VE_PRIVATE="$D/private/\$VEID"
TEMPLATE="$D/template"
LOCKDIR="$D/lock"
VE_RUNDIR="$D/run"
LOGFILE="$D/vzctl.log"
DIST_DIR="$TOP/templates"
VE_BRIDGE="vzdemo0"
VE_CGROUP_PARENT="vzdemo"
CONF
cp "$TOP/conf/ve-basic.conf-sample" "$VZ_CONFDIR/conf/" 2>/dev/null
[ "${KEEP:-0}" = 1 ] || trap cleanup EXIT

set -e
run "$B/vzctl" create $CT --ostemplate busybox --hostname demo$CT
run "$B/vzctl" set $CT --ram 256M --swap 128M --numproc 100 --cpuunits 500 --cpulimit 50 \
	--ipadd $IP --netif_add eth0 --save
run "$B/vzctl" start $CT --wait
run "$B/vzctl" status $CT
run "$B/vzlist" -a -o ctid,name,hostname,ip,status,numproc,physpages.l,ostemplate
run "$B/vzctl" exec $CT 'hostname; uptime; ps'
run "$B/vzctl" exec $CT 'ip addr show; ip route'
printf '\n\033[1m# the host side: routed address and the veth on the bridge\033[0m\n'
ip -br link show master vzdemo0
ip route show $IP
run ping -c 2 -W 2 $IP
run "$B/vzctl" exec $CT "ping -c 1 -W 2 $IP >/dev/null && echo VE reaches its own address"
printf '\n\033[1m# the VE'"'"'s root is an unprivileged user on the host (own user namespace)\033[0m\n'
pid=$(cut -d' ' -f1 "$D/run/$CT.pid")
echo "inside: $("$B/vzctl" exec $CT id)"
echo "on the host, the VE's init (pid $pid) runs as uid $(awk '/^Uid:/{print $2}' /proc/$pid/status)"
printf '\n\033[1m# limits in the cgroup\033[0m\n'
for f in memory/vzdemo/$CT/memory.limit_in_bytes pids/vzdemo/$CT/pids.max \
	cpu/vzdemo/$CT/cpu.shares cpu/vzdemo/$CT/cpu.cfs_quota_us vzdemo/$CT/memory.max \
	vzdemo/$CT/pids.max vzdemo/$CT/cpu.max; do
	[ -e /sys/fs/cgroup/$f ] && echo "$f = $(cat /sys/fs/cgroup/$f)"
done
run "$B/vzctl" stop $CT
run "$B/vzctl" status $CT
set +e
if [ "${KEEP:-0}" = 1 ]; then
	"$B/vzctl" start $CT --wait >/dev/null
	echo
	echo "VE $CT left running. Try: VZ_CONFDIR=$VZ_CONFDIR $B/vzctl exec $CT ps"
	echo "Remove it: VZ_CONFDIR=$VZ_CONFDIR $B/vzctl stop $CT && VZ_CONFDIR=$VZ_CONFDIR $B/vzctl destroy $CT"
fi
echo
echo "Demo finished."
