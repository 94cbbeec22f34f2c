#!/usr/bin/env bash
# Floods: what each kind of hostile traffic at full rate costs a daemon, flatnet beside
# nebula 1.11.1, measured in the same run.
#
#   bench/floods.sh [--time S] [--impls "nebula-1.11.1 flatnet"] [--kinds "KIND..."]
#                   [--cipher aes|chachapoly] [--keep-logs] [--relay-to CIDR]
#
# Three hosts on one segment: the victim v (relay.am_relay: true), its peer p with a tunnel
# to v (static_host_map both ways) carrying one iperf3 TCP stream p -> v for S seconds
# (default 60), and an attacker x flooding v's UDP port with lab-flood for the same S
# seconds, as fast as it can send (sendmmsg, no pacing). Kinds, one after the other, each
# with freshly started daemons:
#   none            no flood: the baseline
#   garbage         random bytes, 1..1400 long
#   stage1-foreign  Noise IX stage 1s carrying a certificate signed by another CA
#   stage1-replay   stage 1s carrying p's own certificate and static key (both travel in
#                   clear), claiming to be p: each completes the responder's side
#   recv-error      recv_error headers naming random indexes
#   relay-request   x is a member (a real handshake with v first), then CreateRelayRequests
#                   through that tunnel to random addresses of --relay-to (default
#                   192.168.0.0/16: the overlay's /24 and the networks around it)
#   test-request    x is a member, then test requests (64-byte payloads) through the tunnel
# For each kind and implementation it prints the Mbit/s the existing tunnel kept (and the
# share of the baseline), the victim's VmRSS before and after and its VmHWM, the victim's
# CPU seconds during the flood, the flood's rate (datagrams/s sent), how many datagrams v
# sent back to the attacker (stage 2s, test replies, relay responses), the datagrams v's
# kernel dropped because the daemon did not read them fast enough (UDP RcvbufErrors),
# and whether the tunnel still answered a ping afterwards; then flatnet/nebula ratios.
# The victim's and peer's logs go to /dev/null (a flood makes gigabytes of them) unless
# --keep-logs. Needs root, iperf3 and the lab tools (lab-flood). Never part of CTest:
# figures, not verdicts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"

seconds=60 impls="nebula-1.11.1 flatnet" cipher=aes keep_logs=0 relay_to=192.168.0.0/16
all_kinds="none garbage stage1-foreign stage1-replay recv-error relay-request test-request"
kinds=$all_kinds
while [ $# -gt 0 ]; do
  case $1 in
    --time) seconds=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    --cipher) cipher=$2; shift 2 ;;
    --keep-logs) keep_logs=1; shift ;;
    --relay-to) relay_to=$2; shift 2 ;;
    *) echo "floods.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] && [ "$seconds" -le 600 ] ||
  { echo "floods.sh: --time '$seconds' is not 1..600" >&2; exit 2; }
for kind in $kinds; do
  [[ " $all_kinds " == *" $kind "* ]] ||
    { echo "floods.sh: --kinds: '$kind' is not one of: $all_kinds" >&2; exit 2; }
done
[[ " $kinds " == *" none "* ]] || kinds="none $kinds"  # the baseline every share is of
command -v iperf3 >/dev/null || { echo "floods.sh: iperf3 is not installed" >&2; exit 1; }

lab_init floods
flood=$(lab_tool lab-flood)
lab_segment wire 198.51.100.0/24
lab_host v --on wire
lab_host p --on wire
lab_host x --on wire
lab_pki v=192.168.100.1/24 p=192.168.100.2/24 x=192.168.100.3/24
lab_ca --out other --name "another team"
lab_cert intruder 192.168.100.9/24 --ca other
lab_config v --static p --am-relay --cipher "$cipher"
lab_config p --static v --cipher "$cipher"
ticks_per_s=$(getconf CLK_TCK)
pki=$LAB_DIR/pki
v_udp="$(lab_ip v):4242"

# The flood's arguments for KIND (after --to and --time).
flood_args() {
  case $1 in
    garbage) echo "garbage" ;;
    stage1-foreign) echo "--cert $pki/intruder.crt stage1" ;;
    stage1-replay) echo "--cert $pki/p.crt stage1" ;;
    recv-error) echo "recv-error" ;;
    relay-request) echo "--cert $pki/x.crt --key $pki/x.key --relay-to $relay_to relay-request" ;;
    test-request) echo "--cert $pki/x.crt --key $pki/x.key --payload 64 test-request" ;;
  esac
}

status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
rcvbuf_errors() {
  lab_exec v cat /proc/net/snmp |
    awk '/^Udp:/ { if (!n++) { for (i = 1; i <= NF; i++) col[$i] = i } else print $col["RcvbufErrors"] }'
}

# One stream p -> v over the overlay for $seconds; prints the receiver's Mbit/s, or 0 when
# the stream failed (the tunnel died under the flood).
iperf3_mbits() {
  local out
  out=$(lab_exec p timeout $((seconds + 20)) iperf3 --client "$(lab_overlay v)" --port 5201 \
    --time "$seconds" --format m 2>&1) || { echo 0; return 0; }
  echo "$out" | awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i}'
}

