#!/bin/bash
# Isolation of a (privileged) VE against the real kernel: the seccomp filter's EPERMs seen from
# inside, the capabilities it lacks, nesting on and off, masked /proc files, read-only /proc/sys
# and /sys but a private /proc/sys/net, host processes and hostname out of reach, its own limits
# out of reach, and two VEs that cannot see each other.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree

sleeper=
host_hostname=$(hostname)
host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
finish() {
	# Whatever the checks found, the host leaves as it came.
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null && wait "$sleeper" 2>/dev/null
	[ "$(hostname)" = "$host_hostname" ] || hostname "$host_hostname"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ] ||
		echo "$host_fwd" >/proc/sys/net/ipv4/ip_forward
	t_finish
}

# The probe runs inside the VE, which has no libc: build it static, whatever the Makefile did.
if ! cc -static -O2 -D_GNU_SOURCE -o "$T_DIR/probe" "$TOP/tests/helpers/probe.c" \
	>"$T_DIR/cc.out" 2>&1; then
	skip "no static C toolchain to build the probe: $(head -n1 "$T_DIR/cc.out")"
	finish
fi

# probe_expect RC CTID DESCRIPTION SUBCOMMAND [ARG]: runs the probe inside, wants exit RC.
probe_expect() {
	local want=$1 id=$2 d=$3 rc out
	shift 3
	out=$("$VZCTL" exec2 "$id" /root/probe "$@" 2>&1)
	rc=$?
	if [ "$rc" = 3 ]; then skip "$d ($out)"
	elif [ "$rc" = "$want" ]; then pass "$d ($out)"
	else fail "$d (exit $rc, expected $want: $out)"; fi
}

# in_ve CTID SCRIPT: the exit status of a shell script inside the VE.
in_ve() { "$VZCTL" exec2 "$1" "$2"; }

# no_sleep_in CTID: the VE's ps ran, shows its init, and no sleep.
no_sleep_in() {
	"$VZCTL" exec "$1" ps -o comm >"$T_DIR/ps.out" 2>&1 && grep -qx init "$T_DIR/ps.out" &&
		! grep -qx sleep "$T_DIR/ps.out"
}

# VZKIT_PRIVILEGED=yes runs the whole battery on privileged VEs (t-isolation-privileged.sh).
PRIV=${VZKIT_PRIVILEGED:-no}
[ "$PRIV" = yes ] && T_NAME=$T_NAME-privileged
expect_rc 0 "create VE 401 (privileged: $PRIV)" "$VZCTL" create 401 --ostemplate busybox --ram 128M \
	--privileged "$PRIV"
expect_rc 0 "create VE 402" "$VZCTL" create 402 --ostemplate busybox --privileged "$PRIV"
expect_rc 0 "start VE 401" "$VZCTL" start 401 --wait
expect_rc 0 "start VE 402" "$VZCTL" start 402 --wait
check "copy the probe into VE 401" \
	"$VZCTL" exec 401 'cat > /root/probe && chmod 755 /root/probe' <"$T_DIR/probe"

# The seccomp filter, nesting off (the default).
for sc in keyctl bpf perf_event_open kexec_load init_module open_by_handle_at iopl swapon \
	settimeofday clock_settime; do
	probe_expect 0 401 "$sc is refused with EPERM" "$sc"
done
for ns in uts pid user ipc cgroup time; do
	probe_expect 0 401 "unshare of a nested $ns namespace is refused" "unshare-$ns"
done
probe_expect 0 401 "clone3 answers ENOSYS (libc falls back to clone)" clone3
probe_expect 0 401 "unshare of a network namespace is allowed" allow-unshare-net
probe_expect 0 401 "mknod of a disk (b 8:0) is refused by the devices policy" mknod-disk
probe_expect 0 401 "/proc/sysrq-trigger is absent, masked or not writable" sysrq
check "dmesg (syslog(2)) fails inside" in_ve 401 '! dmesg'

