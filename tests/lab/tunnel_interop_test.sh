#!/usr/bin/env bash
# flatnet <-> the real nebula 1.6.1: each side initiating, with both ciphers: ping, 100 MB
# each way with matching sha256, and a restarted peer (either kind) reachable within 5 s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v nebula >/dev/null || { echo "tunnel_interop_test: nebula is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
for run in "flatnet nebula a aes" "flatnet nebula a chachapoly" \
           "flatnet nebula b aes" "flatnet nebula b chachapoly"; do
  set -- $run
  bash "$here/scenarios/tunnel.sh" --a "$1" --b "$2" --initiator "$3" --cipher "$4"
done
echo "tunnel_interop_test: 4 runs passed"
