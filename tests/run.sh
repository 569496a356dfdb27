#!/bin/bash
# Runs vzkit's test suite: cmocka unit tests, integration tests (as root, against the real
# kernel), then a leak check. Ends with the line "N passed, N failed, N skipped".
#   tests/run.sh            everything
#   tests/run.sh unit       unit tests only
#   tests/run.sh NAME...    the integration tests whose names contain NAME
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export BUILD

# VE inits are orphans by design; run under a subreaper so that their exit is reaped even
# where the host's PID 1 does not reap (see tests/helpers/reaper.c).
if [ -z "${VZKIT_REAPED:-}" ] && [ -x "$BUILD/tests/reaper" ]; then
	export VZKIT_REAPED=1
	exec "$BUILD/tests/reaper" "$0" "$@"
fi

passed=0 failed=0 skipped=0

count_lines() { # tallies the PASS/FAIL/SKIP lines of a test's output into n
	local out=$1 p f s
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	s=$(grep -c '^SKIP: ' "$out")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	n=$((p + f + s))
}

run_unit() {
	local t out n
	for t in "$BUILD"/tests/test-*; do
		[ -x "$t" ] || continue
		out=$(mktemp)
		# test-net's routed filter runs vznft, which is in $BUILD, not beside the test.
		VZ_LIBEXECDIR=$BUILD "$t" >"$out" 2>&1
		rc=$?
		n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
		s=$(grep -c '^\[  SKIPPED \]' "$out")
		passed=$((passed + ${n:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + s))
		if [ "$rc" != 0 ] && [ -z "$f" ]; then
			failed=$((failed + 1)) # crashed before its summary
			echo "FAIL: $(basename "$t") exited $rc without a summary"
		fi
		if [ "$rc" != 0 ] || [ -n "$f" ]; then
			echo "--- $(basename "$t") ---"
			grep -E 'FAILED|ERROR|error|Assert|Segm' "$out" | head -n 20
		else
			echo "ok   $(basename "$t"): ${n:-0} passed${s:+, $s skipped}"
		fi
		rm -f "$out"
	done
}

leak_snapshot() {
	echo "mounts $(grep -c vzkit-test /proc/self/mountinfo)"
	echo "cgroups $(find /sys/fs/cgroup -maxdepth 3 -path '*vztest/*' -type d 2>/dev/null | wc -l)"
	echo "veths $(ip -o link show type veth 2>/dev/null | grep -cE ' (veth[0-9]+\.[0-9]+|vzr[0-9]+)@')"
	echo "nft-chains $(nft list table netdev vzkit 2>/dev/null | grep -cE '^\s*chain h_(veth[0-9]+\.|vzr[0-9])')"
	echo "loops $(losetup -a 2>/dev/null | grep -c vzkit-test)"
	echo "bridges $(ip -o link show type bridge 2>/dev/null | grep -cE ' vzt[bq]')"
	local ns
	for ns in pid net mnt uts ipc cgroup time; do # namespaces in use by live processes
		echo "$ns-namespaces $(find /proc/[0-9]*/ns/$ns -maxdepth 0 -printf '%l\n' 2>/dev/null |
			sort -u | wc -l)"
	done
	# Live processes in other pid namespaces than the host's: what VEs left running.
	local host_pidns p ns n=0
	host_pidns=$(readlink /proc/self/ns/pid)
	for p in /proc/[0-9]*; do
		ns=$(readlink "$p/ns/pid" 2>/dev/null) # kernel threads and the gone have none
		[ -n "$ns" ] && [ "$ns" != "$host_pidns" ] || continue
		[ "$(awk '{print $3}' "$p/stat" 2>/dev/null)" = Z ] || n=$((n + 1))
	done
	echo "processes-in-ves $n"
}

run_integration() {
	local t out rc n filter=("$@")
	export VZKIT_TEST_TEMPLATE
	VZKIT_TEST_TEMPLATE=$(mktemp -d /tmp/vzkit-test-template.XXXXXX)
	for t in "$TOP"/tests/integration/t-*.sh "$TOP"/tests/security/t-*.sh; do
		[ -f "$t" ] || continue
		if [ ${#filter[@]} -gt 0 ]; then
			local hit=0
			for f in "${filter[@]}"; do [[ $(basename "$t") == *"$f"* ]] && hit=1; done
			[ $hit = 1 ] || continue
		fi
		out=$(mktemp)
		start=$(date +%s%N)
		bash "$t" >"$out" 2>&1
		rc=$?
		count_lines "$out"
		dur=$((($(date +%s%N) - start) / 1000000))
		if [ "$rc" = 77 ]; then # skipped as a whole; its SKIP lines, if any, are counted
			[ "$n" = 0 ] && skipped=$((skipped + 1))
			echo "skip $(basename "$t" .sh)"
			grep -E '^(FAIL|SKIP): ' "$out" | sed 's/^/    /'
		elif [ "$rc" != 0 ] && ! grep -q '^FAIL: ' "$out"; then
			failed=$((failed + 1))
			echo "FAIL $(basename "$t" .sh): exited $rc"
			tail -n 15 "$out" | sed 's/^/    /'
		else
			printf '%-5s%s (%d ms)\n' "$([ "$rc" = 0 ] && echo ok || echo FAIL)" \
				"$(basename "$t" .sh)" "$dur"
			grep -E '^(FAIL|SKIP): ' "$out" | sed 's/^/    /'
			grep -A8 '^FAIL: ' "$out" | grep '^    ' | head -n 20
		fi
		rm -f "$out"
	done
	rm -rf "$VZKIT_TEST_TEMPLATE"
}

mode=${1:-all}
if [ "$mode" = unit ] || [ "$mode" = all ]; then
	echo "== unit tests"
	run_unit
fi
if [ "$mode" != unit ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "== integration tests: skipped (need root)"
		skipped=$((skipped + 1))
	else
		before=$(leak_snapshot)
		echo "== integration tests"
		if [ "$mode" = all ]; then run_integration; else run_integration "$@"; fi
		# The VEs' shared parent cgroup is left for the next VE by design; the suite's own
		# goes once it is empty.
		rmdir /sys/fs/cgroup/*/"${VZKIT_TEST_CGROUP:-vztest}" \
			/sys/fs/cgroup/"${VZKIT_TEST_CGROUP:-vztest}" 2>/dev/null
		after=$(leak_snapshot)
		# A stopped VE's veth goes with its network namespace, freed by the kernel in the
		# background: give that a few seconds before calling anything leaked.
		for _ in $(seq 20); do
			[ "$before" = "$after" ] && break
			sleep 0.5
			after=$(leak_snapshot)
		done
		if [ "$before" = "$after" ]; then
			passed=$((passed + 1))
			echo "ok   no leaked mounts, cgroups, veths, filter chains, loop devices, bridges, namespaces or processes"
		else
			failed=$((failed + 1))
			echo "FAIL leak check:"
			diff <(echo "$before") <(echo "$after") | sed 's/^/    /'
		fi
	fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
