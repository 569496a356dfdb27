#!/bin/sh
# Builds the libFuzzer targets into build/fuzz/ with clang (ASan + UBSan) and runs each for
# SECONDS (default 10) from its seed corpus in tests/fuzz/corpus/<target>/.
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
# Exit: 0 clean, 1 a target crashed or failed to build, 77 clang's fuzzer runtime is missing.
set -u
cd "$(dirname "$0")/../.." || exit 1

SECONDS_EACH=${1:-10}
[ $# -gt 0 ] && shift
TARGETS=${*:-"fuzz-config fuzz-netif fuzz-cli"}
CLANG=${CLANG:-clang}
OUT=build/fuzz
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz: $CLANG not found (install clang and libclang-rt-14-dev)" >&2
	exit 77
fi
mkdir -p "$OUT/obj" || exit 1
probe="$OUT/obj/probe"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' >"$probe.c"
if ! "$CLANG" $SAN -o "$probe" "$probe.c" >/dev/null 2>&1; then
	echo "fuzz: clang's libFuzzer runtime is missing (apt-get install libclang-rt-14-dev)" >&2
	exit 77
fi

PKG_CFLAGS=$(pkg-config --cflags libcap 2>/dev/null)
PKG_LIBS=$(pkg-config --libs libcap 2>/dev/null || echo -lcap)
CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -I. -Wall -Wno-unused-parameter $PKG_CFLAGS $SAN"
# The library proper is built with gcc; the fuzzers need these sources instrumented.
LIB_SRCS="runtime/config.c runtime/config-file.c runtime/config-keys.c
runtime/config-options.c runtime/config-values.c runtime/util.c runtime/log.c runtime/caps.c"
CLI_SRCS="cmd/opts.c cmd/cli.c runtime/lock.c"

build() {
	t=$1
	srcs=$LIB_SRCS
	[ "$t" = fuzz-cli ] && srcs="$srcs $CLI_SRCS"
	objs=""
	for s in $srcs; do
		o="$OUT/obj/$(echo "$s" | tr / _).o"
		if [ ! -e "$o" ] || [ "$s" -nt "$o" ] || [ runtime/config.h -nt "$o" ]; then
			"$CLANG" $CFLAGS -c -o "$o" "$s" || return 1
		fi
		objs="$objs $o"
	done
	"$CLANG" $CFLAGS -o "$OUT/$t" "tests/fuzz/$t.c" $objs $PKG_LIBS
}

fail=0
for t in $TARGETS; do
	echo "fuzz: building $t"
	if ! build "$t"; then
		echo "fuzz: $t: build failed" >&2
		fail=1
		continue
	fi
	corpus="$OUT/corpus/$t"
	mkdir -p "$corpus" "$OUT/crashes"
	echo "fuzz: running $t for ${SECONDS_EACH}s"
	# The seeds stay read-only in the tree; new inputs go to build/fuzz/corpus/<target>.
	if ! "$OUT/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -max_len=16384 \
		-artifact_prefix="$OUT/crashes/$t-" -print_final_stats=0 \
		"$corpus" "tests/fuzz/corpus/$t" >"$OUT/$t.log" 2>&1; then
		echo "fuzz: $t FAILED, see $OUT/$t.log; inputs in $OUT/crashes/" >&2
		tail -n 40 "$OUT/$t.log" >&2
		fail=1
	else
		tail -n 1 "$OUT/$t.log"
	fi
done
exit $fail
