#!/usr/bin/env bash
# Handshake latency: how long the first packet to a new peer waits for its tunnel.
#
#   bench/handshake_latency.sh [--rounds N] [--cipher aes|chachapoly] [--impls "nebula flatnet"]
#
# Two namespaces joined by one veth. Each round starts both daemons fresh and times one
# ping from a to b over the overlay: both nebula and flatnet hold the packet that starts
# the handshake and send it once the tunnel is up, so that first RTT is the handshake plus
# one overlay round trip. A second ping gives the plain overlay RTT for comparison.
# Prints min / median / max per implementation (default 10 rounds). Never part of CTest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"

rounds=10 cipher=aes impls="nebula flatnet"
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --cipher) cipher=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    *) echo "handshake_latency.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 100 ] ||
  { echo "handshake_latency.sh: --rounds '$rounds' is not 1..100" >&2; exit 2; }

lab_init hslat
lab_pair a b 198.51.100.0/24
lab_pki a=192.168.100.1/24 b=192.168.100.2/24
lab_config a --static b --cipher "$cipher"
lab_config b --static a --cipher "$cipher"

# rtt_ms: the RTT in ms of one ping from a to b's overlay address, or "lost".
rtt_ms() {
  lab_exec a ping -c1 -W3 "$(lab_overlay b)" 2>/dev/null |
    sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | grep . || echo lost
}
# stats VALUES...: "min / median / max" of the numbers among VALUES, and how many were lost.
stats() {
  printf '%s\n' "$@" | grep -v lost | sort -g |
    awk -v all=$# '{v[NR] = $1} END {
      if (NR == 0) { print "all lost"; exit }
      printf "%.2f / %.2f / %.2f ms", v[1], v[int((NR + 1) / 2)], v[NR]
      if (NR < all) printf " (%d lost)", all - NR
      print ""
    }'
}

printf '%-10s %-36s %s\n' impl "first packet (min / median / max)" "after the handshake"
for impl in $impls; do
  if ! lab_have "$impl"; then
    echo "handshake_latency: $impl not found at $(lab_daemon_binary "$impl"); skipped" >&2
    continue
  fi
  first=() warm=()
  for ((round = 0; round < rounds; round++)); do
    lab_start_daemon a "$impl"
    lab_start_daemon b "$impl"
    first+=("$(rtt_ms)")
    warm+=("$(rtt_ms)")
    lab_stop_daemon a
    lab_stop_daemon b
  done
  printf '%-10s %-36s %s\n' "$impl" "$(stats "${first[@]}")" "$(stats "${warm[@]}")"
done
