#!/bin/bash
# The man pages against the binaries: every command and long option of "vzctl --help" is an
# item of vzctl(8), every option of "vzlist --help" is in vzlist(8), every exit code of
# cmd/exitcode.h is in vzctl(8)'s EXIT STATUS (and nothing else is), and every page renders
# without groff warnings. Needs no root. MAN_DIR overrides the pages' directory.
. "$(dirname "$0")/../lib.sh"
MAN_DIR=${MAN_DIR:-$TOP/man}
VZMIGRATE=$BUILD/vzmigrate

command -v groff >/dev/null || { skip "groff missing"; exit 77; }
[ -x "$VZCTL" ] || { skip "no $VZCTL (make build/vzctl)"; exit 77; }

# The roff source as plain text: \- is -, font and other inline escapes removed.
plain() {
	sed -E -e 's/\\-/-/g' -e 's/\\f\[[^]]*\]//g' -e 's/\\f\(..//g' -e 's/\\f.//g' \
		-e 's/\\[&%]//g' -e 's/\\\(aq/'"'"'/g' -e 's/\\\(dq/"/g' "$1"
}

# The lines of one .SH section of the plain text (name as written after .SH, quotes dropped).
section() {
	awk -v want="$1" '/^\.SH/ { s = $0; sub(/^\.SH +/, "", s); gsub(/"/, "", s)
		on = (s == want); next } on'
}

# The words that head an item: the first word of each comma-separated part of every tag
# line (the line after .TP), without its macro name. A mention in running text is no item.
item_heads() {
	awk '/^\.TP/ { tag = 1; next }
	tag {
		tag = 0; l = $0; sub(/^\.[A-Z]+ +/, "", l); gsub(/"/, "", l)
		n = split(l, parts, ",")
		for (i = 1; i <= n; i++) { split(parts[i], w, " "); if (w[1] != "") print w[1] }
	}'
}

# A page must exist and render without warnings, in the terminal layout man(1) uses.
check_render() {
	local page=$1 out
	out=$(groff -t -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$out" ] || { fail "$(basename "$page") has groff warnings: $(head -n 3 <<<"$out")"; return; }
	if command -v man >/dev/null; then
		out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		[ -z "$out" ] || { fail "$(basename "$page"): man -l warns: $(head -n 3 <<<"$out")"; return; }
	fi
	pass "$(basename "$page") renders without warnings"
}

# vzctl(8) against vzctl --help.
check_vzctl() {
	local page=$MAN_DIR/vzctl.8 help heads cmds missing=0 opt cmd
	[ -f "$page" ] || { fail "man/vzctl.8 does not exist"; return; }
	help=$("$VZCTL" --help) || { fail "vzctl --help exited $?"; return; }
	heads=$(plain "$page" | item_heads | sort -u)
	cmds=$(plain "$page" | section COMMANDS | item_heads | sort -u)
	for opt in $(grep -oE -- '--[a-z][a-z0-9_-]*' <<<"$help" | sort -u); do
		grep -qxF -- "$opt" <<<"$heads" && continue
		fail "vzctl.8: option $opt of vzctl --help is not documented as an item"
		missing=1
	done
	for cmd in $(awk '$1 == "vzctl" && $3 == "CTID" { print $2 }' <<<"$help" | sort -u); do
		grep -qxF -- "$cmd" <<<"$cmds" && continue
		fail "vzctl.8: command $cmd of vzctl --help is not an item of COMMANDS"
		missing=1
	done
	[ -n "$cmds" ] || { fail "vzctl --help lists no commands (format changed?)"; missing=1; }
	[ $missing = 1 ] || pass "vzctl.8 documents every command and option of vzctl --help"
}

# Every code of cmd/exitcode.h has a row in EXIT STATUS, and every row is a real code.
check_exit_codes() {
	local page=$MAN_DIR/vzctl.8 codes rows code bad=0
	[ -f "$page" ] || return
	codes=$(grep -oE '= *[0-9]+' "$TOP/cmd/exitcode.h" | grep -oE '[0-9]+' | sort -un)
	[ -n "$codes" ] || { fail "no exit codes found in cmd/exitcode.h"; return; }
	rows=$(plain "$page" | section "EXIT STATUS" | sed -E 's/^\.[A-Z]+ +//' |
		grep -oE '^[0-9]+([[:space:]]|$)' | grep -oE '[0-9]+' | sort -un)
	for code in $codes; do
		grep -qx "$code" <<<"$rows" && continue
		fail "vzctl.8: exit code $code of cmd/exitcode.h is not in EXIT STATUS"
		bad=1
	done
	for code in $rows; do
		grep -qx "$code" <<<"$codes" && continue
		fail "vzctl.8: EXIT STATUS lists $code, which cmd/exitcode.h does not define"
		bad=1
	done
	[ $bad = 1 ] || pass "vzctl.8 EXIT STATUS matches cmd/exitcode.h ($(wc -w <<<"$codes") codes)"
}

# Options of a --help text: long --xxx and short -x.
help_options() {
	grep -oE -- '(^|[][ ,|(])--?[A-Za-z0-9][A-Za-z0-9_-]*' | sed -E 's/^[][ ,|(]//' | sort -u
}

# vzlist(8) against vzlist --help / -h, when both exist.
check_vzlist() {
	local page=$MAN_DIR/vzlist.8 help text opt missing=0
	if [ ! -x "$BUILD/vzlist" ] || [ ! -f "$page" ]; then
		skip "vzlist or man/vzlist.8 does not exist yet: vzlist options not checked"
		return
	fi
	help=$("$VZLIST" --help 2>&1) || help=$("$VZLIST" -h 2>&1)
	text=$(plain "$page")
	for opt in $(help_options <<<"$help"); do
		grep -qE -- "(^|[^A-Za-z0-9_-])$opt([^A-Za-z0-9_-]|$)" <<<"$text" && continue
		fail "vzlist.8: option $opt of vzlist --help is not in the page"
		missing=1
	done
	[ $missing = 1 ] || pass "vzlist.8 mentions every option of vzlist --help"
}

# vzmigrate(8) against vzmigrate --help.
check_vzmigrate() {
	local page=$MAN_DIR/vzmigrate.8 heads opt missing=0
	[ -x "$VZMIGRATE" ] || { skip "no $VZMIGRATE: vzmigrate options not checked"; return; }
	[ -f "$page" ] || { fail "man/vzmigrate.8 does not exist"; return; }
	heads=$(plain "$page" | item_heads | sort -u)
	for opt in $("$VZMIGRATE" --help | help_options) --help -h; do
		grep -qxF -- "$opt" <<<"$heads" && continue
		fail "vzmigrate.8: option $opt is not documented as an item"
		missing=1
	done
	[ $missing = 1 ] || pass "vzmigrate.8 documents every option of vzmigrate --help"
}

check_vzctl
check_exit_codes
check_vzlist
check_vzmigrate
for page in "$MAN_DIR"/*.[1-8]; do
	[ -f "$page" ] && check_render "$page"
done
for page in vzctl.8 vzmigrate.8 ctid.conf.5 vz.conf.5; do
	[ -f "$MAN_DIR/$page" ] || fail "man/$page does not exist"
done
t_finish
