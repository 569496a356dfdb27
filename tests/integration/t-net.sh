#!/bin/bash
# Networking: VEs on a test bridge, routed addresses, IPv6, the anti-spoofing filter, live
# changes, 100 VEs on one bridge, and nothing left after stop. Traffic stays between the
# test's VEs and the host ends of its own bridge and routed pairs (10.213.50-51.x, fd00:213::).
. "$(dirname "$0")/../lib.sh"
need_root
command -v nft >/dev/null || { skip "nft (nftables) not installed"; exit 77; }
[ -e "$(ldconfig -p | awk '/libnftables\.so\.1 /{print $NF; exit}')" ] ||
	{ skip "libnftables1 not installed"; exit 77; }
setup_tree
V=$VZCTL
A=7301 B=7302 R=7303 N=${VZKIT_NET_N:-100}

# counter RULE-PATTERN CHAIN: the packet counter of the first rule matching the pattern.
counter() {
	nft list chain netdev vzkit "$2" 2>/dev/null | grep -F -- "$1" | head -n1 |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
chains() { nft list table netdev vzkit 2>/dev/null | grep -cE "chain h_(veth(73|74)[0-9]{2}\.|vzr73)"; }

for id in $A $B $R; do "$V" --quiet create $id >/dev/null || fail "create $id"; done
check "NETIF on the test bridge" "$V" --quiet set $A --netif_add eth0 --save
check "NETIF with mac_filter" "$V" --quiet set $B --netif_add eth0 --save
sed -i 's/^NETIF="\(.*\)"/NETIF="\1,mac_filter=on"/' "$VZ_CONFDIR/conf/$B.conf"
check "routed IPv4 and IPv6" "$V" --quiet set $R --ipadd 10.213.51.3 --ipadd fd00:213::3 --save
# The filter is run by vznft ($VZ_LIBEXECDIR first): without it the start of a filtered VE
# fails at its network, says so, and leaves no veth behind.
mkdir -p "$T_DIR/no-libexec"
expect_rc 7 "start with mac_filter and no vznft fails (rc 7)" \
	env VZ_LIBEXECDIR="$T_DIR/no-libexec" "$V" --quiet start $B
expect_eq "... saying what is missing" "$(grep -c 'cannot run .*no-libexec/vznft' "$T_DIR/rc.out")" 1
expect_eq "... with no veth or process left" \
	"$(ls /sys/class/net | grep -c "^veth$B\.")$("$V" status $B | grep -c running)" "00"
for id in $A $B $R; do check "start $id" "$V" --quiet start $id; done

# Bridged: addresses given inside, as a template script would.
ip addr add 10.213.50.254/24 dev "$T_BRIDGE"
"$V" exec $A ip addr add 10.213.50.1/24 dev eth0
"$V" exec $B ip addr add 10.213.50.2/24 dev eth0
expect_eq "host end of $A is on the bridge" \
	"$(basename "$(readlink /sys/class/net/veth$A.0/master)")" "$T_BRIDGE"
check "VE to VE over the bridge" "$V" exec $A ping -c1 -W2 10.213.50.2
expect_eq "one queue each way on both ends (not one per possible CPU)" \
	"$(ls /sys/class/net/veth$A.0/queues | tr '\n' ' ')$("$V" exec $A ls /sys/class/net/eth0/queues |
		tr '\n' ' ')" "rx-0 tx-0 rx-0 tx-0 "
