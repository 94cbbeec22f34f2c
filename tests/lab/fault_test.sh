#!/usr/bin/env bash
# A flatnet mesh (lighthouse, relay, members behind symmetric NATs) recovers from every
# fault of scenarios/faults.sh: 100 MB with matching sha256 over an underlay with 5 % loss,
# duplication and 0..200 ms jitter (reordering); a peer, the lighthouse and the relay each
# killed with SIGKILL and restarted; the NATs' mappings flushed; a member's clock stepped
# a day forward (and back). bench/fault_recovery.sh times the same faults beside nebula.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/scenarios/faults.sh" --impl flatnet
