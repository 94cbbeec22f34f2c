#!/usr/bin/env bash
# Lighthouses and relays across implementations with version-2 certificates (nebula-cert
# 1.11.1's default), for every listed nebula release N from 1.10: an N lighthouse with two
# flatnet members behind their own NATs that must meet directly after punching, a flatnet
# lighthouse with two N members behind NATs; an N relay between flatnet members, a flatnet
# relay between N members. The scenarios are the v1 labs' (scenarios/nat_direct.sh,
# scenarios/relay.sh) with LAB_CERT_VERSION=2.
# lab: every nebula version from 1.10
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin nat_relay_v2_interop_test
command -v tcpdump >/dev/null || lab_fail "tcpdump is not installed (scripts/setup.sh installs it)"
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
export LAB_CERT_VERSION=2
for v in $versions; do
  lab__nebula_at_least "$v" 1 10 || continue  # v2 certificates: 1.10 and later only
  n=nebula-$v
  interop_run "$v" "$here/scenarios/nat_direct.sh" --lighthouse "$n" --members flatnet,flatnet
  interop_run "$v" "$here/scenarios/nat_direct.sh" --lighthouse flatnet --members "$n,$n"
  interop_run "$v" "$here/scenarios/relay.sh" --relay "$n" --a flatnet --b flatnet
  interop_run "$v" "$here/scenarios/relay.sh" --relay flatnet --a "$n" --b "$n"
done
interop_end
