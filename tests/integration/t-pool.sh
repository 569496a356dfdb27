#!/bin/bash
# Pool monitoring: vzctl pool-status (text and JSON) against statfs and the VEs' configs, on a
# small loop-mounted ext4 that holds the private areas; the vz.conf thresholds warn (status
# 171 for pool-status, a warning for allocating commands, which go on); a full pool refuses
# create, a growing set and snapshot with status 46, changing nothing.
. "$(dirname "$0")/../lib.sh"
need_root
command -v mkfs.ext4 >/dev/null || { skip "mkfs.ext4 missing"; exit 77; }
command -v jq >/dev/null || { skip "jq missing"; exit 77; }
[ -w /dev/loop-control ] || { skip "no /dev/loop-control"; exit 77; }

pool=$T_DIR/pool
mkdir -p "$pool"
# No lazy init: nothing writes behind the test's back, so the numbers stay put.
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 -N 4096 "$T_DIR/pool.img" 96M ||
	{ skip "mkfs.ext4 failed"; rm -rf "$T_DIR"; exit 77; }
mount -o loop "$T_DIR/pool.img" "$pool" || { skip "cannot loop-mount ext4"; rm -rf "$T_DIR"; exit 77; }
mkdir -p "$pool/private"
setup_tree "VE_PRIVATE=\"$pool/private/\$VEID\"" 'POOL_MIN_FREE="8M"'

