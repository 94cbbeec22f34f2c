#!/usr/bin/env bash
# Floods at full rate on a flatnet host's UDP port: every kind is dropped and counted, the
# daemon stays alive with bounded memory, and the existing tunnel keeps carrying data.
#
# v (flatnet, relay.am_relay) and p (IMPL_P, default flatnet) hold a tunnel; an attacker x
# floods v with lab-flood for FLOOD_SECONDS (default 3) per kind, as fast as it can send:
# garbage, stage 1s with a certificate of another CA, stage 1s replaying p's certificate
# (claiming to be p), recv_errors (random indexes, then the index of v's tunnel to p), and,
# after a real handshake as member x, relay requests and test requests through its tunnel. During each flood p sends v 8 MB over the tunnel.
# Checks per kind: the transfer's sha256 matches, v's counters show the flood was refused
# (for test requests: x received replies), v is alive, its tunnel to p is the one it had (same
# local index), and v's resident memory stayed within 64 MiB of what it was before.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"

seconds=${FLOOD_SECONDS:-3}
lab_init flood
flood=$(lab_tool lab-flood)
xfer=$(lab_tool lab-tcp-xfer)
lab_segment wire 198.51.100.0/24
lab_host v --on wire
lab_host p --on wire
lab_host x --on wire
lab_pki v=192.168.100.1/24 p=192.168.100.2/24 x=192.168.100.3/24
lab_ca --out other --name "another team"
lab_cert intruder 192.168.100.9/24 --ca other
lab_config v --static p --am-relay --log-level error
lab_config p --static v --log-level error
lab_start_daemon v flatnet
lab_start_daemon p "${IMPL_P:-flatnet}"
pki=$LAB_DIR/pki
v_ip=$(lab_overlay v) p_ip=$(lab_overlay p)
v_udp="$(lab_ip v):4242"

lab_wait_for --timeout 10 -- lab_ping p "$v_ip" || lab_fail "p cannot ping v at $v_ip"
index=$(lab_tunnel_field v "$p_ip" localIndex)
[ -n "$index" ] || lab_fail "v reports no tunnel to $p_ip: $(lab_status v)"
echo "ok - tunnel p -> v is up (v's local index $index)"
head -c $((8 << 20)) /dev/urandom >"$LAB_DIR/payload.bin"
sent_sum=$(sha256sum <"$LAB_DIR/payload.bin" | cut -d' ' -f1)

counter() { lab_counter v "$1"; }
total_drops() {
  lab_status v | jq '[.counters | to_entries[] | select(.key | test("dropped|refused")) | .value] | add'
}
rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$(lab_daemon_pid v)/status"; }

# flood KIND COUNTER_EXPR WHAT lab-flood-args...: one flood with a transfer through it.
# COUNTER_EXPR is a shell function printing the number that must grow.
flood() {
  local kind=$1 measure=$2 what=$3 before after rss0 rss1 got_sum out
  shift 3
  before=$($measure) rss0=$(rss_kib)
  out="$LAB_DIR/flood-$kind.out"
  lab_spawn x "flood-$kind" "$flood" --to "$v_udp" --time "$seconds" "$@"
  rm -f "$LAB_DIR/received.bin"
  lab_spawn v xfer-recv sh -c "exec '$xfer' recv --port 5001 --time-limit 60 >'$LAB_DIR/received.bin'"
  lab_wait_for --timeout 5 -- lab_exec v sh -c "ss -ltn | grep -q ':5001 '" ||
    lab_fail "$kind: lab-tcp-xfer did not listen on v"
  lab_exec p "$xfer" send --to "$v_ip:5001" --time-limit 60 <"$LAB_DIR/payload.bin" \
    2>"$LAB_DIR/xfer-send.txt" || lab_fail "$kind: transfer during the flood: $(cat "$LAB_DIR/xfer-send.txt")"
  lab_wait_for --timeout 10 -- sh -c "! kill -0 ${LAB_PID[xfer-recv]} 2>/dev/null" ||
    lab_fail "$kind: lab-tcp-xfer recv did not finish"
  unset "LAB_PID[xfer-recv]"
  lab_wait_for --timeout $((seconds + 15)) -- grep -q " rate=" "$out" ||
    lab_fail "$kind: lab-flood did not finish: $(cat "$out")"
  lab_stop "flood-$kind"
  got_sum=$(sha256sum <"$LAB_DIR/received.bin" | cut -d' ' -f1)
  [ "$got_sum" = "$sent_sum" ] ||
    lab_fail "$kind: 8 MB transfer during the flood: sha256 $got_sum arrived, $sent_sum was sent"
  lab_daemon_alive v || lab_fail "$kind: flatnet on v died under the flood"
  sleep 0.5  # the control thread finishes what was queued
  after=$($measure) rss1=$(rss_kib)
  [ "$after" -gt "$before" ] || lab_fail "$kind: $what did not grow ($before -> $after)"
  [ "$rss1" -le $((rss0 + 65536)) ] ||
    lab_fail "$kind: v's resident memory grew from $((rss0 / 1024)) to $((rss1 / 1024)) MiB"
  lab_wait_for --timeout 5 -- lab_ping p "$v_ip" || lab_fail "$kind: the tunnel stopped carrying pings"
  local now_index
  now_index=$(lab_tunnel_field v "$p_ip" localIndex)
  [ "$now_index" = "$index" ] || lab_fail "$kind: the tunnel was replaced (local index $index -> $now_index)"
  echo "ok - $kind: $(sed -n 's/^lab-flood: //p' "$out" | tail -1); $what +$((after - before));" \
    "8 MB arrived intact; RSS $((rss0 / 1024)) -> $((rss1 / 1024)) MiB; same tunnel"
}

handshakes_dropped() { counter handshakes_dropped; }
handshakes_completed() { counter handshakes_completed; }
relay_refused() { counter relay_refused; }
# Test replies are answered by the outside path without a counter: x counts them.
replies_to_x() {
  sed -n 's/^lab-flood: .* received=\([0-9]*\).*/\1/p' "$LAB_DIR/flood-test-request.out" 2>/dev/null |
    tail -1 | grep . || echo 0
}
recv_errors_refused() {
  echo $(($(counter rx_dropped_no_tunnel) + $(counter rx_dropped_queue_stranger)))
}

flood garbage total_drops "dropped datagrams" garbage
flood stage1-foreign handshakes_dropped "handshakes_dropped" --cert "$pki/intruder.crt" stage1
# Replays of p's certificate complete the responder's side each time; they may only ever
# become candidates (at most a few, for 30 s), never the tunnel p uses.
flood stage1-replay handshakes_completed "handshakes_completed (as candidates)" --cert "$pki/p.crt" stage1
flood recv-error recv_errors_refused "recv_errors refused (no tunnel or queue full)" recv-error
# Aimed at the tunnel to p: the index v sends p with, from x's address, not p's.
remote_index=$(lab_tunnel_field v "$p_ip" remoteIndex)
[ -n "$remote_index" ] || lab_fail "v reports no remote index for its tunnel to $p_ip"
flood recv-error-aimed recv_errors_refused "recv_errors refused (not from p's address)" \
  --index "$remote_index" recv-error
flood relay-request relay_refused "relay_refused" --cert "$pki/x.crt" --key "$pki/x.key" \
  --relay-to 192.168.0.0/16 relay-request
flood test-request replies_to_x "test replies x received" --cert "$pki/x.crt" --key "$pki/x.key" \
  test-request
echo "flood_test PASSED"
