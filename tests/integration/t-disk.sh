#!/bin/bash
# A full disk and a read-only directory: one clear line, the right exit code, nothing lost.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree
"$VZCTL" create 601 --hostname before.example >/dev/null
conf=$VZ_CONFDIR/conf/601.conf
cp "$conf" "$T_DIR/saved.conf"

# The config directory on a tiny filesystem, filled up.
mnt=$T_DIR/small
mkdir -p "$mnt"
mount -t tmpfs -o size=64k vzkit-test-small "$mnt" || { skip "cannot mount a tmpfs"; t_finish; }
cp -a "$VZ_CONFDIR/." "$mnt/"
export VZ_CONFDIR=$mnt
dd if=/dev/zero of="$mnt/fill" bs=4k count=100 >/dev/null 2>&1
expect_rc 46 "set --save on a full disk" "$VZCTL" set 601 --hostname after.example --save
check "... says why in one line" sh -c "grep -c . '$T_DIR/rc.out' | grep -qx 1 &&
	grep -q 'No space left on device' '$T_DIR/rc.out'"
check "... and keeps the old config whole" cmp -s "$mnt/conf/601.conf" "$T_DIR/saved.conf"
check "... and leaves no temporary file" sh -c "! ls '$mnt/conf' | grep -q tmp"
expect_rc 46 "create on a full disk" "$VZCTL" create 602
check "... leaves no config" test ! -e "$mnt/conf/602.conf"
check "... and no private area" test ! -e "$T_DIR/private/602"
rm -f "$mnt/fill"

# A read-only config directory.
mount -o remount,ro "$mnt"
expect_rc 3 "set --save in a read-only directory" "$VZCTL" set 601 --hostname after.example --save
check "... says why" grep -q 'Read-only file system' "$T_DIR/rc.out"
check "... and keeps the old config" cmp -s "$mnt/conf/601.conf" "$T_DIR/saved.conf"
umount "$mnt"
export VZ_CONFDIR=$T_DIR/etc

# The private area on a full filesystem: create fails cleanly.
priv=$T_DIR/smallpriv
mkdir -p "$priv"
mount -t tmpfs -o size=64k,nr_inodes=4 vzkit-test-priv "$priv"
touch "$priv/a" "$priv/b" "$priv/c" 2>/dev/null
expect_rc 46 "create with no inodes left for the private area" \
	"$VZCTL" create 603 --private "$priv/603"
check "... leaves no config" test ! -e "$VZ_CONFDIR/conf/603.conf"
umount "$priv"
t_finish
