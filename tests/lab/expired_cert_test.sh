#!/usr/bin/env bash
# pki.disconnect_invalid: flatnet closes the tunnel of a peer whose certificate expires while
# it is up (scenarios/expired_cert.sh), the peer running every listed nebula release in turn
# and, in the same run, flatnet.
# lab: every nebula version
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin expired_cert_test
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  interop_run "$v" "$here/scenarios/expired_cert.sh" --peer "nebula-$v"
done
interop_end
