#!/usr/bin/env bash
# Self-test of the lab (tests/lab/lib/netlab.sh), with the real nebula only:
#  1. NAT kinds behave as named: behind `masq` one socket keeps one public port for every
#     destination; behind `symmetric` each destination sees a different port. Nested NATs
#     and port forwards work.
#  2. Two hosts behind different MASQUERADE routers plus a lighthouse on the internet
#     segment: nebula everywhere, the hosts ping each other over the overlay.
#  3. Their tunnel is direct: with the lighthouse killed (and relays off for them) traffic
#     still flows; while two hosts behind symmetric NATs, which need the lighthouse as a
#     relay, lose each other.
#  4. lab-udp-inject's attacks reach a nebula and leave it serving; spoofed re-sends of a
#     peer's captured datagrams reach the victim's decryption (nebula logs the failures).
#  5. Teardown stops every daemon and leaves no namespace with the lab's prefix.
set -euo pipefail
source "${FLATNET_SRC:-$(dirname "$0")/../..}/tests/lab/lib/netlab.sh"

checks=0
pass() {
  checks=$((checks + 1))
  echo "ok $checks - $*"
}

lab_init netlab
[ -x "$NEBULA" ] || lab_fail "nebula not installed at $NEBULA; this test needs it"
probe=$(lab_tool lab-udp-probe)
inject=$(lab_tool lab-udp-inject)

# ---- Topology: lighthouse and two probe servers on the internet, three NATed hosts ----
lab_segment internet
lab_host lh --on internet
lab_host stun1 --on internet
lab_host stun2 --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq
lab_host_behind s --upstream internet --nat symmetric
lab_host_behind s2 --upstream internet --nat symmetric

# ---- 1. NAT kinds ---------------------------------------------------------------------
lab_spawn stun1 stun1 "$probe" serve --port 3478 --time-limit 60
lab_spawn stun2 stun2 "$probe" serve --port 3478 --time-limit 60
servers=("$(lab_ip stun1):3478" "$(lab_ip stun2):3478")
# Sets `ports` to the public ports NODE's one socket (port 5000) shows the two servers;
# both servers must see the address of NODE's router NAT.
probe_ports() {
  local node=$1 nat_addr=$2 out
  out=$(lab_exec "$node" "$probe" ask --from-port 5000 "${servers[@]}") ||
    lab_fail "probe from $node got no answer: $out"
  echo "$out"
  ports=()
  while read -r _ _ seen; do  # "<server> seen <public addr>:<port>"
    [ "${seen%:*}" = "$nat_addr" ] || lab_fail "$node seen as $seen, not from its NAT $nat_addr"
    ports+=("${seen##*:}")
  done <<<"$out"
  [ "${#ports[@]}" -eq 2 ] || lab_fail "probe from $node: expected 2 answers, got: $out"
}
probe_ports a "$(lab_ip a-nat1)"
[ "${ports[0]}" = "${ports[1]}" ] ||
  lab_fail "masq router gave different public ports per destination: ${ports[*]}"
pass "masq NAT: one public port for both destinations (${ports[0]})"
probe_ports s "$(lab_ip s-nat1)"
[ "${ports[0]}" != "${ports[1]}" ] ||
  lab_fail "symmetric router gave the same public port to both destinations: ${ports[*]}"
pass "symmetric NAT: a different public port per destination (${ports[0]} vs ${ports[1]})"

# Nested NATs: from behind three layers, the internet sees the outermost router.
lab_host_behind deep --upstream internet --nat "masq masq symmetric"
probe_ports deep "$(lab_ip deep-nat1)"
pass "3 nested NATs: the internet sees the outermost router $(lab_ip deep-nat1)"
# A port forward makes a server on a LAN reachable at its router's public address.
lab_forward a-nat1 --proto udp --port 3478 --to a
lab_spawn a probe-server-a "$probe" serve --port 3478 --time-limit 60
out=$(lab_exec stun1 "$probe" ask --from-port 5001 "$(lab_ip a-nat1):3478") ||
  lab_fail "port forward: no answer through $(lab_ip a-nat1):3478: $out"
[ "$out" = "$(lab_ip a-nat1):3478 seen $(lab_ip stun1):5001" ] ||
  lab_fail "port forward: unexpected answer '$out'"
pass "port forward: $(lab_ip a-nat1):3478 reaches a's server"
lab_stop probe-server-a

# ---- 2. Overlay through two MASQUERADE routers ----------------------------------------
# The lighthouse is also a relay, but only s and s2 (both behind symmetric NATs, where
# punching cannot work) use it; a and b must meet directly.
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24 s=192.168.100.4/24 \
  s2=192.168.100.5/24
