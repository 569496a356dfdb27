#!/bin/bash
# Template versions: template-update builds a new version beside the old one, VEs keep theirs,
# create --ostemplate NAME/VERSION, template-list with the VEs of each version, template-remove
# refused (naming the VEs) while a VE uses a version, allowed after destroy, and the template
# lock that keeps a create and a removal apart. A private TEMPLATE directory: the shared test
# cache is never touched.
. "$(dirname "$0")/../lib.sh"
need_root
[ -x /bin/busybox ] || { skip "no static /bin/busybox (busybox-static)"; exit 77; }
setup_tree "TEMPLATE=\"$T_DIR/template\""
cache=$T_DIR/template/cache/busybox

conf_val() { sed -n "s/^$2=\"\\(.*\\)\"/\\1/p" "$VZ_CONFDIR/conf/$1.conf"; }
versions() { ls "$cache" | grep -v '^\.' | LC_ALL=C sort; }
lines() { grep -c . "$1"; }

expect_rc 0 "template-list with no cache" "$VZCTL" template-list
expect_eq "... prints the header only" "$(lines "$T_DIR/rc.out")" 1

check "create 101 builds the first version" "$VZCTL" create 101 --ostemplate busybox
v1=$(versions)
expect_eq "... one version" "$(echo "$v1" | wc -l)" 1
expect_eq "... 101 records it" "$(conf_val 101 OSTEMPLATE_VERSION)" "$v1"
ino1=$(stat -c %i:%Y "$cache/$v1/root")

expect_rc 0 "template-update builds a new version" "$VZCTL" template-update busybox
v2=$(versions | tail -n1)
check "... a second version ($v2), the first kept" test "$(versions | wc -l)" = 2 -a "$v2" != "$v1"
check "... named in the output" grep -q "busybox/$v2" "$T_DIR/rc.out"
expect_eq "... the old version is untouched" "$(stat -c %i:%Y "$cache/$v1/root")" "$ino1"
expect_eq "... 101 keeps its version" "$(conf_val 101 OSTEMPLATE_VERSION)" "$v1"

check "create 102 gets the newest version" "$VZCTL" create 102
expect_eq "... recorded" "$(conf_val 102 OSTEMPLATE_VERSION)" "$v2"
check "create 103 --ostemplate busybox/<old version>" "$VZCTL" create 103 --ostemplate "busybox/$v1"
expect_eq "... recorded" "$(conf_val 103 OSTEMPLATE_VERSION):$(conf_val 103 OSTEMPLATE)" \
	"$v1:busybox"
check "... and it mounts on that version" "$VZCTL" mount 103
check "... (the template's files are there)" test -x "$T_DIR/root/103/bin/busybox"
"$VZCTL" --quiet umount 103

expect_rc 91 "create with a version that does not exist" \
	"$VZCTL" create 104 --ostemplate busybox/20000101T000000Z
check "... says so in one line" sh -c "test \$(grep -c . '$T_DIR/rc.out') = 1 &&
	grep -q 'version 20000101T000000Z not found' '$T_DIR/rc.out'"
check "... and creates nothing" test ! -e "$VZ_CONFDIR/conf/104.conf" -a ! -e "$T_DIR/private/104"
expect_rc 91 "create with a template that has no recipe" "$VZCTL" create 104 --ostemplate nosuch
check "... says so in one line" sh -c "test \$(grep -c . '$T_DIR/rc.out') = 1 &&
	grep -q \"'nosuch' not found\" '$T_DIR/rc.out'"
check "... and creates nothing" test ! -e "$VZ_CONFDIR/conf/104.conf" -a ! -e "$T_DIR/private/104"
expect_rc 21 "create with a malformed version" "$VZCTL" create 104 --ostemplate busybox/../x

# template-list: each version, its VEs, its size on disk.
"$VZCTL" template-list >"$T_DIR/list.out"
expect_eq "template-list: $v1 is used by 101 and 103" \
	"$(awk -v v="$v1" '$2 == v { print $1, $4, $5 }' "$T_DIR/list.out")" "busybox 2 101,103"
expect_eq "template-list: $v2 is used by 102" \
	"$(awk -v v="$v2" '$2 == v { print $4, $5 }' "$T_DIR/list.out")" "1 102"
du_kb=$(du -s -k "$cache/$v1/root" | cut -f1)
size_kb=$(awk -v v="$v1" '$2 == v { print $3 }' "$T_DIR/list.out")
check "template-list: size $size_kb KB matches du ($du_kb KB)" \
	test "$size_kb" -ge $((du_kb - 8)) -a "$size_kb" -le $((du_kb + 8))
