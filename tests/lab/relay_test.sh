#!/usr/bin/env bash
# Members behind symmetric NATs reach each other through a flatnet relay, which carries
# their traffic without being able to read it (scenarios/relay.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/scenarios/relay.sh" --relay flatnet --a flatnet --b flatnet