if [ -e /proc/sys/net/ipv6/conf/all ]; then
	expect_eq "the bridge port has IPv6 off (no address, no route on the host)" \
		"$(cat /proc/sys/net/ipv6/conf/veth$A.0/disable_ipv6) $(ip -6 -o addr show dev veth$A.0 |
			wc -l) $(ip -6 route show table all dev veth$A.0 | wc -l)" "1 0 0"
	check "... while the VE's end has its link-local address" sh -c \
		"'$V' exec $A ip -6 addr show dev eth0 | grep -q 'inet6 fe80:'"
	# Both link-local addresses usable once duplicate address detection is done (~1-2 s).
	for _ in $(seq 50); do
		"$V" exec $A ip -6 addr show dev eth0 | grep -q tentative ||
			"$V" exec $B ip -6 addr show dev eth0 | grep -q tentative || break
		sleep 0.1
	done
	ll=$("$V" exec $B ip -6 addr show dev eth0 | sed -n 's/.*inet6 \(fe80:[^/]*\).*/\1/p')
	check "VE to VE over the bridge, IPv6 link-local" "$V" exec $A ping -c1 -W3 "$ll%eth0"
fi
check "VE to the host end" "$V" exec $B ping -c1 -W2 10.213.50.254

# Routed: reachable from the host, replying from its own address.
out=$(ping -c1 -W2 10.213.51.3 2>&1)
case $out in *"bytes from 10.213.51.3"*) pass "routed VE answers from its address" ;;
*) fail "routed VE answers from its address: $out" ;; esac
check "routed VE reaches the host through venet0" "$V" exec $R ping -c1 -W2 10.213.50.254
check "IPv6 routed global address" ping -6 -c1 -W2 fd00:213::3
ll=$("$V" exec $A ip -6 -o addr show dev eth0 scope link | awk '{print $4}' | cut -d/ -f1)
ok=0
for _ in $(seq 30); do # DAD keeps a fresh link-local address tentative for about a second
	ping -6 -c1 -W1 "$ll%$T_BRIDGE" >/dev/null 2>&1 && { ok=1; break; }
	sleep 0.1
done
expect_eq "IPv6 link-local $ll on the bridge" "$ok" 1

# Anti-spoofing: a foreign source is dropped and counted.
before=$(counter "ip saddr != 10.213.51.3" h_vzr$R)
"$V" exec $R ip addr add 10.213.51.99/32 dev venet0
"$V" exec $R ping -c2 -i0.2 -W1 -I 10.213.51.99 10.213.50.254 >/dev/null 2>&1 &&
	fail "spoofed IPv4 source got a reply"
after=$(counter "ip saddr != 10.213.51.3" h_vzr$R)
[ "${after:-0}" -gt "${before:-0}" ] && pass "spoofed IPv4 source dropped ($before -> $after)" ||
	fail "spoofed IPv4 source not counted ($before -> $after)"
"$V" exec $B ip link set eth0 address 02:00:00:21:30:99
"$V" exec $B ping -c1 -W1 10.213.50.1 >/dev/null 2>&1 && fail "spoofed MAC got a reply"
after=$(counter "ether saddr !=" h_veth$B.0)
[ "${after:-0}" -gt 0 ] && pass "spoofed MAC dropped by mac_filter ($after)" ||
	fail "spoofed MAC not counted"

# Live changes on a running VE.
check "live --netif_add" "$V" --quiet set $A --netif_add eth1 --save
check "eth1 inside" "$V" exec $A ip link show eth1
check "veth$A.1 on the host" ip link show "veth$A.1"
check "live --netif_del" "$V" --quiet set $A --netif_del eth1 --save
check "eth1 gone inside" sh -c "! '$V' exec $A ip link show eth1"
check "veth$A.1 gone" sh -c "! ip link show veth$A.1"
check "live first --ipadd" "$V" --quiet set $A --ipadd 10.213.51.1 --save
check "live address answers" ping -c1 -W2 10.213.51.1
expect_eq "vzlist -o ip" "$("$VZLIST" -H -o ip $A | tr -d ' ')" "10.213.51.1"
# Saved: a live change compares with the saved file, so an unsaved address is not known.
check "live second --ipadd" "$V" --quiet set $A --ipadd 10.213.51.11 --save
check "second address answers" ping -c1 -W2 10.213.51.11
check "live --ipdel one" "$V" --quiet set $A --ipdel 10.213.51.11 --save
expect_eq "its route is gone" "$(ip route show 10.213.51.11 | wc -l)" 0
check "live --ipdel all" "$V" --quiet set $A --ipdel all --save
check "the routed pair is gone with the last address" sh -c "! ip link show vzr$A"
expect_eq "its filter is gone" "$(nft list table netdev vzkit | grep -c "h_vzr$A ")" 0

