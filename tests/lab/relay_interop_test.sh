#!/usr/bin/env bash
# Relays across implementations, for every listed nebula release N: an N relay between
# flatnet members, a flatnet relay between N members, and mixed pairs through either kind
# of relay.
# lab: every nebula version
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin relay_interop_test
command -v tcpdump >/dev/null || lab_fail "tcpdump is not installed (scripts/setup.sh installs it)"
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  n=nebula-$v
  for run in "$n flatnet flatnet" "flatnet $n $n" "flatnet flatnet $n" "$n $n flatnet"; do
    set -- $run
    interop_run "$v" "$here/scenarios/relay.sh" --relay "$1" --a "$2" --b "$3"
  done
done
interop_end
