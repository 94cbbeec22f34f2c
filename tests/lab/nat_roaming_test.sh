#!/usr/bin/env bash
# A flatnet member whose NAT mapping changes (conntrack flushed, new source ports) recovers:
# peers follow it to its new port (scenarios/nat_roaming.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/scenarios/nat_roaming.sh" --impl flatnet
