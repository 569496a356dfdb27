#!/bin/bash
# A short, bounded libFuzzer run of every parser of untrusted input (config files, CLI, NETIF,
# DEVICES, CAPABILITY values); `tests/fuzz/run.sh 600` is the long run (make fuzz).
. "$(dirname "$0")/../lib.sh"
secs=${VZKIT_FUZZ_SECONDS:-5}
for target in fuzz-config fuzz-netif fuzz-cli; do
	"$TOP/tests/fuzz/run.sh" "$secs" "$target" >"$T_DIR/$target.log" 2>&1
	rc=$?
	case $rc in
	0) pass "$target ran ${secs}s without a crash ($(grep -o 'Done [0-9]* runs' "$T_DIR/$target.log" | tail -n1))" ;;
	77) skip "$target: $(tail -n1 "$T_DIR/$target.log")" ;;
	*) fail "$target crashed or did not build (exit $rc)"
	   tail -n 20 "$T_DIR/$target.log" | sed 's/^/    /' ;;
	esac
done
t_finish
