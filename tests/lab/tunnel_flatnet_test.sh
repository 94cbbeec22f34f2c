#!/usr/bin/env bash
# flatnet <-> flatnet: ping, 100 MB each way with matching sha256, restarts recovered,
# for each cipher and each side initiating (scenarios/tunnel.sh does the checking).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for run in "a aes" "b chachapoly" "a chachapoly" "b aes"; do
  set -- $run
  bash "$here/scenarios/tunnel.sh" --a flatnet --b flatnet --initiator "$1" --cipher "$2"
done
echo "tunnel_flatnet_test: 4 runs passed"
