#!/bin/bash
# Detached containers under systemd: --pidfile (Type=forking), READY=1 and
# MAINPID to $NOTIFY_SOCKET (Type=notify), and `berth generate systemd`.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

capture berth run -d --name pf --pidfile "$ROOT/pf.pid" busybox sleep 1000
t_is "run -d --pidfile exits 0" 0 "$RC"
t_is "the pid file holds the supervisor's pid" "$(db "SELECT supervisor_pid FROM containers WHERE name='pf'")" "$(cat "$ROOT/pf.pid")"
capture berth run -d --pidfile "$ROOT/no/such/dir/x.pid" busybox true
t_is "a pid file in a missing folder is refused" 125 "$RC"
t_match "with a clear message" 'its folder does not exist' "$ERR"
berth stop -t 0 pf >/dev/null
t_ok "the pid file is removed when the container ends" test ! -e "$ROOT/pf.pid"

# A stand-in for systemd's notification socket.
python3 - "$ROOT/notify.sock" >"$ROOT/notify.out" <<'EOP' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(10)
print(s.recv(4096).decode(), flush=True)
EOP
listener=$!
wait_for 5 test -S "$ROOT/notify.sock"
NOTIFY_SOCKET="$ROOT/notify.sock" "$BERTH" run -d --name nt busybox sleep 1000 >/dev/null
wait $listener
sup=$(db "SELECT supervisor_pid FROM containers WHERE name='nt'")
t_match "the supervisor sends READY=1" '^READY=1$' "$(head -1 "$ROOT/notify.out")"
t_is "and its own pid as MAINPID" "MAINPID=$sup" "$(sed -n 2p "$ROOT/notify.out")"

capture berth generate systemd nt
t_is "generate systemd exits 0" 0 "$RC"
unit=$ROOT/berth-nt.service
printf '%s\n' "$OUT" >"$unit"
t_match "the unit is Type=notify" 'Type=notify' "$OUT"
t_match "ExecStart starts the container with berth" "ExecStart=$BERTH start [0-9a-f]{64}" "$OUT"
t_match "ExecStop stops it with berth" "ExecStop=$BERTH stop -t 10 [0-9a-f]{64}" "$OUT"
t_match "the unit keeps a non-default root" "Environment=BERTH_ROOT=$ROOT" "$OUT"
if command -v systemd-analyze >/dev/null; then
	capture systemd-analyze verify "$unit"
	t_is "systemd-analyze verify accepts it" "0 " "$RC $ERR"
fi
capture berth generate systemd --restart sometimes nt
t_is "an unknown --restart is refused" 125 "$RC"
capture berth generate systemd ghost
t_is "generate for an unknown container fails" 125 "$RC"

# The supervisor exits with the container's status, as a unit's main
# process should (Restart=on-failure needs it).
berth run -d --name st busybox sh -c 'sleep 0.3; exit 3' >/dev/null
sup=$(db "SELECT supervisor_pid FROM containers WHERE name='st'")
t_ok "the supervisor ends when the container does" wait_for 5 sh -c "! kill -0 $sup 2>/dev/null"

t_end
