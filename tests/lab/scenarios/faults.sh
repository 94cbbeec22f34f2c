#!/usr/bin/env bash
# Fault scenario: a mesh whose members reach each other only through a relay, put through a
# bad underlay and a row of failures; after each one it must carry traffic again.
#
#   faults.sh --impl IMPL [--faults "impair peer lighthouse relay nat clock"]
#             [--size-mb N] (default 100)  [--after-mb N] (default 10)  [--recover-s S] (60)
#
# Every host runs IMPL (flatnet or nebula-VERSION). The topology:
#
#   internet 203.0.113.0/24: lh (lighthouse), r (relay), c (a member started late)
#   a behind a-nat1, b behind b-nat1: symmetric NATs (a new port per destination), so a and b
#   cannot punch through to each other and their tunnel runs through r.
#
# The faults, in the order given (each prints "recovery: FAULT MS ms" when it recovered,
# MS counted from the fault to the first reply; the figures bench/fault_recovery.sh reports):
#  impair      on a-nat1 every forwarded datagram is dropped with 5 % probability and held
#              0..200 ms (so reordered); towards a and towards b 5 % are duplicated
#              (lib/impair.sh: iptables statistic, TEE, NFQUEUE + lab-impair; the kernel
#              has no netem). N MB go a -> b over 64 TCP connections meanwhile (lab-tcp-xfer
#              --streams; one connection crawls at ~1 Mbit/s there); sha256 of the whole must
#              match, and the
#              impairment's own counters must show loss, duplicates and reordering.
#              Prints "recovery: impair ..." as the transfer's duration.
#  peer        b's daemon is killed (SIGKILL) and started again; a pings b.
#  lighthouse  lh is killed and started again; c, which knows only the lighthouse and the
#              relay, starts and pings b: lh must have learned b again.
#  relay       r is killed and started again; a pings b.
#  nat         both NATs' mappings are flushed (conntrack -F): every public port changes.
#  clock       flatnet only (libfaketime steps one process's CLOCK_REALTIME; nebula is Go,
#              which reads the clock through the vDSO, so it prints "recovery: clock n/a"):
#              a's wall clock jumps a day ahead, a pings b; a is then killed and restarted
#              with its clock still ahead (handshakes stamped a day in the future), and
#              once more after its clock is stepped back (a handshake older than the last
#              one b saw from it): "recovery: clock", "clock-restart", "clock-back".
# After each fault but impair, --after-mb MB go a -> b with matching sha256. A fault that
# does not recover within --recover-s seconds fails the scenario.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"
source "$here/../lib/impair.sh"

impl="" faults="impair peer lighthouse relay nat clock" size_mb=100 after_mb=10 recover_s=60
while [ $# -gt 0 ]; do
  case $1 in
    --impl) impl=${2:-}; shift 2 ;;
    --faults) faults=${2:-}; shift 2 ;;
    --size-mb) size_mb=${2:-}; shift 2 ;;
    --after-mb) after_mb=${2:-}; shift 2 ;;
    --recover-s) recover_s=${2:-}; shift 2 ;;
    *) echo "faults.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
lab_impl_ok "$impl" || { echo "faults.sh: --impl '$impl' is not one of $(lab_impl_names)" >&2; exit 2; }
for f in $faults; do
  case $f in impair | peer | lighthouse | relay | nat | clock) ;;
    *) echo "faults.sh: --faults: '$f' is not impair, peer, lighthouse, relay, nat or clock" >&2; exit 2 ;;
  esac
done
for n in "$size_mb" "$after_mb" "$recover_s"; do
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 1000 ] ||
    { echo "faults.sh: '$n' is not a number in 1..1000 (--size-mb, --after-mb, --recover-s)" >&2; exit 2; }
done
command -v conntrack >/dev/null || { echo "faults.sh: needs conntrack (scripts/setup.sh installs it)" >&2; exit 1; }
readonly faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
if [ "$impl" = flatnet ] && [[ " $faults " == *" clock "* ]] && [ ! -r "$faketime_lib" ]; then
  echo "faults.sh: the clock fault needs libfaketime ($faketime_lib; scripts/setup.sh installs it)" >&2
  exit 1
fi

