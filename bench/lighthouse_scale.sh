#!/usr/bin/env bash
# Lighthouse scale: how one lighthouse copes with N hosts, flatnet beside nebula 1.11.1, on
# the same two namespaces and with the same load generator.
#
#   bench/lighthouse_scale.sh [--hosts "1000 10000 50000"] [--impls "flatnet nebula-1.11.1"]
#                             [--time S] [--query-rate Q] [--handshake-limit S]
#                             [--lighthouse-cpu C] [--generator-cpu C] [--keep-logs]
#
# Two namespaces joined by one veth (lab_pair): lh runs the lighthouse, gen runs
# lighthouse-load (bench/tools/lighthouse_load.cpp), which makes N simulated hosts, each
# with its own certificate (signed in process by the CA the lighthouse trusts) and its own
# underlay address:port (one extra address on gen per 5,000 hosts, each port shared by
# the hosts of every address: one socket per 10 hosts at most), each doing a real
# Noise IX handshake with the lighthouse, then reporting itself every 10 s (Nebula's
# lighthouse.interval) while the hosts together send Q HostQuerys a second (default 1000)
# for S seconds (default 30) about random other hosts.
# The lighthouse: lab_config's config with lighthouse.am_lighthouse: true and Nebula's
# defaults otherwise (inbound firewall rules admit any host), started fresh for every N and
# pinned with taskset to core C (default 1, all its threads); the generator is pinned to
# the other core (default 0).
# For each implementation and N it prints: handshakes completed (of N) and the time they
# took (at most S s, --handshake-limit, default 300), the lighthouse's CPU seconds during
# them; query reply latency p50/p99/max and the replies missing (no reply within 2 s); the
# share of updates the lighthouse acknowledged; the lighthouse's CPU % of one core while
# measuring, its VmRSS and VmHWM after the run; the generator's own CPU % (a generator
# near 100 % is itself the bottleneck, and the figures mean nothing); the hypervisor's steal
# during the run, % of all CPU time (bench/lib/machine.sh: above a few percent the run's
# figures are not comparable).
# Needs root, taskset and a build (lighthouse-load in <build>/bench/tools, flatnet in
# FLATNET_BIN). Never part of CTest: figures, not verdicts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"
source "$here/lib/machine.sh"

hosts_list="1000 10000 50000" impls="flatnet nebula-1.11.1" seconds=30 query_rate=1000
lh_cpu=1 gen_cpu=0 keep_logs=0 handshake_limit=300
while [ $# -gt 0 ]; do
  case $1 in
    --hosts) hosts_list=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    --time) seconds=$2; shift 2 ;;
    --query-rate) query_rate=$2; shift 2 ;;
    --handshake-limit) handshake_limit=$2; shift 2 ;;
    --lighthouse-cpu) lh_cpu=$2; shift 2 ;;
    --generator-cpu) gen_cpu=$2; shift 2 ;;
    --keep-logs) keep_logs=1; shift ;;
    *) echo "lighthouse_scale.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 600 ] ||
  { echo "lighthouse_scale.sh: --time '$seconds' is not 1..600" >&2; exit 2; }
[[ $handshake_limit =~ ^[0-9]+$ ]] && [ "$handshake_limit" -ge 1 ] && [ "$handshake_limit" -le 3600 ] ||
  { echo "lighthouse_scale.sh: --handshake-limit '$handshake_limit' is not 1..3600" >&2; exit 2; }
[[ $query_rate =~ ^[0-9]+$ ]] ||
  { echo "lighthouse_scale.sh: --query-rate '$query_rate' is not a number" >&2; exit 2; }
max_hosts=0
for n in $hosts_list; do
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] && [ "$n" -le 200000 ] ||
    { echo "lighthouse_scale.sh: --hosts: '$n' is not 2..200000" >&2; exit 2; }
  [ "$n" -le "$max_hosts" ] || max_hosts=$n
done
for impl in $impls; do
  lab_impl_ok "$impl" || { echo "lighthouse_scale.sh: --impls: '$impl' is not one of $(lab_impl_names)" >&2; exit 2; }
done
for c in "$lh_cpu" "$gen_cpu"; do
  [[ $c =~ ^[0-9]+$ ]] && [ "$c" -lt "$(nproc)" ] ||
    { echo "lighthouse_scale.sh: core '$c' is not one of 0..$(($(nproc) - 1))" >&2; exit 2; }
done
command -v taskset >/dev/null || { echo "lighthouse_scale.sh: taskset (util-linux) is not installed" >&2; exit 1; }
load=${FLATNET_BIN%/src/app}/bench/tools/lighthouse-load
[ -x "$load" ] || { echo "lighthouse_scale.sh: $load not found (build target lighthouse-load)" >&2; exit 1; }
[ "$keep_logs" = 0 ] || export LAB_KEEP=1

lab_init lhscale
lab_pair lh gen
# One underlay address per 5,000 hosts: lighthouse-load opens one socket per port, shared
# by the hosts of all addresses, so 50,000 hosts take 5,000 descriptors (RLIMIT_NOFILE's
# hard limit may be 20,000 where CAP_SYS_RESOURCE is dropped) and 5,000 ports.
per_address=5000
from=""
for ((k = 0; k < (max_hosts + per_address - 1) / per_address; k++)); do
  address=198.51.100.$((10 + k))
  lab_exec gen ip addr add "$address/24" dev "${LAB_IFACE[gen/lh-gen]}"
  from+="${from:+,}$address"
done
"$load" pki --out "$LAB_DIR/pki" || lab_fail "lighthouse-load pki failed"
lab_config lh --am-lighthouse --cert lighthouse --lighthouse-interval 10
ticks_per_s=$(getconf CLK_TCK)