# Bad input: refused with one line and vzctl's status, nothing changed.
expect_rc 21 "malformed MAC" "$V" set $A --netif_add eth2,02:00:00:00:00:0g --save
expect_rc 21 "too long an interface name" "$V" set $A --netif_add eth0123456789abcd
expect_rc 78 "an address of another VE" "$V" set $A --ipadd 10.213.51.3
setup_tree VE_BRIDGE_CREATE=no
expect_rc 21 "unknown bridge with creation off" "$V" set $A --netif_add eth2,,,,vztbnone$$ --save
check "nothing made for it" sh -c "! ip link show veth$A.2"
# VE_BRIDGE_MCAST_QUERIER=yes: a bridge vzkit makes is a querier; one that exists stays as it is.
setup_tree VE_BRIDGE_MCAST_QUERIER=yes
check "a NETIF on a new bridge with VE_BRIDGE_MCAST_QUERIER=yes" \
	"$V" --quiet set $A --netif_add eth2,,,,vztb$$m --save
expect_eq "the new bridge queries, the existing one was left alone" \
	"$(cat /sys/class/net/vztb$$m/bridge/multicast_querier \
		/sys/class/net/$T_BRIDGE/bridge/multicast_querier | tr '\n' ' ')" "1 0 "
"$V" --quiet set $A --netif_del eth2 --save >/dev/null
ip link del vztb$$m
setup_tree

