# shellcheck shell=bash
# machine.sh — what the machine did to a benchmark besides running it: the share of CPU time
# the hypervisor took for other guests ("steal", /proc/stat; vmstat's `st`). On a VM whose
# neighbours are busy, every figure of a run with more than a few percent of it is off, so
# benchmarks print it beside their figures.
#
#   bench_steal_begin          remembers the machine's CPU times now
#   bench_steal_end            prints the steal since bench_steal_begin, percent of all CPU
#                              time with one decimal ("0.4")
#   bench_steal_line           "CPU steal during the run: 0.4 % (...)": bench_steal_end with
#                              what it means, for a benchmark's report

# "STEAL TOTAL" in clock ticks, all CPUs: user nice system idle iowait irq softirq steal
# (guest time is already inside user).
bench__cpu_times() { awk '$1 == "cpu" {t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t; exit}' /proc/stat; }

bench_steal_begin() { BENCH_STEAL_START=$(bench__cpu_times); }

bench_steal_end() {
  [ -n "${BENCH_STEAL_START:-}" ] || { echo "n/a"; return 0; }
  local now
  now=$(bench__cpu_times)
  awk -v a="$BENCH_STEAL_START" -v b="$now" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    if (y[2] - x[2] > 0) printf "%.1f", 100 * (y[1] - x[1]) / (y[2] - x[2]); else print "n/a" }'
}

bench_steal_line() {
  local steal
  steal=$(bench_steal_end)
  if awk -v s="$steal" 'BEGIN {exit !(s + 0 > 2)}'; then
    echo "CPU steal during the run: $steal % (above 2 %: the hypervisor's other guests took time from this run; its figures are not comparable)"
  else
    echo "CPU steal during the run: $steal % (the hypervisor took next to nothing)"
  fi
}
