#!/bin/bash
# The network as the VE sees it, set up by the runtime and the template's set-network script: a
# busybox VE (no such script) with IPV6=no has IPv6 disabled in its namespace (no IPv6 address
# anywhere) and its NETIF up;
# --ipv6 yes applies live; a debian-12 VE gets /etc/network/interfaces.d/vzkit, ifupdown's
# networking.service active with the runtime's address still on venet0, and IPV6=no through
# /etc/sysctl.d; with NEIGHBOUR_DEVS, proxy ARP/NDP entries on that (test) uplink follow the
# routed addresses and go at stop. The debian part uses t-debian's cache and is skipped when it cannot be built.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree
V=$VZCTL
A=7501 D=7502
U=vztu$$ # a stand-in uplink: one end of a veth pair, never up

proxies() { ip neigh show proxy dev "$U" 2>/dev/null | awk '{print $1}' | sort | tr '\n' ' '; }
ip link add "$U" type veth peer name "${U}p" || fail "create the test uplink $U"
echo "NEIGHBOUR_DEVS=\"$U\"" >>"$VZ_CONFDIR/vz.conf"

"$V" --quiet create $A >/dev/null || fail "create $A"
check "routed IPv4 and IPv6, a NETIF, IPv6 off" "$V" --quiet set $A --ipadd 10.213.52.1 \
	--ipadd fd00:213:52::1 --netif_add eth0 --ipv6 no --save
expect_eq "IPV6 saved" "$(grep '^IPV6=' "$VZ_CONFDIR/conf/$A.conf")" 'IPV6="no"'
expect_rc 21 "a bad --ipv6 value" "$V" --quiet set $A --ipv6 maybe
check "start $A" "$V" --quiet start $A
expect_eq "disable_ipv6 (all, default, eth0, venet0) inside" \
	"$("$V" exec $A cat /proc/sys/net/ipv6/conf/all/disable_ipv6 \
		/proc/sys/net/ipv6/conf/default/disable_ipv6 /proc/sys/net/ipv6/conf/eth0/disable_ipv6 \
		/proc/sys/net/ipv6/conf/venet0/disable_ipv6 | tr -d '\n')" "1111"
expect_eq "no IPv6 address on any interface" "$("$V" exec $A cat /proc/net/if_inet6)" ""
check "the routed IPv4 address is still on venet0" "$V" exec $A \
	'ip -4 addr show dev venet0 | grep -q " 10.213.52.1/"'
check "eth0 is up" "$V" exec $A 'ip link show dev eth0 | grep -q "[<,]UP[,>]"'
expect_eq "proxy entries on NEIGHBOUR_DEVS" "$(proxies)" "10.213.52.1 fd00:213:52::1 "
check "live --ipadd" "$V" --quiet set $A --ipadd 10.213.52.2 --ipdel 10.213.52.1 --save
expect_eq "proxy entries follow a live change" "$(proxies)" "10.213.52.2 fd00:213:52::1 "
check "the host's IPv6 is untouched" test "$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6)" = 0
check "live --ipv6 yes" "$V" --quiet set $A --ipv6 yes --save
expect_eq "disable_ipv6 (all, eth0) after --ipv6 yes" \
	"$("$V" exec $A cat /proc/sys/net/ipv6/conf/all/disable_ipv6 \
		/proc/sys/net/ipv6/conf/eth0/disable_ipv6 | tr -d '\n')" "00"
check "::1 is back on lo" "$V" exec $A grep -q "^0*1 .* lo$" /proc/net/if_inet6
check "the routed IPv6 address is on venet0 again" "$V" exec $A \
	'ip -6 addr show dev venet0 | grep -q " fd00:213:52::1/"'
check "and answers" ping -6 -c1 -W2 fd00:213:52::1
check "stop $A" "$V" --quiet stop $A --fast
expect_eq "no proxy entry after stop" "$(proxies)" ""
expect_rc 0 "start with NEIGHBOUR_DEVS naming no device fails" sh -c \
	"sed -i 's/^NEIGHBOUR_DEVS=.*/NEIGHBOUR_DEVS=\"vztnone$$\"/' '$VZ_CONFDIR/vz.conf' &&
	 ! '$V' --quiet start $A 2>/dev/null && '$V' status $A | grep -q ' down'"
sed -i '/^NEIGHBOUR_DEVS=/d' "$VZ_CONFDIR/vz.conf"
ip link del "$U"

# Debian: t-debian's template cache (the same key), built here if this test runs first.
debian() {
	local key cache
	command -v debootstrap >/dev/null || { skip "debootstrap missing: no debian part"; return; }
	key=$(sha256sum <"$TOP/templates/debian-12/mkcache" | cut -c1-12) # the cache is the recipe's product
	cache=${VZKIT_DEBIAN_CACHE:-/var/tmp/vzkit-test-templates/$key}
	mkdir -p "$cache"
	sed -i "s|^TEMPLATE=.*|TEMPLATE=\"$cache\"|" "$VZ_CONFDIR/vz.conf"
	if ! "$V" --quiet create $D --ostemplate debian-12 >"$T_DIR/build.log" 2>&1; then
		if grep -qiE 'failed to (download|resolve)|could not resolve|temporary failure|unable to fetch|connection|failed getting release|couldn.t download' "$T_DIR/build.log"; then
			skip "Debian's archive is not reachable: no debian part"
			return
		fi
		fail "create a debian-12 VE"
		tail -n 20 "$T_DIR/build.log" | sed 's/^/    /'
		return
	fi
	"$V" --quiet set $D --hostname deb7502.example --ipadd 10.213.53.1 --netif_add eth0 \
		--ipv6 no --save >/dev/null 2>&1
	expect_rc 0 "debian-12: start --wait" timeout 120 "$V" --quiet start $D --wait
	"$V" exec $D 'systemctl is-system-running --wait' >/dev/null 2>&1
	check "debian-12: interfaces.d/vzkit declares venet0 and eth0" "$V" exec $D \
		'grep -qx "iface venet0 inet manual" /etc/network/interfaces.d/vzkit &&
		 grep -qx "allow-hotplug eth0" /etc/network/interfaces.d/vzkit'
	expect_eq "debian-12: networking.service" "$("$V" exec $D 'systemctl is-active networking')" \
		active
	check "debian-12: no failed unit" test "$("$V" exec $D 'systemctl --failed --no-legend | wc -l')" = 0
	check "debian-12: the routed address is on venet0 after boot" "$V" exec $D \
		'ip -4 -o addr show dev venet0 | grep -q " 10.213.53.1/"'
	check "debian-12: /etc/sysctl.d/90-vzkit-ipv6.conf disables IPv6" "$V" exec $D \
		'grep -q "^net.ipv6.conf.all.disable_ipv6 = 1" /etc/sysctl.d/90-vzkit-ipv6.conf'
	expect_eq "debian-12: no IPv6 address after boot" "$("$V" exec $D cat /proc/net/if_inet6)" ""
	check "debian-12: stop" "$V" --quiet stop $D
}
debian
t_finish