finish() {
	local f
	for f in "$VZ_CONFDIR"/conf/*.conf; do
		[ -e "$f" ] && "$VZCTL" --quiet destroy "$(basename "$f" .conf)" >/dev/null 2>&1
	done
	umount "$pool"
	t_finish
}

# key VALUE from the text output in $T_DIR/st.out
key() { sed -n "s/^$1: //p" "$T_DIR/st.out"; }
# A vzctl size ("32M", "1G", "1024", in KB without a suffix) in bytes.
bytes() {
	local v=${1%%:*}
	case $v in
	*K) echo $((${v%K} * 1024)) ;; *M) echo $((${v%M} << 20)) ;;
	*G) echo $((${v%G} << 30)) ;; *T) echo $((${v%T} << 40)) ;; *) echo $((v * 1024)) ;;
	esac
}
hard() { local v; v=$(sed -n "s/^$2=\"\\(.*\\)\"/\\1/p" "$VZ_CONFDIR/conf/$1.conf"); echo "${v#*:}"; }

check "create 101 with 32M and 400 inodes" "$VZCTL" create 101 --diskspace 32M --diskinodes 400
check "create 102 with 64M" "$VZCTL" create 102 --diskspace 64M
check "create 103 without limits" "$VZCTL" create 103

expect_rc 0 "pool-status below every threshold" "$VZCTL" pool-status
cp "$T_DIR/rc.out" "$T_DIR/st.out"
read -r blocks bfree bavail bsize files ffree < <(stat -f -c '%b %f %a %S %c %d' "$pool/private")
expect_eq "path is the directory above the private areas" "$(key path)" "$pool/private"
expect_eq "size = f_blocks * f_frsize" "$(key size)" $((blocks * bsize))
expect_eq "used = (f_blocks - f_bfree) * f_frsize" "$(key used)" $(((blocks - bfree) * bsize))
expect_eq "free = f_bavail * f_frsize" "$(key free)" $((bavail * bsize))
expect_eq "inodes = f_files" "$(key inodes)" "$files"
expect_eq "inodes_used = f_files - f_ffree" "$(key inodes_used)" $((files - ffree))
df_pct=$(df --output=pcent "$pool/private" | tail -n1 | tr -dc 0-9)
pct=$(key used_percent)
check "used_percent $pct is df's Use% ($df_pct, rounded up)" \
	awk -v p="$pct" -v d="$df_pct" 'BEGIN { exit !(p <= d && p > d - 1) }'
expect_eq "ves" "$(key ves)" 3
expect_eq "ves_unlimited (103)" "$(key ves_unlimited)" 1
sum=$(($(bytes "$(hard 101 DISKSPACE)") + $(bytes "$(hard 102 DISKSPACE)")))
expect_eq "diskspace_sum is the configs' hard DISKSPACE ($sum)" "$(key diskspace_sum)" "$sum"
isum=0
for id in 101 102 103; do
	v=$(hard $id DISKINODES)
	[ -n "$v" ] && [ "$v" != unlimited ] && isum=$((isum + v))
done
expect_eq "diskinodes_sum is the configs' hard DISKINODES ($isum)" "$(key diskinodes_sum)" "$isum"
expect_eq "overcommit = diskspace_sum / size" "$(key overcommit)" \
	"$(awk -v s="$sum" -v z=$((blocks * bsize)) 'BEGIN { printf "%.3f", s / z }')"
expect_eq "min_free is POOL_MIN_FREE" "$(key min_free)" $((8 << 20))
expect_eq "status" "$(key status)" ok

expect_rc 0 "pool-status -j" "$VZCTL" pool-status -j
cp "$T_DIR/rc.out" "$T_DIR/st.json"
for k in path size used free inodes inodes_used inodes_free ves ves_unlimited diskspace_sum \
	diskinodes_sum min_free status; do
	[ "$(jq -r ".$k" "$T_DIR/st.json")" = "$(key $k)" ] || fail "JSON $k differs from the text"
done
pass "JSON has the text's values"
check "JSON overcommit is the ratio" jq -e \
	"(.overcommit - $(key overcommit) | fabs) < 0.001 and (.used_percent - $pct | fabs) < 0.1" \
	"$T_DIR/st.json"

# Thresholds: a warning line and status 171 for pool-status; allocating commands warn and go on.
echo 'POOL_WARN_OVERCOMMIT="1.0"' >>"$VZ_CONFDIR/vz.conf"
expect_rc 171 "pool-status with overcommit past POOL_WARN_OVERCOMMIT" "$VZCTL" pool-status
check "... one warning line about overcommit" sh -c \
	"test \$(grep -c '^Warning' '$T_DIR/rc.out') = 1 && grep -q 'overcommitted' '$T_DIR/rc.out'"
check "... status: warning" grep -qx 'status: warning' "$T_DIR/rc.out"
"$VZCTL" create 104 >"$T_DIR/out" 2>"$T_DIR/err"
expect_eq "create past a threshold succeeds" "$?" 0
check "... with one warning on stderr" sh -c "test \$(grep -c . '$T_DIR/err') = 1 &&
	grep -q '^Warning: Storage pool $pool/private is overcommitted' '$T_DIR/err'"
check "... and in the log" grep -q "Storage pool $pool/private is overcommitted" "$T_DIR/vzctl.log"
"$VZCTL" snapshot 103 >"$T_DIR/out" 2>"$T_DIR/err"
expect_eq "snapshot past a threshold succeeds" "$?" 0
check "... with the warning" grep -q 'overcommitted' "$T_DIR/err"
"$VZCTL" set 101 --diskspace 34M --save >"$T_DIR/out" 2>"$T_DIR/err"
check "set growing a disk past a threshold warns" grep -q 'overcommitted' "$T_DIR/err"
"$VZCTL" set 101 --diskspace 34M --save >"$T_DIR/out" 2>"$T_DIR/err"
check "... and not when nothing grows" sh -c "! grep -q 'Storage pool' '$T_DIR/err'"
echo 'POOL_WARN_OVERCOMMIT="0"' >>"$VZ_CONFDIR/vz.conf"
echo 'POOL_WARN_USED="10"' >>"$VZ_CONFDIR/vz.conf"
expect_rc 0 "pool-status below POOL_WARN_USED" "$VZCTL" pool-status
fallocate -l 16M "$pool/data"
expect_rc 171 "pool-status with used past POOL_WARN_USED" "$VZCTL" pool-status
check "... one line saying how much is used" sh -c "test \$(grep -c '^Warning' '$T_DIR/rc.out') = 1 &&
	grep -q '^Warning: Storage pool .* is [0-9.]*% used (POOL_WARN_USED=10)' '$T_DIR/rc.out'"
rm -f "$pool/data"
echo 'POOL_WARN_USED="100"' >>"$VZ_CONFDIR/vz.conf"
expect_rc 0 "pool-status below POOL_WARN_USED=100" "$VZCTL" pool-status

# A full pool: allocating commands refuse with 46 and change nothing.
free=$(stat -f -c '%a * %S' "$pool/private")
fallocate -l $(($free - (4 << 20))) "$pool/filler"
expect_rc 46 "pool-status on a full pool" "$VZCTL" pool-status
check "... status: full" grep -qx 'status: full' "$T_DIR/rc.out"
expect_rc 46 "create on a full pool" "$VZCTL" create 110
check "... one line saying so" sh -c "test \$(grep -c . '$T_DIR/rc.out') = 1 &&
	grep -q 'Storage pool $pool/private is full' '$T_DIR/rc.out'"
check "... and nothing created" test ! -e "$VZ_CONFDIR/conf/110.conf" -a ! -e "$pool/private/110"
before=$(hard 101 DISKSPACE)
expect_rc 46 "set growing a disk on a full pool" "$VZCTL" set 101 --diskspace 40M --save
expect_eq "... the limit is unchanged" "$(hard 101 DISKSPACE)" "$before"
n=$(ls "$pool/private/103/snapshots" | wc -l)
expect_rc 46 "snapshot on a full pool" "$VZCTL" snapshot 103
expect_eq "... no snapshot added" "$(ls "$pool/private/103/snapshots" | wc -l)" "$n"
rm -f "$pool/filler"
check "create once space is back" "$VZCTL" create 110
finish
