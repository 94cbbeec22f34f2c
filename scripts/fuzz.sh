#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan, in build-asan/: see
# scripts/lib/instrumented_build.sh) and runs each for SECONDS (default 30) from its seed
# corpus (tests/fuzz/corpus/<target>), FUZZ_JOBS (default: the number of cores) at a time.
# Fails if any target crashes, leaks, trips a sanitizer or a property check, times out or
# runs out of memory; the input that did it is kept in build-asan/fuzz-artifacts/. Prints
# each target's executions, exec/s and coverage (libFuzzer's final cov/ft and
# -print_final_stats numbers).
#
#   bash scripts/fuzz.sh [SECONDS]          all targets
#   FUZZ_TARGETS="dns config" bash scripts/fuzz.sh 60
#   build-asan/fuzz/dns_fuzz CRASH_FILE     replays one input
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/instrumented_build.sh
seconds=${1:-30}
build=${FLATNET_FUZZ_BUILD:-build-asan}
jobs=${FUZZ_JOBS:-$(nproc)}

start=$SECONDS
instrumented_configure "$build" asan
instrumented_build "$build" fuzz fuzzers
echo "fuzz: built in $((SECONDS - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
targets=${FUZZ_TARGETS:-$(cd tests/fuzz && ls ./*_fuzz.cpp | sed 's|^\./||; s|_fuzz\.cpp$||')}
mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
rm -f "$build"/fuzz-logs/*.rc

run_target() {  # run_target NAME: its log in fuzz-logs/NAME.log, its exit code in NAME.rc
  local target=$1 rc=0
  local bin=$build/fuzz/${target}_fuzz seeds=tests/fuzz/corpus/$target
  local work=$build/fuzz-corpus/$target  # new inputs go here, not into the repository
  local log=$build/fuzz-logs/$target.log
  mkdir -p "$work"
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -max_len=70000 -artifact_prefix="$build/fuzz-artifacts/$target-" "$work" "$seeds" \
    >"$log" 2>&1 || rc=$?
  echo "$rc" >"$build/fuzz-logs/$target.rc"
}

for target in $targets; do
  [ -x "$build/fuzz/${target}_fuzz" ] || { echo "fuzz: no binary $build/fuzz/${target}_fuzz"; exit 1; }
  [ -d "tests/fuzz/corpus/$target" ] || { echo "fuzz: no seed corpus tests/fuzz/corpus/$target"; exit 1; }
done
running=0
for target in $targets; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
wait || true

failed=()
printf '%-16s %10s %9s %7s %7s %8s\n' target executions exec/s cov ft new
for target in $targets; do
  log=$build/fuzz-logs/$target.log
  rc=$(cat "$build/fuzz-logs/$target.rc" 2>/dev/null || echo "?")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  stat() { sed -n "s/^stat::$1:[[:space:]]*//p" "$log" | tail -n 1; }
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  printf '%-16s %10s %9s %7s %7s %8s\n' "$target" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "$(stat new_units_added)"
  if [ "$rc" != 0 ] || [ -z "$done_line" ]; then
    failed+=("$target")
    echo "fuzz: $target FAILED (exit $rc); its log, $log, ends:"
    grep -E -A 40 'ERROR|runtime error|fuzz setup|check failed|==[0-9]+==' "$log" | head -n 60 || tail -n 40 "$log"
  fi
done
echo "fuzz: $(echo "$targets" | wc -w) targets, $seconds s each, $jobs at a time, total $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/fuzz-artifacts/)"
  exit 1
fi
