#!/bin/bash
# Per-VE disk and inode limits: the "image" layout (a sparse ext4 image on a loop device as the
# overlay's upper layer), what df shows inside, grow, full VEs next to others, destroy.
. "$(dirname "$0")/../lib.sh"
need_root
command -v mkfs.ext4 >/dev/null || { skip "mkfs.ext4 missing"; exit 77; }
[ -w /dev/loop-control ] || { skip "no /dev/loop-control"; exit 77; }
setup_tree

conf_val() { sed -n "s/^$2=\"\\(.*\\)\"/\\1/p" "$VZ_CONFDIR/conf/$1.conf"; }
in_ve() { "$VZCTL" exec "$@"; } # vzctl exec runs its words as one sh -c command line

# Layout choice: limits ask for a quota-capable layout, no limits keep the plain directory.
check "create with --diskspace and --diskinodes" \
	"$VZCTL" create 101 --diskspace 32M --diskinodes 400
expect_eq "... chooses layout image" "$(conf_val 101 VE_LAYOUT)" image
expect_eq "... records DISKSPACE in KB" "$(conf_val 101 DISKSPACE)" "32M:32M"
check "create without limits" "$VZCTL" create 109
expect_eq "... keeps layout dir" "$(conf_val 109 VE_LAYOUT)" dir
img=$T_DIR/private/101/vzkit-disk.img
check "... the image is sparse" test "$(du -k "$img" | cut -f1)" -lt 1024

check "start the VE" "$VZCTL" start 101
size=$(in_ve 101 df -k / | awk 'NR==2 {print $2}')
check "df inside shows the limit ($size KB of 32768)" test "$size" -gt 26000 -a "$size" -le 32768
inodes=$(in_ve 101 df -i / | awk 'NR==2 {print $2}')
check "df -i inside shows the inode limit ($inodes of 400)" test "$inodes" -ge 400 -a "$inodes" -le 500
expect_eq "vzlist shows the layout" "$("$VZLIST" -H -o layout 101 | tr -d ' ')" image

# Past the limit: ENOSPC, the VE keeps running.
in_ve 101 dd if=/dev/zero of=/big bs=1M count=64 >"$T_DIR/dd.out" 2>&1
check "writing past the limit fails with ENOSPC" grep -q 'No space left on device' "$T_DIR/dd.out"
check "... and the VE still runs" in_ve 101 true
used=$("$VZLIST" -H -o diskspace 101 | tr -d ' ')
check "vzlist diskspace shows the VE's usage ($used KB)" test "$used" -gt 20000
expect_eq "vzlist diskspace.h shows the limit" "$("$VZLIST" -H -o diskspace.h 101 | tr -d ' ')" 32768

# Another VE keeps writing while the first is full.
check "a second VE" "$VZCTL" create 102 --diskspace 32M
check "... starts" "$VZCTL" start 102
check "... writes while the first is full" in_ve 102 dd if=/dev/zero of=/f bs=1M count=4
in_ve 101 rm -f /big
n=$(in_ve 101 'i=0; while touch /f$i 2>/dev/null; do i=$((i+1)); done; echo $i')
check "creating files stops at the inode limit ($n files)" test "$n" -ge 399 -a "$n" -le 464
in_ve 101 touch /one-more >"$T_DIR/touch.out" 2>&1
check "... with ENOSPC" grep -q 'No space left on device' "$T_DIR/touch.out"
expect_eq "vzlist diskinodes shows them used" "$("$VZLIST" -H -o diskinodes 101 | tr -d ' ')" \
	"$inodes"

# Limits that cannot be met: one line, the right exit code, nothing changed.
# A running VE grows online where the kernel lets us (CAP_SYS_RESOURCE); elsewhere, as on
# this kind of sandbox, the grow is refused with the advice to stop first and nothing changes.
"$VZCTL" set 101 --diskspace 64M --save >"$T_DIR/rc.out" 2>&1
rc=$?
if [ $rc = 0 ]; then
	pass "grow while running: grown online"
	expect_eq "... the config has the new size" "$(conf_val 101 DISKSPACE)" "64M:64M"
