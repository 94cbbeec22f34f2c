#!/usr/bin/env bash
# Sets up, builds and runs every test: unit tests, then the network-namespace labs and
# interop tests against the real nebula (they need root); with FLATNET_CHECKS=1 also every
# fuzzer (any crash or failed property check fails) and the ASan+UBSan and TSan builds of
# the unit tests and of the tunnel, relay and hostile-input labs (any sanitizer report
# fails).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(
  cd build
  # Unit tests in parallel; labs one at a time so they don't fight over the 2 cores.
  ctest --output-on-failure -j"$(nproc)" -LE lab
  ctest --output-on-failure -L lab
)
# The fuzzers (scripts/fuzz.sh: every target for FLATNET_FUZZ_SECONDS, default 20, two at a
# time) and the ASan+UBSan and TSan builds of the unit tests and of the tunnel, relay and
# hostile-input labs (scripts/sanitizers.sh) run when FLATNET_CHECKS=1. They are not yet
# part of CI's run: measured under load (2026-12-02, load 13-17): fuzzers ~2 min, the three
# labs 3.6 min under ASan+UBSan and 4.4 min under TSan, and the two clang -O1 trees compile
# cold (a CI machine's ccache is empty) in an unmeasured quiet time; the ASan unit tests
# have not yet been run through once. They join CI once a quiet full run is measured clean
# and inside CI's 40-minute budget.
if [ "${FLATNET_CHECKS:-0}" = 1 ]; then
  bash scripts/fuzz.sh "${FLATNET_FUZZ_SECONDS:-20}"
  bash scripts/sanitizers.sh
fi