declare -A mbits=() rss0=() rss1=() hwm=() cpu=() rate=() drops=() after=() replies=()
for impl in $impls; do
  if ! lab_have "$impl"; then
    echo "floods: $impl not found at $(lab_daemon_binary "$impl"); measuring without it" >&2
    continue
  fi
  for kind in $kinds; do
    if [ "$keep_logs" = 0 ]; then
      ln -sf /dev/null "$LAB_DIR/v.log"
      ln -sf /dev/null "$LAB_DIR/p.log"
    fi
    lab_start_daemon v "$impl"
    lab_start_daemon p "$impl"
    lab_wait_for --timeout 10 -- lab_ping p "$(lab_overlay v)" ||
      lab_fail "$impl: no tunnel between p and v (run with --keep-logs for the logs in $LAB_DIR)"
    lab_spawn v iperf3-server iperf3 --server --one-off --port 5201
    lab_wait_for --timeout 5 -- lab_exec v sh -c 'ss -ltn | grep -q ":5201 "' ||
      lab_fail "iperf3 server did not start"
    pid=$(lab_daemon_pid v)
    key="$impl/$kind"
    rss0[$key]=$(status_kib "$pid" VmRSS)
    ticks=$(lab_cpu_ticks "$pid")
    kdrops=$(rcvbuf_errors)
    if [ "$kind" != none ]; then
      # shellcheck disable=SC2046
      lab_spawn x "flood-$impl-$kind" "$flood" --to "$v_udp" --time "$seconds" --cipher "$cipher" \
        $(flood_args "$kind")
    fi
    mbits[$key]=$(iperf3_mbits)
    if [ "$kind" != none ]; then
      out="$LAB_DIR/flood-$impl-$kind.out"
      lab_wait_for --timeout 30 -- grep -q " rate=" "$out" ||
        lab_fail "lab-flood $kind did not finish: $(cat "$out")"
      lab_stop "flood-$impl-$kind"
      rate[$key]=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' "$out" | tail -1)
      replies[$key]=$(sed -n 's/.* received=\([0-9]*\).*/\1/p' "$out" | tail -1)
    else
      rate[$key]=0 replies[$key]=0
    fi
    if lab_daemon_alive v; then
      rss1[$key]=$(status_kib "$pid" VmRSS)
      hwm[$key]=$(status_kib "$pid" VmHWM)
      cpu[$key]=$(awk -v t="$(($(lab_cpu_ticks "$pid") - ticks))" -v hz="$ticks_per_s" 'BEGIN {printf "%.1f", t / hz}')
      if lab_wait_for --timeout 5 -- lab_ping p "$(lab_overlay v)"; then after[$key]=up; else after[$key]=lost; fi
    else
      rss1[$key]=0 hwm[$key]=0 cpu[$key]="?" after[$key]=DIED
    fi
    drops[$key]=$(($(rcvbuf_errors) - kdrops))
    lab_stop iperf3-server 2>/dev/null || true
    lab_stop_daemon v
    lab_stop_daemon p
    echo "floods: $impl $kind: ${mbits[$key]} Mbit/s, flood ${rate[$key]}/s, tunnel ${after[$key]}" >&2
  done
done

echo
echo "Floods of ${seconds} s at v's UDP port while one TCP stream p -> v runs through the tunnel;"
echo "cipher $cipher, $(nproc) cores shared by victim, peer, attacker and iperf3"
printf '%-15s %-14s %9s %6s %16s %8s %7s %10s %9s %12s %7s\n' kind impl "Mbit/s" "kept" \
  "RSS MiB bef>aft" "HWM MiB" "CPU s" "flood/s" "replies" "kernel drop" tunnel
for kind in $kinds; do
  for impl in $impls; do
    key="$impl/$kind"
    [ -n "${mbits[$key]:-}" ] || continue
    base=${mbits[$impl/none]}
    awk -v k="$kind" -v i="$impl" -v m="${mbits[$key]}" -v b="$base" \
      -v r0="$(mib "${rss0[$key]}")" -v r1="$(mib "${rss1[$key]}")" -v h="$(mib "${hwm[$key]}")" \
      -v c="${cpu[$key]}" -v f="${rate[$key]}" -v d="${drops[$key]}" -v t="${after[$key]}" \
      -v a="${replies[$key]}" \
      'BEGIN {printf "%-15s %-14s %9s %5.0f%% %16s %8s %7s %10s %9s %12s %7s\n", k, i, m,
        (b > 0 ? 100 * m / b : 0), r0 ">" r1, h, c, f, a, d, t}'
  done
done
nebula_impl=""
for impl in $impls; do [ "$impl" = flatnet ] || nebula_impl=$impl; done
if [ -n "$nebula_impl" ] && [ -n "${mbits[flatnet/none]:-}" ] && [ -n "${mbits[$nebula_impl/none]:-}" ]; then
  echo
  echo "flatnet/$nebula_impl: throughput kept, RSS growth (MiB, flatnet vs nebula), HWM, CPU s"
  for kind in $kinds; do
    f="flatnet/$kind" n="$nebula_impl/$kind"
    awk -v k="$kind" -v fm="${mbits[$f]}" -v nm="${mbits[$n]}" \
      -v fg="$(((${rss1[$f]} - ${rss0[$f]})))" -v ng="$(((${rss1[$n]} - ${rss0[$n]})))" \
      -v fh="${hwm[$f]}" -v nh="${hwm[$n]}" -v fc="${cpu[$f]}" -v nc="${cpu[$n]}" \
      'function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
       BEGIN {printf "%-15s Mbit/s %6s   RSS growth %+.1f vs %+.1f   HWM %5s   CPU %5s\n", k,
         ratio(fm, nm), fg / 1024, ng / 1024, ratio(fh, nh), ratio(fc, nc)}'
  done
fi
