# shellcheck shell=bash
# interop.sh — runs a scenario once per Nebula version, for the interop labs. Source it
# after netlab.sh.
#
#   source "$here/lib/netlab.sh"; source "$here/lib/interop.sh"
#   interop_begin tunnel_interop_test
#   versions=$(interop_versions)   # an assignment, so set -e stops the test if it fails
#   for v in $versions; do
#     interop_run "$v" "$here/scenarios/tunnel.sh" --a flatnet --b "nebula-$v" ...
#   done
#   interop_end
#
# Contract:
#  - interop_versions prints the versions to test (lab_nebula_versions: LAB_NEBULA_VERSIONS
#    or every version in tests/lab/nebula_versions) and fails the test, naming the missing
#    binary and scripts/setup.sh, unless flatnet and each version's nebula are installed.
#    A missing binary is a failure, never a skip.
#  - interop_run VERSION SCRIPT ARGS... runs `bash SCRIPT ARGS...` with LAB_CONTEXT naming
#    the version (every lab_fail line inside says "nebula VERSION"); a failure is recorded
#    with the version and the command, and the next run still happens.
#  - interop_end prints a summary and exits 1 if any run failed, listing each with its
#    version, so one broken version never hides the others' results.

INTEROP_NAME=""
INTEROP_PASSED=0
INTEROP_FAILED=()
INTEROP_VERSIONS=()

interop_begin() {
  INTEROP_NAME=$1
  LAB_NAME=$1  # for lab_fail's prefix before any lab exists
}

interop_versions() {
  local v list
  list=$(lab_nebula_versions) || exit 1
  for v in $list; do
    ( lab_require flatnet "nebula-$v" ) || exit 1
  done
  echo "$list"
}

interop_run() {
  local version=$1 script=$2 started rc=0
  shift 2
  started=$(lab_now_ms)
  [[ " ${INTEROP_VERSIONS[*]} " == *" $version "* ]] || INTEROP_VERSIONS+=("$version")
  LAB_CONTEXT="nebula $version" bash "$script" "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    INTEROP_PASSED=$((INTEROP_PASSED + 1))
    echo "$INTEROP_NAME: passed against nebula $version in $(( ($(lab_now_ms) - started) / 1000 )) s: $(basename "$script") $*"
  else
    INTEROP_FAILED+=("nebula $version: $(basename "$script") $* (exit $rc)")
    echo "$INTEROP_NAME: FAILED against nebula $version: $(basename "$script") $* (exit $rc)" >&2
  fi
}

interop_end() {
  local f
  if [ ${#INTEROP_FAILED[@]} -gt 0 ]; then
    echo "$INTEROP_NAME: ${#INTEROP_FAILED[@]} run(s) FAILED, $INTEROP_PASSED passed:" >&2
    for f in "${INTEROP_FAILED[@]}"; do echo "  $f" >&2; done
    exit 1
  fi
  [ "$INTEROP_PASSED" -gt 0 ] || { echo "$INTEROP_NAME: no run at all" >&2; exit 1; }
  echo "$INTEROP_NAME: $INTEROP_PASSED runs passed against nebula ${INTEROP_VERSIONS[*]}"
}
