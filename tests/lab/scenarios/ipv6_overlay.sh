#!/usr/bin/env bash
# Overlay addresses beyond one IPv4 network per host: two hosts on one segment, each knowing
# the other from static_host_map (its certificate's first address), version-2 certificates.
# Either side may be flatnet or a listed nebula release from 1.10 (IMPL: flatnet,
# nebula-VERSION).
#
#   ipv6_overlay.sh --a IMPL --b IMPL --case v6only|dual|two4 [--initiator a|b] [--size-mb N]
#
#   v6only  a fd00:100::1/64,                   b fd00:100::2/64
#   dual    a 192.168.100.1/24 + fd00:100::1/64, b 192.168.100.2/24 + fd00:100::2/64
#   two4    a 192.168.100.1/24 + 192.168.101.1/24, b 192.168.100.2/24 + 192.168.101.2/24
#
# Checks, in order (any failure exits 1 with a line saying what failed):
#  1. each host's tun device holds every network of its certificate (`ip addr`);
#  2. the initiator (default a) pings the peer's first address, which starts the handshake;
#     then each host pings every overlay address of the other, over that one tunnel;
#  3. N MB (default 100) of random bytes cross a TCP connection to every overlay address of
#     the peer, each way, sha256 matching at both ends (the last network of each host's
#     certificate gets N MB, the others min(N, 10) MB, to keep the lab short).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/ipv6_lib.sh"

impl_a="" impl_b="" case_name="" initiator=a size_mb=100
while [ $# -gt 0 ]; do
  case $1 in
    --a) impl_a=${2:-}; shift 2 ;;
    --b) impl_b=${2:-}; shift 2 ;;
    --case) case_name=${2:-}; shift 2 ;;
    --initiator) initiator=${2:-}; shift 2 ;;
    --size-mb) size_mb=${2:-}; shift 2 ;;
    *) echo "ipv6_overlay.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
usage="usage: ipv6_overlay.sh --a IMPL --b IMPL --case v6only|dual|two4 [--initiator a|b] [--size-mb N]"
for impl in "$impl_a" "$impl_b"; do
  lab_impl_ok "$impl" || { echo "ipv6_overlay.sh: IMPL '$impl' is not one of $(lab_impl_names); $usage" >&2; exit 2; }
  ipv6_impl_ok "$impl" || { echo "ipv6_overlay.sh: IMPL '$impl': nebula before 1.10 reads no version-2 certificate" >&2; exit 2; }
done
case $case_name in
  v6only) nets_a=fd00:100::1/64 nets_b=fd00:100::2/64 ;;
  dual) nets_a=192.168.100.1/24,fd00:100::1/64 nets_b=192.168.100.2/24,fd00:100::2/64 ;;
  two4) nets_a=192.168.100.1/24,192.168.101.1/24 nets_b=192.168.100.2/24,192.168.101.2/24 ;;
  *) echo "ipv6_overlay.sh: --case '$case_name' is not v6only, dual or two4; $usage" >&2; exit 2 ;;
esac
case $initiator in a | b) ;; *) echo "ipv6_overlay.sh: --initiator '$initiator' is not a or b; $usage" >&2; exit 2 ;; esac
[[ $size_mb =~ ^[0-9]+$ ]] && [ "$size_mb" -ge 1 ] && [ "$size_mb" -le 2000 ] ||
  { echo "ipv6_overlay.sh: --size-mb '$size_mb' is not 1..2000" >&2; exit 2; }
peer=$([ "$initiator" = a ] && echo b || echo a)
declare -A impl=([a]=$impl_a [b]=$impl_b)
summary="case=$case_name a=$impl_a b=$impl_b initiator=$initiator"
started=$(lab_now_ms)

lab_init ipv6ovl
echo "IPv6 overlay scenario: $summary"
lab_segment wire 198.51.100.0/24
lab_host a --on wire
lab_host b --on wire
ipv6_enable a b
ipv6_pki a="$nets_a" b="$nets_b"
lab_config a --static b
lab_config b --static a
lab_start_daemon a "$impl_a"
lab_start_daemon b "$impl_b"

# ---- 1. The tun devices hold every network ------------------------------------------------
for host in a b; do
  for net in $(ipv6_nets "$host"); do
    lab_wait_for --timeout 5 -- ipv6_tun_has "$host" "$net" || {
      lab_exec "$host" ip addr show dev "$(lab_tun "$host")" >&2 || true
      lab_fail "$host (${impl[$host]}): its tun device $(lab_tun "$host") lacks $net from its certificate"
    }
  done
done
echo "ok 1 - both tun devices hold their certificates' networks: a $(ipv6_nets a | xargs), b $(ipv6_nets b | xargs)"

# ---- 2. Pings to every address ------------------------------------------------------------
first=$(lab_overlay "$peer")
lab_wait_for --timeout 10 -- lab_ping "$initiator" "$first" ||
  lab_fail "$initiator (${impl[$initiator]}) cannot ping $peer (${impl[$peer]}) at $first within 10 s; logs in $LAB_DIR"
echo "ok 2 - $initiator pings $peer at $first (first reply after ${LAB_WAITED_MS} ms)"
for pair in "$initiator $peer" "$peer $initiator"; do
  read -r from to <<<"$pair"
  for addr in $(ipv6_addrs "$to"); do
    lab_wait_for --timeout 5 -- lab_ping "$from" "$addr" ||
      lab_fail "$from (${impl[$from]}) cannot ping $to (${impl[$to]}) at $addr within 5 s; logs in $LAB_DIR"
    echo "ok - $from pings $to at $addr"
  done
done

# ---- 3. Bulk TCP to every address, both ways ----------------------------------------------
head -c "${size_mb}M" /dev/urandom >"$LAB_DIR/blob"
small=$((size_mb < 10 ? size_mb : 10))
head -c "${small}M" "$LAB_DIR/blob" >"$LAB_DIR/blob-small"
for pair in "$initiator $peer" "$peer $initiator"; do
  read -r from to <<<"$pair"
  last=$(ipv6_addrs "$to" | tail -n 1)
  for addr in $(ipv6_addrs "$to"); do
    file="$LAB_DIR/blob-small"
    [ "$addr" != "$last" ] || file="$LAB_DIR/blob"
    lab_tcp_transfer "$from" "$to" "$addr" "$file"
  done
done
echo "ok 3 - TCP to every overlay address each way, checksums match (${size_mb} MB to the last address, ${small} MB to others)"
echo "IPv6 overlay scenario PASSED: $summary ($(( ($(lab_now_ms) - started) / 1000 )) s)"
