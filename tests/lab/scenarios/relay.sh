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
source "$here/../lib/flatnet_status.sh"

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
xfer=$(lab_tool lab-tcp-xfer)
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

blob="$LAB_DIR/blob"
head -c 10M /dev/urandom >"$blob"
sent_sum=$(sha256sum <"$blob" | cut -d' ' -f1)
lab_spawn b recv bash -c "set -o pipefail; '$xfer' recv --port 5001 --time-limit 60 | sha256sum >'$LAB_DIR/recv.sha'"
sleep 0.3
lab_exec a "$xfer" send --to "$b_ip:5001" --time-limit 60 <"$blob" 2>"$LAB_DIR/send.log" ||
  lab_fail "TCP transfer a -> b through the relay failed: $(cat "$LAB_DIR/send.log")"
lab_wait_for --timeout 10 -- test -s "$LAB_DIR/recv.sha" || lab_fail "b's receiver did not finish"
[ "$(cut -d' ' -f1 <"$LAB_DIR/recv.sha")" = "$sent_sum" ] || lab_fail "sha256 differs after the relay"
echo "ok 1 - 10 MB a -> b through the relay, sha256 match; $(sed 's/^lab-tcp-xfer: //' "$LAB_DIR/send.log")"

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
pattern_hex=666c61746e65742d7365637265742121   # "flatnet-secret!!"
pattern_text='flatnet-secret!!'
capture="$LAB_DIR/relay.pcap"
forwarded_before=0
[ "$relay" = flatnet ] && forwarded_before=$(lab_counter r relay_forwarded)
lab_spawn r tcpdump tcpdump -U -n -i any -w "$capture" udp port 4242
lab_wait_for --timeout 5 -- test -s "$capture" || sleep 1
lab_exec a ping -c 10 -i 0.1 -W 2 -p "$pattern_hex" -q "$b_ip" >"$LAB_DIR/ping.out" 2>&1 ||
  lab_fail "pings with the pattern did not all come back: $(cat "$LAB_DIR/ping.out")"
sleep 0.5
lab_stop tcpdump
# The pattern did travel: ping's own payload check passed, and it is in a plain local copy.
relayed=$(tcpdump -n -r "$capture" 2>/dev/null | grep -c "4242" || true)
[ "$relayed" -ge 20 ] || lab_fail "the capture on the relay holds only $relayed datagrams; did traffic go through it?"
if grep -a -q -F "$pattern_text" "$capture"; then
  lab_fail "the relay's capture contains the plaintext pattern '$pattern_text'"
fi
echo "ok 3 - the relay carried $relayed datagrams during the pings, none holding the plaintext pattern"
if [ "$relay" = flatnet ]; then
  forwarded=$(($(lab_counter r relay_forwarded) - forwarded_before))
  [ "$forwarded" -ge 20 ] || lab_fail "the relay's relay_forwarded grew by $forwarded, expected >= 20 (10 pings each way)"
  echo "ok 3 - the flatnet relay counted $forwarded relayed messages"
fi
echo "relay scenario PASSED: relay=$relay a=$impl_a b=$impl_b"