lab_init faults
xfer=$(lab_tool lab-tcp-xfer)
[[ " $faults " != *" impair "* ]] || lab_tool lab-impair >/dev/null
echo "fault scenario: every host $impl; faults: $faults"
lab_segment internet
lab_host lh --on internet
lab_host r --on internet
lab_host c --on internet
lab_host_behind a --upstream internet --nat symmetric
lab_host_behind b --upstream internet --nat symmetric
lab_pki lh=192.168.100.1/24 r=192.168.100.2/24 a=192.168.100.3/24 b=192.168.100.4/24 c=192.168.100.5/24
# lighthouse.interval 10: Nebula's default (the lab's usual 60 would make every recovery
# that needs the lighthouse wait a minute for the members' next update).
lab_config lh --am-lighthouse --lighthouse-interval 10
lab_config r --am-relay --lighthouse lh --punchy --lighthouse-interval 10
for m in a b c; do
  lab_config "$m" --lighthouse lh --static r --relay r --punchy --lighthouse-interval 10
done
b_ip=$(lab_overlay b)

# a runs with libfaketime when it is flatnet, its offset read from $clock_file (re-read
# every second); everything else about it is unchanged while the offset is +0.
clock_file=$LAB_DIR/a.clock
echo "+0" >"$clock_file"
a_env=()
if [ "$impl" = flatnet ]; then
  a_env=(--env "LD_PRELOAD=$faketime_lib" --env "FAKETIME_TIMESTAMP_FILE=$clock_file"
    --env FAKETIME_DONT_FAKE_MONOTONIC=1 --env FAKETIME_CACHE_DURATION=1)
fi
start_a() { lab_start_daemon a "$impl" "${a_env[@]}"; }

lab_start_daemon lh "$impl"
lab_start_daemon r "$impl"
start_a
lab_start_daemon b "$impl"
# Both members must hold a tunnel to the relay before a asks it for b.
lab_wait_for --timeout 15 -- lab_ping a "$(lab_overlay r)" || lab_fail "a cannot reach the relay"
lab_wait_for --timeout 15 -- lab_ping b "$(lab_overlay r)" || lab_fail "b cannot reach the relay"
lab_wait_for --timeout 30 -- lab_ping a "$b_ip" 2 || lab_fail "a cannot ping b through the relay"
echo "ok - a pings b through the relay (after $LAB_WAITED_MS ms)"

blob=$LAB_DIR/blob
head -c "${size_mb}M" /dev/urandom >"$blob"

b_listening() { lab_exec b ss -Hltn "sport = :5001" | grep -q .; }

# transfer MB TIME_LIMIT [STREAMS]: the first MB of the blob, a -> b over TCP (over STREAMS
# connections, default 1); fails unless b's sha256 matches. Prints lab-tcp-xfer's line.
transfer() {
  local mb=$1 limit=$2 streams=${3:-1} want part=$LAB_DIR/part
  head -c "${mb}M" "$blob" >"$part"
  want=$(sha256sum <"$part" | cut -d' ' -f1)
  rm -f "$LAB_DIR/recv.sha"
  lab_spawn b recv bash -c "set -o pipefail; '$xfer' recv --port 5001 --streams $streams --time-limit $limit | sha256sum >'$LAB_DIR/recv.tmp' && mv '$LAB_DIR/recv.tmp' '$LAB_DIR/recv.sha'"
  lab_wait_for --timeout 5 -- b_listening || lab_fail "b's receiver is not listening"
  lab_exec a "$xfer" send --to "$b_ip:5001" --streams "$streams" --time-limit "$limit" <"$part" 2>"$LAB_DIR/send.log" ||
    lab_fail "$mb MB a -> b failed: $(cat "$LAB_DIR/send.log")"
  lab_wait_for --timeout 10 -- test -s "$LAB_DIR/recv.sha" || lab_fail "b's receiver did not finish"
  lab_stop recv
  [ "$(cut -d' ' -f1 <"$LAB_DIR/recv.sha")" = "$want" ] || lab_fail "$mb MB a -> b: sha256 differs"
  sed 's/^lab-tcp-xfer: //' "$LAB_DIR/send.log"
}

# recovered FAULT SINCE_MS FROM TO_IP: FROM pings TO_IP every 100 ms until the first reply
# (at most --recover-s seconds) and prints "recovery: FAULT MS ms", MS from SINCE_MS.
recovered() {
  local fault=$1 since=$2 from=$3 to=$4 reply
  reply=$(lab_exec "$from" ping -D -n -i 0.1 -c 1 -w "$recover_s" "$to" 2>/dev/null |
    sed -n 's/^\[\([0-9.]*\)\] .* bytes from.*/\1/p' | head -1) || true
  [ -n "$reply" ] || lab_fail "$fault: $from got no reply from $to within $recover_s s of the fault"
  echo "recovery: $fault $(awk -v s="$since" -v r="$reply" 'BEGIN { printf "%.0f", r * 1000 - s }') ms"
}

