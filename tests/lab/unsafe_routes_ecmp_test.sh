#!/usr/bin/env bash
# ECMP over an unsafe route: a flatnet client spreads flows over two gateways, one flatnet and
# one stock nebula of each listed release, and keeps every flow going while the flatnet one
# is down (scenarios/ecmp.sh); the route given in tun.unsafe_routes, and then learned from a
# kernel multipath route (tun.use_system_route_table).
# lab: every nebula version
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin unsafe_routes_ecmp_test
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  interop_run "$v" "$here/scenarios/ecmp.sh" --other "nebula-$v" --routes config
  interop_run "$v" "$here/scenarios/ecmp.sh" --other "nebula-$v" --routes system
done
interop_end
