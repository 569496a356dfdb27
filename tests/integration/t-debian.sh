#!/bin/bash
# A debian-12 VE running systemd as Debian ships it: built with debootstrap on first use (cached
# across runs, keyed by the recipe's hash), booted to multi-user.target, systemctl working,
# configured by the distribution scripts, cleanly stopped.
. "$(dirname "$0")/../lib.sh"
need_root
command -v debootstrap >/dev/null || { skip "debootstrap missing"; exit 77; }
key=$(sha256sum <"$TOP/templates/debian-12/mkcache" | cut -c1-12) # the cache is the recipe's product
cache=${VZKIT_DEBIAN_CACHE:-/var/tmp/vzkit-test-templates/$key}
mkdir -p "$cache"
setup_tree "TEMPLATE=\"$cache\""

if ! ls "$cache"/cache/debian-12/*/root/sbin/init >/dev/null 2>&1; then
	echo "info: building the debian-12 template (debootstrap, about a minute)"
	if ! "$VZCTL" create 501 --ostemplate debian-12 >"$T_DIR/build.log" 2>&1; then
		if grep -qiE 'failed to (download|resolve)|could not resolve|temporary failure|unable to fetch|connection|failed getting release|couldn.t download' "$T_DIR/build.log"; then
			skip "Debian's archive is not reachable: $(grep -iE 'fail|resolve|fetch' "$T_DIR/build.log" | head -n1)"
			t_finish
		fi
		fail "building the debian-12 template"
		tail -n 20 "$T_DIR/build.log" | sed 's/^/    /'
		t_finish
	fi
	pass "debian-12 template built"
else
	expect_rc 0 "create from the cached debian-12 template" "$VZCTL" create 501 --ostemplate debian-12
fi
check "create stays fast with a large template (overlay, nothing copied)" \
	sh -c "[ \$(du -sk '$T_DIR/private/501' | cut -f1) -lt 1024 ]"
"$VZCTL" set 501 --hostname deb501.example --ipadd 10.213.5.1 --userpasswd root:rootpw --save \
	>/dev/null 2>&1
expect_rc 0 "start --wait until multi-user.target" timeout 120 "$VZCTL" start 501 --wait
state=$("$VZCTL" exec 501 'systemctl is-system-running --wait 2>/dev/null || systemctl is-system-running')
expect_eq "systemd reports the system running" "$state" "running"
expect_eq "no failed units" "$("$VZCTL" exec 501 'systemctl --failed --no-legend | wc -l' | tr -d ' ')" "0"
expect_eq "PID 1 is systemd" "$("$VZCTL" exec 501 'cat /proc/1/comm')" "systemd"
expect_eq "systemd mounted no tmpfs of its own over /dev/shm or /run" \
	"$("$VZCTL" exec 501 cat /proc/self/mountinfo | awk '$5 == "/dev/shm" || $5 == "/run"' | wc -l)" 2
expect_eq "the hostname set by the distribution script" "$("$VZCTL" exec 501 hostname)" "deb501.example"
check "systemctl can stop and start a service" "$VZCTL" exec 501 \
	'systemctl stop cron && ! systemctl is-active -q cron && systemctl start cron && systemctl is-active -q cron'
check "sshd runs with the VE's own host keys" "$VZCTL" exec 501 \
	'systemctl is-active -q ssh && test -s /etc/ssh/ssh_host_ed25519_key'
check "the routed address is on venet0" "$VZCTL" exec 501 'ip -4 addr show venet0 | grep -q 10.213.5.1'
check "the password was set with the distribution's tools" "$VZCTL" exec 501 \
	"grep -q '^root:\\\$' /etc/shadow"
up=$("$VZCTL" exec 501 'cut -d. -f1 /proc/uptime')
check "uptime counts from the VE's start ($up s)" test "$up" -lt 120
expect_rc 0 "clean stop through systemd" "$VZCTL" stop 501
expect_eq "down after stop" "$("$VZCTL" status 501)" "CTID 501 exist unmounted down"
expect_rc 0 "destroy" "$VZCTL" destroy 501
t_finish
