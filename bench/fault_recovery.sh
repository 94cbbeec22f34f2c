#!/usr/bin/env bash
# Fault recovery: how long a mesh takes to carry traffic again after each fault of
# tests/lab/scenarios/faults.sh, flatnet beside nebula in the same scenario.
#
#   bench/fault_recovery.sh [--rounds N] [--impls "flatnet nebula-1.11.1"]
#                           [--faults "impair peer lighthouse relay nat clock"] [--size-mb N]
#
# Every host of the scenario (lighthouse, relay, members behind symmetric NATs) runs the
# same implementation. Each fault runs in a lab of its own (fresh daemons, NATs and certs),
# so one fault's aftermath never colours the next one's figure; each is repeated --rounds
# times (default 1) and the median is printed. The figure is the time from the fault (the
# SIGKILL, the conntrack flush, the clock step) to the first ping reply across the mesh, the
# pings 100 ms apart; for "impair" it is the time the --size-mb (default 100) MB transfer
# took over the impaired underlay. "clock" steps one process's wall clock with libfaketime,
# which cannot reach a Go binary, so nebula has no figure there. A fault that did not recover
# within the scenario's bound (120 s here) prints "failed". Never part of CTest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lab/lib/netlab.sh"

rounds=1 impls="flatnet nebula-1.11.1" faults="impair peer lighthouse relay nat clock" size_mb=100
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:-}; shift 2 ;;
    --impls) impls=${2:-}; shift 2 ;;
    --faults) faults=${2:-}; shift 2 ;;
    --size-mb) size_mb=${2:-}; shift 2 ;;
    *) echo "fault_recovery.sh: unknown argument '$1' (usage: [--rounds N] [--impls \"flatnet nebula-1.11.1\"] [--faults \"...\"] [--size-mb N])" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] ||
  { echo "fault_recovery.sh: --rounds '$rounds' is not 1..20" >&2; exit 2; }
for impl in $impls; do
  lab_impl_ok "$impl" || { echo "fault_recovery.sh: --impls: '$impl' is not one of $(lab_impl_names)" >&2; exit 2; }
  lab_have "$impl" || { echo "fault_recovery.sh: $impl not found at $(lab_daemon_binary "$impl")" >&2; exit 1; }
done

# measure IMPL FAULT: one fresh lab; prints "NAME VALUE" for each "recovery:" line (VALUE in
# ms, or n/a), or "FAULT failed" when the scenario failed.
measure() {
  local impl=$1 fault=$2 out
  out=$(bash "$here/../tests/lab/scenarios/faults.sh" --impl "$impl" --faults "$fault" \
    --size-mb "$size_mb" --after-mb 1 --recover-s 120 2>"$LAB_TMP/$impl.$fault.err") || {
    echo "$fault failed"
    echo "fault_recovery: $impl, $fault failed; the scenario's last words:" >&2
    tail -n 5 "$LAB_TMP/$impl.$fault.err" | sed 's/^/  /' >&2
    return 0
  }
  echo "$out" | sed -n 's/^recovery: \([a-z-]*\) \([0-9]*\) ms.*/\1 \2/p; s/^recovery: \([a-z-]*\) n\/a.*/\1 n\/a/p'
}

median() {  # of the numbers among the arguments; nothing when there is none
  printf '%s\n' "$@" | awk '/^[0-9]+$/ {print}' | sort -n | awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'
}

LAB_TMP=$(mktemp -d /tmp/fault-recovery.XXXXXX)
trap 'rm -rf "$LAB_TMP"' EXIT
declare -A values=()  # "impl name" -> space-separated values
names=()
for fault in $faults; do
  for impl in $impls; do
    for ((round = 1; round <= rounds; round++)); do
      echo "fault_recovery: $impl, $fault, round $round" >&2
      while read -r name value; do
        [ -n "$name" ] || continue
        [[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
        values["$impl $name"]+=" $value"
      done < <(measure "$impl" "$fault")
    done
  done
done

read -r -a impl_list <<<"$impls"
printf '%-14s' fault
for impl in "${impl_list[@]}"; do printf ' %16s' "$impl"; done
[ ${#impl_list[@]} -ne 2 ] || printf ' %10s' "ratio"
echo
for name in "${names[@]}"; do
  printf '%-14s' "$name"
  meds=()
  for impl in "${impl_list[@]}"; do
    # shellcheck disable=SC2086
    m=$(median ${values["$impl $name"]:-})
    meds+=("$m")
    if [ -n "$m" ]; then
      printf ' %13s ms' "$m"
    elif [[ ${values["$impl $name"]:-} == *failed* ]]; then
      printf ' %16s' "failed"
    else
      printf ' %16s' "n/a"  # not measurable for this implementation (the clock faults)
    fi
  done
  if [ ${#impl_list[@]} -eq 2 ]; then
    if [ -n "${meds[0]}" ] && [ -n "${meds[1]}" ] && [ "${meds[1]}" -gt 0 ]; then
      awk -v a="${meds[0]}" -v b="${meds[1]}" 'BEGIN { printf " %10.2f", a / b }'
    else
      printf ' %10s' "-"
    fi
  fi
  echo
done
[ ${#impl_list[@]} -ne 2 ] || echo "ratio: ${impl_list[0]} / ${impl_list[1]} (lower is faster recovery for ${impl_list[0]})"
