#!/usr/bin/env bash
# Mixed meshes: a stock nebula lighthouse with flatnet members, a flatnet lighthouse with
# stock nebula members, and a flatnet/nebula pair under a flatnet lighthouse.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v nebula >/dev/null || { echo "nat_mixed_test: nebula is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
bash "$here/scenarios/nat_direct.sh" --lighthouse nebula --members flatnet,flatnet
bash "$here/scenarios/nat_direct.sh" --lighthouse flatnet --members nebula,nebula
bash "$here/scenarios/nat_direct.sh" --lighthouse flatnet --members flatnet,nebula
echo "nat_mixed_test: 3 runs passed"
