#!/bin/bash
# 50 commands racing on 50 VEs, and 50 on one VE: every command gets a defined answer and every
# VE ends in a consistent state (status agrees with its init, cgroup and mount).
. "$(dirname "$0")/../lib.sh"
need_root
# VZKIT_PRIVILEGED=yes runs it all on privileged VEs (the -privileged wrapper).
PRIV=${VZKIT_PRIVILEGED:-no}
[ "$PRIV" = yes ] && T_NAME=$T_NAME-privileged
setup_tree
N=50
for i in $(seq 900 $((900 + N - 1))); do "$VZCTL" --quiet create --privileged "$PRIV" $i >/dev/null; done

consistent() { # status matches the kernel's view
	local id=$1 st pid
	st=$("$VZCTL" status "$id")
	pid=$(ve_init_pid "$id")
	case $st in
	*"mounted running") [ -n "$pid" ] && [ -e "/proc/$pid/ns/pid" ] &&
		[ -d "$(ve_cgroup_dir memory "$id")" ] ;;
	*"unmounted down") [ ! -d "$(ve_cgroup_dir memory "$id")" ] &&
		! grep -q " $T_DIR/root/$id " /proc/self/mountinfo ;;
	*) false ;;
	esac
}

# One random command per VE, all at once.
cmds=(start stop restart exec set status)
run_cmd() { # COMMAND CTID
	case $1 in
	exec) "$VZCTL" --quiet exec "$2" true ;;
	set) "$VZCTL" --quiet set "$2" --cpuunits 600 ;;
	*) "$VZCTL" --quiet "$1" "$2" ;;
	esac
}
for i in $(seq 900 $((900 + N - 1))); do
	c=${cmds[$((RANDOM % ${#cmds[@]}))]}
	( run_cmd $c $i >/dev/null 2>&1; echo $? >"$T_DIR/rc.$i" ) &
done
wait
bad=0
for i in $(seq 900 $((900 + N - 1))); do
	# 8: an exec whose command died with a VE stopped under it; 9 locked; 31/32 down/up.
	case $(cat "$T_DIR/rc.$i") in 0 | 8 | 9 | 31 | 32) ;; *) bad=$((bad + 1)) ;; esac
	consistent $i || bad=$((bad + 100))
done
expect_eq "50 commands on 50 VEs: defined exit codes, consistent states" "$bad" 0

# 50 commands racing on one VE.
for k in $(seq 1 $N); do
	c=${cmds[$((k % ${#cmds[@]}))]}
	( run_cmd $c 900 >/dev/null 2>&1; echo $? >"$T_DIR/one.$k" ) &
done
wait
codes=$(cat "$T_DIR"/one.* | sort | uniq -c | tr -s ' ' | tr '\n' ',')
bad=$(cat "$T_DIR"/one.* | grep -cvxE '0|8|9|31|32')
expect_eq "50 commands on one VE end with defined codes ($codes)" "$bad" 0
check "... and leave it in a consistent state" consistent 900
expect_rc 0 "it still starts or runs" sh -c "'$VZCTL' --quiet start 900 >/dev/null 2>&1; '$VZCTL' exec 900 true"
t_finish
