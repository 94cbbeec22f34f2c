# shellcheck shell=bash
# impair.sh — a bad underlay on a lab router: loss, duplication, jitter and reordering of the
# UDP datagrams it forwards. Source it after netlab.sh.
#
#   impair_start ROUTER [--loss PCT] [--dup PCT --toward HOST] [--jitter-ms MS]
#   impair_stats ROUTER      "dropped D, duplicated T, <lab-impair's line>" so far
#   impair_stop ROUTER       removes the rules and stops lab-impair (then impair_stats works
#                            on the final figures)
#
# What tc netem would do, built from what this kernel has (it has no sch_netem):
#  - loss: iptables `-m statistic --mode random --probability PCT/100 -j DROP`;
#  - duplication: `-m statistic ... -j TEE --gateway HOST`: the copy goes straight to HOST,
#    the member on the router's LAN. Only datagrams towards HOST are duplicated: TEE copies
#    before source NAT, so a copy sent upstream would carry the member's private address;
#  - jitter: NFQUEUE to lab-impair (tests/lab/tools/lab_impair.cpp), which holds every
#    datagram for a uniform random 0..MS ms; released by due time, datagrams overtake each
#    other, which is the reordering.
# All rules sit in the router's mangle POSTROUTING chain, after routing and the router's
# filter (so they never let in what the NAT would drop), once per forwarded datagram, both
# directions. A TEE copy passes that chain again, so copies are themselves lost and delayed
# independently. Every rule carries the comment "labimpair"; impair_stop deletes exactly
# those. The NFQUEUE rule has no --queue-bypass: if lab-impair is not running, datagrams are
# held by the kernel and the test fails loudly instead of running on a clean underlay.

IMPAIR_QUEUE=0  # queues are per network namespace: each router has its own queue 0

impair__ipt() {
  local router=$1
  shift
  lab_exec "$router" iptables -t mangle "$@"
}

impair__rate() {  # PCT -> probability for the statistic match, 0 < PCT <= 100
  [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] || lab_fail "impair: '$1' is not a percentage"
  awk -v p="$1" 'BEGIN { if (p <= 0 || p > 100) exit 1; printf "%.4f\n", p / 100 }' ||
    lab_fail "impair: percentage '$1' is not in (0, 100]"
}

impair_start() {
  local router=$1 loss="" dup="" toward="" jitter=""
  shift || lab_fail "usage: impair_start ROUTER [--loss PCT] [--dup PCT --toward HOST] [--jitter-ms MS]"
  while [ $# -gt 0 ]; do
    case $1 in
      --loss) loss=$(impair__rate "${2:-}"); shift 2 ;;
      --dup) dup=$(impair__rate "${2:-}"); shift 2 ;;
      --toward) toward=${2:-}; shift 2 ;;
      --jitter-ms) jitter=${2:-}; shift 2 ;;
      *) lab_fail "impair_start $router: unknown argument '$1'" ;;
    esac
  done
  [ "${LAB_NODE_KIND[$router]:-}" = router ] || lab_fail "impair_start: '$router' is not a lab router"
  [ -z "$dup" ] || [ -n "$toward" ] || lab_fail "impair_start $router: --dup needs --toward HOST"
  local tag=(-m comment --comment labimpair)
  if [ -n "$loss" ]; then
    impair__ipt "$router" -A POSTROUTING -p udp "${tag[@]}" -m statistic --mode random \
      --probability "$loss" -j DROP || lab_fail "impair_start $router: cannot add the loss rule"
  fi
  if [ -n "$dup" ]; then
    local host_ip="" seg
    for seg in "${!LAB_SEG_GW[@]}"; do
      if [ "${LAB_SEG_GW[$seg]}" = "${LAB_ADDR[$router/$seg]:-}" ] && [ -n "${LAB_ADDR[$toward/$seg]:-}" ]; then
        host_ip=${LAB_ADDR[$toward/$seg]}
      fi
    done
    [ -n "$host_ip" ] || lab_fail "impair_start $router: '$toward' is not on a LAN of that router"
    impair__ipt "$router" -A POSTROUTING -p udp -d "$host_ip" "${tag[@]}" -m statistic --mode random \
      --probability "$dup" -j TEE --gateway "$host_ip" || lab_fail "impair_start $router: cannot add the TEE rule"
  fi
  if [ -n "$jitter" ]; then
    [[ $jitter =~ ^[0-9]+$ ]] || lab_fail "impair_start $router: --jitter-ms '$jitter' is not a number"
    lab_spawn "$router" "impair-$router" "$(lab_tool lab-impair)" --queue "$IMPAIR_QUEUE" \
      --max-delay-ms "$jitter" --time-limit 900
    lab_wait_for --timeout 5 -- grep -q ready "$LAB_DIR/impair-$router.out" ||
      lab_fail "lab-impair did not start on $router: $(cat "$LAB_DIR/impair-$router.out" 2>/dev/null)"
    impair__ipt "$router" -A POSTROUTING -p udp "${tag[@]}" -j NFQUEUE --queue-num "$IMPAIR_QUEUE" ||
      lab_fail "impair_start $router: cannot add the NFQUEUE rule"
  fi
}

# Packets counted by the labimpair rule whose target is $2 (DROP or TEE).
impair__count() {
  impair__ipt "$1" -nvxL POSTROUTING 2>/dev/null |
    awk -v target="$2" '$3 == target && /labimpair/ { n += $1 } END { print n + 0 }'
}

impair__counts() {
  echo "dropped $(impair__count "$1" DROP), duplicated $(impair__count "$1" TEE)"
}

impair_stats() {
  local router=$1 line=""
  if [ -f "$LAB_DIR/impair-$router.stats" ]; then
    cat "$LAB_DIR/impair-$router.stats"
    return 0
  fi
  [ -f "$LAB_DIR/impair-$router.out" ] && line=$(grep -v ready "$LAB_DIR/impair-$router.out" | tail -n 1)
  echo "$(impair__counts "$router")${line:+, ${line#lab-impair: }}"
}

# impair_stop ROUTER: reads the counters, deletes the rules, then stops lab-impair (which
# lets go of what it holds and prints its line); impair_stats afterwards prints those final
# figures, kept in $LAB_DIR/impair-ROUTER.stats.
impair_stop() {
  local router=$1 spec counts line=""
  counts=$(impair__counts "$router")
  # Delete by specification, last first, so the numbering of the others does not matter.
  while spec=$(impair__ipt "$router" -S POSTROUTING | grep -- '--comment labimpair' | tail -n 1) && [ -n "$spec" ]; do
    # shellcheck disable=SC2086
    eval "impair__ipt \"\$router\" ${spec/-A /-D }" || lab_fail "impair_stop $router: cannot delete '$spec'"
  done
  if [ -n "${LAB_PID[impair-$router]:-}" ]; then
    lab_stop "impair-$router"
    line=$(grep -v ready "$LAB_DIR/impair-$router.out" | tail -n 1)
  fi
  echo "$counts${line:+, ${line#lab-impair: }}" >"$LAB_DIR/impair-$router.stats"
}