# A bridge with an MLD querier forwards a group only to the ports that reported it, and a fresh
# VE's reports are not reliably learned: each VE port gets a permanent entry for the group of
# its link-local address, so that the VE is reachable over IPv6 from its start.
if [ -e /proc/sys/net/ipv6/conf/all ]; then
	QB=vztq$$ Q=7304 WA=vztqa$$ WB=vztqb$$
	# The bridge's own querier needs the bridge's link-local address, which comes with a
	# first port (a warm-up veth here), and counts as present the response interval after it
	# was enabled: startup queries every 0.25 s until one has a source, 1 s of response time.
	ip link add $QB type bridge mcast_snooping 1 mcast_querier 1 mcast_startup_query_count 40 \
		mcast_startup_query_interval 25 mcast_query_response_interval 100 &&
		ip link set $QB up && ip link add $WA type veth peer name $WB &&
		ip link set $WA master $QB up && ip link set $WB up || fail "querier bridge $QB"
	tx() { cat "/sys/class/net/$1/statistics/tx_packets"; }
	# In effect once a ping to a group nobody joined leaves the host but reaches no port.
	filtering=0
	for _ in $(seq 50); do
		b0=$(tx $QB) w0=$(tx $WA)
		ping -6 -c1 -W0.1 "ff02::1:ff12:3456%$QB" >/dev/null 2>&1
		[ "$(tx $QB)" != "$b0" ] && [ "$(tx $WA)" = "$w0" ] && { filtering=1; break; }
		sleep 0.2
	done
	expect_eq "the bridge's querier is in effect (unknown groups reach no port)" "$filtering" 1
	# From now on the VE's answers to the queries come late (10 s), and the startup is short.
	ip link set $QB type bridge mcast_query_response_interval 1000 mcast_startup_query_count 2
	"$V" --quiet create $Q >/dev/null && "$V" --quiet set $Q --netif_add eth0,,,,$QB --save \
		>/dev/null || fail "create $Q"
	check "start on a bridge with a querier" "$V" --quiet start $Q
	# the group of the VE's own link-local address, as the VE's kernel joined it (last 24 bits)
	vegrp=$("$V" exec $Q cat /proc/net/igmp6 |
		awk '$2 == "eth0" && $3 ~ /^ff0200000000000000000001ff/ { print substr($3, 27) }')
	mdbgrp() { # the permanent (or, with $1 = temp, the learned) entry of $Q's port, 24 bits
		bridge mdb show dev $QB | awk -v p="veth$Q.0" -v s="${1:-permanent}" \
			'$4 == p && $NF == s && $6 ~ /^ff02::1:ff/ { print $6 }' |
			while IFS=: read -r _ _ _ a b; do printf '%02x%04x\n' "0x${a#ff}" "0x$b"; done
	}
	expect_eq "its port has a permanent entry for that group ($vegrp)" "$(mdbgrp)" "$vegrp"
	ll=$("$V" exec $Q ip -6 -o addr show dev eth0 scope link | awk '{print $4}' | cut -d/ -f1)
	llping() { # llping TRIES: the host reaches the VE's link-local address through $QB
		local i
		for ((i = 0; i < $1; i++)); do
			ping -6 -c1 -W1 "$ll%$QB" >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		return 1
	}
	check "the host reaches the fresh VE over IPv6 through the querier's bridge" llping 30
	# Without the entry (and before the VE's kernel reports the group itself), it does not.
	bridge mdb del dev $QB port "veth$Q.0" grp "ff02::1:ff${vegrp:0:2}:${vegrp:2}"
	ip -6 neigh flush dev $QB
	if [ -z "$(mdbgrp temp)" ]; then
		llping 1 && fail "the VE answered without its entry" ||
			pass "... and without its entry it does not"
	else
		echo "info: the VE reported its group itself; the control without the entry is moot"
	fi
	check "stop" "$V" --quiet stop $Q --fast
	expect_eq "the entry went with the port" "$(bridge mdb show dev $QB | grep -c "veth$Q\.")" 0
	ip link set $QB type bridge mcast_snooping 0
	check "start on a bridge without snooping" "$V" --quiet start $Q
	expect_eq "... adds no entry" "$(bridge mdb show dev $QB | grep -c "veth$Q\.")" 0
	"$V" --quiet stop $Q --fast >/dev/null

	# VE_MCAST_LEGACY_REPORTS=yes: the VE's kernel reports with MLDv1 from its first report
	# (a snooping bridge floods MLDv2 reports to every port). The port's own counters tell.
	ip link set $QB type bridge mcast_snooping 1 mcast_querier 0 mcast_stats_enabled 1
	mldrx() { # "v1 v2": the MLD reports $Q's port has received, once there are 2 (3 s)
		local i out
		for ((i = 0; i < 30; i++)); do
			out=$(ip link xstats type bridge_slave dev "veth$Q.0" |
				awk '/MLD reports/ { f = 1 } f && /RX/ { print $3, $5; exit }')
			[ -n "$out" ] && [ $((${out% *} + ${out#* })) -ge 2 ] && break
			sleep 0.1
		done
		echo "$out"
	}
	check "start (default report versions)" "$V" --quiet start $Q
	rx=$(mldrx)
	expect_eq "... the VE reports with MLDv2 ($rx)" "$(echo "$rx" | awk '{ print ($2 > 0) }')" 1
	"$V" --quiet stop $Q --fast >/dev/null
	setup_tree VE_MCAST_LEGACY_REPORTS=yes
	check "start with VE_MCAST_LEGACY_REPORTS=yes" "$V" --quiet start $Q
	rx=$(mldrx)
	expect_eq "... MLDv1 reports only ($rx)" "$(echo "$rx" | awk '{ print ($1 > 0) $2 }')" 10
	expect_eq "... the VE's own settings say so" "$("$V" exec $Q cat \
		/proc/sys/net/ipv6/conf/all/force_mld_version \
		/proc/sys/net/ipv4/conf/all/force_igmp_version | tr '\n' ' ')" "1 2 "
	expect_eq "... its /proc is still one proc mount named proc" \
		"$("$V" exec $Q cat /proc/mounts | awk '$2 == "/proc" { print $1, $3 }')" "proc proc"
	"$V" --quiet stop $Q --fast >/dev/null
	setup_tree
	ip link del $WA
	ip link del $QB
fi

# Many VEs on one bridge: every one answers the all-nodes multicast ping.
t0=$(date +%s%N)
fails=0
for i in $(seq 7400 $((7400 + N - 1))); do
	"$V" --quiet create $i >/dev/null && "$V" --quiet set $i --netif_add eth0 --save >/dev/null &&
		"$V" --quiet start $i >"$T_DIR/start.out" 2>&1 || {
		fails=$((fails + 1))
		[ $fails = 1 ] && sed "s/^/    $i: /" "$T_DIR/start.out" # the first failure's words
	}
done
expect_eq "$N VEs with a NETIF started" "$fails" 0
t1=$(date +%s%N)
brll=$(ip -6 -o addr show dev "$T_BRIDGE" scope link | awk '{print $4}' | cut -d/ -f1)
got=0
for _ in $(seq 20); do # each VE's link-local address leaves DAD about a second after start
	got=$(ping -6 -c2 -i0.5 -w3 "ff02::1%$T_BRIDGE" 2>/dev/null |
		grep -oE 'from fe80::[0-9a-f:]+' | sed 's/^from //' | grep -vxF -e "$ll" -e "$brll" |
		sort -u | wc -l)
	[ "$got" -ge "$N" ] && break # not counted: $A and the bridge; $B's frames are dropped
	sleep 0.5
done
[ "$got" -ge "$N" ] && pass "$N VEs on one bridge answer a ping ($got addresses)" ||
	fail "only $got of $N VEs answered"
echo "info: $N VEs with a veth created and started in $((($(date +%s%N) - t0) / 1000000)) ms"
for i in $(seq 7400 $((7400 + N - 1))); do "$V" --quiet stop $i --fast >/dev/null; done
t2=$(date +%s%N)
echo "info: start $((($t1 - t0) / 1000000)) ms, stop $((($t2 - t1) / 1000000)) ms"

# A stop leaves the veth to go with the VE's network namespace; a start right after waits
# for it, and one whose old namespace is held by a host process fails after a bounded wait
# without deleting that interface (not ours to delete any more: it could be another VE's).
check "stop, then start at once" sh -c "'$V' --quiet stop $A --fast && '$V' --quiet start $A"
expect_eq "the new host end is on the bridge" \
	"$(basename "$(readlink /sys/class/net/veth$A.0/master)")" "$T_BRIDGE"
nsenter --net="/proc/$(ve_init_pid $A)/ns/net" sleep 30 &
holder=$!
sleep 0.1
check "stop with the netns held" "$V" --quiet stop $A --fast
check "its veth stays with the held netns" ip link show "veth$A.0"
t0=$(date +%s%N)
expect_rc 7 "start while the old veth is held" "$V" --quiet start $A
echo "info: waited $((($(date +%s%N) - t0) / 1000000)) ms for it"
check "the held veth was not deleted" ip link show "veth$A.0"
kill "$holder"
wait "$holder" 2>/dev/null
check "start once the holder is gone" "$V" --quiet start $A

# Killed: the filter and the host ends go with ct_cleanup all the same.
kill -9 "$(ve_init_pid $R)"
sleep 0.2
"$V" --quiet status $R >/dev/null
for id in $A $B $R; do "$V" --quiet stop $id --fast >/dev/null; done
links() { ip -o link | grep -cE " (veth7[34][0-9]{2}\.[0-9]+|vzr73[0-9]{2})@"; }
n=$(links)
for _ in $(seq 50); do # the kernel frees stopped VEs' network namespaces in the background
	[ "$n" = 0 ] && break
	sleep 0.1
	n=$(links)
done
expect_eq "no veth or routed end left" "$n" 0
expect_eq "no route left" "$(ip route show | grep -c '10\.213\.51\.')" 0
expect_eq "no IPv6 route left" "$(ip -6 route show | grep -c 'fd00:213::')" 0
expect_eq "no filter chain left" "$(chains)" 0
t_finish
