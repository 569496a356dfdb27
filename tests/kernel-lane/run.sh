#!/bin/bash
# The kernel lane: vzkit's integration tests inside a QEMU guest that runs Debian's stock kernel
# on a pure cgroup v2 hierarchy, with the project's tree shared read-only over virtio-9p.
#   tests/kernel-lane/run.sh                 tests/run.sh in the guest (every integration test)
#   tests/kernel-lane/run.sh NAME...         tests/run.sh NAME... in the guest
#   tests/kernel-lane/run.sh --cmd 'CMD'     any shell command, run from the tree in the guest
#   tests/kernel-lane/run.sh --prepare       only build the cached kernel, initramfs and image
# The guest's output is streamed; the exit status is the guest command's (from its KL-RESULT
# line: QEMU's own status does not carry it), 77 when the lane cannot run here (the reason is
# printed), 2 when the guest never reported. See docs/kernel-lane.md.
# Environment: KL_CACHE (/var/tmp/vzkit-kernel-lane), KL_ACCEL (auto|kvm|tcg), KL_MEM (MiB,
# 3072), KL_SMP (2), KL_TIMEOUT (seconds, 5400), KL_CGROUP (systemd|bare), KL_MIRROR,
# KL_CONSOLE (keep the kernel console log in this file).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CACHE_ROOT=${KL_CACHE:-/var/tmp/vzkit-kernel-lane}
MEM=${KL_MEM:-3072}
SMP=${KL_SMP:-2}
TIMEOUT=${KL_TIMEOUT:-5400}
CGMODE=${KL_CGROUP:-systemd}
SUITE=bookworm
# Userland of the guest: what tests/deps.sh gives the host to run the tests (the unit tests
# need libcmocka, vznft links libnftables, t-limits builds its probe with gcc), plus the
# storage tools (XFS and ext4 project quota, device-mapper thin pools) for the storage backends.
# No clang (t-fuzz skips: fuzzing under TCG would be slow) and no network (t-debian skips).
GUEST_PKGS=busybox-static,iproute2,iputils-ping,procps,kmod,psmisc,e2fsprogs,xfsprogs,quota,jq,\
dmsetup,thin-provisioning-tools,gcc,libc6-dev,groff-base,bsdextrautils,libcmocka0,nftables,\
libnftables1,debootstrap
# Loaded by the initramfs, in dependency order: virtio_rng early, or the CRNG is not ready for
# seconds and every mkfs and libuuid call sleeps waiting for it.
INITRD_MODS="virtio_pci virtio_blk virtio_rng crc32c_generic ext4 9pnet_virtio 9p"

say() { echo "kernel lane: $*" >&2; }
skip() {
	echo "SKIP: kernel lane: $*"
	exit 77
}
die() {
	say "error: $*"
	exit 2
}

# avail_mib PATH: free space of the filesystem holding PATH (or its nearest existing parent).
avail_mib() {
	local p=$1
	while [ ! -e "$p" ]; do p=$(dirname "$p"); done
	df -Pm "$p" | awk 'NR == 2 {print $4}'
}

# host_tools [build]: installs the host tools the lane needs when they are missing (root and
# apt only): QEMU to run, and with "build" what building the cache needs.
host_tools() {
	local missing="" p
	command -v qemu-system-x86_64 >/dev/null && [ -e /usr/share/qemu/qboot.rom ] ||
		missing="$missing qemu-system-x86"
	if [ "${1:-}" = build ]; then
		command -v debootstrap >/dev/null || missing="$missing debootstrap"
		command -v depmod >/dev/null || missing="$missing kmod"
		command -v mkfs.ext4 >/dev/null || missing="$missing e2fsprogs"
	fi
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || skip "missing host packages:$missing (install them as root)"
	command -v apt-get >/dev/null || skip "missing host packages:$missing (and no apt-get)"
	say "installing$missing"
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
		>"$CACHE_ROOT/apt.log" 2>&1 ||
		skip "QEMU or its tools are missing and apt-get install$missing failed: $(tail -n1 \
			"$CACHE_ROOT/apt.log")"
	for p in qemu-system-x86_64 ${1:+debootstrap depmod mkfs.ext4}; do
		command -v "$p" >/dev/null || skip "$p is still missing after installing$missing"
	done
}

# unreachable LOG: true when the log shows the archive could not be reached.
unreachable() {
	grep -qiE 'could not resolve|temporary failure|failed to fetch|unable to fetch|connection|network is unreachable|failed getting release' "$1"
}

