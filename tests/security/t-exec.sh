#!/bin/bash
# vzctl exec/enter give a VE's processes no way to the host: the runtime binary cannot be
# reopened through /proc/<pid>/exe (runc's CVE-2019-5736), no host fd or environment leaks in.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree
"$VZCTL" create 801 >/dev/null
"$VZCTL" start 801 --wait >/dev/null
sum_before=$(sha256sum "$VZCTL" | cut -d' ' -f1)

# Inside the VE, a loop tries to open every process's executable for writing while the host
# runs vzctl exec again and again: an entering vzctl must never be reachable that way.
"$VZCTL" exec 801 'cat > /root/grab.sh' <<'GRAB'
end=$(( $(date +%s) + 8 ))
: > /root/grab.log
while [ "$(date +%s)" -lt "$end" ]; do
	for p in /proc/[0-9]*; do
		t=$(readlink "$p/exe" 2>/dev/null) || continue
		case $t in *busybox*|'') continue ;; esac
		if { exec 3>>"$p/exe"; } 2>/dev/null; then echo "opened $p $t" >> /root/grab.log; exec 3>&-; fi
		if [ -r "$p/environ" ] && grep -q VZKIT_HOST_SECRET "$p/environ" 2>/dev/null; then
			echo "environ $p" >> /root/grab.log
		fi
	done
done
GRAB
"$VZCTL" exec 801 'setsid sh /root/grab.sh </dev/null >/dev/null 2>&1 &'
export VZKIT_HOST_SECRET=do-not-leak
n=0
for i in $(seq 1 40); do "$VZCTL" exec 801 true && n=$((n + 1)); done
sleep 1
expect_eq "40 execs ran while the VE hunted for them" "$n" 40
expect_eq "no entering process's executable could be opened for writing" \
	"$("$VZCTL" exec 801 'grep -c opened /root/grab.log')" "0"
expect_eq "no host environment was readable in the VE" \
	"$("$VZCTL" exec 801 'grep -c environ /root/grab.log')" "0"
expect_eq "the vzctl binary is unchanged" "$(sha256sum "$VZCTL" | cut -d' ' -f1)" "$sum_before"
check "the command's environment is rebuilt, not the host's" \
	"$VZCTL" exec 801 '! env | grep -q VZKIT_HOST_SECRET'
expect_eq "its environment holds only PATH, HOME, VEID (and TERM)" \
	"$("$VZCTL" exec 801 'env | cut -d= -f1 | grep -v -e "^PWD$" -e "^SHLVL$" -e "^TERM$" | sort | tr "\n" " "')" \
	"HOME PATH VEID "
expect_eq "only stdio reach an exec'd command (no host fd)" \
	"$("$VZCTL" exec 801 'ls /proc/self/fd | wc -l' | tr -d ' ')" "4"
check "stdio are pipes, not the host's terminal or files" \
	"$VZCTL" exec 801 'for f in 0 1 2; do readlink /proc/self/fd/$f | grep -q "^pipe:" || exit 1; done' \
	</dev/null
exec 9>"$T_DIR/hostfile"
check "an fd vzctl itself holds does not reach the VE" \
	"$VZCTL" exec 801 "! ls -l /proc/self/fd | grep -q hostfile"
exec 9>&-

# A job the command leaves in the background outlives the command's shell: vzctl kills nothing.
# With stdout redirected it still holds stderr, so exec waits for it (man vzctl: exec).
t0=$(date +%s%N)
"$VZCTL" exec 801 '(sleep 1; echo ran >/root/bg.out) >/dev/null &'
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "a job holding stderr ran to its end after its shell exited" \
	"$("$VZCTL" exec 801 'cat /root/bg.out 2>/dev/null')" "ran"
check "exec waited for the job holding its stderr (${ms} ms)" test "$ms" -ge 1000
# Fully redirected, it holds no pipe: exec returns at once and the job lives on under init.
t0=$(date +%s%N)
"$VZCTL" exec 801 'sleep 3017 </dev/null >/dev/null 2>&1 &'
ms=$((($(date +%s%N) - t0) / 1000000))
check "exec returned while the detached job runs (${ms} ms)" test "$ms" -lt 2500
sleep 1
expect_eq "the detached job is alive 1 s later, reparented to the VE's init" \
	"$("$VZCTL" exec 801 'ps -o ppid,args | grep "[s]leep 3017" | tr -s " " | cut -d" " -f2')" "1"
# vzctl ignores SIGPIPE for itself; the command starts with default dispositions, so a writer
# into a closed pipe dies of SIGPIPE (status 141) as under a login, not of EPIPE.
expect_eq "a command's writer into a closed pipe dies of SIGPIPE" \
	"$("$VZCTL" exec 801 '(yes; echo "$?" >/root/yes.rc) | head -n 1 >/dev/null; cat /root/yes.rc')" \
	"141"
t_finish
