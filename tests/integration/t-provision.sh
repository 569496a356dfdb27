#!/bin/bash
# Thin and thick provisioning of the "image" layout (DISK_PROVISIONING) and vzctl compact:
# space freed inside a VE goes back to the host (FITRIM punches holes in the sparse image).
. "$(dirname "$0")/../lib.sh"
need_root
command -v mkfs.ext4 >/dev/null || { skip "mkfs.ext4 missing"; exit 77; }
[ -w /dev/loop-control ] || { skip "no /dev/loop-control"; exit 77; }
setup_tree

conf_val() { sed -n "s/^$2=\"\\(.*\\)\"/\\1/p" "$VZ_CONFDIR/conf/$1.conf"; }
in_ve() { "$VZCTL" exec "$@"; }
img() { echo "$T_DIR/private/$1/vzkit-disk.img"; }
alloc_kb() { echo $(($(stat -c '%b*%B' "$(img "$1")") / 1024)); } # what the image takes on the host
# Loop devices and mounts that belong to this test's tree: none may be left behind.
leftovers() {
	{
		cat /sys/block/loop*/loop/backing_file 2>/dev/null
		cut -d' ' -f5 /proc/self/mountinfo
	} | grep -c "^$T_DIR/" || true
}

# Thin, the default: a sparse image, the key not even written.
check "create a thin VE (the default)" "$VZCTL" create 101 --diskspace 256M
expect_eq "... DISK_PROVISIONING left at its default" "$(conf_val 101 DISK_PROVISIONING)" ""
check "... its image is sparse ($(alloc_kb 101) KB)" test "$(alloc_kb 101)" -lt 1024

# Thick: every block of the image allocated at create, and kept so by grow and snapshots.
check "create a thick VE" "$VZCTL" create 102 --diskspace 64M --diskprovisioning thick
expect_eq "... records DISK_PROVISIONING" "$(conf_val 102 DISK_PROVISIONING)" thick
check "... its image is fully allocated ($(alloc_kb 102) KB)" test "$(alloc_kb 102)" -ge 65536
check "grow the stopped thick VE to 96M" "$VZCTL" set 102 --diskspace 96M --save
check "... still fully allocated ($(alloc_kb 102) KB)" test "$(alloc_kb 102)" -ge 98304
check "... starts" "$VZCTL" start 102
check "... writes" in_ve 102 dd if=/dev/zero of=/f bs=1M count=8 conv=fsync
in_ve 102 'rm -f /f; sync'
a=$(alloc_kb 102)
expect_rc 0 "compact on a thick VE is a no-op" "$VZCTL" compact 102
check "... that says so" grep -q 'thick-provisioned' "$T_DIR/rc.out"
expect_eq "... and keeps the allocation" "$(alloc_kb 102)" "$a"
check "stop" "$VZCTL" stop 102
check "snapshot the thick VE" "$VZCTL" snapshot 102 --id 11111111-2222-3333-4444-555555555555
check "switch back to it" "$VZCTL" snapshot-switch 102 --id 11111111-2222-3333-4444-555555555555
check "... the restored image is fully allocated ($(alloc_kb 102) KB)" \
	test "$(alloc_kb 102)" -ge 98304

# Layouts without a disk of their own cannot be thick: one line, status 21, nothing left.
expect_rc 21 "thick on the dir layout is refused" "$VZCTL" create 103 --diskprovisioning thick
check "... in one line naming the layout" sh -c "grep -c . '$T_DIR/rc.out' | grep -qx 1 &&
	grep -q \"Layout 'dir' cannot do thick\" '$T_DIR/rc.out'"
check "... leaves no config or private area" \
	test ! -e "$VZ_CONFDIR/conf/103.conf" -a ! -e "$T_DIR/private/103"
for layout in prjquota pool; do
	"$VZCTL" create 104 --layout $layout --diskspace 64M --diskprovisioning thick \
		>"$T_DIR/rc.out" 2>&1
	rc=$?
	if grep -q "Unknown storage layout" "$T_DIR/rc.out"; then
		skip "layout $layout is not built yet"
		continue
	fi
	expect_eq "thick on the $layout layout is refused with status 21" "$rc" 21
	check "... in one line naming the layout" sh -c "grep -c . '$T_DIR/rc.out' | grep -qx 1 &&
		grep -q \"Layout '$layout' cannot do thick\" '$T_DIR/rc.out'"
	check "... leaves no config" test ! -e "$VZ_CONFDIR/conf/104.conf"
