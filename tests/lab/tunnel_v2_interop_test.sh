#!/usr/bin/env bash
# flatnet <-> nebula 1.10+ with version-2 certificates (nebula-cert 1.11.1's default): each
# side initiating, with both ciphers: ping, 100 MB each way with matching sha256, and a
# restarted peer (either kind) reachable within 5 s; then the same with P256 v2 certificates.
# lab: every nebula version from 1.10
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin tunnel_v2_interop_test
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  lab__nebula_at_least "$v" 1 10 || continue  # v2 certificates: 1.10 and later only
  for run in "a aes 25519" "a chachapoly 25519" "b aes 25519" "b chachapoly 25519" "a aes P256" "b aes P256"; do
    set -- $run
    interop_run "$v" "$here/scenarios/tunnel.sh" --a flatnet --b "nebula-$v" --initiator "$1" \
      --cipher "$2" --cert-version 2 --curve "$3"
  done
done
interop_end
