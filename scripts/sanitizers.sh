#!/usr/bin/env bash
# Builds the unit tests, the daemon and flatnet-cert with AddressSanitizer + UBSan into
# build-asan/ and with ThreadSanitizer into build-tsan/ (clang -O1, see
# scripts/lib/instrumented_build.sh; build-asan/ is the tree scripts/fuzz.sh builds its
# fuzzers in), runs the unit tests in each, and runs the labs in SANITIZER_LABS (default:
# tunnel, relay and hostile-input) with each sanitized flatnet daemon. Any sanitizer report
# fails the run: unit tests abort on the first report, and a lab fails when a daemon's log
# holds one (tests/lab/lib/netlab.sh checks at teardown). Labs need root, as in
# scripts/test.sh. The labs' own tools (injector, probe ...) are test equipment, not under
# test: they come from build/ when it has them (scripts/setup.sh builds it), else they are
# built in the sanitized tree.
#
#   bash scripts/sanitizers.sh              both
#   SANITIZERS=asan bash scripts/sanitizers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/instrumented_build.sh
labs=${SANITIZER_LABS:-tunnel_flatnet_test|relay_test|hostile_input_test}
jobs=$(nproc)
lab_tools=(lab-udp-inject lab-udp-probe lab-tcp-xfer lab-http-serve)

# Reports abort (or, for TSan, exit 66) instead of scrolling past; symbolized stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1}

run() {  # run NAME BUILD_DIR asan|tsan
  local name=$1 dir=$2 kind=$3 start=$SECONDS targets=(unit-tests flatnet flatnet-cert)
  local tools_dir=$PWD/build/tests/lab/tools missing=0
  for tool in "${lab_tools[@]}"; do [ -x "$tools_dir/$tool" ] || missing=1; done
  if [ "$missing" = 1 ]; then
    targets+=(lab-tools)
    tools_dir=$PWD/$dir/tests/lab/tools
  fi
  echo "sanitizers: $name: building into $dir/"
  instrumented_configure "$dir" "$kind"
  instrumented_build "$dir" sanitizer "${targets[@]}"
  echo "sanitizers: $name: built in $((SECONDS - start)) s"
  start=$SECONDS
  (cd "$dir" && ctest --output-on-failure -j"$jobs" -LE lab)
  echo "sanitizers: $name: unit tests passed in $((SECONDS - start)) s"
  start=$SECONDS
  (cd "$dir" && LAB_TOOLS=$tools_dir ctest --output-on-failure -L lab -R "$labs")
  echo "sanitizers: $name: labs ($labs) passed in $((SECONDS - start)) s"
}

for s in ${SANITIZERS:-asan tsan}; do
  case $s in
    asan) run "ASan+UBSan" build-asan asan ;;
    tsan) run "TSan" build-tsan tsan ;;
    *) echo "sanitizers: unknown '$s' (asan or tsan)"; exit 1 ;;
  esac
done
