#!/usr/bin/env bash
# Sets up, builds and runs every test: unit tests, then the network-namespace labs and
# interop tests against the real nebula (they need root), then every fuzzer for
# FLATNET_FUZZ_SECONDS each (default 20, two at a time; any crash or failed property check
# fails) and the ASan+UBSan and TSan builds of the unit tests and of the tunnel, relay and
# hostile-input labs (any sanitizer report fails).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(
  cd build
  # Unit tests in parallel; labs one at a time so they don't fight over the 2 cores.
  ctest --output-on-failure -j"$(nproc)" -LE lab
  ctest --output-on-failure -L lab
)
# Cost, measured 2026-12-02 on the 2-core machine while four other builds kept its load at
# 13-17 (so upper bounds): the 11 fuzzers x 20 s, two at a time, about 2 min; the three labs
# 3.6 min under ASan+UBSan and 4.4 min under TSan (most of it tunnel_flatnet_test's five
# 200 MB runs). The two clang -O1 trees (build-asan, also holding the fuzzers, and
# build-tsan) took over an hour to compile cold under that load, niced; later runs take
# them from ccache (scripts/setup.sh installs it). Not yet measured: a whole quiet
# `CI=true bash .ci/run` with these; estimated 10-15 min on top of the 12.5 without them
# once ccache is warm.
bash scripts/fuzz.sh "${FLATNET_FUZZ_SECONDS:-20}"
bash scripts/sanitizers.sh
