#!/bin/bash
# Resource limits against the real kernel: vzctl set writes the cgroup files live and at start,
# a fork bomb stops at NUMPROC, a memory hog over RAM is OOM-killed inside its VE only, a live
# change without --save is undone by a restart, and invalid values change nothing.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree

MB=$((1024 * 1024))

# The probe runs inside the VE, which has no libc: build it static, whatever the Makefile did.
if ! cc -static -O2 -D_GNU_SOURCE -o "$T_DIR/probe" "$TOP/tests/helpers/probe.c" \
	>"$T_DIR/cc.out" 2>&1; then
	skip "no static C toolchain to build the probe: $(head -n1 "$T_DIR/cc.out")"
	t_finish
fi

# cg CTID WHAT: the kernel's value of one limit, from the v1 file or its v2 counterpart.
cg() {
	local id=$1 d v
	case $2 in
	ram)
		d=$(ve_cgroup_dir memory "$id")
		cat "$d/memory.limit_in_bytes" 2>/dev/null || cat "$d/memory.max"
		;;
	swap) # what swap adds on top of RAM: v1 memsw minus the limit, v2 memory.swap.max
		d=$(ve_cgroup_dir memory "$id")
		if [ -e "$d/memory.memsw.limit_in_bytes" ]; then
			v=$(cat "$d/memory.memsw.limit_in_bytes")
			echo $((v - $(cat "$d/memory.limit_in_bytes")))
		else cat "$d/memory.swap.max" 2>/dev/null; fi
		;;
	numproc) cat "$(ve_cgroup_dir pids "$id")/pids.max" ;;
	cpuunits)
		d=$(ve_cgroup_dir cpu "$id")
		cat "$d/cpu.shares" 2>/dev/null || cat "$d/cpu.weight"
		;;
	cpuquota) # microseconds per 100 ms period, -1 when unlimited
		d=$(ve_cgroup_dir cpu "$id")
		if [ -e "$d/cpu.cfs_quota_us" ]; then cat "$d/cpu.cfs_quota_us"; else
			v=$(cut -d' ' -f1 "$d/cpu.max")
			[ "$v" = max ] && echo -1 || echo "$v"
		fi
		;;
	cpumask) cat "$(ve_cgroup_dir cpuset "$id")/cpuset.cpus" ;;
	oomkills)
		d=$(ve_cgroup_dir memory "$id")
		v=$(awk '$1 == "oom_kill" {print $2}' "$d/memory.oom_control" 2>/dev/null)
		[ -n "$v" ] || v=$(awk '$1 == "oom_kill" {print $2}' "$d/memory.events" 2>/dev/null)
		echo "${v:-none}"
		;;
	esac
}

# The cpu file's value for CPUUNITS: v1 shares = units * 1024 / 1000, v2 the crun/runc weight.
want_cpuunits() {
	local shares=$(($1 * 1024 / 1000))
	[ $shares -lt 2 ] && shares=2
	if [ -e "$(ve_cgroup_dir cpu "$2")/cpu.shares" ]; then echo $shares
	else echo $((1 + (shares - 2) * 9999 / 262142)); fi
}

# check_limits CTID WHEN RAM NUMPROC CPUUNITS QUOTA CPUMASK: one line per cgroup file.
check_limits() {
	local id=$1 when=$2
	expect_eq "$when: RAM limit in the memory cgroup" "$(cg "$id" ram)" "$3"
	local swap
	swap=$(cg "$id" swap)
	if [ -n "$swap" ]; then expect_eq "$when: no swap beyond RAM (--swap 0)" "$swap" 0
	else skip "$when: no swap accounting in the memory cgroup"; fi
	expect_eq "$when: NUMPROC in pids.max" "$(cg "$id" numproc)" "$4"
	expect_eq "$when: CPUUNITS $5 as cpu shares/weight" "$(cg "$id" cpuunits)" \
		"$(want_cpuunits "$5" "$id")"
	expect_eq "$when: CPU quota per 100 ms period" "$(cg "$id" cpuquota)" "$6"
	expect_eq "$when: CPUMASK in cpuset.cpus" "$(cg "$id" cpumask)" "$7"
}

expect_rc 0 "create VE 301" "$VZCTL" create 301 --ostemplate busybox
expect_rc 0 "start VE 301" "$VZCTL" start 301 --wait
check "copy the probe into VE 301" \
	"$VZCTL" exec 301 'cat > /root/probe && chmod 755 /root/probe' <"$T_DIR/probe"

# Live on a running VE; cpulimit 25% of one CPU is 25 ms per 100 ms, below --cpus 1 (100 ms).
expect_rc 0 "set limits live with --save" "$VZCTL" set 301 --ram 64M --swap 0 --numproc 40 \
	--cpuunits 500 --cpulimit 25 --cpus 1 --cpumask 0 --ioprio 3 --save
