#!/usr/bin/env bash
# flatnet against today's userspace tunnels, all measured in one run on the same lab.
#
#   bench/frontier.sh [--time S] [--impls "IMPL..."] [--routines "1 2"] [--markdown]
#
# IMPL: flatnet, nebula-1.11.1 (stock), nebula-master (its TUN/UDP offloads turned on),
# wireguard-go, boringtun; default all of them, in that order. The anchors are the versions
# bench/anchors.conf pins, installed by bench/setup_anchors.sh.
#
# Two namespaces a and b joined by one veth (lab_pair, as bench/throughput.sh), overlay MTU
# 1300 for every implementation. flatnet and nebula run the lab's config (static_host_map
# both ways, cipher aes), once per `routines` value (--routines, default "1 2");
# wireguard-go and boringtun have no such key and run once at their own threading, set up
# with `wg` and `ip` (bench/lib/wireguard.sh checks that the device is the daemon's TUN
# device, never kernel WireGuard). For each, on a fresh pair of daemons:
#   idle memory    VmRSS of the larger daemon, 1 s after the first ping got through
#   TCP            one stream a -> b, one stream b -> a (--reverse), four streams a -> b,
#                  S seconds each (default 10)
#   UDP            a -> b with no rate limit (iperf3 --udp --bitrate 0, 1200-byte datagrams):
#                  the rate b received and the share lost; one run, not a sweep
#   CPU per GB     CPU seconds (utime + stime from /proc/PID/stat) of the sending and the
#                  receiving daemon during the single stream a -> b, per GB b received
#   RTT under load ping a -> b every 0.2 s during another S-second stream a -> b: avg, max
#   peak memory    VmHWM of the larger daemon after all of the above
# Then, for the implementations with relays (flatnet, nebula), on fresh daemons once every
# direct figure is in: a relay r (also the lighthouse) on a second segment that a and b join
# too, UDP between a and b dropped on both of their segments, so their tunnel can only go
# through r:
#   relayed        one TCP stream a -> b for S seconds through r
#   relay CPU      CPU seconds of r's daemon during it, per GB b received
# The hypervisor's steal over the whole run is printed with the table (bench/lib/machine.sh):
# above a few percent the figures are not comparable.
# Then a table, one row per figure and one column per implementation (and routines), and
# per row flatnet's best column against the best other one: ratio > 1 is better for
# throughput, < 1 for CPU, loss, RTT and memory. --markdown prints the table as Markdown.
# A figure an implementation cannot give is "n/a" with the reason below the table.
# Needs root, iperf3 and jq. Never part of CTest: figures, not verdicts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/anchors.sh"

seconds=10 impls="flatnet ${ANCHOR_IMPLS[*]}" routines="1 2" markdown=0
while [ $# -gt 0 ]; do
  case $1 in
    --time) seconds=${2:-}; shift 2 ;;
    --impls) impls=${2:-}; shift 2 ;;
    --routines) routines=${2:-}; shift 2 ;;
    --markdown) markdown=1; shift ;;
    *) echo "frontier.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -ge 2 ] && [ "$seconds" -le 120 ] ||
  { echo "frontier.sh: --time '$seconds' is not 2..120 (seconds per run)" >&2; exit 2; }
for impl in $impls; do
  case $impl in flatnet | wireguard-go | boringtun | nebula-master | "nebula-$NEBULA_STOCK_VERSION") ;;
    *) echo "frontier.sh: --impls: '$impl' is not one of flatnet ${ANCHOR_IMPLS[*]}" >&2; exit 2 ;; esac
done
[ -n "$impls" ] || { echo "frontier.sh: --impls is empty" >&2; exit 2; }
for r in $routines; do
  [[ $r =~ ^[0-9]+$ ]] && [ "$r" -ge 1 ] && [ "$r" -le 64 ] ||
    { echo "frontier.sh: --routines: '$r' is not 1..64" >&2; exit 2; }
