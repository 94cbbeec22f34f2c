#!/usr/bin/env bash
# Relayed throughput beside direct, flatnet beside nebula, measured in the same run.
#
#   bench/relay_throughput.sh [--time S] [--impls "nebula flatnet"]
#
# Three hosts on one segment: a relay r (also the lighthouse) and members a and b. For each
# implementation (every host runs it), one iperf3 TCP stream a -> b for S seconds (default
# 8):
#   direct   a and b know each other (static_host_map): a direct tunnel
#   relayed  a and b only know r, and b's firewall-free path to a is blocked with an
#            iptables rule on each member (drop UDP between them), so punching fails and
#            the tunnel goes through r
# Prints Mbit/s for each, and the ratios relayed/direct and flatnet/nebula. Needs root and
# iperf3. Never part of CTest: figures, not verdicts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"
source "$here/lib/iperf3.sh"

seconds=8 impls="nebula flatnet"
while [ $# -gt 0 ]; do
  case $1 in
    --time) seconds=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    *) echo "relay_throughput.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 120 ] ||
  { echo "relay_throughput.sh: --time '$seconds' is not 1..120" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "relay_throughput.sh: iperf3 is not installed" >&2; exit 1; }

lab_init rbench
lab_segment wire 198.51.100.0/24
lab_host r --on wire
lab_host a --on wire
lab_host b --on wire
lab_pki r=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24

block_members() {  # a and b may not talk to each other on the underlay at all
  lab_exec a iptables -A OUTPUT -d "$(lab_ip b)" -p udp -j DROP
  lab_exec b iptables -A OUTPUT -d "$(lab_ip a)" -p udp -j DROP
}
unblock_members() {
  lab_exec a iptables -F OUTPUT
  lab_exec b iptables -F OUTPUT
}

declare -A mbits=()
for impl in $impls; do
  lab_have "$impl" || { echo "relay_throughput: $impl not found; skipping it" >&2; continue; }
  for path in direct relayed; do
    if [ "$path" = direct ]; then
      lab_config a --static b --static r
      lab_config b --static a --static r
    else
      block_members
      lab_config a --lighthouse r --relay r
      lab_config b --lighthouse r --relay r
    fi
    lab_config r --am-lighthouse --am-relay
    lab_start_daemon r "$impl"
    lab_start_daemon a "$impl"
    lab_start_daemon b "$impl"
    lab_wait_for --timeout 10 -- lab_ping b "$(lab_overlay r)" || lab_fail "$impl: b cannot reach r"
    lab_wait_for --timeout 20 -- lab_ping a "$(lab_overlay b)" 2 ||
      lab_fail "$impl $path: no tunnel a -> b; logs in $LAB_DIR"
    mbits[$impl-$path]=$(bench_iperf3_mbits "$seconds" "$(lab_overlay b)")
    lab_stop_daemon a
    lab_stop_daemon b
    lab_stop_daemon r
    unblock_members
  done
done

echo
echo "Single TCP stream a -> b, ${seconds} s, $(nproc) cores (relay on the same machine)"
printf '%-10s %12s %12s %16s\n' impl "direct" "relayed" "relayed/direct"
for impl in $impls; do
  [ -n "${mbits[$impl-direct]:-}" ] || continue
  awk -v i="$impl" -v d="${mbits[$impl-direct]}" -v r="${mbits[$impl-relayed]}" \
    'BEGIN {printf "%-10s %12s %12s %16.2f\n", i, d, r, (d > 0 ? r / d : 0)}'
done
if [ -n "${mbits[nebula-relayed]:-}" ] && [ -n "${mbits[flatnet-relayed]:-}" ]; then
  awk -v f="${mbits[flatnet-relayed]}" -v n="${mbits[nebula-relayed]}" \
    -v fd="${mbits[flatnet-direct]}" -v nd="${mbits[nebula-direct]}" \
    'BEGIN {printf "ratio flatnet/nebula: direct %.2f, relayed %.2f\n", (nd > 0 ? fd / nd : 0), (n > 0 ? f / n : 0)}'
fi
