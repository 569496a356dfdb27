#!/bin/bash
# The core of the kernel lane (docs/kernel-lane.md): t-lifecycle, t-limits (cgroup v2) and
# t-quota (the prjquota and pool layouts) in a QEMU guest on Debian's stock kernel with cgroup
# v2 only. Their PASS/FAIL lines come back with a "v2: " prefix; a lane that cannot run here (no QEMU, no archive, no disk) is one SKIP line.
. "$(dirname "$0")/../lib.sh"
need_root
LANE_TESTS=${VZKIT_LANE_TESTS:-t-lifecycle t-limits t-quota}

# In the guest: the tests themselves, not tests/run.sh, so that every check line comes back.
# The reaper and the shared template are what tests/run.sh would give them.
# shellcheck disable=SC2016 # expanded in the guest
cmd='export VZKIT_TEST_TEMPLATE=$(mktemp -d /tmp/vzkit-test-template.XXXXXX); rc=0
for t in '$LANE_TESTS'; do build/tests/reaper bash tests/integration/$t.sh || rc=1; done
rm -rf "$VZKIT_TEST_TEMPLATE"; exit $rc'

"$TOP/tests/kernel-lane/run.sh" --cmd "$cmd" >"$T_DIR/lane.out" 2>"$T_DIR/lane.err"
rc=$?
grep -v '^SKIP: kernel lane: ' "$T_DIR/lane.out" | sed -E 's/^(PASS|FAIL|SKIP): /\1: v2: /'
if [ "$rc" = 77 ]; then
	# tests/run.sh counts a SKIP line with exit 77 as a failure: say it and exit 0.
	skip "the kernel lane cannot run here: $(sed -n 's/^SKIP: kernel lane: //p' "$T_DIR/lane.out")"
elif [ "$rc" != 0 ] && ! grep -q '^FAIL: ' "$T_DIR/lane.out"; then
	fail "the kernel lane ended with status $rc and no FAIL line"
	sed 's/^/    /' "$T_DIR/lane.err" | tail -n 30
else
	grep -E 'guest ready|QEMU exited' "$T_DIR/lane.err" | sed 's/^/info: /'
fi
t_finish
