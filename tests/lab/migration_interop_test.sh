#!/usr/bin/env bash
# flatnet holding a v1 and a v2 certificate in one pki.cert talks at once to nebula 1.6.1
# (v1) and nebula 1.11.1 (v2 only); see scenarios/migration.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
lab_require flatnet nebula-1.6.1 nebula-1.11.1
bash "$here/scenarios/migration.sh" --m flatnet