"$VZCTL" template-list -j >"$T_DIR/list.json"
if command -v jq >/dev/null; then
	expect_eq "template-list -j: the same VEs" \
		"$(jq -r '.[] | "\(.name)/\(.version) \(.ves) \(.ctids | map(tostring) | join(","))"' \
			"$T_DIR/list.json" | tr '\n' ';')" "busybox/$v1 2 101,103;busybox/$v2 1 102;"
	expect_eq "template-list -j: size in bytes" \
		"$(jq -r --arg v "$v1" '.[] | select(.version == $v) | .size' "$T_DIR/list.json")" \
		"$(awk -v v="$v1" '$2 == v { print $3 * 1024 }' "$T_DIR/list.out")"
else
	skip "template-list -j: jq missing, JSON not checked"
fi

# Removal is refused while VEs use a version: one line naming them, nothing removed.
expect_rc 170 "template-remove of a version in use" "$VZCTL" template-remove busybox/"$v1"
check "... one line naming VEs 101, 103" sh -c "test \$(grep -c . '$T_DIR/rc.out') = 1 &&
	grep -q 'busybox/$v1 is used by VEs 101, 103' '$T_DIR/rc.out'"
check "... the version is still there" test -d "$cache/$v1/root"
expect_rc 170 "template-remove of every version, some in use" "$VZCTL" template-remove busybox
check "... names each version's VEs" grep -q "busybox/$v2 is used by VE 102" "$T_DIR/rc.out"
expect_eq "... removes nothing" "$(versions | wc -l)" 2
expect_rc 91 "template-remove --version that does not exist" \
	"$VZCTL" template-remove busybox --version 20000101T000000Z
expect_rc 91 "template-remove of a template with no cache" "$VZCTL" template-remove debian-12

# The lock: a create waits while a removal holds it; a removal waits for a create's pin.
touch "$T_DIR/template/cache/busybox.lock"
flock -x "$T_DIR/template/cache/busybox.lock" sleep 1.5 &
lockpid=$!
wait_locked "$T_DIR/template/cache/busybox.lock"
t0=$(date +%s%N)
check "create while the template lock is held exclusively" "$VZCTL" create 105
t1=$(date +%s%N)
check "... waited for it ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -ge 800
wait $lockpid
flock -s "$T_DIR/template/cache/busybox.lock" sleep 1.5 &
lockpid=$!
wait_locked "$T_DIR/template/cache/busybox.lock"
t0=$(date +%s%N)
expect_rc 170 "template-remove while a create's pin is held" "$VZCTL" template-remove busybox/"$v2"
t1=$(date +%s%N)
check "... waited for it ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -ge 800
wait $lockpid

# A create racing a removal of the version it would pick: either the create got it (the
# removal is refused naming the VE) or the removal ran first (the create took another).
for i in 1 2 3; do
	"$VZCTL" --quiet template-update busybox >/dev/null 2>&1
	vn=$(versions | tail -n1)
	"$VZCTL" --quiet create $((110 + i)) >/dev/null 2>&1 &
	cpid=$!
	"$VZCTL" --quiet template-remove busybox/"$vn" >"$T_DIR/race.out" 2>&1
	rrc=$?
	wait $cpid
	got=$(conf_val $((110 + i)) OSTEMPLATE_VERSION)
	if [ $rrc = 170 ] && grep -q "used by VE $((110 + i))" "$T_DIR/race.out" &&
		[ "$got" = "$vn" ] && [ -d "$cache/$vn/root" ]; then
		pass "race $i: the create won, the removal named CT $((110 + i))"
	elif [ $rrc = 0 ] && [ ! -e "$cache/$vn" ] && [ -d "$cache/$got/root" ]; then
		pass "race $i: the removal won, the create used $got"
	else
		fail "race $i: removal exit $rrc, create has '$got', $vn $(test -d "$cache/$vn" && echo exists)"
	fi
done

# After destroy, the version goes.
for id in 101 103; do "$VZCTL" --quiet destroy $id; done
expect_rc 0 "template-remove after its VEs are destroyed" "$VZCTL" template-remove busybox/"$v1"
check "... the version is gone" test ! -e "$cache/$v1"
check "... no leftover in the cache" sh -c "! ls -A '$cache' | grep -q '^\\.build-'"
expect_eq "... and gone from template-list" \
	"$("$VZCTL" template-list | awk -v v="$v1" '$2 == v' | wc -l)" 0
for f in "$VZ_CONFDIR"/conf/*.conf; do "$VZCTL" --quiet destroy "$(basename "$f" .conf)"; done
expect_rc 0 "template-remove of every version once no VE uses them" \
	"$VZCTL" template-remove busybox
check "... the template's cache is gone" test ! -e "$cache"
check "a create afterwards builds it again" "$VZCTL" create 120
expect_eq "... one version" "$(versions | wc -l)" 1
t_finish
