#!/usr/bin/env bash
# Hostile input on a flatnet host's UDP port is dropped and counted; nothing crashes and the
# existing tunnel is never reset.
#
# a (flatnet) and b (IMPL_B, default nebula) hold a tunnel. Then, from a stranger on the
# same segment: garbage, truncated headers, unknown message types, oversized datagrams and a
# flood of handshake initiations; from b's own address and port (spoofed re-sends of b's
# real datagrams): replays, and packets whose counter was altered so they reach the AEAD.
# Checks: every kind shows up in a's drop counters (`flatnet status -json`), a's daemon is
# alive, the tunnel to b is the same one (same local index) and still carries pings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"

lab_init hostile
inject=$(lab_tool lab-udp-inject)
lab_segment wire 198.51.100.0/24
lab_host a --on wire
lab_host b --on wire
lab_host stranger --on wire
lab_pki a=192.168.100.1/24 b=192.168.100.2/24
lab_config a --static b
lab_config b --static a
lab_start_daemon a flatnet
lab_start_daemon b "${IMPL_B:-nebula}"
b_ip=$(lab_overlay b)
a_udp="$(lab_ip a):4242"

lab_wait_for --timeout 10 -- lab_ping a "$b_ip" || lab_fail "a cannot ping b at $b_ip"
index=$(lab_tunnel_field a "$b_ip" localIndex)
[ -n "$index" ] || lab_fail "a reports no tunnel to $b_ip: $(lab_status a)"
echo "ok - tunnel a -> b is up (local index $index)"

counter() { lab_counter a "$1"; }
# Datagrams the kernel itself dropped because a's socket buffer was full: those never
# reached flatnet, so they can't be in its counters (a flood outruns any reader).
kernel_drops() {
  lab_exec a cat /proc/net/snmp | awk '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; i++) col[$i] = i } else print $col["RcvbufErrors"] }'
}
expect_growth() {  # NAME BEFORE AT_LEAST WHAT [KERNEL_DROPS_BEFORE]
  local now lost=0
  now=$(counter "$1")
  [ -z "${5:-}" ] || lost=$(($(kernel_drops) - $5))
  [ $((now - $2 + lost)) -ge "$3" ] ||
    lab_fail "$4: $1 grew by $((now - $2)) (+$lost dropped by the kernel), expected $3"
  echo "ok - $4: $1 +$((now - $2)) (the kernel dropped $lost before flatnet saw them)"
}
# Sent in bursts of 50 with a pause, so the veth's backlog (1000 packets per CPU) doesn't
# drop them on the way: the test is about what flatnet does with what it receives.
attack() {  # MODE COUNT [extra args...]
  local mode=$1 count=$2 burst sent=0 round=0
  shift 2
  while [ "$sent" -lt "$count" ]; do
    burst=$((count - sent < 50 ? count - sent : 50))
    round=$((round + 1))
    lab_exec stranger "$inject" --to "$a_udp" --seed "$round" "$@" "$mode" "$burst" >/dev/null ||
      lab_fail "lab-udp-inject $mode $burst did not send everything"
    sent=$((sent + burst))
    sleep 0.05
  done
}
settle() { sleep 0.5; }

before=$(counter rx_dropped_short); attack truncated 300; settle
expect_growth rx_dropped_short "$before" 300 "truncated headers"

before=$(counter rx_dropped_unknown_type); attack unknown-type 300; settle
expect_growth rx_dropped_unknown_type "$before" 300 "unknown message types"

# Two at a time: a 65 KB datagram is 45 IP fragments, and a burst of them overflows the
# socket's receive buffer in the kernel before flatnet ever sees them.
before=$(counter rx_dropped_oversize)
for round in 1 2 3 4 5; do attack oversize 2; settle; done
expect_growth rx_dropped_oversize "$before" 10 "oversized datagrams"

before=$(counter handshakes_dropped) kbefore=$(kernel_drops)
attack handshake-flood 300; settle
expect_growth handshakes_dropped "$before" 300 "handshake flood" "$kbefore"

total_drops() {
  lab_status a | jq '[.counters | to_entries[] | select(.key | test("dropped")) | .value] | add'
}
before=$(total_drops); attack garbage 300; settle
now=$(total_drops)
[ $((now - before)) -ge 300 ] || lab_fail "garbage: drops grew by $((now - before)), expected 300"
echo "ok - garbage: 300 datagrams dropped and counted"

# Spoofed re-sends of b's real traffic to a: keep b talking while capturing.
lab_exec b ping -c 40 -i 0.1 -W 1 -q "$(lab_overlay a)" >/dev/null 2>&1 &
pinger=$!
lab_on_teardown "kill $pinger 2>/dev/null || true"
before=$(counter rx_dropped_replay)
lab_exec b "$inject" --to "$a_udp" --from-port 4242 --type 1 --capture-timeout 5 replay 5 >/dev/null ||
  lab_fail "could not capture and replay 5 of b's datagrams"
settle
expect_growth rx_dropped_replay "$before" 5 "replayed datagrams"
before=$(counter rx_dropped_auth)
lab_exec b "$inject" --to "$a_udp" --from-port 4242 --type 1 --capture-timeout 5 \
  --flip counter corrupt 5 >/dev/null || lab_fail "could not capture and corrupt 5 of b's datagrams"
settle
expect_growth rx_dropped_auth "$before" 5 "corrupted datagrams"
wait "$pinger" || true

lab_daemon_alive a || lab_fail "flatnet on a died under hostile input"
lab_wait_for --timeout 5 -- lab_ping a "$b_ip" || lab_fail "the tunnel stopped carrying pings"
after=$(lab_tunnel_field a "$b_ip" localIndex)
[ "$after" = "$index" ] || lab_fail "the tunnel was replaced (local index $index -> $after)"
echo "ok - a is alive and its tunnel to b (index $index) still carries pings"
echo "hostile_input_test PASSED"
