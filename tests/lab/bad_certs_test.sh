#!/usr/bin/env bash
# A flatnet host refuses peers whose certificate is from another CA, expired, or
# blocklisted, and logs why in nebula's words (scenarios/bad_certs.sh); the intruders (and
# the good control host) run every listed nebula release in turn.
# lab: every nebula version
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin bad_certs_test
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  interop_run "$v" "$here/scenarios/bad_certs.sh" --impl flatnet --intruders "nebula-$v"
done
interop_end
