#!/usr/bin/env bash
# Relay scenario: two members behind symmetric NATs (a new port per destination, so hole
# punching between them fails) reach each other through a relay that is also the
# lighthouse. Any host may be flatnet or any listed nebula release (IMPL: flatnet, nebula,
# nebula-VERSION).
#
#   relay.sh --relay IMPL --a IMPL --b IMPL
#
# Checks:
#  1. a pings b (through the relay) and 10 MB cross a TCP connection with matching sha256;
#  2. the path really is the relay: a flatnet member's tunnel names the relay as its remote,
#     and a flatnet relay's relay_forwarded counter grew by at least the packets sent;
#  3. the relay could not read the traffic: a capture on the relay's underlay interface
#     during pings carrying a known 16-byte pattern holds relayed datagrams but never the
#     pattern.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/nat_lib.sh"  # nat_expect_relay_blind; flatnet_status.sh
source "$here/../lib/tcp_transfer.sh"

relay="" impl_a="" impl_b=""
while [ $# -gt 0 ]; do
  case $1 in
    --relay) relay=$2; shift 2 ;;
    --a) impl_a=$2; shift 2 ;;
    --b) impl_b=$2; shift 2 ;;
    *) echo "relay.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for impl in "$relay" "$impl_a" "$impl_b"; do
  lab_impl_ok "$impl" || { echo "relay.sh: IMPL '$impl' is not one of $(lab_impl_names)" >&2; exit 2; }
done
command -v tcpdump >/dev/null || lab_fail "tcpdump is not installed (scripts/setup.sh installs it)"

lab_init relay
echo "relay scenario: relay=$relay a=$impl_a b=$impl_b"
lab_segment internet
lab_host r --on internet
lab_host_behind a --upstream internet --nat symmetric
lab_host_behind b --upstream internet --nat symmetric
lab_pki r=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24
lab_config r --am-lighthouse --am-relay
lab_config a --lighthouse r --punchy --relay r
lab_config b --lighthouse r --punchy --relay r
lab_start_daemon r "$relay"
lab_start_daemon a "$impl_a"
lab_start_daemon b "$impl_b"
a_ip=$(lab_overlay a) b_ip=$(lab_overlay b)

# b must have told the lighthouse which relay reaches it before a asks.
lab_wait_for --timeout 10 -- lab_ping b "$(lab_overlay r)" || lab_fail "b cannot reach the relay"
lab_wait_for --timeout 20 -- lab_ping a "$b_ip" 2 ||
  lab_fail "a ($impl_a) cannot ping b ($impl_b) through the relay ($relay); logs in $LAB_DIR"
echo "ok 1 - a pings b through the relay (after ${LAB_WAITED_MS} ms)"

head -c 10M /dev/urandom >"$LAB_DIR/blob"
lab_tcp_transfer a b "$b_ip" "$LAB_DIR/blob"
echo "ok 1 - 10 MB a -> b through the relay, sha256 match"

if [ "$impl_a" = flatnet ]; then
  remote=$(lab_tunnel_field a "$b_ip" remote)
  [ "$remote" = "relay $(lab_overlay r)" ] || lab_fail "a's tunnel to b goes via '$remote', not the relay"
  echo "ok 2 - a's tunnel to b runs through the relay ($remote)"
fi
if [ "$impl_b" = flatnet ]; then
  remote=$(lab_tunnel_field b "$a_ip" remote)
  [ "$remote" = "relay $(lab_overlay r)" ] || lab_fail "b's tunnel to a goes via '$remote', not the relay"
  echo "ok 2 - b's tunnel to a runs through the relay ($remote)"
fi

# ---- 3. The relay sees the traffic but can't read it ------------------------------------
nat_expect_relay_blind r a "$b_ip"
echo "relay scenario PASSED: relay=$relay a=$impl_a b=$impl_b"
