#!/usr/bin/env bash
# flatnet <-> every listed nebula release (tests/lab/nebula_versions): each side initiating,
# with both ciphers: ping, 100 MB each way with matching sha256, and a restarted peer
# (either kind) reachable within 5 s.
# lab: every nebula version
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin tunnel_interop_test
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  for run in "a aes" "a chachapoly" "b aes" "b chachapoly"; do
    set -- $run
    interop_run "$v" "$here/scenarios/tunnel.sh" --a flatnet --b "nebula-$v" --initiator "$1" --cipher "$2"
  done
done
interop_end
