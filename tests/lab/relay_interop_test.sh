#!/usr/bin/env bash
# Relays across implementations: a stock nebula relay between flatnet members, a flatnet
# relay between stock nebula members, and mixed pairs through either kind of relay.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v nebula >/dev/null || { echo "relay_interop_test: nebula is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
for run in "nebula flatnet flatnet" "flatnet nebula nebula" "flatnet flatnet nebula" "nebula nebula flatnet"; do
  set -- $run
  bash "$here/scenarios/relay.sh" --relay "$1" --a "$2" --b "$3"
done
echo "relay_interop_test: 4 runs passed"
