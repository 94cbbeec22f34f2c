#!/usr/bin/env bash
# flatnet <-> flatnet: ping, 100 MB each way with matching sha256, restarts recovered,
# for each cipher and each side initiating, and with routines: 2 (scenarios/tunnel.sh checks).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for run in "a aes" "b chachapoly" "a chachapoly" "b aes"; do
  set -- $run
  bash "$here/scenarios/tunnel.sh" --a flatnet --b flatnet --initiator "$1" --cipher "$2"
done
# Two workers a side: two TUN queues and two UDP sockets sharing the port (SO_REUSEPORT).
bash "$here/scenarios/tunnel.sh" --a flatnet --b flatnet --initiator a --cipher aes --routines 2
echo "tunnel_flatnet_test: 5 runs passed"
