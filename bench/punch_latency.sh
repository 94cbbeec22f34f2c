#!/usr/bin/env bash
# Punch latency: how long a member's first packet to another NATed member waits for a
# working direct tunnel.
#
#   bench/punch_latency.sh [--rounds N] [--impls "nebula flatnet"]
#
# A lighthouse on the internet segment, a and b each behind its own home router
# (MASQUERADE), all three running the same implementation, punchy.punch and
# punchy.respond on and every other punchy setting at its default (delay 1 s; flatnet's
# early_delay 100 ms). Each round starts the three daemons fresh, with the routers' mappings flushed (no hole left from the
# round before), waits until both members reach the lighthouse, and then times a's first
# ping to b: a pings every 50 ms until the first reply, and the time from the first
# packet to that reply is the figure. It covers the lighthouse query, the punches and the
# handshake. Each round also checks that the reply came straight from b's router (the
# lighthouse is no relay, so it could not have come any other way; the counter proves it).
# Prints min / median / max per implementation (default 7 rounds) and the ratio of the
# medians, and the hypervisor's steal during the run (bench/lib/machine.sh). The goal (issue
# 13): under 300 ms between flatnet hosts. Never part of CTest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"
source "$here/../tests/lab/scenarios/nat_lib.sh"
source "$here/lib/machine.sh"

rounds=7 impls="nebula flatnet"
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:-}; shift 2 ;;
    --impls) impls=${2:-}; shift 2 ;;
    *) echo "punch_latency.sh: unknown argument '$1' (usage: [--rounds N] [--impls \"nebula flatnet\"])" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 50 ] ||
  { echo "punch_latency.sh: --rounds '$rounds' is not 1..50" >&2; exit 2; }
impls=$(nat_impl_list --impls "${impls// /,}")
command -v conntrack >/dev/null || { echo "punch_latency.sh: needs conntrack (scripts/setup.sh installs it)" >&2; exit 1; }

lab_init punchlat
lab_segment internet
lab_host lh --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq
lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24
lab_config lh --am-lighthouse
lab_config a --lighthouse lh --punchy
lab_config b --lighthouse lh --punchy
b_public=$(lab_ip b-nat1)
nat_count_udp_from a "$b_public"

# first_reply_ms: a pings b every 50 ms (at most 10 s); prints the ms from the first echo
# request to the first reply, or "lost".
first_reply_ms() {
  local start reply
  start=$EPOCHREALTIME
  reply=$(lab_exec a ping -D -n -i 0.05 -c 1 -w 10 "$(lab_overlay b)" 2>/dev/null |
    sed -n 's/^\[\([0-9.]*\)\] .* bytes from.*/\1/p' | head -1) || true
  [ -n "$reply" ] || { echo lost; return; }
  awk -v s="$start" -v r="$reply" 'BEGIN { printf "%.0f\n", (r - s) * 1000 }'
}

# stats VALUES...: "min / median / max ms" of the numbers among VALUES, and how many were lost.
stats() {
  printf '%s\n' "$@" | grep -v lost | sort -n |
    awk -v all=$# '{v[NR] = $1} END {
      if (NR == 0) { print "all lost"; exit }
      printf "%d / %d / %d ms", v[1], v[int((NR + 1) / 2)], v[NR]
      if (NR < all) printf " (%d lost or not direct)", all - NR
      print ""
    }'
}
median() {
  printf '%s\n' "$@" | grep -v lost | sort -n | awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'
}

declare -A medians=()
bench_steal_begin
printf '%-10s %s\n' impl "first packet to a direct tunnel (min / median / max)"
for impl in $impls; do
  if ! lab_have "$impl"; then
    echo "punch_latency: $impl not found at $(lab_daemon_binary "$impl"); skipped" >&2
    continue
  fi
  times=()
  for ((round = 0; round < rounds; round++)); do
    for router in a-nat1 b-nat1; do lab_exec "$router" conntrack -F >/dev/null 2>&1; done
    for host in lh a b; do lab_start_daemon "$host" "$impl"; done
    # Both members have registered with the lighthouse once they reach it over the overlay.
    for host in a b; do
      lab_wait_for --timeout 10 -- lab_ping "$host" "$(lab_overlay lh)" ||
        lab_fail "$impl: $host cannot reach the lighthouse; logs in $LAB_DIR"
    done
    sleep 0.5  # let b's host update settle at the lighthouse
    before=$(nat_udp_from a "$b_public")
    t=$(first_reply_ms)
    if [ "$t" != lost ] && [ "$(nat_udp_from a "$b_public")" -le "$before" ]; then
      echo "punch_latency: $impl round $round: the reply did not come from b's router $b_public" >&2
      t=lost
    fi
    times+=("$t")
    for host in a b lh; do lab_stop_daemon "$host"; done
  done
  echo "   $impl rounds (ms): ${times[*]}" >&2
  printf '%-10s %s\n' "$impl" "$(stats "${times[@]}")"
  medians[$impl]=$(median "${times[@]}")
done
if [ -n "${medians[nebula]:-}" ] && [ -n "${medians[flatnet]:-}" ] && [ "${medians[nebula]}" -gt 0 ]; then
  awk -v f="${medians[flatnet]}" -v n="${medians[nebula]}" \
    'BEGIN { printf "ratio flatnet/nebula (medians): %.2f\n", f / n }'
fi
bench_steal_line
echo "goal: under 300 ms between flatnet hosts with default punchy settings (nebula keeps its 1 s punchy.delay)"
