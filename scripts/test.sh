#!/usr/bin/env bash
# Sets up, builds and runs every test: unit tests, then the network-namespace labs and
# interop tests against the real nebula (they need root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd build
# Unit tests in parallel; labs one at a time so they don't fight over the 2 cores.
ctest --output-on-failure -j"$(nproc)" -LE lab
ctest --output-on-failure -L lab
cd ..
# The unit tests and a few labs under ASan+UBSan and TSan, then every fuzz target.
bash scripts/sanitizers.sh
bash scripts/fuzz.sh 15