# kill_restart HOST: SIGKILL, no goodbye; started again at once. Prints nothing.
kill_restart() {
  local host=$1
  lab_stop_daemon "$host" --kill
  if [ "$host" = a ]; then start_a; else lab_start_daemon "$host" "$impl"; fi
}

fault_impair() {
  impair_start a-nat1 --loss 5 --dup 5 --toward a --jitter-ms 200
  impair_start b-nat1 --dup 5 --toward b
  local started line
  started=$(lab_now_ms)
  # 64 connections: one TCP connection over this path moves about 1 Mbit/s (its congestion
  # control reads the reordering as loss), which would make 100 MB take half an hour.
  line=$(transfer "$size_mb" 900 64)
  echo "ok - $size_mb MB a -> b over the impaired underlay, sha256 match; $line"
  echo "recovery: impair $(($(lab_now_ms) - started)) ms (the $size_mb MB transfer)"
  impair_stop a-nat1
  impair_stop b-nat1
  local stats_a stats_b
  stats_a=$(impair_stats a-nat1) stats_b=$(impair_stats b-nat1)
  echo "   a-nat1: $stats_a"
  echo "   b-nat1: $stats_b"
  # The impairment really happened: each mechanism left its mark.
  [[ $stats_a =~ dropped\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] || lab_fail "a-nat1 dropped nothing"
  [[ $stats_a =~ duplicated\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] || lab_fail "a-nat1 duplicated nothing"
  [[ $stats_b =~ duplicated\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] || lab_fail "b-nat1 duplicated nothing"
  [[ $stats_a =~ ([0-9]+)\ reordered ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] || lab_fail "lab-impair on a-nat1 reordered nothing"
}

fault_peer() {
  local t0
  t0=$(lab_now_ms)
  kill_restart b
  recovered peer "$t0" a "$b_ip"
}

fault_lighthouse() {
  local t0
  t0=$(lab_now_ms)
  kill_restart lh
  lab_start_daemon c "$impl"
  recovered lighthouse "$t0" c "$b_ip"
}

fault_relay() {
  local t0
  t0=$(lab_now_ms)
  kill_restart r
  recovered relay "$t0" a "$b_ip"
}

fault_nat() {
  local t0
  t0=$(lab_now_ms)
  lab_exec a-nat1 conntrack -F >/dev/null 2>&1 || lab_fail "conntrack -F failed on a-nat1"
  lab_exec b-nat1 conntrack -F >/dev/null 2>&1 || lab_fail "conntrack -F failed on b-nat1"
  recovered nat "$t0" a "$b_ip"
}

fault_clock() {
  if [ "$impl" != flatnet ]; then
    echo "recovery: clock n/a ($impl reads the wall clock through the vDSO; it cannot be stepped for one process)"
    return 0
  fi
  local t0 tomorrow
  t0=$(lab_now_ms)
  echo "+1d" >"$clock_file"
  recovered clock "$t0" a "$b_ip"
  t0=$(lab_now_ms)
  kill_restart a
  recovered clock-restart "$t0" a "$b_ip"
  # The step reached the daemon: what it logged since the restart is dated tomorrow.
  tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
  sed -n '/=== lab: starting/h; /=== lab: starting/!H; ${x;p}' "$(lab_log_of a)" | grep -q "$tomorrow" ||
    lab_fail "a's log since its restart holds no time of $tomorrow: libfaketime did not step its clock"
  echo "+0" >"$clock_file"
  t0=$(lab_now_ms)
  kill_restart a
  recovered clock-back "$t0" a "$b_ip"
}

for f in $faults; do
  echo "--- fault: $f"
  "fault_$f"
  if [ "$f" != impair ]; then
    lab_ping a "$b_ip" 2 || lab_fail "after $f: a cannot ping b"
    echo "ok - after $f: $after_mb MB a -> b, sha256 match; $(transfer "$after_mb" 120)"
  fi
done
echo "fault scenario PASSED: every host $impl; faults: $faults"
