#!/bin/bash
# The whole lifecycle of a busybox VE against the real kernel: create, start, status, exec,
# namespaces, init, hostname, uptime, stop, destroy, and the exit codes of the bad cases.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree

expect_rc 0 "create from the busybox template" "$VZCTL" create 101 --ostemplate busybox \
	--hostname lc101.example
expect_rc 44 "second create of the same CTID" "$VZCTL" create 101
expect_eq "status of a created VE" "$("$VZCTL" status 101)" "CTID 101 exist unmounted down"
expect_eq "status of a missing VE" "$("$VZCTL" status 999)" "CTID 999 deleted unmounted down"
expect_rc 0 "start --wait" "$VZCTL" start 101 --wait
expect_eq "status of a running VE" "$("$VZCTL" status 101)" "CTID 101 exist mounted running"
expect_rc 32 "second start" "$VZCTL" start 101

pid=$(ve_init_pid 101)
check "init's host pid is recorded" test -n "$pid"
for ns in pid mnt uts ipc net cgroup time; do
	check "VE has its own $ns namespace" \
		test "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)"
done
check "init is not in the host's session" test "$(ps -o sid= -p "$pid")" != "$(ps -o sid= -p $$)"
# policy: field 41 of /proc/PID/stat (0: SCHED_OTHER); vzctl's real-time span is its own.
policies() { for p in $(cat "$(ve_cgroup_dir pids "$1")/cgroup.procs"); do
	cut -d')' -f2 "/proc/$p/stat" | awk '{print $39}'; done | sort -u | tr '\n' ' '; }
expect_eq "the VE's processes run as normal tasks (start --wait)" "$(policies 101)" "0 "
expect_eq "PID 1 inside is the template's init" \
	"$("$VZCTL" exec 101 cat /proc/1/comm)" "init"
expect_eq "hostname inside" "$("$VZCTL" exec 101 hostname)" "lc101.example"
up=$("$VZCTL" exec 101 cut -d. -f1 /proc/uptime)
check "uptime inside starts at the VE's start ($up s)" test "$up" -lt 30
expect_eq "the VE's /proc shows its own pid namespace (init is 1)" \
	"$("$VZCTL" exec 101 'cat /proc/1/comm')" "init"
ns=$(readlink "/proc/$pid/ns/pid")
in_ns=$(for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && echo x; done | wc -l)
expect_eq "after its commands exit, only init is left in the VE's pid namespace" "$in_ns" 1
expect_rc 7 "exec2 returns the command's exit code" "$VZCTL" exec2 101 'exit 7'
expect_rc 8 "exec of a failing command" "$VZCTL" exec 101 false
expect_rc 0 "exec of a succeeding command" "$VZCTL" exec 101 true
expect_eq "exec passes stdin" "$(echo hello | "$VZCTL" exec 101 cat)" "hello"
expect_eq "exec - reads commands from stdin" "$(echo 'echo from-stdin' | "$VZCTL" exec 101 -)" \
	"from-stdin"
echo 'echo script $0 ran; exit 3' >"$T_DIR/script.sh"
expect_rc 3 "runscript returns the script's code" "$VZCTL" runscript 101 "$T_DIR/script.sh"
expect_eq "no host fd reaches an exec'd command" \
	"$("$VZCTL" exec 101 'ls /proc/self/fd | wc -l' | tr -d ' ')" "4"
check "the VE's /proc/sys is read-only" \
	"$VZCTL" exec 101 '! echo 1 > /proc/sys/kernel/domainname'
check "the VE's /sys is read-only" "$VZCTL" exec 101 '! touch /sys/kernel/x'
check "/proc/kcore or kallsyms is masked" \
	"$VZCTL" exec 101 'test ! -s /proc/kallsyms'
check "a file written inside lands in the VE's upper layer" \
	"$VZCTL" exec 101 'echo data > /root/file'
check "... and only there" test -f "$T_DIR/private/101/upper/root/file"
check "the running VE's root is not in the host's mount table" \
	sh -c "! grep -q ' $T_DIR/' /proc/self/mountinfo"
