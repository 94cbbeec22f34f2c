#!/usr/bin/env bash
# A flatnet host refuses peers whose certificate is from another CA, expired, or
# blocklisted, and logs why in nebula's words (scenarios/bad_certs.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/scenarios/bad_certs.sh" --impl flatnet
