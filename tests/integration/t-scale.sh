#!/bin/bash
# 100 VEs created, started, listed, stopped and destroyed; each step timed for information.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree
N=${VZKIT_SCALE_N:-100}
t0=$(date +%s%N)
fails=0
for i in $(seq 1000 $((1000 + N - 1))); do "$VZCTL" --quiet create $i >/dev/null || fails=$((fails + 1)); done
expect_eq "$N creates" "$fails" 0
t1=$(date +%s%N)
for i in $(seq 1000 $((1000 + N - 1))); do "$VZCTL" --quiet start $i >/dev/null || fails=$((fails + 1)); done
expect_eq "$N starts" "$fails" 0
t2=$(date +%s%N)
running=0
for i in $(seq 1000 $((1000 + N - 1))); do
	p=$(ve_init_pid $i)
	[ -n "$p" ] && [ -e "/proc/$p/ns/pid" ] && running=$((running + 1))
done
expect_eq "$N inits running at once" "$running" "$N"
if [ -x "$VZLIST" ]; then
	expect_eq "vzlist shows $N running" "$("$VZLIST" -H -o ctid | wc -l)" "$N"
fi
t3=$(date +%s%N)
for i in $(seq 1000 $((1000 + N - 1))); do "$VZCTL" --quiet stop $i >/dev/null || fails=$((fails + 1)); done
expect_eq "$N stops" "$fails" 0
t4=$(date +%s%N)
for i in $(seq 1000 $((1000 + N - 1))); do "$VZCTL" --quiet destroy $i >/dev/null || fails=$((fails + 1)); done
expect_eq "$N destroys" "$fails" 0
t5=$(date +%s%N)
ms() { echo $((($2 - $1) / 1000000)); }
echo "info: $N VEs: create $(ms $t0 $t1) ms, start $(ms $t1 $t2) ms, stop $(ms $t3 $t4) ms, destroy $(ms $t4 $t5) ms"
t_finish