check "... the host sees the VE's files through its init" test -x "/proc/$pid/root/sbin/init"
expect_eq "... and the VE its root as an overlay" \
	"$("$VZCTL" exec 101 "awk '\$2 == \"/\" { print \$3 }' /proc/mounts")" "overlay"
expect_rc 41 "mount of a running VE" "$VZCTL" mount 101
expect_rc 32 "destroy of a running VE" "$VZCTL" destroy 101
expect_rc 0 "stop" "$VZCTL" stop 101
expect_eq "status after stop" "$("$VZCTL" status 101)" "CTID 101 exist unmounted down"
check "init is gone after stop" test ! -e "/proc/$pid/ns"
expect_rc 31 "stop of a stopped VE" "$VZCTL" stop 101
expect_rc 31 "exec in a stopped VE" "$VZCTL" exec 101 true
check "the cgroup is gone after stop" test ! -d "$(ve_cgroup_dir memory 101)"
check "files survive a restart" sh -c "'$VZCTL' start 101 >/dev/null &&
	'$VZCTL' exec 101 cat /root/file | grep -q data"
expect_rc 0 "restart" "$VZCTL" restart 101
expect_rc 0 "stop --fast" "$VZCTL" stop 101 --fast
expect_rc 0 "mount" "$VZCTL" mount 101
expect_rc 41 "second mount" "$VZCTL" mount 101
check "the VE root holds the template" test -x "$T_DIR/root/101/sbin/init"
expect_rc 0 "start of a mounted VE" "$VZCTL" start 101
expect_eq "... its processes run as normal tasks (start)" "$(policies 101)" "0 "
expect_eq "... runs on that mount" "$("$VZCTL" exec 101 cat /root/file)" "data"
check "... a file written inside shows on the host's mount" \
	sh -c "'$VZCTL' exec 101 'echo m > /root/m' && test -f '$T_DIR/root/101/root/m'"
expect_rc 0 "... stop" "$VZCTL" stop 101 --fast
expect_eq "... unmounts it, as vzctl does" "$("$VZCTL" status 101)" \
	"CTID 101 exist unmounted down"
expect_rc 0 "mount again" "$VZCTL" mount 101
expect_rc 41 "destroy of a mounted VE" "$VZCTL" destroy 101
expect_rc 0 "umount" "$VZCTL" umount 101
expect_rc 40 "umount of an unmounted VE" "$VZCTL" umount 101
expect_rc 0 "destroy" "$VZCTL" destroy 101
check "destroy removes the private area" test ! -e "$T_DIR/private/101"
check "destroy keeps the config as .destroyed" test -e "$VZ_CONFDIR/conf/101.conf.destroyed"
expect_rc 43 "start of a VE that does not exist" "$VZCTL" start 101

# Bad input.
expect_rc 20 "unknown command" "$VZCTL" frobnicate 101
expect_rc 20 "unknown option" "$VZCTL" create 102 --no-such-option 1
expect_rc 20 "bad CTID" "$VZCTL" start ../etc
expect_rc 91 "missing OS template" "$VZCTL" create 102 --ostemplate no-such-distro
check "a failed create leaves no config" test ! -e "$VZ_CONFDIR/conf/102.conf"
expect_rc 21 "invalid --ram" "$VZCTL" create 102 --ram lots
expect_rc 0 "create with a name" "$VZCTL" create 103 --name web1
expect_rc 131 "a name is unique" "$VZCTL" create 104 --name web1
expect_rc 0 "start by name" "$VZCTL" start web1
expect_eq "status by name" "$("$VZCTL" status web1)" "CTID 103 exist mounted running"
expect_rc 0 "stop by name" "$VZCTL" stop web1
echo 'PHYSPAGES="0:64M' >>"$VZ_CONFDIR/conf/103.conf"
expect_rc 85 "a malformed config line" "$VZCTL" start 103
check "... is reported with file and line" \
	grep -q "103.conf:[0-9]*: unterminated quote" "$T_DIR/rc.out"
sed -i '$d' "$VZ_CONFDIR/conf/103.conf"
expect_rc 0 "destroy by name" "$VZCTL" destroy web1
rm -f "$VZ_CONFDIR/vz.conf"
expect_rc 10 "missing vz.conf" "$VZCTL" status 103
t_finish