else
	expect_eq "grow while running is refused as needing a stop (no online resize here)" "$rc" 32
	check "... says to stop first, in one line" sh -c "grep -c . '$T_DIR/rc.out' | grep -qx 1 &&
		grep -q 'stop the container' '$T_DIR/rc.out'"
	expect_eq "... and keeps the config" "$(conf_val 101 DISKSPACE)" "32M:32M"
fi
before="$(conf_val 101 DISKSPACE):$(conf_val 101 DISKINODES)"
expect_rc 21 "shrink below the image" "$VZCTL" set 101 --diskspace 16M --save
check "... in one line" sh -c "grep -c . '$T_DIR/rc.out' | grep -qx 1"
expect_rc 21 "soft above hard" "$VZCTL" set 101 --diskspace 40M:36M --save
expect_rc 21 "more inodes than the image holds" "$VZCTL" set 101 --diskinodes 100000 --save
expect_eq "... nothing changed" "$(conf_val 101 DISKSPACE):$(conf_val 101 DISKINODES)" \
	"$before"

# Grow a stopped VE: it starts even with every inode used.
check "stop" "$VZCTL" stop 101
check "grow the stopped VE to 64M" "$VZCTL" set 101 --diskspace 64M --save
expect_eq "... saved" "$(conf_val 101 DISKSPACE)" "64M:64M"
check "... starts again" "$VZCTL" start 101
size=$(in_ve 101 df -k / | awk 'NR==2 {print $2}')
check "df inside shows the new size ($size KB)" test "$size" -gt 58000 -a "$size" -le 65536
in_ve 101 'rm -f /f*'
check "... and the new space is usable" in_ve 101 dd if=/dev/zero of=/big bs=1M count=40
check "... the files written before survived" in_ve 101 test -e /big

# Bad input at create.
expect_rc 21 "unknown layout" "$VZCTL" create 110 --layout bogus
expect_rc 21 "layout image without DISKSPACE" "$VZCTL" create 110 --layout image
expect_rc 21 "an image below the minimum" "$VZCTL" create 110 --diskspace 1M
check "... leave no config or private area" sh -c "test ! -e '$VZ_CONFDIR/conf/110.conf' &&
	test ! -e '$T_DIR/private/110'"
expect_rc 21 "soft above hard at create" "$VZCTL" create 110 --diskspace 2G:1G
check "VE_LAYOUT in vz.conf" sh -c "echo 'VE_LAYOUT=\"image\"' >>'$VZ_CONFDIR/vz.conf' &&
	'$VZCTL' create 111 --diskspace 20M && grep -q '^VE_LAYOUT=\"image\"' '$VZ_CONFDIR/conf/111.conf'"
sed -i '/^VE_LAYOUT=/d' "$VZ_CONFDIR/vz.conf"

# Many VEs from one template: each costs its own changes only (sparse images), also after
# it ran.
t0=$(date +%s%N)
for i in $(seq 201 250); do "$VZCTL" --quiet create "$i" --diskspace 1G || fail "create $i"; done
t1=$(date +%s%N)
pass "50 VEs with 1G images created in $(((t1 - t0) / 1000000)) ms"
n=0
for i in $(seq 201 250); do "$VZCTL" --quiet start "$i" && n=$((n + 1)); done
expect_eq "... all 50 start" "$n" 50
check "... and run their init" sh -c "for i in \$(seq 201 250); do
	'$VZCTL' status \$i | grep -q running || exit 1; done"
for i in $(seq 201 250); do "$VZCTL" --quiet stop "$i" --fast; done
kb=$(du -sk "$T_DIR"/private/2?? | awk '{s += $1} END {print s}')
check "... use $kb KB of disk beyond the template in all (under 1 MB per VE)" \
	test "$kb" -lt 51200

# Destroy frees everything.
for id in 101 102; do "$VZCTL" --quiet stop "$id" --fast; done
check "stopped VEs keep no loop device" sh -c "! losetup -a | grep -q '$T_DIR'"
for f in "$VZ_CONFDIR"/conf/*.conf; do "$VZCTL" --quiet destroy "$(basename "$f" .conf)"; done
check "destroy leaves no loop device" sh -c "! losetup -a | grep -q '$T_DIR'"
check "... no mount" sh -c "! grep -q '$T_DIR' /proc/self/mountinfo"
check "... no image" sh -c "! find '$T_DIR/private' -name '*.img' | grep -q ."
t_finish