done
[ -n "$routines" ] || { echo "frontier.sh: --routines is empty" >&2; exit 2; }
for tool in iperf3 jq; do
  command -v "$tool" >/dev/null || { echo "frontier.sh: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "frontier.sh: needs root (network namespaces)" >&2; exit 1; }

# nebula-master is no release the interop labs run against, so tests/lab/nebula_versions
# does not list it: netlab.sh reads a copy of that list with the anchors' nebulas added,
# and then configures and starts them as any nebula.
nebula_list=$(mktemp /tmp/frontier-nebula-versions.XXXXXX)
{
  cat "$here/../tests/lab/nebula_versions"
  echo "$NEBULA_STOCK_VERSION $NEBULA_STOCK_DIR anchor"
  echo "master $(dirname "$(anchor_bin nebula-master)") anchor"
} >"$nebula_list"
export LAB_NEBULA_LIST=$nebula_list
source "$here/../tests/lab/lib/netlab.sh"
source "$here/lib/iperf3.sh"
source "$here/lib/wireguard.sh"
source "$here/lib/machine.sh"

lab_init frontier
lab_on_teardown "rm -f '$nebula_list'"
lab_pair a b 198.51.100.0/24
lab_pki a=192.168.100.1/24 b=192.168.100.2/24 r=192.168.100.3/24
mtu=1300

# ---- Columns: an implementation, with a routines value where it has the key -------------
cols=()
declare -A col_impl=() col_routines=()
for impl in $impls; do
  case $impl in
    flatnet | nebula-*)
      for r in $routines; do
        cols+=("$impl/r$r")
        col_impl[$impl/r$r]=$impl col_routines[$impl/r$r]=$r
      done ;;
    *) cols+=("$impl"); col_impl[$impl]=$impl col_routines[$impl]="" ;;
  esac
done

metrics=(tcp_ab tcp_ba tcp4 tcp_relay udp_rx udp_loss cpu_a cpu_b cpu_both cpu_relay rtt_avg rtt_max rss_idle hwm)
declare -A label=(
  [tcp_ab]="TCP 1 stream a->b, Mbit/s" [tcp_ba]="TCP 1 stream b->a, Mbit/s"
  [tcp4]="TCP 4 streams a->b, Mbit/s" [tcp_relay]="TCP a->b relayed, Mbit/s"
  [udp_rx]="UDP a->b received, Mbit/s"
  [udp_loss]="UDP a->b lost, %" [cpu_a]="CPU s/GB, sending daemon"
  [cpu_b]="CPU s/GB, receiving daemon" [cpu_both]="CPU s/GB, both daemons"
  [cpu_relay]="CPU s/GB, relay daemon"
  [rtt_avg]="ping under load avg, ms" [rtt_max]="ping under load max, ms"
  [rss_idle]="idle RSS, MiB" [hwm]="peak RSS (VmHWM), MiB"
)
declare -A higher_better=([tcp_ab]=1 [tcp_ba]=1 [tcp4]=1 [tcp_relay]=1 [udp_rx]=1)
declare -A value=() measured=()
note_lines=()
note() { note_lines+=("$*"); }

# ---- Helpers -------------------------------------------------------------------------------

vm_mib() {  # PID FIELD: that /proc/PID/status field (VmRSS, VmHWM) in MiB
  awk -v f="$2:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null
}
larger() { awk -v x="$1" -v y="$2" 'BEGIN {print (x + 0 > y + 0 ? x : y)}'; }
per_gb() {  # CPU_SECONDS BYTES
  awk -v c="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", c / (b / 1e9); else print "n/a"}'
}
# json FIELD of the last report (jq path), e.g. .end.sum_received.bytes
from_json() { jq -r "$1" <<<"$report"; }
mbits_of() { jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | round / 10' <<<"$report"; }

# An iperf3 run that failed (lab_fail inside its subshell) leaves its server behind on b:
# end the iperf3 processes inside this lab's b, by PID, before the next run.
reap_iperf3() {
  local pid
  for pid in $(ip netns pids "$(lab_ns b)" 2>/dev/null); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = iperf3 ] && kill "$pid" 2>/dev/null || true
  done
  sleep 0.5
}

# run_iperf3 COL METRIC... -- ARGS: one iperf3 run into $report; on failure, every METRIC of
# COL is n/a with the reason, and it returns 1.
run_iperf3() {
  local col=$1 m names=()
  shift
  while [ "$1" != -- ]; do names+=("$1"); shift; done
  shift
  if report=$(bench_iperf3_json "$seconds" "$(lab_overlay b)" "$@") && jq -e .end.sum_received >/dev/null <<<"$report"; then
    return 0
  fi
  for m in "${names[@]}"; do value[$col/$m]=n/a; done
  note "$col: iperf3 $* failed: $(jq -r '.error // empty' <<<"$report" 2>/dev/null | head -1)"
  reap_iperf3
  return 1
}

offloads_on() {  # nebula master: tun.use_offloads and listen.udp_offloads (both default true there)
  local host
  for host in "$@"; do
    sed -i -e '/^tun:$/a\  use_offloads: true' -e '/^listen:$/a\  udp_offloads: true' "$LAB_DIR/$host.yml"
  done
}

