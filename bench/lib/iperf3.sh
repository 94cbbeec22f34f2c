# shellcheck shell=bash
# iperf3.sh — the iperf3 runner the throughput benchmarks (bench/throughput.sh,
# bench/ipv6_throughput.sh, bench/relay_throughput.sh, bench/frontier.sh) share. Source it
# after tests/lab/lib/netlab.sh; the caller checks that iperf3 is installed.
#
#   bench_iperf3_mbits SECONDS SERVER_ADDR
#       one iperf3 TCP stream from node a to node b (an iperf3 server on b, port 5201,
#       reached at SERVER_ADDR, IPv4 or IPv6) for SECONDS; prints the receiver's Mbit/s.
#       Fails the benchmark when the server does not start or the client fails.
#   bench_iperf3_json SECONDS SERVER_ADDR [CLIENT_ARGS...]
#       the same run with more client arguments (--reverse, --parallel 4, --udp --bitrate 0
#       ...), printing iperf3's --json report for the caller's jq (.end.sum_received).
#   bench_cpu_seconds TICKS
#       clock ticks (lab_cpu_ticks) as seconds with two decimals
#   bench_daemons_cpu_begin / bench_daemons_cpu_end
#       the CPU seconds the daemons on a and b used between the two calls, printed by _end
#       as "SENDER / RECEIVER"; _begin leaves the daemons' PIDs in BENCH_PID_A, BENCH_PID_B

bench__iperf3_client() {
  local seconds=$1 addr=$2 out
  shift 2
  lab_spawn b iperf3-server iperf3 --server --one-off --port 5201
  lab_wait_for --timeout 5 -- lab_exec b sh -c 'ss -ltn | grep -q ":5201 "' ||
    lab_fail "iperf3 server did not start"
  out=$(lab_exec a timeout $((seconds + 20)) iperf3 --client "$addr" --port 5201 \
    --time "$seconds" "$@") || lab_fail "iperf3 $* to $addr failed: $out"
  lab_stop iperf3-server
  echo "$out"
}

bench_iperf3_mbits() {
  # "[  5]   0.00-10.04  sec  1.10 GBytes  941 Mbits/sec   receiver"
  bench__iperf3_client "$1" "$2" --format m |
    awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i}'
}

bench_iperf3_json() {
  local seconds=$1 addr=$2
  shift 2
  bench__iperf3_client "$seconds" "$addr" --json "$@"
}

BENCH_TICKS_PER_S=$(getconf CLK_TCK)
bench_cpu_seconds() { awk -v t="$1" -v hz="$BENCH_TICKS_PER_S" 'BEGIN {printf "%.2f", t / hz}'; }

bench_daemons_cpu_begin() {
  BENCH_PID_A=$(lab_daemon_pid a) BENCH_PID_B=$(lab_daemon_pid b)
  BENCH_START_A=$(lab_cpu_ticks "$BENCH_PID_A") BENCH_START_B=$(lab_cpu_ticks "$BENCH_PID_B")
}

bench_daemons_cpu_end() {
  echo "$(bench_cpu_seconds $(($(lab_cpu_ticks "$BENCH_PID_A") - BENCH_START_A))) / $(bench_cpu_seconds $(($(lab_cpu_ticks "$BENCH_PID_B") - BENCH_START_B)))"
}
