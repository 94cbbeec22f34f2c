#!/usr/bin/env bash
# flatnet <-> nebula 1.10+ on overlays beyond one IPv4 network per host, with version-2
# certificates (scenarios/ipv6_overlay.sh): an IPv6-only overlay, a dual-stack overlay
# (192.168.100.x/24 and fd00:100::x/64 in one certificate) and hosts with two IPv4 networks.
# Every address is pinged both ways over one tunnel and gets a TCP transfer each way with
# matching sha256: 100 MB each way on the IPv6-only overlay, 10-20 MB in the other runs.
# Each kind starts its handshake from either side in some run.
# lab: every nebula version from 1.10
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin ipv6_overlay_interop_test
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  lab__nebula_at_least "$v" 1 10 || continue  # v2 certificates: 1.10 and later only
  n=nebula-$v
  for run in "v6only a 100" "v6only b 10" "dual a 20" "dual b 10" "two4 b 20" "two4 a 10"; do
    set -- $run
    interop_run "$v" "$here/scenarios/ipv6_overlay.sh" --a flatnet --b "$n" --case "$1" \
      --initiator "$2" --size-mb "$3"
  done
done
interop_end
