#!/usr/bin/env bash
# Relays with IPv6 overlay addresses: two members behind symmetric NATs (a new port per
# destination, so hole punching between them fails) reach each other through a relay that
# is also the lighthouse. Every certificate is version 2 with one IPv6 network (r
# fd00:100::1, a fd00:100::2, b fd00:100::3), so the relay control messages and the
# lighthouse's relay lists carry IPv6 addresses; the underlay stays IPv4.
#
#   ipv6_relay.sh --relay IMPL --a IMPL --b IMPL   (IMPL: flatnet, nebula-VERSION >= 1.10)
#
# Checks:
#  1. a pings b, and 10 MB cross a TCP connection a -> b with matching sha256;
#  2. the path is the relay, as a user would see it: while a pings b, every datagram a and
#     b get comes from the relay's address, none from the other's router (iptables
#     counters); a flatnet member's `flatnet status -json` names the relay as the tunnel's
#     remote; a nebula member logged the handshake with the peer as "(relayed)"; a flatnet
#     relay's relay_forwarded counter grew by at least the packets sent;
#  3. the relay could not read the traffic: a capture on the relay during pings carrying a
#     known 16-byte pattern holds relayed datagrams but never the pattern.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/nat_lib.sh"  # nat_count_udp_from, nat_udp_from, nat_pings, nat_expect_relay_blind
source "$here/ipv6_lib.sh"

relay="" impl_a="" impl_b=""
while [ $# -gt 0 ]; do
  case $1 in
    --relay) relay=${2:-}; shift 2 ;;
    --a) impl_a=${2:-}; shift 2 ;;
    --b) impl_b=${2:-}; shift 2 ;;
    *) echo "ipv6_relay.sh: unknown argument '$1' (usage: --relay IMPL --a IMPL --b IMPL)" >&2; exit 2 ;;
  esac
done
for impl in "$relay" "$impl_a" "$impl_b"; do
  lab_impl_ok "$impl" || { echo "ipv6_relay.sh: IMPL '$impl' is not one of $(lab_impl_names)" >&2; exit 2; }
  ipv6_impl_ok "$impl" || { echo "ipv6_relay.sh: IMPL '$impl': nebula before 1.10 reads no version-2 certificate" >&2; exit 2; }
done
command -v tcpdump >/dev/null || { echo "ipv6_relay.sh: tcpdump is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
summary="relay=$relay a=$impl_a b=$impl_b, IPv6-only overlay"
started=$(lab_now_ms)

lab_init ipv6rly
echo "IPv6 relay scenario: $summary"
lab_segment internet
lab_host r --on internet
lab_host_behind a --upstream internet --nat symmetric
lab_host_behind b --upstream internet --nat symmetric
ipv6_enable r a b
ipv6_pki r=fd00:100::1/64 a=fd00:100::2/64 b=fd00:100::3/64
lab_config r --am-lighthouse --am-relay
lab_config a --lighthouse r --punchy --relay r
lab_config b --lighthouse r --punchy --relay r
lab_start_daemon r "$relay"
lab_start_daemon a "$impl_a"
lab_start_daemon b "$impl_b"
a_ip=$(lab_overlay a) b_ip=$(lab_overlay b) r_ip=$(lab_overlay r)
r_public=$(lab_ip r) a_public=$(lab_ip a-nat1) b_public=$(lab_ip b-nat1)

# ---- 1. Through the relay ---------------------------------------------------------------
# b must have told the lighthouse which relay reaches it before a asks.
lab_wait_for --timeout 10 -- lab_ping b "$r_ip" || lab_fail "b ($impl_b) cannot reach the relay at $r_ip"
lab_wait_for --timeout 20 -- lab_ping a "$b_ip" 2 ||
  lab_fail "a ($impl_a) cannot ping b ($impl_b) at $b_ip through the relay ($relay); logs in $LAB_DIR"
echo "ok 1 - a pings b at $b_ip through the relay (after ${LAB_WAITED_MS} ms)"
head -c 10M /dev/urandom >"$LAB_DIR/blob"
lab_tcp_transfer a b "$b_ip" "$LAB_DIR/blob"
echo "ok 2 - 10 MB a -> b through the relay, sha256 match"

# ---- 2. The path is the relay -----------------------------------------------------------
for pair in "a $b_public" "a $r_public" "b $a_public" "b $r_public"; do
  read -r host addr <<<"$pair"
  nat_count_udp_from "$host" "$addr"
done
a_from_r=$(nat_udp_from a "$r_public") a_from_b=$(nat_udp_from a "$b_public")
b_from_r=$(nat_udp_from b "$r_public") b_from_a=$(nat_udp_from b "$a_public")
nat_pings a b 10 || lab_fail "a cannot ping b ($b_ip) 10 times in a row through the relay"
a_from_r=$(($(nat_udp_from a "$r_public") - a_from_r)) a_from_b=$(($(nat_udp_from a "$b_public") - a_from_b))
b_from_r=$(($(nat_udp_from b "$r_public") - b_from_r)) b_from_a=$(($(nat_udp_from b "$a_public") - b_from_a))
[ "$a_from_r" -ge 10 ] && [ "$b_from_r" -ge 10 ] ||
  lab_fail "during 10 pings a got $a_from_r and b got $b_from_r datagrams from the relay $r_public (expected >= 10 each): the path is not the relay"
[ "$a_from_b" -eq 0 ] && [ "$b_from_a" -eq 0 ] ||
  lab_fail "during 10 pings a got $a_from_b datagrams from b's router $b_public and b $b_from_a from a's $a_public: a direct path exists, so this is no relay test"
echo "   evidence: during 10 pings a got $a_from_r and b $b_from_r datagrams from the relay $r_public, none from each other's routers"
for pair in "a $b_ip" "b $a_ip"; do
  read -r host peer_ip <<<"$pair"
  if [ "$(cat "$LAB_DIR/$host.impl")" = flatnet ]; then
    remote=$(lab_tunnel_field "$host" "$peer_ip" remote)
    [ "$remote" = "relay $r_ip" ] || lab_fail "flatnet status on $host: the tunnel to $peer_ip goes via '$remote', not 'relay $r_ip'"
    echo "   evidence: flatnet status on $host: tunnel to $peer_ip via $remote"
  else
    from=$(ipv6_nebula_handshake_from "$host" "$peer_ip")
    [[ $from == *"(relayed)" ]] ||
      lab_fail "nebula on $host logged its handshake with $peer_ip from '$from', not through a relay"
    echo "   evidence: nebula on $host logged the handshake with $peer_ip from $from"
  fi
done
echo "ok 3 - a and b talk through the relay $r_ip"

# ---- 3. The relay sees the traffic but can't read it --------------------------------------
nat_expect_relay_blind r a "$b_ip"
echo "IPv6 relay scenario PASSED: $summary ($(( ($(lab_now_ms) - started) / 1000 )) s)"