lab_config lh --am-lighthouse --am-relay
lab_config a --lighthouse lh --punchy --no-use-relays
lab_config b --lighthouse lh --punchy --no-use-relays
lab_config s --lighthouse lh --punchy --relay lh
lab_config s2 --lighthouse lh --punchy --relay lh
for host in lh a b s s2; do lab_start_daemon "$host" nebula; done
lab_wait_for --timeout 20 -- lab_ping a "$(lab_overlay b)" ||
  lab_fail "a cannot ping b over the overlay within 20 s (logs in $LAB_DIR)"
pass "a pings b over the overlay after ${LAB_WAITED_MS} ms"
lab_wait_for --timeout 10 -- lab_ping b "$(lab_overlay a)" || lab_fail "b cannot ping a"
pass "b pings a over the overlay"

lab_wait_for --timeout 20 -- lab_ping s "$(lab_overlay s2)" ||
  lab_fail "s cannot reach s2 (both behind symmetric NATs) through the relay within 20 s"
pass "s pings s2 across two symmetric NATs (through the relay) after ${LAB_WAITED_MS} ms"

# ---- 4a. Made-up garbage at the lighthouse, which must keep serving -------------------
lh_addr="$(lab_ip lh):4242"
for attack in "garbage 300" "truncated 300" "unknown-type 300" "oversize 20" "handshake-flood 300"; do
  # shellcheck disable=SC2086
  out=$(lab_exec stun1 "$inject" --to "$lh_addr" --seed 7 $attack) ||
    lab_fail "lab-udp-inject $attack did not send everything: $out"
  echo "$out"
done
lab_daemon_alive lh || lab_fail "nebula lighthouse died under injected datagrams"
lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay lh)" ||
  lab_fail "lighthouse stopped answering over the overlay after the injections"
pass "lighthouse survives garbage/truncated/unknown-type/oversize/handshake-flood and still answers"

# ---- 4b. Spoofed re-sends of a's real datagrams to b ----------------------------------
# With one host behind each MASQUERADE router, b's public endpoint keeps port 4242.
b_public="$(lab_ip b-nat1):4242"
lab_exec a ping -c 30 -i 0.1 -W 1 -q "$(lab_overlay b)" >/dev/null 2>&1 &
pinger=$!
out=$(lab_exec a "$inject" --to "$b_public" --from-port 4242 --type 1 --capture-timeout 5 \
  replay 5) || lab_fail "replay did not capture and resend 5 datagrams: $out"
echo "$out"
before=$(grep -c "Failed to decrypt packet" "$(lab_log_of b)" || true)
out=$(lab_exec a "$inject" --to "$b_public" --from-port 4242 --type 1 --capture-timeout 5 \
  --flip counter corrupt 5) || lab_fail "corrupt did not capture and resend 5 datagrams: $out"
echo "$out"
wait "$pinger" || true
count_failures() {
  [ $(($(grep -c "Failed to decrypt packet" "$(lab_log_of b)" || true) - before)) -ge 5 ]
}
lab_wait_for --timeout 5 -- count_failures ||
  lab_fail "b's nebula did not log 5 'Failed to decrypt packet' for the corrupted re-sends"
pass "spoofed re-sends from a's address:port reach b's decryption (5 failures logged)"
lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay b)" ||
  lab_fail "a cannot ping b after the replayed and corrupted datagrams"
pass "a still pings b after replay and corruption"

# ---- 3. The tunnel is direct: it outlives the lighthouse ------------------------------
lab_stop_daemon lh --kill
lab_exec a ping -c 5 -i 0.3 -W 1 -q "$(lab_overlay b)" >/dev/null ||
  lab_fail "a lost b when the lighthouse died: the tunnel was not direct"
pass "5/5 pings a->b with the lighthouse dead: the tunnel is direct"
# The same check does catch a tunnel that is not direct: s's path to s2 went through
# the lighthouse, and now it is gone.
! lab_exec s ping -c 3 -i 0.3 -W 1 -q "$(lab_overlay s2)" >/dev/null ||
  lab_fail "s still reaches s2 without the relay: symmetric NATs were punched through?"
pass "s->s2 (relayed) stops with the lighthouse: the direct check can tell the difference"

# ---- 5. Teardown ----------------------------------------------------------------------
pids=("$(lab_daemon_pid a)" "$(lab_daemon_pid b)" "$(lab_daemon_pid s)" "$(lab_daemon_pid s2)")
lab_teardown 0
for pid in "${pids[@]}"; do
  ! kill -0 "$pid" 2>/dev/null || lab_fail "daemon PID $pid survived teardown"
done
[ -z "$(lab_leftovers)" ] || lab_fail "namespaces left after teardown: $(lab_leftovers)"
lab_teardown 0  # idempotent: a second call is harmless
pass "teardown stopped the daemons and removed every $LAB_PREFIX-* namespace"
echo "$checks passed, 0 failed"
