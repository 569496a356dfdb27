#!/bin/bash
# vzctl set: live changes, --save, passwords, DNS, I/O limits, names and addresses.
. "$(dirname "$0")/../lib.sh"
need_root
setup_tree
"$VZCTL" create 401 >/dev/null
"$VZCTL" create 402 >/dev/null
conf=$VZ_CONFDIR/conf/401.conf

expect_rc 0 "--userpasswd on a stopped VE" "$VZCTL" set 401 --userpasswd bob:pw-one
expect_eq "... leaves it stopped" "$("$VZCTL" status 401)" "CTID 401 exist unmounted down"
check "... and the password is never written to the config" sh -c "! grep -q pw-one '$conf'"
"$VZCTL" start 401 --wait >/dev/null
hash1=$("$VZCTL" exec 401 "grep '^bob:' /etc/shadow | cut -d: -f2")
check "the user exists with a SHA-512 hash" sh -c "case '$hash1' in '\$6\$'*) true;; *) false;; esac"
expect_rc 0 "--userpasswd on a running VE" "$VZCTL" set 401 --userpasswd bob:pw-two
hash2=$("$VZCTL" exec 401 "grep '^bob:' /etc/shadow | cut -d: -f2")
check "the hash changed" test "$hash1" != "$hash2"
salt=$(echo "$hash2" | cut -d'$' -f3)
check "the hash is pw-two's" test "$(mkpasswd -m sha-512 -S "$salt" pw-two 2>/dev/null || \
	"$VZCTL" exec 401 "mkpasswd -m sha512 -S '$salt' pw-two")" = "$hash2"
expect_rc 21 "--userpasswd without a colon" "$VZCTL" set 401 --userpasswd bob

expect_rc 0 "live --hostname without --save" "$VZCTL" set 401 --hostname live.example
expect_eq "... changes the running VE's hostname" "$("$VZCTL" exec 401 hostname)" "live.example"
check "... but not the config" sh -c "! grep -q live.example '$conf'"
expect_rc 0 "--hostname --save" "$VZCTL" set 401 --hostname saved.example --save
check "... is saved" grep -q 'HOSTNAME="saved.example"' "$conf"

expect_rc 0 "--nameserver inherit --searchdomain" "$VZCTL" set 401 --nameserver inherit \
	--searchdomain example.org --save
"$VZCTL" restart 401 --wait >/dev/null
host_ns=$(awk '/^nameserver/{print $2; exit}' /etc/resolv.conf)
check "the VE inherits the host's nameserver ($host_ns)" \
	"$VZCTL" exec 401 "grep -q 'nameserver $host_ns' /etc/resolv.conf"
check "the search domain is set" "$VZCTL" exec 401 "grep -q 'search example.org' /etc/resolv.conf"
expect_eq "the saved hostname applies at start" "$("$VZCTL" exec 401 hostname)" "saved.example"

blk=$(ve_cgroup_dir blkio 401)
if [ -e "$blk/blkio.throttle.read_bps_device" ] || [ -e "$(ve_cgroup_dir io 401)/io.max" ]; then
	expect_rc 0 "--iolimit and --iopslimit live" "$VZCTL" set 401 --iolimit 10M --iopslimit 300
	if [ -e "$blk/blkio.throttle.read_bps_device" ]; then
		check "read bps throttled to 10 MiB/s" grep -q ' 10485760$' "$blk/blkio.throttle.read_bps_device"
		check "write iops throttled to 300" grep -q ' 300$' "$blk/blkio.throttle.write_iops_device"
	else
		check "io.max holds the limits" grep -q 'rbps=10485760.*wiops=300' "$(ve_cgroup_dir io 401)/io.max"
	fi
else
	skip "no blkio throttling files on this host"
fi

expect_rc 0 "--name" "$VZCTL" set 401 --name alpha --save
expect_rc 131 "a name another VE has" "$VZCTL" set 402 --name alpha --save
expect_rc 21 "an all-digit name" "$VZCTL" set 402 --name 12345
expect_rc 0 "--ipadd --save" "$VZCTL" set 401 --ipadd 10.213.4.1 --save
expect_rc 78 "an address another VE has" "$VZCTL" set 402 --ipadd 10.213.4.1 --save
expect_rc 21 "a malformed address" "$VZCTL" set 402 --ipadd 10.213.4.300
expect_rc 78 "the same address spelled differently" "$VZCTL" set 402 --ipadd 10.213.4.1/24
expect_rc 0 "an IPv6 address" "$VZCTL" set 401 --ipadd FD00:0::0042 --save
check "... is stored in canonical form" grep -q 'fd00::42' "$conf"
expect_rc 0 "--ipdel in another spelling" "$VZCTL" set 401 --ipdel fd00::42 --save
expect_rc 0 "--ipdel" "$VZCTL" set 401 --ipdel 10.213.4.1 --save
check "... removes it from the config" sh -c "! grep -q '10.213.4.1' '$conf'"
echo 'FEATURES="nfs:on sysfs:off"' >>"$conf"
expect_rc 0 "an OpenVZ config's FEATURES load" "$VZCTL" set 401 --features nesting:on --save
check "... and are kept beside the new one" grep -q 'FEATURES="nesting:on nfs:on sysfs:off"' "$conf"
expect_rc 21 "an unknown feature" "$VZCTL" set 401 --features warp:on
expect_rc 20 "set with nothing to set" "$VZCTL" set 401
expect_rc 20 "set with an unknown option" "$VZCTL" set 401 --frobnicate 1
cp "$conf" "$T_DIR/before"
expect_rc 21 "a bad value among good ones" "$VZCTL" set 401 --cpuunits 600 --ram x --save
check "... changes nothing" cmp -s "$conf" "$T_DIR/before"
check "set --save leaves no temporary file" sh -c "! ls '$VZ_CONFDIR/conf' | grep -q tmp"
t_finish