# Capabilities, decoded here from the VE's own /proc/self/status.
"$VZCTL" exec 401 cat /proc/self/status >"$T_DIR/status" 2>&1
for set in CapEff CapBnd; do
	hex=$(awk -v k="$set:" '$1 == k {print $2}' "$T_DIR/status")
	check "$set is readable inside ($hex)" test -n "$hex"
	for cap in 16:sys_module 17:sys_rawio 25:sys_time 34:syslog 33:mac_admin; do
		expect_eq "$set lacks cap_${cap#*:}" $(((16#${hex:-0} >> ${cap%%:*}) & 1)) 0
	done
	expect_eq "$set keeps cap_sys_admin (root of its own namespaces)" $(((16#${hex:-0} >> 21) & 1)) 1
done
probe_expect 0 401 "the probe finds no forbidden capability either" caps

# /proc and /sys.
check "/proc/kcore is absent or masked by /dev/null" \
	in_ve 401 '[ ! -e /proc/kcore ] || [ "$(stat -c %t:%T /proc/kcore)" = 1:3 ]'
check "/proc/kmsg is absent or masked by /dev/null" \
	in_ve 401 '[ ! -e /proc/kmsg ] || [ "$(stat -c %t:%T /proc/kmsg)" = 1:3 ]'
# Host directories hidden under an empty read-only directory: the VE's own sysfs's, so that the
# masks make no superblock of their own.
for d in /proc/acpi /proc/driver /proc/scsi /proc/fs/nfsd /sys/firmware; do
	[ -d "$d" ] || continue
	check "$d is masked: empty inside" in_ve 401 "[ -z \"\$(ls -A $d)\" ]"
	check "... and read-only" in_ve 401 "! mkdir $d/x 2>/dev/null && ! touch $d/x 2>/dev/null"
	expect_eq "... a bind of an empty sysfs directory" \
		"$("$VZCTL" exec 401 "grep ' $d ' /proc/self/mountinfo" | awk '{ print $4, $(NF - 2) }' | sort -u)" \
		"/fs/cgroup sysfs"
done
# Rewriting the current value: harmless should the write get through.
check "/proc/sys/vm is not writable" \
	in_ve 401 'f=/proc/sys/vm/overcommit_ratio; v=$(cat $f) && ! echo "$v" > $f'
check "/proc/sys/kernel is not writable" in_ve 401 '! echo x > /proc/sys/kernel/domainname'
fwd=$((1 - host_fwd))
expect_eq "/proc/sys/net is the VE's own and writable" \
	"$("$VZCTL" exec 401 "echo $fwd > /proc/sys/net/ipv4/ip_forward && \
		cat /proc/sys/net/ipv4/ip_forward" 2>&1)" "$fwd"
expect_eq "... and the host's ip_forward did not change" \
	"$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
check "/sys is mounted read-only" in_ve 401 "awk '\$2 == \"/sys\" {print \$4}' /proc/mounts |
	grep -q '^ro'"
check "/sys refuses a new file" in_ve 401 '! touch /sys/kernel/vzkit-test'

# Host processes are out of sight and out of reach.
sleep 300 &
sleeper=$!
check "the host's sleep is not in the VE's ps" no_sleep_in 401
n=$("$VZCTL" exec 401 'ls -d /proc/[0-9]* | wc -l' | tr -d ' ')
check "the VE's /proc lists only its own processes ($n)" test "${n:-99}" -le 5
check "the host's pid $sleeper has no /proc entry inside" \
	in_ve 401 "[ ! -e /proc/$sleeper ] || [ $sleeper -lt 10 ]"
check "kill -9 of the host's pid $sleeper fails inside" in_ve 401 "! kill -9 $sleeper"
check "... and the host's sleep lives" kill -0 "$sleeper"
kill "$sleeper"
wait "$sleeper" 2>/dev/null
sleeper=
expect_eq "a hostname set inside holds inside" \
	"$("$VZCTL" exec 401 'hostname iso401.test && hostname' 2>&1)" "iso401.test"
expect_eq "... and the host's hostname did not change" "$(hostname)" "$host_hostname"

# The VE's own limits: visible in its cgroup namespace, not writable.
f=/sys/fs/cgroup/memory/memory.limit_in_bytes
[ -d /sys/fs/cgroup/memory ] || f=/sys/fs/cgroup/memory.max
expect_eq "the VE sees its own 128M limit at its cgroup root" \
	"$("$VZCTL" exec 401 cat "$f" 2>&1)" $((128 * 1024 * 1024))
check "writing its memory limit fails inside" in_ve 401 "! echo 268435456 > $f"
host_f=$(ve_cgroup_dir memory 401)/$(basename "$f")
expect_eq "... and the limit on the host is still 128M" "$(cat "$host_f")" $((128 * 1024 * 1024))
# Raising its own memory limit: remount the VE's read-only cgroup mount and write the file.
# An unprivileged VE may remount its own mounts, but the limit files belong to the host's
# root, which is unmapped in the VE's user namespace: the write is refused. A privileged VE's
# root is root of the host's user namespace: weaker by design, reported as such.
raise_limit() {
	"$VZCTL" exec "$1" "if mount -o remount,rw,bind $(dirname "$f") 2>/dev/null; then
		if { echo 268435456 > $f; } 2>/dev/null; then echo raised; else echo write-refused; fi
	else echo refused; fi" 2>&1
}
out=$(raise_limit 401)
if [ "$PRIV" = yes ] && [ "$out" = raised ]; then
	skip "privileged VE, weaker by design: its root raises its own memory limit; use unprivileged VEs"
	echo $((128 * 1024 * 1024)) >"$host_f"
else
	case $out in
	refused | write-refused) pass "the VE cannot raise its own memory limit ($out)" ;;
	*) fail "the VE cannot raise its own memory limit (got '$out')" ;;
	esac
fi
expect_eq "... the host's limit is unchanged" "$(cat "$host_f")" $((128 * 1024 * 1024))
# The same attempt from a privileged VE beside it (the privileged run covers it above).
if [ "$PRIV" = no ]; then
	"$VZCTL" create 403 --privileged yes >/dev/null
	"$VZCTL" set 403 --ram 128M --save >/dev/null
	"$VZCTL" start 403 --wait >/dev/null
	host_f403=$(ve_cgroup_dir memory 403)/$(basename "$f")
	case $(raise_limit 403) in
	raised) skip "privileged VE (--privileged yes), weaker by design: its root remounts its \
cgroup rw and raises its own memory limit to $(cat "$host_f403"); use unprivileged VEs" ;;
	*) pass "even a privileged VE cannot raise its own memory limit" ;;
	esac
	"$VZCTL" stop 403 --fast >/dev/null
fi

# The host's abstract unix sockets belong to the host's network namespace.
sock=vzkit-test-$$
"$T_DIR/probe" abstract-listen "$sock" 20 >/dev/null &
lpid=$!
sleep 0.3
expect_rc 1 "the host's test socket @$sock answers on the host (control)" \
	"$T_DIR/probe" abstract-connect "$sock"
probe_expect 0 401 "the host's abstract unix socket is unreachable from the VE" abstract-connect "$sock"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null

# Moving itself out of its cgroup: the VE's cgroup root is its own (cgroup namespace), its
# files belong to the host; whatever it writes, its processes stay in the VE's cgroup.
"$VZCTL" exec 401 'for f in /sys/fs/cgroup/*/cgroup.procs /sys/fs/cgroup/*/../cgroup.procs; do
	echo $$ > $f; done 2>/dev/null; mkdir /tmp/cg; mount -t cgroup -o pids none /tmp/cg 2>/dev/null &&
	echo $$ > /tmp/cg/cgroup.procs 2>/dev/null; umount /tmp/cg 2>/dev/null; true'
ns=$(readlink "/proc/$(ve_init_pid 401)/ns/pid")
in_ns=$(for p in /proc/[0-9]*; do
	[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"; done | sort -n)
in_cg=$(sort -n "$(ve_cgroup_dir pids 401)/cgroup.procs")
check "every process in the VE's pid namespace is still in its cgroup" test "$in_ns" = "$in_cg"
expect_eq "the VE's init is still in the VE's pids cgroup" \
	"$(grep -c "^\(.*:pids:/$T_CG/401\|0::/$T_CG/401\)" /proc/$(ve_init_pid 401)/cgroup)" 1

# /dev/shm: a sticky world-writable mount point in /dev's own tmpfs (no superblock of its own).
expect_eq "/dev/shm is sticky and world-writable" "$("$VZCTL" exec 401 stat -c %a /dev/shm)" 1777
expect_eq "... a bind of /dev's tmpfs, nosuid, nodev, noexec" \
	"$("$VZCTL" exec 401 cat /proc/self/mountinfo | awk '$5 == "/dev" { d = $3 }
		$5 == "/dev/shm" { s = $3; r = $4; o = $6 } END { print (s == d), r, o }')" \
	"1 /shm rw,nosuid,nodev,noexec,relatime"
# /dev/shm is bounded by the VE's memory limit (128M here): filling it cannot take the host's.
"$VZCTL" exec 401 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=512 2>/dev/null; rm -f /dev/shm/fill'
check "filling /dev/shm stays within the VE's memory (and the VE still answers)" \
	"$VZCTL" exec 401 true
memf=$(ve_cgroup_dir memory 401)/memory.max_usage_in_bytes
[ -e "$memf" ] && check "... its peak memory stayed at its 128M limit" \
	test "$(cat "$memf")" -le $((128 * 1024 * 1024 + 4096))

# Rebooting the host from inside ends only the VE (reboot(2) in a pid namespace).
"$VZCTL" create 404 --privileged "$PRIV" >/dev/null
"$VZCTL" start 404 --wait >/dev/null
p404=$(ve_init_pid 404)
"$VZCTL" exec 404 'reboot -f' >/dev/null 2>&1
sleep 0.5
check "reboot -f inside ends the VE's init" test ! -e "/proc/$p404/ns/pid"
check "... and nothing else: the host and VE 401 still run" "$VZCTL" exec 401 true
"$VZCTL" stop 404 >/dev/null 2>&1

# Two VEs: neither sees the other's files or processes.
check "VE 402 writes a file" "$VZCTL" exec 402 'echo secret > /root/secret402'
check "VE 402 runs a sleep" "$VZCTL" exec 402 \
	'setsid sleep 300 </dev/null >/dev/null 2>&1 &'
pid402=$(ve_init_pid 402)
check "VE 401 does not see VE 402's file" in_ve 401 '[ ! -e /root/secret402 ]'
check "VE 401 does not reach VE 402's private area by its host path" \
	in_ve 401 "[ ! -e $T_DIR/private/402/upper/root/secret402 ]"
check "VE 401 does not reach VE 402's root through /proc/$pid402/root" \
	in_ve 401 "[ ! -e /proc/$pid402/root/root/secret402 ]"
check "VE 401's ps does not show VE 402's sleep" no_sleep_in 401
check "VE 402's ps does show it" sh -c "'$VZCTL' exec 402 ps -o comm | grep -qx sleep"
check "kill -9 of VE 402's init (host pid $pid402) fails in VE 401" \
	in_ve 401 "! kill -9 $pid402"
expect_eq "VE 402 still runs" "$("$VZCTL" status 402)" "CTID 402 exist mounted running"
expect_rc 0 "stop VE 402" "$VZCTL" stop 402 --fast

# Nesting on: the nested namespaces open up; off again: closed.
expect_rc 0 "set --features nesting:on --save" "$VZCTL" set 401 --features nesting:on --save
expect_rc 0 "restart VE 401 with nesting" "$VZCTL" restart 401 --wait
probe_expect 1 401 "with nesting on, unshare of a uts namespace succeeds" unshare-uts
probe_expect 1 401 "with nesting on, unshare of a pid namespace succeeds" unshare-pid
probe_expect 0 401 "with nesting on, keyctl is still refused" keyctl
expect_rc 0 "set --features nesting:off --save" "$VZCTL" set 401 --features nesting:off --save
expect_rc 0 "restart VE 401 without nesting" "$VZCTL" restart 401 --wait
probe_expect 0 401 "with nesting off again, unshare of a uts namespace is refused" unshare-uts
finish
