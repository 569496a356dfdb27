#!/bin/bash
# The project-quota layouts: "prjquota" (VE_PRIVATE on a filesystem that enforces project
# quota; here a private XFS mounted with prjquota) and "pool" (a loop-mounted XFS pool made by
# vzkit). Hard and soft limits, df inside, grow and shrink online, full VEs next to others,
# snapshots, destroy clearing the project. On a kernel without project quota both layouts are
# refused with the probe's reason (checked) and the rest is reported as skipped with it.
. "$(dirname "$0")/../lib.sh"
need_root
QFS=$T_DIR/qfs
setup_tree POOL_IMAGE="$T_DIR/pool.img" POOL_DIR="$T_DIR/pool" POOL_SIZE="1G" QUOTATIME="2"

conf_val() { sed -n "s/^$2=\"\\(.*\\)\"/\\1/p" "$VZ_CONFDIR/conf/$1.conf"; }
in_ve() { "$VZCTL" exec "$@"; }
kb() { in_ve "$1" df -k / | awk 'NR==2 {print $2}'; }

# quota_fs TYPE: a private 1 GB XFS or ext4 (project and quota features) mounted with
# prjquota at $QFS; the mkfs or kernel's answer otherwise.
quota_fs() {
	local img=$T_DIR/qfs-$1.img
	truncate -s 1G "$img"
	case $1 in
	xfs) mkfs.xfs -q -f -K "$img" ;;
	ext4) mkfs.ext4 -q -F -O quota,project -E nodiscard "$img" ;;
	esac >"$T_DIR/mkfs.out" 2>&1 || {
		echo "mkfs.$1 failed: $(head -n1 "$T_DIR/mkfs.out")"
		return 1
	}
	mkdir -p "$QFS"
	mount -o loop,prjquota "$img" "$QFS" 2>&1 | head -n1 | grep . && return 1
	return 0
}

# Everything a layout must do with limits. $1 layout, $2 first CTID (uses three).
quota_cycle() {
	local l=$1 a=$2 b=$(($2 + 1)) c=$(($2 + 2)) n size
	check "$l: create with --diskspace 64M --diskinodes 400" \
		"$VZCTL" create "$a" --layout "$l" --diskspace 64M --diskinodes 400
	expect_eq "$l: VE_LAYOUT recorded" "$(conf_val "$a" VE_LAYOUT)" "$l"
	check "$l: start" "$VZCTL" start "$a"
	size=$(kb "$a")
	check "$l: df inside shows the limit ($size KB of 65536)" test "$size" -ge 60000 -a \
		"$size" -le 65536
	n=$(in_ve "$a" df -i / | awk 'NR==2 {print $2}')
	check "$l: df -i inside shows the inode limit ($n of 400)" test "$n" -ge 400 -a "$n" -le 420
	expect_eq "$l: vzlist shows the layout" "$("$VZLIST" -H -o layout "$a" | tr -d ' ')" "$l"

	in_ve "$a" dd if=/dev/zero of=/big bs=1M count=80 >"$T_DIR/dd.out" 2>&1
	check "$l: writing past the limit fails with EDQUOT or ENOSPC" grep -Eq 'quota exceeded|No space left' "$T_DIR/dd.out"
	check "$l: ... and the VE still runs" in_ve "$a" true
	n=$("$VZLIST" -H -o diskspace "$a" | tr -d ' ')
	check "$l: vzlist diskspace shows the usage ($n KB)" test "$n" -gt 60000 -a "$n" -le 65536
	expect_eq "$l: vzlist diskspace.h shows the limit" \
		"$("$VZLIST" -H -o diskspace.h "$a" | tr -d ' ')" 65536

	check "$l: a second VE" "$VZCTL" create "$b" --layout "$l" --diskspace 64M
	check "$l: ... starts" "$VZCTL" start "$b"
	check "$l: ... writes while the first is full" in_ve "$b" dd if=/dev/zero of=/f bs=1M count=4
	in_ve "$a" rm -f /big
	n=$(in_ve "$a" 'i=0; while touch /f$i 2>/dev/null; do i=$((i+1)); done; echo $i')
	check "$l: creating files stops at the inode limit ($n files)" test "$n" -ge 390 -a \
		"$n" -le 410
	in_ve "$a" touch /one-more >"$T_DIR/touch.out" 2>&1
	check "$l: ... with EDQUOT or ENOSPC" grep -Eq 'quota exceeded|No space left' "$T_DIR/touch.out"
	in_ve "$a" 'rm -f /f*'

	# Limits change on the running VE, both ways, never below what it uses.
	check "$l: grow online" "$VZCTL" set "$a" --diskspace 128M --diskinodes 800 --save
	size=$(kb "$a")
	check "$l: ... df shows it ($size KB)" test "$size" -ge 126000 -a "$size" -le 131072
	in_ve "$a" dd if=/dev/zero of=/half bs=1M count=50 >/dev/null 2>&1
	expect_rc 21 "$l: shrink below the usage is refused" \
		"$VZCTL" set "$a" --diskspace 32M --save
	expect_eq "$l: ... nothing changed" "$(conf_val "$a" DISKSPACE)" "128M:128M"
	check "$l: shrink above the usage, online" "$VZCTL" set "$a" --diskspace 96M --save
	size=$(kb "$a")
	check "$l: ... df shows it ($size KB)" test "$size" -ge 94000 -a "$size" -le 98304

	# Soft limit: writes pass it until QUOTATIME (2 s in this tree) has run out.
	check "$l: create with a soft limit (16M:48M)" \
		"$VZCTL" create "$c" --layout "$l" --diskspace 16M:48M
	check "$l: ... starts" "$VZCTL" start "$c"
	check "$l: ... writes past the soft limit" in_ve "$c" dd if=/dev/zero of=/s bs=1M count=24
	# XFS starts the grace timer when the blocks are allocated, at writeback.
	in_ve "$c" sync
	sleep 3
	in_ve "$c" dd if=/dev/zero of=/s2 bs=1M count=1 >"$T_DIR/dd.out" 2>&1
	check "$l: ... but not after the grace time" grep -Eq 'quota exceeded|No space left' "$T_DIR/dd.out"

	# Snapshots: switch back restores the files.
	check "$l: snapshot" "$VZCTL" snapshot "$c" --id "$UUID"
	in_ve "$c" 'rm -f /s; echo changed >/marker'
	check "$l: snapshot-switch back" "$VZCTL" snapshot-switch "$c" --id "$UUID"
	check "$l: ... the VE runs again" "$VZCTL" start "$c"
	check "$l: ... its files are the snapshot's" in_ve "$c" 'test -e /s && test ! -e /marker'

	for n in "$a" "$b" "$c"; do "$VZCTL" stop "$n" --fast >/dev/null; done
	check "$l: destroy" sh -c "'$VZCTL' destroy $a && '$VZCTL' destroy $b && '$VZCTL' destroy $c"
	# The project keeps no limit: the same CTID can be made again (create refuses a project id
	# still charged with files or limits).
	check "$l: ... frees the project id" "$VZCTL" create "$a" --layout "$l" --diskspace 16M
	check "$l: ... and destroy again" "$VZCTL" destroy "$a"
}
UUID=7d5e4a38-35a4-4d5e-9b43-3b2b9c5e8f11

