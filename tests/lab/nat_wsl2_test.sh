#!/usr/bin/env bash
# The WSL2 case: the lighthouse and a web service behind three nested NATs with a UDP port
# forward on the outer "Windows" host; office and home members fetch the service, office
# members talk directly (scenarios/nat_wsl2.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/scenarios/nat_wsl2.sh" --lighthouse flatnet --members flatnet
