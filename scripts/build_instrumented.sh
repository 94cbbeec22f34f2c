#!/usr/bin/env bash
# Builds both instrumented trees of scripts/lib/instrumented_build.sh: build-asan/ (the
# fuzzers, and the unit tests, daemon and flatnet-cert under ASan+UBSan) and build-tsan/
# (the same under TSan), so scripts/fuzz.sh and scripts/sanitizers.sh then only run.
# scripts/test.sh starts this at the lowest CPU priority while the labs run: the labs spend
# most of their time waiting on timers and handshakes, so the compiler gets the idle cores
# and the labs keep the CPU whenever they want it.
#
#   bash scripts/build_instrumented.sh      logs in build-asan/ and build-tsan/*-build.log
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/instrumented_build.sh
for kind in asan tsan; do
  start=$SECONDS
  dir=build-$kind
  targets=(unit-tests flatnet flatnet-cert)
  [ "$kind" = asan ] && targets+=(fuzzers)
  instrumented_configure "$dir" "$kind"
  instrumented_build "$dir" instrumented "${targets[@]}"
  echo "build_instrumented: $dir/ built in $((SECONDS - start)) s"
done