check_limits 301 "after set" $((64 * MB)) 40 500 25000 0
cp "$VZ_CONFDIR/conf/301.conf" "$T_DIR/301.conf.saved"

# A change without --save reaches the cgroup but not the config; a restart brings the saved one.
# cpulimit 0 leaves --cpus 1 as the only cap: one full period.
other_cpu=0
[ "$(nproc)" -ge 2 ] && other_cpu=1
expect_rc 0 "set without --save" "$VZCTL" set 301 --ram 96M --numproc 60 --cpuunits 2000 \
	--cpulimit 0 --cpumask "$other_cpu"
check_limits 301 "after unsaved set" $((96 * MB)) 60 2000 100000 "$other_cpu"
check "an unsaved set leaves the config alone" cmp "$VZ_CONFDIR/conf/301.conf" \
	"$T_DIR/301.conf.saved"
expect_rc 0 "restart VE 301" "$VZCTL" restart 301 --wait
check_limits 301 "after restart" $((64 * MB)) 40 500 25000 0
check "the probe survives the restart" "$VZCTL" exec 301 test -x /root/probe

# Fork bomb: pids.max 40 stops it with EAGAIN; init and the probe itself count, so the probe
# gets a little under 40 children, and far more than a handful.
"$VZCTL" exec2 301 /root/probe fork-bomb 40 >"$T_DIR/bomb.out" 2>&1
rc=$?
out=$(grep '^probe' "$T_DIR/bomb.out")
forks=$(sed -n 's/^probe fork-bomb: EAGAIN after \([0-9]*\) forks$/\1/p' "$T_DIR/bomb.out")
if [ "$rc" = 0 ] && [ -n "$forks" ] && [ "$forks" -lt 40 ] && [ "$forks" -ge 30 ]; then
	pass "a fork bomb inside stops below NUMPROC 40 ($out)"
else fail "a fork bomb inside stops below NUMPROC 40 (exit $rc: $out)"; fi
check "the host still forks after the bomb" /bin/true
check "the VE still answers exec after the bomb" "$VZCTL" exec 301 true
check "the bomb's children are gone" test "$(cat "$(ve_cgroup_dir pids 301)/pids.current")" -lt 10

# Memory: under the limit an allocation lives, over it the kernel kills it inside the VE only.
expect_rc 0 "create VE 302 beside it" "$VZCTL" create 302 --ostemplate busybox
expect_rc 0 "start VE 302" "$VZCTL" start 302 --wait
expect_rc 1 "16 MB under a 64 MB limit are allocated (probe exit 1 = succeeded)" \
	"$VZCTL" exec2 301 /root/probe alloc 16
oom_before=$(cg 301 oomkills)
expect_rc 137 "256 MB over a 64 MB limit: the hog dies by SIGKILL" \
	"$VZCTL" exec2 301 /root/probe alloc 256
if [ "$oom_before" = none ]; then
	skip "no oom_kill counter in the memory cgroup"
else
	check "the VE's memory cgroup counted the OOM kill ($oom_before -> $(cg 301 oomkills))" \
		test "$(cg 301 oomkills)" -gt "$oom_before"
	expect_eq "VE 302 saw no OOM kill" "$(cg 302 oomkills)" 0
fi
pid=$(ve_init_pid 301)
check "VE 301's init outlives the OOM kill" kill -0 "$pid"
check "VE 301 still answers exec" "$VZCTL" exec 301 true
expect_eq "VE 302 still runs" "$("$VZCTL" status 302)" "CTID 302 exist mounted running"
check "VE 302 still answers exec" "$VZCTL" exec 302 true
expect_rc 0 "stop VE 302" "$VZCTL" stop 302 --fast

# Invalid values: exit 21 and nothing changed in the config or the cgroup.
cp "$VZ_CONFDIR/conf/301.conf" "$T_DIR/301.conf.before"
expect_rc 21 "--ram 1K is too small" "$VZCTL" set 301 --ram 1K --save
expect_rc 21 "--cpuunits 1 is out of range" "$VZCTL" set 301 --cpuunits 1 --save
expect_rc 21 "--cpumask abc is no CPU list" "$VZCTL" set 301 --cpumask abc --save
expect_rc 21 "--numproc 10:5 has its barrier above its limit" "$VZCTL" set 301 --numproc 10:5 \
	--save
expect_rc 21 "a bad value among good ones" "$VZCTL" set 301 --numproc 99 --cpuunits 1 --save
check "the rejected sets left the config alone" cmp "$VZ_CONFDIR/conf/301.conf" \
	"$T_DIR/301.conf.before"
check_limits 301 "after the rejected sets" $((64 * MB)) 40 500 25000 0
t_finish