status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# The value of KEY=... in the generator's line starting "lighthouse-load: PHASE".
field() { sed -n "s/^lighthouse-load: $2 .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1" | tail -1; }

# wait_phase OUT PHASE SECONDS: until the generator prints its PHASE line; fails when it
# exits first or the time runs out.
wait_phase() {
  local out=$1 phase=$2 limit=$3 label=$4 i
  for ((i = 0; i < limit * 10; i++)); do
    grep -qs "^lighthouse-load: $phase " "$out" && return 0
    kill -0 "${LAB_PID[$label]}" 2>/dev/null || { tail -n 5 "$out" >&2; lab_fail "lighthouse-load stopped before '$phase' ($out)"; }
    sleep 0.1
  done
  lab_fail "lighthouse-load printed no '$phase' line within $limit s ($out)"
}

declare -A ok=() acked=() hs_s=() hs_cpu=() p50=() p99=() maxl=() missing=() queries=() cpu=() rss=() hwm=() gen=() steal=()
for impl in $impls; do
  if ! lab_have "$impl"; then
    echo "lighthouse_scale: $impl not found at $(lab_daemon_binary "$impl"); measuring without it" >&2
    continue
  fi
  for n in $hosts_list; do
    key="$impl/$n" label="load-$impl-$n"
    bench_steal_begin
    lab_start_daemon lh "$impl"
    pid=$(lab_daemon_pid lh)
    taskset -a -p -c "$lh_cpu" "$pid" >/dev/null || lab_fail "taskset could not pin $impl (pid $pid)"
    lab_spawn gen "$label" taskset -c "$gen_cpu" "$load" run --lighthouse "$(lab_ip lh):4242" \
      --ca-crt "$LAB_DIR/pki/ca.crt" --ca-key "$LAB_DIR/pki/ca.key" --hosts "$n" --from "$from" \
      --time "$seconds" --query-rate "$query_rate" --setup-limit "$handshake_limit"
    out="$LAB_DIR/$label.out"
    # Certificates take some 0.4 ms each, handshakes at most the generator's --setup-limit.
    wait_phase "$out" setup $((60 + n / 1000)) "$label"
    ticks0=$(lab_cpu_ticks "$pid")
    wait_phase "$out" handshakes $((handshake_limit + 30)) "$label"
    hs_cpu[$key]=$(awk -v t="$(($(lab_cpu_ticks "$pid") - ticks0))" -v hz="$ticks_per_s" 'BEGIN {printf "%.1f", t / hz}')
    wait_phase "$out" measuring 5 "$label"
    ticks1=$(lab_cpu_ticks "$pid") t1=$(lab_now_ms)
    wait_phase "$out" result $((seconds + 30)) "$label"
    ticks2=$(lab_cpu_ticks "$pid") t2=$(lab_now_ms)
    if lab_daemon_alive lh; then
      cpu[$key]=$(awk -v t="$((ticks2 - ticks1))" -v hz="$ticks_per_s" -v ms="$((t2 - t1))" \
        'BEGIN {printf "%.1f", (ms > 0 ? 100 * (t / hz) / (ms / 1000) : 0)}')
      rss[$key]=$(mib "$(status_kib "$pid" VmRSS)") hwm[$key]=$(mib "$(status_kib "$pid" VmHWM)")
    else
      cpu[$key]=DIED rss[$key]=- hwm[$key]=-
    fi
    ok[$key]=$(field "$out" result handshakes_ok)
    hs_s[$key]=$(field "$out" result handshake_s)
    p50[$key]=$(field "$out" result p50_ms) p99[$key]=$(field "$out" result p99_ms)
    maxl[$key]=$(field "$out" result max_ms) missing[$key]=$(field "$out" result missing)
    queries[$key]=$(field "$out" result queries) gen[$key]=$(field "$out" result gen_cpu_pct)
    acked[$key]=$(awk -v a="$(field "$out" result acks)" -v u="$(field "$out" result updates)" \
      'BEGIN {printf "%.0f", (u > 0 ? 100 * a / u : 0)}')
    lab_stop "$label"
    lab_stop_daemon lh
    steal[$key]=$(bench_steal_end)
    echo "lighthouse_scale: $impl N=$n: ${ok[$key]} handshakes in ${hs_s[$key]} s, p99 ${p99[$key]} ms, CPU ${cpu[$key]} %" >&2
  done
done

echo
echo "Lighthouse scale: N hosts against one lighthouse on core $lh_cpu (generator on core $gen_cpu),"
echo "updates every 10 s per host, $query_rate queries/s in all for $seconds s; $(nproc) cores"
printf '%-15s %7s %13s %6s %7s %8s %8s %8s %11s %7s %7s %8s %8s %6s %7s\n' impl hosts "handshakes" "hs s" \
  "hs CPU" "p50 ms" "p99 ms" "max ms" "missing" "acked %" "CPU %" "RSS MiB" "HWM MiB" "gen %" "steal %"
for impl in $impls; do
  for n in $hosts_list; do
    key="$impl/$n"
    [ -n "${ok[$key]:-}" ] || continue
    printf '%-15s %7s %13s %6s %7s %8s %8s %8s %11s %7s %7s %8s %8s %6s %7s\n' "$impl" "$n" "${ok[$key]}/$n" \
      "${hs_s[$key]}" "${hs_cpu[$key]}" "${p50[$key]}" "${p99[$key]}" "${maxl[$key]}" \
      "${missing[$key]}/${queries[$key]}" "${acked[$key]}" "${cpu[$key]}" "${rss[$key]}" "${hwm[$key]}" "${gen[$key]}" "${steal[$key]}"
  done
done
