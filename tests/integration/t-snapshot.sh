#!/bin/bash
# Snapshots of a VE's disk on the dir and image layouts, unprivileged VEs: snapshot a running
# VE, change files, switch back, files restored; list, mount read-only, delete, bad ids, destroy.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree

in_ve() { "$VZCTL" exec "$@"; }
UUID1=11111111-2222-3333-4444-555555555555
MISSING=99999999-9999-9999-9999-999999999999

# snapshot_cycle CTID LAYOUT: the whole cycle on one VE.
snapshot_cycle() {
	local id=$1 l=$2 mnt=$T_DIR/mnt-$1 snap2 uid
	check "$l: start" "$VZCTL" start "$id"
	check "$l: write files (a hard link, a symlink, a setuid file)" in_ve "$id" \
		'echo one >/keep && ln /keep /keep.hard && ln -s /keep /keep.sym &&
		 echo s >/suid && chmod 4755 /suid && rm -f /etc/hostname.bak && echo x >/etc/motd'
	check "$l: snapshot a running VE" "$VZCTL" snapshot "$id" --id "$UUID1" --name first \
		--description "before the change"
	check "$l: ... which still runs" in_ve "$id" true
	check "$l: snapshot-list shows it, current" sh -c \
		"'$VZCTL' snapshot-list $id -H -o current,uuid,name | grep -q '^\\* *{$UUID1} *first\$'"
	check "$l: change files" in_ve "$id" 'echo two >/keep && rm /suid && echo new >/added &&
		rm /etc/motd'
	check "$l: a second snapshot (--skip-suspend)" "$VZCTL" snapshot "$id" --skip-suspend
	snap2=$("$VZCTL" snapshot-list "$id" -H -o uuid | grep -v "$UUID1" | tr -d '{} ')
	expect_eq "$l: ... has the first as parent" \
		"$("$VZCTL" snapshot-list "$id" -H -o parent_uuid --id "$snap2" | tr -d ' ')" "{$UUID1}"
	# A snapshot-mount of the first shows the old files, read-only.
	check "$l: snapshot-mount" "$VZCTL" snapshot-mount "$id" --id "$UUID1" --target "$mnt"
	expect_eq "$l: ... shows the old file" "$(cat "$mnt/keep" 2>&1)" one
	check "$l: ... with the template under it" test -e "$mnt/bin/sh"
	check "$l: ... without the later file" test ! -e "$mnt/added"
	check "$l: ... a file deleted later is there" test -e "$mnt/etc/motd"
	check "$l: ... read-only" sh -c "! touch '$mnt/x' 2>/dev/null"
	# The running VE's root is in its own mount namespace only: seen through its init.
	uid=$(stat -c %u "/proc/$(ve_init_pid "$id")/root/bin/sh")
	expect_eq "$l: ... the template has the VE's owner ids" "$(stat -c %u "$mnt/bin/sh")" "$uid"
	expect_rc 158 "$l: delete a mounted snapshot is refused" \
		"$VZCTL" snapshot-delete "$id" --id "$UUID1"
	check "$l: snapshot-umount" "$VZCTL" snapshot-umount "$id" --id "$UUID1"
	check "$l: ... leaves no mount" sh -c "! grep -q ' $mnt ' /proc/self/mountinfo"
	# Switch back: the running VE is stopped and its disk is the snapshot's.
	check "$l: snapshot-switch to the first" "$VZCTL" snapshot-switch "$id" --id "$UUID1"
	check "$l: ... stopped the VE" sh -c "'$VZCTL' status $id | grep -q down"
	check "$l: ... restart" "$VZCTL" start "$id"
	expect_eq "$l: ... file content restored" "$(in_ve "$id" cat /keep)" one
	expect_eq "$l: ... hard link kept" "$(in_ve "$id" stat -c %h /keep)" 2
	expect_eq "$l: ... symlink kept" "$(in_ve "$id" readlink /keep.sym)" /keep
	expect_eq "$l: ... setuid file restored" "$(in_ve "$id" stat -c %a /suid)" 4755
	check "$l: ... later file gone" in_ve "$id" test ! -e /added
	check "$l: ... deleted file back" in_ve "$id" test -e /etc/motd
	check "$l: ... the VE's root still owns its files" in_ve "$id" \
		'test "$(stat -c %u /keep)" = 0 && touch /etc/written'
	check "$l: ... current is the first" sh -c \
		"'$VZCTL' snapshot-list $id -H -o current,uuid | grep -q '^\\* *{$UUID1}'"
	# Bad input: one line, vzctl's exit code, nothing changed.
	expect_rc 159 "$l: switch to a missing id" "$VZCTL" snapshot-switch "$id" --id "$MISSING"
	check "$l: ... says so in one line, the VE still runs" sh -c \
		"grep -c . '$T_DIR/rc.out' | grep -qx 1 && '$VZCTL' status $id | grep -q running"
	expect_rc 158 "$l: delete a missing id" "$VZCTL" snapshot-delete "$id" --id "$MISSING"
	expect_rc 160 "$l: mount a missing id" "$VZCTL" snapshot-mount "$id" --id "$MISSING" \
		--target "$mnt"
	expect_rc 21 "$l: an id that is not a UUID" "$VZCTL" snapshot-switch "$id" --id nope
	expect_rc 156 "$l: snapshot with a taken id" "$VZCTL" snapshot "$id" --id "$UUID1"
	expect_eq "$l: ... still two snapshots" "$("$VZCTL" snapshot-list "$id" -H | wc -l)" 2
	check "$l: snapshot-delete" "$VZCTL" snapshot-delete "$id" --id "$snap2"
	expect_eq "$l: ... one left" "$("$VZCTL" snapshot-list "$id" -H -o uuid | tr -d ' ')" \
		"{$UUID1}"
	check "$l: mount it again before destroy" "$VZCTL" snapshot-mount "$id" --id "$UUID1" \
		--target "$mnt"
	check "$l: stop" "$VZCTL" stop "$id" --fast
	check "$l: destroy with a mounted snapshot" "$VZCTL" destroy "$id"
	check "$l: ... leaves no snapshot, mount or loop device" sh -c "test ! -e '$T_DIR/private/$id' &&
		! grep -q '$T_DIR' /proc/self/mountinfo && ! losetup -a | grep -q '$T_DIR/private/$id'"
}

check "create a dir VE" "$VZCTL" create 301 --layout dir
snapshot_cycle 301 dir
if command -v mkfs.ext4 >/dev/null && [ -w /dev/loop-control ]; then
	check "create an image VE" "$VZCTL" create 302 --diskspace 64M
	snapshot_cycle 302 image
else
	skip "image layout: mkfs.ext4 or /dev/loop-control missing"
fi
t_finish