# The kernel: Debian's current linux-image for the suite, unpacked (never installed).
prepare_kernel() {
	local w=$1 pkg kver
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$pkg" ]; then
		apt-get update -qq >"$w/apt.log" 2>&1
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
	[ -n "$pkg" ] || skip "no linux-image-amd64 in the apt lists (is Debian's archive reachable?)"
	kver=${pkg#linux-image-}
	say "kernel $pkg: apt-get download"
	if ! (cd "$w" && apt-get download "$pkg" >"$w/download.log" 2>&1); then
		unreachable "$w/download.log" &&
			skip "Debian's archive is not reachable: $(grep -iE 'err|fail' "$w/download.log" | head -n1)"
		die "apt-get download $pkg failed: $(tail -n1 "$w/download.log")"
	fi
	dpkg -x "$w/${pkg}"_*.deb "$w/kern" || die "dpkg -x $pkg failed"
	rm -f "$w/${pkg}"_*.deb
	# Debian's package leaves modules.dep to its postinst: generate it for modprobe and kmod.
	depmod -b "$w/kern" "$kver" || die "depmod failed"
	cp "$w/kern/boot/vmlinuz-$kver" "$w/vmlinuz" && echo "$kver" >"$w/kver"
}

# mirror: the host's Debian mirror (deb822 or one-line sources), else deb.debian.org.
mirror() {
	local m
	m=${KL_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ')}
	echo "${m:-http://deb.debian.org/debian}"
}

# The root: a minbase debootstrap with the test tools, the kernel's modules, no services.
prepare_root() {
	local w=$1 r=$1/rootfs kver
	kver=$(cat "$w/kver")
	say "guest userland: debootstrap $SUITE (a few minutes, once)"
	if ! debootstrap --variant=minbase --include="$GUEST_PKGS" "$SUITE" "$r" "$(mirror)" \
		>"$w/debootstrap.log" 2>&1; then
		unreachable "$w/debootstrap.log" &&
			skip "Debian's archive is not reachable: $(grep -iE 'fail|resolve' "$w/debootstrap.log" | head -n1)"
		tail -n 15 "$w/debootstrap.log" >&2
		die "debootstrap failed (log above)"
	fi
	rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/*_*
	mkdir -p "$r/lib/modules"
	cp -a "$w/kern/lib/modules/$kver" "$r/lib/modules/"
	echo kernel-lane >"$r/etc/hostname"
	printf '127.0.0.1\tlocalhost kernel-lane\n::1\tlocalhost ip6-localhost\n' >"$r/etc/hosts"
	echo 'nameserver 127.0.0.1' >"$r/etc/resolv.conf"
	echo '/dev/vda / ext4 rw 0 1' >"$r/etc/fstab"
}

# The initramfs: the guest's static busybox, the modules to reach the root and the share.
prepare_initrd() {
	local w=$1 kver md m
	kver=$(cat "$w/kver")
	md=$w/kern/lib/modules/$kver
	mkdir -p "$w/initrd/bin"
	cp "$w/rootfs/bin/busybox" "$w/initrd/bin/busybox"
	install -m 755 "$HERE/initramfs-init" "$w/initrd/init"
	# shellcheck disable=SC2086 # a list of module names
	modprobe -d "$w/kern" -S "$kver" --show-depends -a $INITRD_MODS |
		awk '$1 == "insmod" && !seen[$2]++ {print $2}' | sed "s|^$md/||" >"$w/initrd/modules.list"
	[ -s "$w/initrd/modules.list" ] || die "modprobe found none of: $INITRD_MODS"
	while read -r m; do
		mkdir -p "$w/initrd/lib/modules/$kver/$(dirname "$m")"
		cp "$md/$m" "$w/initrd/lib/modules/$kver/$m"
	done <"$w/initrd/modules.list"
	(cd "$w/initrd" && find . | "$w/rootfs/bin/busybox" cpio -o -H newc 2>/dev/null |
		gzip -1) >"$w/initrd.img" || die "cannot pack the initramfs"
}

# Builds the cache entry in a temporary directory and renames it into place when complete.
prepare() {
	local w
	[ -f "$DIR/root.img" ] && return 0
	mkdir -p "$CACHE_ROOT" || skip "cannot create $CACHE_ROOT"
	[ "$(avail_mib "$CACHE_ROOT")" -ge 4096 ] ||
		skip "not enough disk for the guest image: $(avail_mib "$CACHE_ROOT") MiB free in $CACHE_ROOT, 4096 needed"
	[ "$(id -u)" = 0 ] || skip "building the guest image needs root (debootstrap)"
	host_tools build
	w=$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")
	# shellcheck disable=SC2064 # expand now: the trap must remove this build's directory
	trap "rm -rf '$w'" EXIT
	prepare_kernel "$w"
	prepare_root "$w"
	prepare_initrd "$w"
	say "root image: mkfs.ext4 -d"
	truncate -s 3G "$w/root.img"
	mkfs.ext4 -q -F -L kl-root -d "$w/rootfs" "$w/root.img" || die "mkfs.ext4 -d failed"
	rm -rf "$w/rootfs" "$w/kern" "$w/initrd"
	# Older entries were built by other versions of this script: only the current one is kept.
	find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name '.build.*' -exec rm -rf {} +
	mv "$w" "$DIR" || die "cannot move the build to $DIR"
	trap - EXIT
	say "cached in $DIR ($(du -sh "$DIR" | cut -f1) on disk)"
}

# qemu ACCEL ARGS...: the common QEMU command line (the kernel console goes to $console).
qemu() {
	local accel=$1 cpu=qemu64
	shift
	# qemu64 measured a little faster than -cpu max under TCG; KVM passes the host's CPU.
	[ "$accel" = kvm ] && cpu=host
	timeout -k 10 "${QTIMEOUT:-$TIMEOUT}" qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -M pc -bios /usr/share/qemu/qboot.rom \
		-m "$MEM" -smp "$SMP" -nodefaults -no-user-config -display none -no-reboot \
		-kernel "$DIR/vmlinuz" -initrd "$DIR/initrd.img" \
		-chardev file,id=con,path="$console" -serial chardev:con -serial stdio \
		-device virtio-rng-pci "$@" </dev/null
}

# accel: kvm when /dev/kvm boots the stock kernel (some paravirtual KVMs do not), else tcg.
# The probe boots to the initramfs once per host kernel and is cached.
accel() {
	local f
	f=$DIR/accel.$(uname -r)
	case ${KL_ACCEL:-auto} in kvm | tcg) echo "$KL_ACCEL"; return ;; esac
	[ -f "$f" ] && { cat "$f"; return; }
	if [ -w /dev/kvm ] && (MEM=512 SMP=1 QTIMEOUT=20 console=/dev/null
		qemu kvm -append 'console=ttyS0 panic=-1 kl.probe=1' 2>/dev/null) | grep -q KL-PROBE-OK; then
		echo kvm >"$f"
	else
		echo tcg >"$f"
	fi
	say "accelerator probe: $(cat "$f") (cached in $f)"
	cat "$f"
}

# Boots the guest, runs the command, streams its output, returns its status.
boot() {
	local cmd=$1 run accel t0 line now ready="" rc="" append
	[ "$(avail_mib "$CACHE_ROOT")" -ge 1024 ] ||
		skip "not enough disk to run the guest: $(avail_mib "$CACHE_ROOT") MiB free in $CACHE_ROOT"
	accel=$(accel)
	run=$(mktemp -d "$CACHE_ROOT/.run.XXXXXX")
	# shellcheck disable=SC2064 # expand now: the trap must remove this run's directory
	trap "rm -rf '$run'" EXIT
	console=${KL_CONSOLE:-$run/console.log}
	truncate -s 8G "$run/scratch.img"
	# norandmaps: under TCG every exec at a new address is translated again (about 4x slower).
	append="console=ttyS0 loglevel=4 panic=-1 norandmaps kl.top=$TOP kl.cgroup=$CGMODE"
	append="$append kl.cmd=$(printf '%s' "$cmd" | base64 -w0)"
	say "booting $(cat "$DIR/kver") ($accel, $SMP CPUs, $MEM MiB, cgroup v2 only)"
	t0=$(date +%s%N)
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		KL-READY*)
			ready=$((($(date +%s%N) - t0) / 1000000))
			say "guest ready after $((ready / 1000)).$((ready % 1000 / 100)) s (${line#KL-READY })"
			;;
		KL-START* | KL-END*) ;;
		KL-RESULT\ rc=*) rc=${line#KL-RESULT rc=} ;;
		KL-ERROR*) say "${line#KL-ERROR }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <(
		# snapshot=on: the guest writes to a throwaway overlay, the cached image stays clean.
		qemu "$accel" -append "$append" \
			-drive file="$DIR/root.img",format=raw,if=virtio,snapshot=on \
			-drive file="$run/scratch.img",format=raw,if=virtio,cache=unsafe \
			-virtfs local,path="$TOP",mount_tag=vzkit,security_model=none,readonly=on
		echo $? >"$run/qemu.rc"
	)
	now=$((($(date +%s%N) - t0) / 1000000))
	say "QEMU exited after $((now / 1000)).$((now % 1000 / 100)) s"
	[ "$(cat "$run/qemu.rc" 2>/dev/null)" = 124 ] && say "timed out after $TIMEOUT s (KL_TIMEOUT)"
	if [ -z "$rc" ]; then
		say "the guest never reported a result; the end of its console:"
		tail -n 25 "$console" | sed 's/^/    /' >&2
		return 2
	fi
	return "$rc"
}

# The cache key: the recipe (the functions that build the image, their lists, the initramfs'
# init). Editing how the guest is booted or what runs in it does not rebuild anything.
KEY=$({ declare -f prepare prepare_kernel prepare_root prepare_initrd mirror
	echo "$SUITE $GUEST_PKGS $INITRD_MODS"; cat "$HERE/initramfs-init"; } | sha256sum | cut -c1-12)
DIR=$CACHE_ROOT/$KEY

main() {
	local cmd
	case ${1:-} in
	--prepare)
		prepare
		return 0
		;;
	--cmd)
		[ $# = 2 ] || die "usage: $0 --cmd 'COMMAND'"
		cmd=$2
		;;
	-*) die "usage: $0 [--prepare | --cmd 'COMMAND' | TEST-NAME...]" ;;
	*) cmd="tests/run.sh${*:+ $*}" ;;
	esac
	[ -x "$TOP/build/vzctl" ] || skip "no build/vzctl: run make first"
	prepare
	host_tools
	boot "$cmd"
}

# One line: bash reads a script as it runs, and a run lasts long enough for someone to edit this.
main "$@"; exit $?
