#!/usr/bin/env bash
# Throughput of the overlay, flatnet beside nebula, measured in the same run.
#
#   bench/throughput.sh [--time S] [--cipher aes|chachapoly] [--impls "nebula flatnet"]
#
# Two namespaces joined by one veth. One iperf3 TCP stream (S seconds, default 10) over:
#   veth      the raw underlay, the ceiling
#   nebula    nebula <-> nebula through the overlay
#   flatnet   flatnet <-> flatnet, same certs and config (routines left at the default)
# and prints Mbit/s for each, the CPU seconds each daemon used during its run, and the
# ratio flatnet/nebula. Without a flatnet binary ($FLATNET_BIN/flatnet) it says so and
# measures nebula only. Needs root and iperf3. Never part of CTest: figures, not verdicts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"
source "$here/lib/iperf3.sh"

seconds=10 cipher=aes impls="nebula flatnet"
while [ $# -gt 0 ]; do
  case $1 in
    --time) seconds=$2; shift 2 ;;
    --cipher) cipher=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    *) echo "throughput.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 120 ] ||
  { echo "throughput.sh: --time '$seconds' is not 1..120" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "throughput.sh: iperf3 is not installed" >&2; exit 1; }

lab_init bench
lab_pair a b 198.51.100.0/24
lab_pki a=192.168.100.1/24 b=192.168.100.2/24
lab_config a --static b --cipher "$cipher"
lab_config b --static a --cipher "$cipher"

# Peak resident memory of a daemon (VmHWM), in MiB.
peak_mib() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

declare -A mbits=() cpu=() memory=()
mbits[veth]=$(bench_iperf3_mbits "$seconds" "$(lab_ip b)")
for impl in $impls; do
  if ! lab_have "$impl"; then
    echo "throughput: $impl not found at $(lab_daemon_binary "$impl"); measuring without it" >&2
    continue
  fi
  lab_start_daemon a "$impl"
  lab_start_daemon b "$impl"
  lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay b)" ||
    lab_fail "$impl: no tunnel between a and b; logs in $LAB_DIR"
  bench_daemons_cpu_begin
  mbits[$impl]=$(bench_iperf3_mbits "$seconds" "$(lab_overlay b)")
  cpu[$impl]=$(bench_daemons_cpu_end)
  memory[$impl]="$(peak_mib "$BENCH_PID_A") / $(peak_mib "$BENCH_PID_B")"
  lab_stop_daemon a
  lab_stop_daemon b
done

echo
echo "Single TCP stream, ${seconds} s, cipher $cipher, $(nproc) cores"
printf '%-20s %12s   %-34s %s\n' path "Mbit/s" "daemon CPU s (sender / receiver)" "peak RSS MiB (sender / receiver)"
printf '%-20s %12s\n' "veth (no overlay)" "${mbits[veth]}"
for impl in $impls; do
  [ -n "${mbits[$impl]:-}" ] || continue
  printf '%-20s %12s   %-34s %s\n' "$impl <-> $impl" "${mbits[$impl]}" "${cpu[$impl]}" "${memory[$impl]}"
done
if [ -n "${mbits[nebula]:-}" ] && [ -n "${mbits[flatnet]:-}" ]; then
  awk -v f="${mbits[flatnet]}" -v n="${mbits[nebula]}" \
    'BEGIN {printf "ratio flatnet/nebula: %.2f\n", (n > 0 ? f / n : 0)}'
  awk -v f="${memory[flatnet]%% *}" -v n="${memory[nebula]%% *}" \
    'BEGIN {printf "peak memory flatnet/nebula (sender): %.2f\n", (n > 0 ? f / n : 0)}'
else
  echo "ratio flatnet/nebula: n/a (flatnet not measured)"
fi
