#!/bin/bash
# VEs in their own user namespaces: distinct id ranges, the VE's root unprivileged on the host,
# the shared template seen through an idmapped mount and left unchanged.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree
expect_rc 0 "create an unprivileged VE (the default)" "$VZCTL" create 701
expect_rc 0 "create a second one" "$VZCTL" create 702
uid1=$(sed -n 's/^LOCAL_UID="\(.*\)"/\1/p' "$VZ_CONFDIR/conf/701.conf")
uid2=$(sed -n 's/^LOCAL_UID="\(.*\)"/\1/p' "$VZ_CONFDIR/conf/702.conf")
check "LOCAL_UID is recorded ($uid1, $uid2)" test -n "$uid1" -a -n "$uid2"
check "the two ranges do not overlap" sh -c "[ \$(( $uid1 > $uid2 ? $uid1 - $uid2 : $uid2 - $uid1 )) -ge 65536 ]"
check "no range starts at the host's own ids" test "$uid1" -ge 65536 -a "$uid2" -ge 65536

"$VZCTL" start 701 --wait >/dev/null
pid=$(ve_init_pid 701)
expect_eq "init runs as host uid $uid1" "$(awk '/^Uid:/{print $2}' /proc/$pid/status)" "$uid1"
check "init is in its own user namespace" \
	test "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)"
expect_eq "the VE's id map" "$("$VZCTL" exec 701 'cat /proc/self/uid_map' | tr -s ' ' | sed 's/^ //')" \
	"0 $uid1 65536"
expect_eq "exec runs as the VE's root" "$("$VZCTL" exec 701 'id -u'):$("$VZCTL" exec 701 'id -g')" "0:0"
expect_eq "the template's files look owned by the VE's root" \
	"$("$VZCTL" exec 701 'stat -c %u:%g /bin/busybox')" "0:0"
tmpl=$(ls -d "${VZKIT_TEST_TEMPLATE:-$T_DIR/template}"/cache/busybox/*/root 2>/dev/null | head -n1)
[ -n "$tmpl" ] || tmpl=$(ls -d "$T_DIR"/template/cache/busybox/*/root | head -n1)
expect_eq "... and stay owned by the host's root in the shared template" \
	"$(stat -c %u:%g "$tmpl/bin/busybox")" "0:0"
check "a file the VE writes" "$VZCTL" exec 701 'echo hi > /root/mine && chmod 600 /root/mine'
expect_eq "... belongs to the VE's ids on the host" \
	"$(stat -c %u:%g "$T_DIR/private/701/upper/root/mine")" "$uid1:$uid1"
expect_eq "a file changed from the template is copied up with the VE's ids" \
	"$("$VZCTL" exec 701 'echo x >> /etc/hosts && stat -c %u /etc/hosts'):$(stat -c %u "$T_DIR/private/701/upper/etc/hosts")" \
	"0:$uid1"
check "the template file itself is unchanged" sh -c "! grep -qx x '$tmpl/etc/hosts'"
check "the VE's root cannot write host-owned kernel settings" \
	"$VZCTL" exec 701 '! { echo 1 > /proc/sys/vm/drop_caches; } 2>/dev/null'
check "nor chown a file to an id outside its range" \
	"$VZCTL" exec 701 '! chown 70000 /root/mine 2>/dev/null'
check "a systemd-style subtree: the VE's root owns its name=systemd cgroup (v1) or its cgroup (v2)" \
	"$VZCTL" exec 701 'mkdir /sys/fs/cgroup/systemd/probe 2>/dev/null && rmdir /sys/fs/cgroup/systemd/probe ||
		{ mkdir /sys/fs/cgroup/probe && rmdir /sys/fs/cgroup/probe; }'
expect_rc 0 "stop" "$VZCTL" stop 701
check "stop unmounts the idmapped template layer" \
	sh -c "! grep -q ' $T_DIR/private/701/lower ' /proc/self/mountinfo"

expect_rc 0 "create a privileged VE" "$VZCTL" create 703 --privileged yes
check "... has no LOCAL_UID" sh -c "! grep -q '^LOCAL_UID=\"[0-9]' '$VZ_CONFDIR/conf/703.conf'"
"$VZCTL" start 703 --wait >/dev/null
expect_eq "... and runs in the host's user namespace" \
	"$("$VZCTL" exec 703 'cat /proc/self/uid_map' | tr -s ' ' | sed 's/^ //')" "0 0 4294967295"
if [ -x "$VZLIST" ]; then
	expect_eq "vzlist shows which VEs are privileged" \
		"$("$VZLIST" -a -H -o ctid,privileged | tr -s ' ' | sed 's/^ //' | tr '\n' ';')" \
		"701 off;702 off;703 on;"
fi
"$VZCTL" stop 703 --fast >/dev/null

# Creates racing for id ranges get distinct ones.
for i in $(seq 710 717); do "$VZCTL" --quiet create $i >/dev/null & done
wait
n=$(grep -h '^LOCAL_UID=' "$VZ_CONFDIR"/conf/71[0-7].conf | sort -u | wc -l)
expect_eq "8 racing creates get 8 distinct ranges" "$n" 8
t_finish
