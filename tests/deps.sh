#!/bin/sh
# Installs the Debian packages vzkit needs to build, test and run its demo. Idempotent and
# silent when everything is present.
set -e
PKGS="build-essential pkg-config libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev
libcgroup-dev libjansson-dev libcmocka-dev libnftables-dev nftables busybox-static iproute2
iputils-ping debootstrap clang-format clang
libclang-rt-14-dev qemu-system-x86 kmod xfsprogs jq"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "vzkit: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "vzkit: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 || {
	echo "vzkit: apt-get install$missing failed" >&2
	exit 1
}
