#!/usr/bin/env bash
# Sets up, builds and runs every test: unit tests, then the network-namespace labs and
# interop tests against the real nebula (they need root), then every fuzzer (any crash or
# failed property check fails) and the ASan+UBSan and TSan builds of the unit tests and of
# the tunnel, relay and hostile-input labs (any sanitizer report fails).
#
# The two instrumented trees (scripts/build_instrumented.sh) compile in the background at
# the lowest CPU priority while the unit tests and labs run, which leave most of the two
# cores idle; fuzz.sh and sanitizers.sh then find them built. FLATNET_CHECKS=0 leaves the
# fuzzers and sanitizers out (unit tests and labs only); FLATNET_FUZZ_SECONDS sets each
# fuzzer's run (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
checks=${FLATNET_CHECKS:-1}
bash scripts/setup.sh

instrumented_pid=
stop_instrumented_build() {
  [ -n "$instrumented_pid" ] && kill -- "-$instrumented_pid" 2>/dev/null || true
}
if [ "$checks" = 1 ]; then
  mkdir -p build
  # A process group of its own (set -m), so a failing lab run stops the whole build.
  set -m
  nice -n 19 bash scripts/build_instrumented.sh >build/instrumented-build.log 2>&1 &
  instrumented_pid=$!
  set +m
  trap stop_instrumented_build EXIT
fi
(
  cd build
  # Unit tests in parallel; labs one at a time so they don't fight over the 2 cores.
  ctest --output-on-failure -j"$(nproc)" -LE lab
  ctest --output-on-failure -L lab
)
if [ "$checks" = 1 ]; then
  start=$SECONDS
  wait "$instrumented_pid" || {
    tail -n 40 build/instrumented-build.log
    echo "test: the instrumented builds failed (build/instrumented-build.log)" >&2
    exit 1
  }
  instrumented_pid=
  cat build/instrumented-build.log
  echo "test: waited $((SECONDS - start)) s for the instrumented builds after the labs"
  bash scripts/fuzz.sh "${FLATNET_FUZZ_SECONDS:-20}"
  bash scripts/sanitizers.sh
fi
