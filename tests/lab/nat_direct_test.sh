#!/usr/bin/env bash
# Two flatnet members behind different NATs meet directly after hole punching through a
# flatnet lighthouse: the tunnel's remote is the peer's NAT address, and traffic keeps
# flowing after the lighthouse is stopped (scenarios/nat_direct.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/scenarios/nat_direct.sh" --lighthouse flatnet --members flatnet
