#!/usr/bin/env bash
# Mixed meshes, for every listed nebula release N: an N lighthouse with flatnet members, a
# flatnet lighthouse with N members, and a flatnet/N pair under a flatnet lighthouse.
# lab: every nebula version
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin nat_mixed_test
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  n=nebula-$v
  interop_run "$v" "$here/scenarios/nat_direct.sh" --lighthouse "$n" --members flatnet,flatnet
  interop_run "$v" "$here/scenarios/nat_direct.sh" --lighthouse flatnet --members "$n,$n"
  interop_run "$v" "$here/scenarios/nat_direct.sh" --lighthouse flatnet --members "flatnet,$n"
done
interop_end