# What nebula's log says about its offloads since the last start (the lab appends a
# "=== lab: starting" line to the log at each start), each line once, joined by "; ".
offload_lines() {
  awk '/^=== lab: starting/ {n = NR} {line[NR] = $0} END {for (i = n + 1; i <= NR; i++) print line[i]}' "$1" |
    grep -o -E 'msg="(TUN offload status|udp: G[SR]O [a-z]+)".*$' | awk '!seen[$0]++' | paste -sd ';' | sed 's/;/; /g'
}

start_pair() {  # COL: both daemons up and a ping through, or return 1 with the reason noted
  local col=$1 impl=${col_impl[$1]} r=${col_routines[$1]}
  case $impl in
    flatnet | nebula-*)
      lab_config a --static b --mtu "$mtu" --routines "$r"
      lab_config b --static a --mtu "$mtu" --routines "$r"
      [ "$impl" != nebula-master ] || offloads_on a b
      lab_start_daemon a "$impl"
      lab_start_daemon b "$impl" ;;
    wireguard-go | boringtun)
      wireguard_start a b "$impl" "$mtu"
      wireguard_start b a "$impl" "$mtu" ;;
  esac
  lab_wait_for --timeout 10 -- lab_ping a "$(lab_overlay b)" && return 0
  note "$col: no tunnel a -> b within 10 s; its logs: $(lab_artifact "$(lab_log_of a)") $(lab_artifact "$(lab_log_of b)")"
  return 1
}

stop_pair() {
  lab_stop_daemon a
  lab_stop_daemon b
}

missing_reason() {  # IMPL: why it cannot run here, or nothing
  case $1 in
    flatnet) lab_have flatnet || echo "flatnet not built ($(lab_daemon_binary flatnet))" ;;
    *)
      local got
      got=$(anchor_installed "$1")
      [ -n "$got" ] || { echo "not installed at $(anchor_bin "$1") (bench/setup_anchors.sh)"; return 0; }
      [ "$got" = "$(anchor_wanted "$1")" ] || echo "$(anchor_bin "$1") is $got, not the pinned $(anchor_wanted "$1") (bench/setup_anchors.sh)"
      [[ $1 != wireguard-go && $1 != boringtun ]] || command -v wg >/dev/null || echo "wg not installed (bench/setup_anchors.sh)" ;;
  esac
}

