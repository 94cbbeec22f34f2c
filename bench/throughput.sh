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
ticks_per_s=$(getconf CLK_TCK)

# iperf3_mbits SERVER_ADDR: one stream a -> b for $seconds; prints the receiver's Mbit/s.
iperf3_mbits() {
  local out
  lab_spawn b iperf3-server iperf3 --server --one-off --port 5201
  lab_wait_for --timeout 5 -- lab_exec b sh -c 'ss -ltn | grep -q ":5201 "' ||
    lab_fail "iperf3 server did not start"
  out=$(lab_exec a timeout $((seconds + 20)) iperf3 --client "$1" --port 5201 \
    --time "$seconds" --format m) || lab_fail "iperf3 to $1 failed: $out"
  lab_stop iperf3-server
  # "[  5]   0.00-10.04  sec  1.10 GBytes  941 Mbits/sec   receiver"
  echo "$out" | awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i}'
}

cpu_seconds() { awk -v t="$1" -v hz="$ticks_per_s" 'BEGIN {printf "%.2f", t / hz}'; }

# Peak resident memory of a daemon (VmHWM), in MiB.
peak_mib() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

declare -A mbits=() cpu=() memory=()
mbits[veth]=$(iperf3_mbits "$(lab_ip b)")
for impl in $impls; do
  if ! lab_have "$impl"; then
    echo "throughput: $impl not found at $(lab_daemon_binary "$impl"); measuring without it" >&2
    continue
  fi
  lab_start_daemon a "$impl"
  lab_start_daemon b "$impl"
  lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay b)" ||
    lab_fail "$impl: no tunnel between a and b; logs in $LAB_DIR"
  pid_a=$(lab_daemon_pid a) pid_b=$(lab_daemon_pid b)
  start_a=$(lab_cpu_ticks "$pid_a") start_b=$(lab_cpu_ticks "$pid_b")
  mbits[$impl]=$(iperf3_mbits "$(lab_overlay b)")
  cpu[$impl]="$(cpu_seconds $(($(lab_cpu_ticks "$pid_a") - start_a))) / $(cpu_seconds $(($(lab_cpu_ticks "$pid_b") - start_b)))"
  memory[$impl]="$(peak_mib "$pid_a") / $(peak_mib "$pid_b")"
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