# prjquota where the kernel has project quota: VE_PRIVATE on a quota filesystem, XFS and ext4.
first=101
for fst in xfs ext4; do
	if why=$(quota_fs $fst); then
		sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=\"$QFS/private/\$VEID\"|" "$VZ_CONFDIR/vz.conf"
		check "prjquota ($fst): create with limits and no --layout" \
			"$VZCTL" create 150 --diskspace 64M
		expect_eq "prjquota ($fst): ... chooses prjquota" "$(conf_val 150 VE_LAYOUT)" prjquota
		"$VZCTL" destroy 150 >/dev/null
		quota_cycle prjquota $first
		sed -i "s|^VE_PRIVATE=.*|VE_PRIVATE=\"$T_DIR/private/\$VEID\"|" "$VZ_CONFDIR/vz.conf"
		umount "$QFS"
	else
		skip "prjquota layout on $fst: this kernel cannot mount it with prjquota: $why"
	fi
	first=$((first + 10))
done
expect_rc 150 "prjquota on a filesystem without project quota is refused" \
	"$VZCTL" create 190 --layout prjquota --diskspace 64M
check "... and leaves nothing" test ! -e "$T_DIR/private/190" -a ! -e "$VZ_CONFDIR/conf/190.conf"

# pool: vzkit's own XFS pool, mounted on first use.
"$VZCTL" create 201 --layout pool --diskspace 64M >"$T_DIR/pool.out" 2>&1
rc=$?
if [ $rc = 0 ]; then
	check "pool: the pool is mounted with prjquota" grep -q " $T_DIR/pool xfs .*prjquota" \
		/proc/self/mounts
	check "pool: VE_PRIVATE/fs points into it" test "$(readlink "$T_DIR/private/201/fs")" = \
		"$T_DIR/pool/201"
	"$VZCTL" pool-status >"$T_DIR/ps.out"
	expect_eq "pool: pool-status measures the XFS pool" "$(sed -n 's/^path: //p' \
		"$T_DIR/ps.out")" "$T_DIR/pool"
	expect_eq "pool: ... and sums the pool VE's limit" "$(sed -n 's/^diskspace_sum: //p' \
		"$T_DIR/ps.out")" $((64 << 20))
	# Space freed inside goes back to the host: compact trims the pool.
	"$VZCTL" start 201 >/dev/null && in_ve 201 dd if=/dev/zero of=/big bs=1M count=48 \
		conv=fsync >/dev/null 2>&1
	full=$(du -k "$T_DIR/pool.img" | cut -f1)
	in_ve 201 'rm /big; sync'
	check "pool: compact" "$VZCTL" compact 201
	after=$(du -k "$T_DIR/pool.img" | cut -f1)
	check "pool: ... gives the freed 48 MB back ($full KB -> $after KB)" \
		test $((full - after)) -gt 40000
	"$VZCTL" stop 201 --fast >/dev/null
	"$VZCTL" destroy 201 >/dev/null
	check "pool: destroy removes the VE's pool directory" test ! -e "$T_DIR/pool/201"
	quota_cycle pool 211
else
	expect_eq "pool: refused as not supported here" "$rc" 150
	check "... and leaves no image, loop device or mount" sh -c "test ! -e '$T_DIR/pool.img' &&
		! losetup -a | grep -q '$T_DIR' && ! grep -q '$T_DIR' /proc/self/mountinfo"
	skip "pool layout: $(tail -n1 "$T_DIR/pool.out")"
fi

# The VEs go first (a pool VE's destroy would mount the pool again), then the filesystems.
for f in "$VZ_CONFDIR"/conf/*.conf; do
	[ -e "$f" ] || continue
	"$VZCTL" --quiet stop "$(basename "$f" .conf)" --fast >/dev/null 2>&1
	"$VZCTL" --quiet destroy "$(basename "$f" .conf)" >/dev/null 2>&1
done
umount "$T_DIR/pool" 2>/dev/null
umount "$QFS" 2>/dev/null
check "nothing of the pool or the quota filesystem stays mounted" \
	sh -c "! grep -q '$T_DIR' /proc/self/mountinfo"
t_finish
