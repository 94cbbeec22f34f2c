#!/usr/bin/env bash
# Builds the unit tests, the binaries and the lab tools with AddressSanitizer + UBSan into
# build-asan/ and with ThreadSanitizer into build-tsan/, runs the unit tests in each, and
# runs the labs in SANITIZER_LABS (default: tunnel, relay and hostile-input) with each
# sanitized flatnet daemon. Any sanitizer report fails the run: unit tests abort on the
# first report, and a lab fails when a daemon's log holds one (tests/lab/lib/netlab.sh
# checks at teardown). Labs need root, as in scripts/test.sh.
#
#   bash scripts/sanitizers.sh              both
#   SANITIZERS=asan bash scripts/sanitizers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
labs=${SANITIZER_LABS:-tunnel_flatnet_test|relay_test|hostile_input_test}
jobs=$(nproc)

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

# Reports abort (or, for TSan, exit 66) instead of scrolling past; symbolized stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1}

run() {  # run NAME BUILD_DIR SANITIZERS
  local name=$1 dir=$2 sanitize=$3 start=$SECONDS
  echo "sanitizers: $name: building into $dir/"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLATNET_SANITIZE="$sanitize" \
    "${launcher[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs" --target unit-tests flatnet flatnet-cert lab-tools \
    >"$dir/sanitizer-build.log" 2>&1 ||
    { tail -n 50 "$dir/sanitizer-build.log"; echo "sanitizers: $name: build failed"; exit 1; }
  echo "sanitizers: $name: built in $((SECONDS - start)) s"
  start=$SECONDS
  (cd "$dir" && ctest --output-on-failure -j"$jobs" -LE lab)
  echo "sanitizers: $name: unit tests passed in $((SECONDS - start)) s"
  start=$SECONDS
  (cd "$dir" && ctest --output-on-failure -L lab -R "$labs")
  echo "sanitizers: $name: labs ($labs) passed in $((SECONDS - start)) s"
}

for s in ${SANITIZERS:-asan tsan}; do
  case $s in
    asan) run "ASan+UBSan" build-asan address,undefined ;;
    tsan) run "TSan" build-tsan thread ;;
    *) echo "sanitizers: unknown '$s' (asan or tsan)"; exit 1 ;;
  esac
done
