#!/usr/bin/env bash
# Two lighthouses configured, one of them down: flatnet members still find each other
# (scenarios/nat_two_lighthouses.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/scenarios/nat_two_lighthouses.sh" --impl flatnet
