#!/usr/bin/env bash
# Throughput over the IPv6 overlay next to the IPv4 overlay, flatnet beside nebula 1.11.1,
# measured in the same run.
#
#   bench/ipv6_throughput.sh [--time S] [--cipher aes|chachapoly] [--impls "nebula-1.11.1 flatnet"]
#
# Two namespaces joined by one veth (IPv4 underlay). Both hosts hold a dual-stack version-2
# certificate (192.168.100.x/24 and fd00:100::x/64), so one tunnel carries both families and
# the two figures differ only in the inner IP version. One iperf3 TCP stream (S seconds,
# default 10) over:
#   veth      the raw underlay (IPv4), the ceiling
#   IMPL      IMPL <-> IMPL, once to the peer's IPv4 overlay address, once to its IPv6 one
# and prints Mbit/s for each, the CPU seconds each daemon used during each run, the ratio
# IPv6/IPv4 per implementation and flatnet/nebula per family. An implementation whose binary
# is missing is left out, saying so; one that brings up no tunnel for a family (an
# IPv4-only flatnet) gets "n/a" there, saying why. Needs root, iperf3 and a nebula from 1.10
# (version-2 certificates). Never part of CTest: figures, not verdicts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"
source "$here/lib/iperf3.sh"
source "$here/../tests/lab/scenarios/ipv6_lib.sh"

seconds=10 cipher=aes impls="nebula-1.11.1 flatnet"
while [ $# -gt 0 ]; do
  case $1 in
    --time) seconds=${2:-}; shift 2 ;;
    --cipher) cipher=${2:-}; shift 2 ;;
    --impls) impls=${2:-}; shift 2 ;;
    *) echo "ipv6_throughput.sh: unknown argument '$1' (usage: [--time S] [--cipher aes|chachapoly] [--impls \"IMPL...\"])" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 120 ] ||
  { echo "ipv6_throughput.sh: --time '$seconds' is not 1..120" >&2; exit 2; }
case $cipher in aes | chachapoly) ;; *) echo "ipv6_throughput.sh: --cipher '$cipher' is not aes or chachapoly" >&2; exit 2 ;; esac
for impl in $impls; do
  lab_impl_ok "$impl" || { echo "ipv6_throughput.sh: --impls: '$impl' is not one of $(lab_impl_names)" >&2; exit 2; }
  ipv6_impl_ok "$impl" || { echo "ipv6_throughput.sh: --impls: '$impl' reads no version-2 certificate (nebula 1.10 or later)" >&2; exit 2; }
done
command -v iperf3 >/dev/null || { echo "ipv6_throughput.sh: iperf3 is not installed" >&2; exit 1; }

lab_init bench6
lab_pair a b 198.51.100.0/24
ipv6_enable a b
ipv6_pki a=192.168.100.1/24,fd00:100::1/64 b=192.168.100.2/24,fd00:100::2/64
lab_config a --static b --cipher "$cipher"
lab_config b --static a --cipher "$cipher"
b4=$(ipv6_addr b 4) b6=$(ipv6_addr b 6)

declare -A mbits=() cpu=()
mbits[veth]=$(bench_iperf3_mbits "$seconds" "$(lab_ip b)")
measured=()
for impl in $impls; do
  if ! lab_have "$impl"; then
    echo "ipv6_throughput: $impl not found at $(lab_daemon_binary "$impl"); measuring without it" >&2
    continue
  fi
  measured+=("$impl")
  lab_start_daemon a "$impl"
  lab_start_daemon b "$impl"
  for family in 4 6; do
    addr=$([ "$family" = 4 ] && echo "$b4" || echo "$b6")
    if ! lab_wait_for --timeout 10 -- lab_ping a "$addr"; then
      echo "ipv6_throughput: $impl: a cannot ping b at $addr (IPv$family overlay) within 10 s: n/a (LAB_KEEP=1 keeps the logs)" >&2
      mbits[$impl/$family]=n/a
      continue
    fi
    bench_daemons_cpu_begin
    mbits[$impl/$family]=$(bench_iperf3_mbits "$seconds" "$addr")
    cpu[$impl/$family]=$(bench_daemons_cpu_end)
  done
  lab_stop_daemon a
  lab_stop_daemon b
done

# ratio X Y: X/Y with two decimals, or n/a.
ratio() {
  awk -v x="$1" -v y="$2" 'BEGIN {
    if (x ~ /^[0-9.]+$/ && y ~ /^[0-9.]+$/ && y > 0) printf "%.2f", x / y; else printf "n/a" }'
}

echo
echo "Single TCP stream, ${seconds} s, cipher $cipher, $(nproc) cores, dual-stack v2 certificates"
printf '%-46s %12s   %s\n' path "Mbit/s" "daemon CPU s (sender / receiver)"
printf '%-46s %12s\n' "veth (no overlay, IPv4)" "${mbits[veth]}"
for impl in "${measured[@]}"; do
  for family in 4 6; do
    printf '%-46s %12s   %s\n' "$impl <-> $impl, IPv$family overlay" "${mbits[$impl/$family]}" "${cpu[$impl/$family]:-}"
  done
done
for impl in "${measured[@]}"; do
  echo "ratio IPv6/IPv4, $impl: $(ratio "${mbits[$impl/6]}" "${mbits[$impl/4]}")"
done
nebula_impl=""
for impl in "${measured[@]}"; do [ "$impl" = flatnet ] || nebula_impl=${nebula_impl:-$impl}; done
if [ -n "$nebula_impl" ] && [ -n "${mbits[flatnet/4]:-}" ]; then
  for family in 4 6; do
    echo "ratio flatnet/$nebula_impl, IPv$family overlay: $(ratio "${mbits[flatnet/$family]}" "${mbits[$nebula_impl/$family]}")"
  done
else
  echo "ratio flatnet/nebula: n/a (both were not measured)"
fi
