#!/usr/bin/env bash
# An IPv6-only overlay (version-2 certificates, fd00:100::/64) across IPv4 NATs, flatnet mixed
# with nebula 1.10+ (N): an N lighthouse with a flatnet and an N member behind their own
# MASQUERADE routers, which must meet directly after punching; a flatnet lighthouse with two
# N members; then relays between members behind symmetric NATs: an N relay between a flatnet
# and an N member, an N relay between two flatnet members, a flatnet relay between two N
# members. Each run asserts the path a user would see: direct or relayed
# (scenarios/ipv6_nat.sh, scenarios/ipv6_relay.sh).
# lab: every nebula version from 1.10
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/interop.sh"
interop_begin ipv6_nat_interop_test
command -v tcpdump >/dev/null || lab_fail "tcpdump is not installed (scripts/setup.sh installs it)"
versions=$(interop_versions)  # fails here, naming the binary, if one is missing
for v in $versions; do
  lab__nebula_at_least "$v" 1 10 || continue  # v2 certificates: 1.10 and later only
  n=nebula-$v
  interop_run "$v" "$here/scenarios/ipv6_nat.sh" --lighthouse "$n" --members "flatnet,$n"
  interop_run "$v" "$here/scenarios/ipv6_nat.sh" --lighthouse flatnet --members "$n,$n"
  interop_run "$v" "$here/scenarios/ipv6_relay.sh" --relay "$n" --a flatnet --b "$n"
  interop_run "$v" "$here/scenarios/ipv6_relay.sh" --relay "$n" --a flatnet --b flatnet
  interop_run "$v" "$here/scenarios/ipv6_relay.sh" --relay flatnet --a "$n" --b "$n"
done
interop_end