done
check "create a thin dir VE" "$VZCTL" create 105
expect_rc 21 "set --diskprovisioning thick on it is refused" \
	"$VZCTL" set 105 --diskprovisioning thick --save
expect_eq "... nothing saved" "$(conf_val 105 DISK_PROVISIONING)" ""
expect_rc 21 "an unknown provisioning mode" "$VZCTL" set 101 --diskprovisioning fat --save
expect_rc 0 "compact on the dir layout has nothing to do" "$VZCTL" compact 105
check "... and says so" grep -q 'nothing to compact' "$T_DIR/rc.out"
expect_rc 14 "compact of a VE that does not exist" "$VZCTL" compact 199

# A thick disk that the host cannot hold: refused before anything is allocated.
mkdir -p "$T_DIR/small"
if mount -t tmpfs -o size=48M vzkit-test "$T_DIR/small"; then
	expect_rc 46 "a thick disk larger than the host's free space is refused" \
		"$VZCTL" create 106 --diskspace 64M --diskprovisioning thick --private "$T_DIR/small/106"
	check "... in one line" sh -c "grep -c . '$T_DIR/rc.out' | grep -qx 1"
	check "... leaves nothing behind" sh -c "[ -z \"\$(ls -A '$T_DIR/small')\" ] &&
		[ ! -e '$VZ_CONFDIR/conf/106.conf' ]"
	umount "$T_DIR/small"
else
	skip "no tmpfs to fill"
fi

# Thin to thick and back on a stopped VE.
check "create a thin VE to convert" "$VZCTL" create 107 --diskspace 32M
check "set --diskprovisioning thick --save on the stopped VE" \
	"$VZCTL" set 107 --diskprovisioning thick --save
expect_eq "... saved" "$(conf_val 107 DISK_PROVISIONING)" thick
check "... allocates the image ($(alloc_kb 107) KB)" test "$(alloc_kb 107)" -ge 32768
check "... and back to thin" "$VZCTL" set 107 --diskprovisioning thin --save
expect_eq "... saved" "$(conf_val 107 DISK_PROVISIONING)" thin
expect_rc 0 "compact gives the unused blocks back" "$VZCTL" compact 107
check "... the image is sparse again ($(alloc_kb 107) KB)" test "$(alloc_kb 107)" -lt 8192

# Compact: 100 MB written and deleted inside a running VE go back to the host.
check "start the thin VE" "$VZCTL" start 101
a0=$(alloc_kb 101)
check "write 100 MB inside" in_ve 101 dd if=/dev/zero of=/big bs=1M count=100 conv=fsync
a1=$(alloc_kb 101)
check "... the image grew by them ($a0 -> $a1 KB)" test $((a1 - a0)) -ge 100000
in_ve 101 'rm -f /big; sync'
check "... deleting them frees nothing on the host without compact" test "$(alloc_kb 101)" -ge $((a0 + 100000))
expect_rc 0 "compact the running VE" "$VZCTL" compact 101
check "... reports before and after" grep -q 'MB ->' "$T_DIR/rc.out"
a2=$(alloc_kb 101)
check "... the image is back near its start ($a0 -> $a1 -> $a2 KB)" test "$a2" -lt $((a0 + 4096))
check "... the VE still runs and writes" in_ve 101 dd if=/dev/zero of=/f bs=1M count=4 conv=fsync

# A stopped VE is compacted through a private, detached mount that nothing else sees.
in_ve 101 'dd if=/dev/zero of=/big bs=1M count=50 conv=fsync 2>/dev/null; rm -f /big /f; sync'
check "stop it" "$VZCTL" stop 101
a3=$(alloc_kb 101)
before=$(leftovers)
expect_rc 0 "compact the stopped VE" "$VZCTL" compact 101
a4=$(alloc_kb 101)
check "... gives the 50 MB back ($a3 -> $a4 KB)" test "$a4" -lt $((a3 - 40000))
expect_eq "... leaves no mount or loop device" "$(leftovers)" "$before"
check "... the VE starts again with its files" "$VZCTL" start 101
check "... and its disk is clean" in_ve 101 'touch /after && ls /after'

check "destroy them all" sh -c "'$VZCTL' stop 101 &&
	for v in 101 102 105 107; do '$VZCTL' destroy \$v || exit 1; done"
expect_eq "no loop device or mount left" "$(leftovers)" 0
t_finish
