#!/bin/bash
# The cgroup v2 device policy (a BPF_PROG_TYPE_CGROUP_DEVICE program) against the real kernel,
# on whichever cgroup2 hierarchy the host has (pure v2, or the hybrid one beside v1).
. "$(dirname "$0")/../lib.sh"
need_root
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then v2=/sys/fs/cgroup
elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then v2=/sys/fs/cgroup/unified
else skip "no cgroup2 hierarchy on this host"; exit 77; fi
dir=$v2/vztest-devpolicy-$$
mkdir "$dir" || { skip "cannot create a cgroup under $v2"; exit 77; }
out=$("$BUILD/tests/devpolicy" "$dir" 2>&1)
rc=$?
rmdir "$dir" 2>/dev/null
expect_eq "the program loads, attaches and replaces itself" "$rc" 0
for want in "null ok" "urandom ok" "full EPERM" "mknod-b-8:0 EPERM" "mknod-c-1:3 ok"; do
	check "device policy: $want" grep -qx "$want" <<<"$out"
done
t_finish
