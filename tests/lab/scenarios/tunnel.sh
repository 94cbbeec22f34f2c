#!/usr/bin/env bash
# Tunnel scenario: two hosts on one segment, each knows the other from static_host_map,
# no lighthouse. Either side may be flatnet or any listed nebula release, so the same run
# checks interop (IMPL: flatnet, nebula, nebula-VERSION; see docs/lab.md).
#
#   tunnel.sh --a IMPL --b IMPL --initiator a|b --cipher aes|chachapoly
#             [--size-mb N]   (default 100)   [--routines N]   (default 1)
#             [--cert-version 1|2|both]   [--curve 25519|P256]   (default 1, 25519; see
#             LAB_CERT_VERSION and LAB_CERT_CURVE in lib/netlab.sh)
#
# Checks, in order (any failure exits 1 with a line saying what failed):
#  1. the initiator pings the peer over the overlay (the handshake starts on that side);
#  2. N MB of random bytes cross a TCP connection each way; sha256 at both ends match;
#  3. the peer is stopped (TERM) and started again: the initiator reaches it within 5 s;
#  4. the peer is killed (KILL, no goodbye) and started again: reachable within 5 s.
# Prints the handshake, transfer and recovery times it measured.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/../lib/tcp_transfer.sh"

impl_a="" impl_b="" initiator="" cipher="" size_mb=100 routines=1
while [ $# -gt 0 ]; do
  case $1 in
    --a) impl_a=$2; shift 2 ;;
    --b) impl_b=$2; shift 2 ;;
    --initiator) initiator=$2; shift 2 ;;
    --cipher) cipher=$2; shift 2 ;;
    --size-mb) size_mb=$2; shift 2 ;;
    --routines) routines=$2; shift 2 ;;
    --cert-version) export LAB_CERT_VERSION=$2; shift 2 ;;
    --curve) export LAB_CERT_CURVE=$2; shift 2 ;;
    *) echo "tunnel.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
usage="usage: tunnel.sh --a IMPL --b IMPL --initiator a|b --cipher aes|chachapoly [--size-mb N]"
for impl in "$impl_a" "$impl_b"; do
  lab_impl_ok "$impl" || { echo "tunnel.sh: IMPL '$impl' is not one of $(lab_impl_names); $usage" >&2; exit 2; }
done
case $initiator in a | b) ;; *) echo "tunnel.sh: --initiator '$initiator' is not a or b; $usage" >&2; exit 2 ;; esac
case $cipher in aes | chachapoly) ;; *) echo "tunnel.sh: --cipher '$cipher' is not aes or chachapoly; $usage" >&2; exit 2 ;; esac
[[ $size_mb =~ ^[0-9]+$ ]] && [ "$size_mb" -ge 1 ] && [ "$size_mb" -le 2000 ] ||
  { echo "tunnel.sh: --size-mb '$size_mb' is not 1..2000" >&2; exit 2; }
peer=$([ "$initiator" = a ] && echo b || echo a)
declare -A impl=([a]=$impl_a [b]=$impl_b)

lab_init tunnel
summary="a=$impl_a b=$impl_b initiator=$initiator cipher=$cipher routines=$routines certs=v${LAB_CERT_VERSION:-1}/${LAB_CERT_CURVE:-25519}"
echo "tunnel scenario: $summary"

lab_segment wire 198.51.100.0/24
lab_host a --on wire
lab_host b --on wire
lab_pki a=192.168.100.1/24 b=192.168.100.2/24
lab_config a --static b --cipher "$cipher" --routines "$routines"
lab_config b --static a --cipher "$cipher" --routines "$routines"
lab_start_daemon a "$impl_a"
lab_start_daemon b "$impl_b"
peer_ip=$(lab_overlay "$peer")
init_ip=$(lab_overlay "$initiator")

# ---- 1. Handshake, started by the initiator's first packet ----------------------------
lab_wait_for --timeout 10 -- lab_ping "$initiator" "$peer_ip" ||
  lab_fail "$initiator (${impl[$initiator]}) cannot ping $peer (${impl[$peer]}) at $peer_ip within 10 s; logs in $LAB_DIR"
echo "ok 1 - $initiator pings $peer over the overlay (first reply after ${LAB_WAITED_MS} ms)"

# ---- 2. Bulk TCP both ways, checksummed at both ends ----------------------------------
blob="$LAB_DIR/blob"
head -c "${size_mb}M" /dev/urandom >"$blob"
lab_tcp_transfer "$initiator" "$peer" "$peer_ip" "$blob"
lab_tcp_transfer "$peer" "$initiator" "$init_ip" "$blob"
echo "ok 2 - ${size_mb} MB each way, checksums match"

# ---- 3./4. The peer restarts; the initiator must reach it again within 5 s ------------
# The initiator keeps pinging at about 3 packets/s, as a busy application would: after a
# KILL, it still holds the old tunnel, and the restarted peer's recv_error replies (nebula
# gives up on a tunnel after the 4th) are what make it handshake again.
restart_peer() {
  local how=$1
  if [ "$how" = KILL ]; then lab_stop_daemon "$peer" --kill; else lab_stop_daemon "$peer"; fi
  lab_start_daemon "$peer" "${impl[$peer]}"
  if ! lab_wait_for --timeout 5 --interval 0.05 -- lab_ping "$initiator" "$peer_ip" 0.25; then
    lab_fail "after a $how restart of $peer (${impl[$peer]}), $initiator (${impl[$initiator]}) could not reach it within 5 s (waited ${LAB_WAITED_MS} ms); logs in $LAB_DIR"
  fi
  echo "ok - $peer restarted after $how: reachable again ${LAB_WAITED_MS} ms after its daemon came up"
}
restart_peer TERM
restart_peer KILL
# And the data path works in both directions after the last restart.
lab_wait_for --timeout 5 -- lab_ping "$peer" "$init_ip" ||
  lab_fail "$peer cannot ping $initiator after the restarts"
echo "ok 3 - restarts recovered, traffic flows both ways"
echo "tunnel scenario PASSED: $summary"
