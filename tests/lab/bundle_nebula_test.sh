#!/usr/bin/env bash
# A bundle from `flatnet-cert bundle`, used as a stock-Nebula member would use it: the zip
# (with nebula 1.11.1's Linux binaries from /opt/nebula/1.11.1 as the "release") is unpacked
# with unzip, its start.sh runs the bundled nebula with the bundled config.yml, ca.crt,
# host.crt and host.key in a namespace, against a flatnet lighthouse whose team.yml made the
# config; the member and the lighthouse ping each other over the overlay. Also: host.key
# unpacks 0600, and `nebula -test` accepts the bundled config.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/onboard.sh"

release=/opt/nebula/1.11.1
[ -x "$release/nebula" ] || { echo "FAIL: $release/nebula is missing (scripts/setup.sh installs it)"; exit 1; }
command -v unzip >/dev/null || { echo "FAIL: unzip is missing"; exit 1; }

lab_init bundle_nebula
export LAB_CERT_TOOL=flatnet  # the CA that signs the bundle's cert is flatnet-cert's (v2)
lab_segment internet
lab_host lh --on internet
lab_host member --on internet
lab_pki lh=192.168.100.1/24
lab_config lh --am-lighthouse
lab_start_daemon lh flatnet

onboard_team_yml "$LAB_DIR/team.yml" lh

(cd "$LAB_DIR" && "$FLATNET_BIN/flatnet-cert" bundle -name member -networks 192.168.100.2/24 \
  -ca-crt pki/ca.crt -ca-key pki/ca.key -team team.yml -nebula-dir "$release" -out member.zip) ||
  lab_fail "flatnet-cert bundle failed"
mkdir "$LAB_DIR/unpacked"
unzip -q "$LAB_DIR/member.zip" -d "$LAB_DIR/unpacked" || lab_fail "unzip refused the bundle"
b=$LAB_DIR/unpacked/member
for f in config.yml ca.crt host.crt host.key start.sh nebula nebula-cert; do
  [ -f "$b/$f" ] || lab_fail "the bundle has no member/$f"
done
[ "$(stat -c %a "$b/host.key")" = 600 ] || lab_fail "host.key unpacked as $(stat -c %a "$b/host.key"), not 600"
[ -x "$b/start.sh" ] && [ -x "$b/nebula" ] || lab_fail "start.sh or nebula unpacked without x"
cmp -s "$b/nebula" "$release/nebula" || lab_fail "the bundled nebula is not the release's"
(cd "$b" && ./nebula -test -config config.yml) >"$LAB_DIR/nebula-test.out" 2>&1 ||
  { cat "$LAB_DIR/nebula-test.out"; lab_fail "nebula 1.11.1 -test refused the bundled config"; }

lab_spawn member nebula-member sh "$b/start.sh"
lab_wait_for --timeout 15 -- lab_ping member 192.168.100.1 ||
  { tail -20 "$LAB_DIR/nebula-member.out"; lab_fail "the bundled nebula cannot reach the flatnet lighthouse"; }
lab_wait_for --timeout 5 -- lab_ping lh 192.168.100.2 ||
  lab_fail "the flatnet lighthouse cannot reach the bundled nebula member"
grep -q "Nebula interface is active" "$LAB_DIR/nebula-member.out" ||
  lab_fail "the member's output does not show nebula running"
echo "PASS: a bundle ran in stock nebula 1.11.1 and reached a flatnet lighthouse"
