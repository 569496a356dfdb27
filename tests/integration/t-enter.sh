#!/bin/bash
# vzctl enter: a real terminal inside the VE, with the window size of the user's terminal; input
# that ends (a pipe, /dev/null) ends the shell as ^D at the console would.
. "$(dirname "$0")/../lib.sh"
need_root
command -v script >/dev/null || { skip "script(1) missing"; exit 77; }
setup_tree
"$VZCTL" create 301 --hostname enter301 >/dev/null
"$VZCTL" start 301 --wait >/dev/null
out=$( (sleep 0.5; printf 'echo TTY=$(tty) SIZE=$(stty size) HOST=$(hostname)\n'; sleep 0.5;
	printf 'exit 5\n') | timeout 20 script -qc \
	"stty cols 91 rows 33; '$VZCTL' enter 301; echo RC=\$?" /dev/null | tr -d '\r')
check "enter gives a terminal from the VE's own devpts" grep -q 'TTY=/dev/pts/0' <<<"$out"
check "the window size reaches the VE" grep -q 'SIZE=33 91' <<<"$out"
check "the shell runs inside the VE" grep -q 'HOST=enter301' <<<"$out"
check "enter returns the shell's exit code" grep -q 'RC=5' <<<"$out"
# Input that ends (no terminal): the shell inside sees end-of-file and exits.
expect_rc 0 "enter with its input at EOF ends" timeout 10 "$VZCTL" enter 301 </dev/null
expect_rc 7 "piped commands run, the shell's status is returned" sh -c \
	"printf 'echo piped-in\nexit 7\n' | timeout 10 '$VZCTL' enter 301 >'$T_DIR/enter.out'"
check "their output comes back" grep -q '^piped-in' "$T_DIR/enter.out"
out=$(printf 'echo no-newline' | timeout 10 "$VZCTL" enter 301 | tr -d '\r')
check "a last line without its newline runs too" grep -q '^no-newline' <<<"$out"
expect_rc 31 "enter into a stopped VE" sh -c "'$VZCTL' stop 301 >/dev/null; '$VZCTL' enter 301"
t_finish