measure() {  # COL: every figure of that column but the relayed ones
  local col=$1 m pid_a pid_b cpu why
  why=$(missing_reason "${col_impl[$col]}")
  if [ -n "$why" ]; then
    for m in "${metrics[@]}"; do value[$col/$m]=n/a; done
    note "$col: $why"
    return 0
  fi
  lab_log "measuring $col"
  if ! start_pair "$col"; then
    for m in "${metrics[@]}"; do value[$col/$m]=n/a; done
    stop_pair
    return 0
  fi
  case ${col_impl[$col]} in
    wireguard-go | boringtun) note "$col: $(wireguard_describe a); $(wireguard_describe b)" ;;
    nebula-master)
      note "$col: a's log says: $(offload_lines "$(lab_log_of a)")" ;;
  esac
  pid_a=$(lab_daemon_pid a) pid_b=$(lab_daemon_pid b)
  sleep 1
  value[$col/rss_idle]=$(larger "$(vm_mib "$pid_a" VmRSS)" "$(vm_mib "$pid_b" VmRSS)")

  bench_daemons_cpu_begin
  if run_iperf3 "$col" tcp_ab cpu_a cpu_b cpu_both --; then
    cpu=$(bench_daemons_cpu_end)
    local bytes
    bytes=$(from_json .end.sum_received.bytes)
    value[$col/tcp_ab]=$(mbits_of)
    value[$col/cpu_a]=$(per_gb "${cpu%% / *}" "$bytes")
    value[$col/cpu_b]=$(per_gb "${cpu##* / }" "$bytes")
    value[$col/cpu_both]=$(per_gb "$(awk -v x="${cpu%% / *}" -v y="${cpu##* / }" 'BEGIN {print x + y}')" "$bytes")
  fi
  ! run_iperf3 "$col" tcp_ba -- --reverse || value[$col/tcp_ba]=$(mbits_of)
  ! run_iperf3 "$col" tcp4 -- --parallel 4 || value[$col/tcp4]=$(mbits_of)
  if run_iperf3 "$col" udp_rx udp_loss -- --udp --bitrate 0 --length 1200; then
    value[$col/udp_rx]=$(mbits_of)
    value[$col/udp_loss]=$(from_json '.end.sum_received.lost_percent | . * 100 | round / 100')
  fi

  # Pings start 1 s into the stream and stop 1 s before its end (ping -w bounds them).
  local label="ping-${col//\//-}" rtt
  lab_spawn a "$label" sh -c "sleep 1; exec ping -q -i 0.2 -w $((seconds - 1)) $(lab_overlay b)"
  if run_iperf3 "$col" rtt_avg rtt_max --; then
    lab_wait_for --timeout 5 -- grep -q '^rtt' "$LAB_DIR/$label.out" || true
    # "rtt min/avg/max/mdev = 0.046/0.061/0.097/0.014 ms"
    rtt=$(sed -n 's|^rtt [^=]*= *\([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\2 \3|p' "$LAB_DIR/$label.out")
    if [ -n "$rtt" ]; then
      value[$col/rtt_avg]=${rtt% *} value[$col/rtt_max]=${rtt#* }
    else
      value[$col/rtt_avg]=n/a value[$col/rtt_max]=n/a
      note "$col: no ping reply during the stream: $(tail -n 2 "$LAB_DIR/$label.out" | tr '\n' ' ')"
    fi
  fi
  lab_stop "$label"

  value[$col/hwm]=$(larger "$(vm_mib "$pid_a" VmHWM)" "$(vm_mib "$pid_b" VmHWM)")
  stop_pair
  measured[$col]=1
}

# ---- Relayed: a and b reach each other only through r ----------------------------------------

relay_ready=0
relay_lab() {  # r on a segment of its own that a and b join too; no UDP between a and b
  local seg
  [ "$relay_ready" = 0 ] || return 0
  lab_segment relay-wire 192.0.2.0/24
  lab_host r --on relay-wire
  lab_attach a relay-wire
  lab_attach b relay-wire
  for seg in a-b relay-wire; do
    lab_exec a iptables -A OUTPUT -p udp -d "$(lab_ip b "$seg")" -j DROP
    lab_exec b iptables -A OUTPUT -p udp -d "$(lab_ip a "$seg")" -j DROP
  done
  relay_ready=1
}

measure_relayed() {  # COL: the relayed figures of that column
  local col=$1 impl=${col_impl[$1]} r=${col_routines[$1]} host pid_r ticks_r bytes
  value[$col/tcp_relay]=n/a value[$col/cpu_relay]=n/a
  case $impl in
    wireguard-go | boringtun) note "$col: relayed n/a: WireGuard has no relays"; return 0 ;;
  esac
  [ -n "${measured[$col]:-}" ] || return 0  # its direct run did not happen; the note says why
  lab_log "measuring $col relayed"
  relay_lab
  lab_config r --am-lighthouse --am-relay --mtu "$mtu" --routines "$r"
  for host in a b; do lab_config "$host" --lighthouse r --relay r --mtu "$mtu" --routines "$r"; done
  [ "$impl" != nebula-master ] || offloads_on r a b
  for host in r a b; do lab_start_daemon "$host" "$impl"; done
  if lab_wait_for --timeout 10 -- lab_ping b "$(lab_overlay r)" &&
    lab_wait_for --timeout 20 -- lab_ping a "$(lab_overlay b)" 2; then
    pid_r=$(lab_daemon_pid r)
    ticks_r=$(lab_cpu_ticks "$pid_r")
    if run_iperf3 "$col" tcp_relay cpu_relay --; then
      bytes=$(from_json .end.sum_received.bytes)
      value[$col/tcp_relay]=$(mbits_of)
      value[$col/cpu_relay]=$(per_gb "$(bench_cpu_seconds $(($(lab_cpu_ticks "$pid_r") - ticks_r)))" "$bytes")
    fi
  else
    note "$col: no relayed tunnel a -> b within 30 s; logs: $(lab_artifact "$(lab_log_of a)") $(lab_artifact "$(lab_log_of r)")"
  fi
  for host in a b r; do lab_stop_daemon "$host"; done
}

# ---- The run -------------------------------------------------------------------------------

bench_steal_begin
veth=$(bench_iperf3_mbits "$seconds" "$(lab_ip b)")
for col in "${cols[@]}"; do measure "$col"; done
for col in "${cols[@]}"; do measure_relayed "$col"; done
steal_line=$(bench_steal_line)

# ---- The table -----------------------------------------------------------------------------

# best METRIC WHICH: "COL VALUE" of the best column among flatnet's (WHICH=flatnet) or the
# others' (WHICH=other), or nothing when none has a figure.
best() {
  local m=$1 which=$2 col v best_col="" best_v=""
  for col in "${cols[@]}"; do
    if [ "$which" = flatnet ]; then [ "${col_impl[$col]}" = flatnet ] || continue
    else [ "${col_impl[$col]}" != flatnet ] || continue; fi
    v=${value[$col/$m]:-n/a}
    [ "$v" != n/a ] || continue
    if [ -z "$best_v" ] || awk -v a="$v" -v b="$best_v" -v hi="${higher_better[$m]:-0}" \
      'BEGIN {exit !((hi && a + 0 > b + 0) || (!hi && a + 0 < b + 0))}'; then
      best_col=$col best_v=$v
    fi
  done
  [ -z "$best_col" ] || echo "$best_col $best_v"
}

header_of() {  # COL -> "impl" and "routines N" / "own threads"
  local col=$1
  if [ -n "${col_routines[$col]}" ]; then echo "${col_impl[$col]}|routines ${col_routines[$col]}"
  else echo "${col_impl[$col]}|own threads"; fi
}

print_table() {
  local m col f o ratio row1 row2 sep
  if [ "$markdown" = 1 ]; then
    row1="| figure |" sep="|---|"
    for col in "${cols[@]}"; do
      row1+=" $(header_of "$col" | sed 's/|/, /') |"
      sep+="---:|"
    done
    echo "$row1 flatnet / best other | best other |"
    echo "$sep---:|---|"
  else
    printf '%-28s' ""
    for col in "${cols[@]}"; do printf ' %16s' "$(header_of "$col" | cut -d'|' -f1)"; done
    printf ' %8s  %s\n' "flatnet/" "best other"
    printf '%-28s' "figure"
    for col in "${cols[@]}"; do printf ' %16s' "$(header_of "$col" | cut -d'|' -f2)"; done
    printf ' %8s\n' "best"
  fi
  for m in "${metrics[@]}"; do
    f=$(best "$m" flatnet) o=$(best "$m" other) ratio="-"
    if [ -n "$f" ] && [ -n "$o" ]; then
      ratio=$(awk -v f="${f#* }" -v o="${o#* }" 'BEGIN {if (o + 0 > 0) printf "%.2f", f / o; else print "-"}')
    fi
    if [ "$markdown" = 1 ]; then
      printf '| %s |' "${label[$m]}"
      for col in "${cols[@]}"; do printf ' %s |' "${value[$col/$m]:-n/a}"; done
      printf ' %s | %s |\n' "$ratio" "${o%% *}"
    else
      printf '%-28s' "${label[$m]}"
      for col in "${cols[@]}"; do printf ' %16s' "${value[$col/$m]:-n/a}"; done
      printf ' %8s  %s\n' "$ratio" "${o%% *}"
    fi
  done
}

echo
echo "frontier: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, ${seconds} s per run, overlay MTU $mtu, underlay one veth"
echo "veth (no overlay), one TCP stream: $veth Mbit/s"
echo "versions: flatnet $("$FLATNET_BIN/flatnet" -version 2>/dev/null | sed -n 's/^Version: *//p') ($(git -C "$here/.." describe --always --dirty 2>/dev/null || echo "?")); $(for i in "${ANCHOR_IMPLS[@]}"; do printf '%s %s; ' "$i" "$(anchor_installed "$i")"; done)"
echo "ciphers: flatnet and nebula AES-256-GCM (cipher aes); WireGuard ChaCha20-Poly1305 (its only one)"
echo "relayed: through a third daemon r on a second segment, UDP between a and b dropped"
echo "$steal_line"
echo
print_table
echo
echo "Ratios: flatnet's best column over the best other column; above 1 is better for Mbit/s, below 1 for the rest."
for col in "${cols[@]}"; do
  [ -n "${measured[$col]:-}" ] || continue
  case ${col_impl[$col]} in
    wireguard-go) note "$col: routines n/a: wireguard-go has no such key; it runs its own goroutines on every core (GOMAXPROCS)" ;;
    boringtun) note "$col: routines n/a: boringtun has no such key; its --threads is left at the default (4)" ;;
  esac
done
if [ "${#note_lines[@]}" -gt 0 ]; then
  echo "Notes:"
  printf '  %s\n' "${note_lines[@]}"
fi
