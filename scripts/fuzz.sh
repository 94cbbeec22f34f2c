#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, ASan and UBSan into build-fuzz/ and
# runs each for SECONDS (default 30) from its seed corpus (tests/fuzz/corpus/<target>).
# Fails if any target crashes, leaks, trips a sanitizer, times out or runs out of memory;
# the input that did it is kept in build-fuzz/fuzz-artifacts/. Prints each target's
# executions and coverage (libFuzzer's final cov/ft and -print_final_stats numbers).
#
#   bash scripts/fuzz.sh [SECONDS]          all targets
#   FUZZ_TARGETS="dns config" bash scripts/fuzz.sh 60
#   build-fuzz/fuzz/dns_fuzz CRASH_FILE     replays one input
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
build=${FLATNET_FUZZ_BUILD:-build-fuzz}

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
start=$SECONDS
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLATNET_FUZZ=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzzers >"$build/fuzz-build.log" 2>&1 ||
  { tail -n 50 "$build/fuzz-build.log"; echo "fuzz: build failed ($build/fuzz-build.log)"; exit 1; }
echo "fuzz: built in $((SECONDS - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
targets=${FUZZ_TARGETS:-$(cd tests/fuzz && ls ./*_fuzz.cpp | sed 's|^\./||; s|_fuzz\.cpp$||')}
mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
failed=()
printf '%-16s %10s %9s %7s %7s %8s\n' target executions exec/s cov ft new
for target in $targets; do
  bin=$build/fuzz/${target}_fuzz
  seeds=tests/fuzz/corpus/$target
  work=$build/fuzz-corpus/$target  # new inputs go here, not into the repository
  log=$build/fuzz-logs/$target.log
  [ -x "$bin" ] || { echo "fuzz: no binary $bin"; exit 1; }
  [ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds"; exit 1; }
  mkdir -p "$work"
  rc=0
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -max_len=70000 -artifact_prefix="$build/fuzz-artifacts/$target-" "$work" "$seeds" \
    >"$log" 2>&1 || rc=$?
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  stat() { sed -n "s/^stat::$1:[[:space:]]*//p" "$log" | tail -n 1; }
  cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  printf '%-16s %10s %9s %7s %7s %8s\n' "$target" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "$(stat new_units_added)"
  if [ "$rc" -ne 0 ] || [ -z "$done_line" ]; then
    failed+=("$target")
    echo "fuzz: $target FAILED (exit $rc); its log, $log, ends:"
    grep -E -A 40 'ERROR|runtime error|fuzz setup|check failed|==[0-9]+==' "$log" | head -n 60 || tail -n 40 "$log"
  fi
done
echo "fuzz: $(echo "$targets" | wc -w) targets, $seconds s each, total $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/fuzz-artifacts/)"
  exit 1
fi
