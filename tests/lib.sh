# Sourced by the integration tests: a private vzkit tree and small assertion helpers.
# Each test prints "PASS: ...", "FAIL: ..." or "SKIP: ..." lines; tests/run.sh counts them.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
VZCTL=$BUILD/vzctl
VZLIST=$BUILD/vzlist
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_FAILED=0
T_DIR=$(mktemp -d /tmp/vzkit-test.XXXXXX)
T_CG=${VZKIT_TEST_CGROUP:-vztest}
T_BRIDGE=${T_BRIDGE:-vztb$$}
export VZ_CONFDIR=$T_DIR/etc

pass() { echo "PASS: $T_NAME: $*"; }
fail() { echo "FAIL: $T_NAME: $*"; T_FAILED=1; }
skip() { echo "SKIP: $T_NAME: $*"; }

need_root() { [ "$(id -u)" = 0 ] || { skip "needs root"; exit 77; }; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local d=$1
	shift
	if "$@" >"$T_DIR/check.out" 2>&1; then pass "$d"; else
		fail "$d"
		sed 's/^/    /' "$T_DIR/check.out" | head -n 8
	fi
}

# expect_rc RC DESCRIPTION COMMAND...: passes when the command exits with RC.
expect_rc() {
	local want=$1 d=$2 rc
	shift 2
	"$@" >"$T_DIR/rc.out" 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then pass "$d"; else
		fail "$d (exit $rc, expected $want)"
		sed 's/^/    /' "$T_DIR/rc.out" | head -n 8
	fi
}

# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (got '$2', expected '$3')"; fi
}

# A vz.conf for this test's private tree; extra KEY="value" lines may follow as arguments.
setup_tree() {
	mkdir -p "$VZ_CONFDIR/conf"
	cat >"$VZ_CONFDIR/vz.conf" <<CONF
# vzkit test tree for $T_NAME
VE_ROOT="$T_DIR/root/\$VEID"
VE_PRIVATE="$T_DIR/private/\$VEID"
TEMPLATE="${VZKIT_TEST_TEMPLATE:-$T_DIR/template}"
LOCKDIR="$T_DIR/lock"
DUMPDIR="$T_DIR/dump"
VE_RUNDIR="$T_DIR/run"
LOGFILE="$T_DIR/vzctl.log"
DIST_DIR="$TOP/templates"
VE_BRIDGE="$T_BRIDGE"
VE_CGROUP_PARENT="$T_CG"
STOP_TIMEOUT="10"
CONF
	# Later lines win: extra KEY="value" arguments override the defaults above.
	for kv in "$@"; do echo "$kv" >>"$VZ_CONFDIR/vz.conf"; done
}

# Stops and destroys every VE of this tree, removes the tree and the test bridge.
teardown_tree() {
	local f id
	for f in "$VZ_CONFDIR"/conf/*.conf; do
		[ -e "$f" ] || continue
		id=$(basename "$f" .conf)
		"$VZCTL" --quiet stop "$id" --fast >/dev/null 2>&1
		"$VZCTL" --quiet destroy "$id" >/dev/null 2>&1
	done
	ip link del "$T_BRIDGE" >/dev/null 2>&1
	rm -rf "$T_DIR"
}

# The host pid of a running VE's init.
# wait_locked FILE: waits (up to 5 s) until another process holds a flock on FILE, as a
# background "flock FILE sleep N &" does once it has started.
wait_locked() {
	local i
	for ((i = 0; i < 250; i++)); do
		flock -n -x "$1" true || return 0
		sleep 0.02
	done
	return 1
}

ve_init_pid() { cut -d' ' -f1 "$T_DIR/run/$1.pid" 2>/dev/null; }

# The path of a VE's cgroup in a v1 controller or on v2.
ve_cgroup_dir() {
	local ctrl=$1 id=$2
	if [ -d "/sys/fs/cgroup/$ctrl" ]; then echo "/sys/fs/cgroup/$ctrl/$T_CG/$id"
	else echo "/sys/fs/cgroup/$T_CG/$id"; fi
}

t_finish() {
	teardown_tree
	exit $T_FAILED
}
