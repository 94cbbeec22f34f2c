#!/usr/bin/env bash
# The dashboard (`dashboard.listen`, docs/status.md) in a NATed mesh with a relayed pair,
# read by Debian's chromium, headless, inside a member's namespace.
#
#   lib/relayed_mesh.sh's mesh: r (lighthouse and relay) and c on the internet, a and b
#   behind symmetric NATs (a <-> b only through r, a <-> c direct); plus d, a public member
#   that joins and leaves again (offline: only the lighthouse knows it), and 192.168.100.9
#   in a's static_host_map, where nothing answers (offline, no name known); c's certificate
#   ends in ten days. Every flatnet host serves its dashboard on its overlay address, port
#   8080.
#
# Checks:
#  1. a's /status.json has the shape `flatnet status -json` prints (the same keys, the same
#     tunnels) and lists the offline hosts under hostsWithoutTunnel; nothing listens on the
#     underlay; POST is 405, an unknown path 404; the peers' view answers for b (fetched
#     from b's dashboard through the relay) and 404s for anything but a current peer;
#  2. chromium loads http://A:8080/ and, once its script has run, the page shows every
#     member (a, r, b, c online; d and .9 offline), a-b relayed via r, a-c and a-r direct,
#     and pairs between other members from their own dashboards (b-r direct, r-d none), and
#     flags c's certificate as ending soon (b's, a year long, not); the screenshot is kept
#     as the test's artifact (<build>/lab-artifacts/dashboard/);
#  3. a dashboard.listen that is neither loopback nor one of the host's overlay addresses
#     stops the daemon at start, exit 1, with an error naming dashboard.listen.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/lib/relayed_mesh.sh"

lab_require flatnet
command -v chromium >/dev/null || lab_fail "chromium not found (scripts/setup.sh installs Debian's chromium)"
lab_init dashboard
relayed_mesh_hosts
lab_host d --on internet
relayed_mesh_pki
lab_cert c 192.168.100.4/24 --duration 240h  # ten days: flagged as ending soon
lab_cert d 192.168.100.5/24
relayed_mesh_configs
lab_config d --lighthouse r
silent=192.168.100.9
sed -i "s|^static_host_map:\$|&\n  \"$silent\": [\"203.0.113.250:4242\"]|" "$LAB_DIR/a.yml"
grep -q "\"$silent\"" "$LAB_DIR/a.yml" || lab_fail "could not add $silent to a's static_host_map"
for host in r a b c d; do
  printf 'dashboard:\n  listen: "%s:8080"\n' "$(lab_overlay "$host")" >>"$LAB_DIR/$host.yml"
done
relayed_mesh_start
lab_start_daemon d flatnet
r_ip=$(lab_overlay r) a_ip=$(lab_overlay a) b_ip=$(lab_overlay b) c_ip=$(lab_overlay c)
d_ip=$(lab_overlay d)
relayed_mesh_connect
# d joins (it tells the lighthouse where it is) and leaves: r knows it, without a tunnel.
lab_wait_for --timeout 10 -- eval '[ -n "$(lab_tunnel_field r "$d_ip" vpnIp)" ]' ||
  lab_fail "the lighthouse has no tunnel to d"
lab_stop_daemon d
offline_at_r() {
  lab_status r | jq -e --arg ip "$d_ip" \
    'any(.hostsWithoutTunnel[]; .vpnIp == $ip and .certName == "d" and .source == "lighthouse")' >/dev/null
}
lab_wait_for --timeout 10 -- offline_at_r ||
  lab_fail "r's status does not list d as known without a tunnel: $(lab_status r | jq -c .hostsWithoutTunnel)"

base="http://$a_ip:8080"
# fetch HOST URL [curl options]: the body; code HOST URL [options]: the HTTP status.
fetch() { lab_exec "$1" curl -sS --noproxy '*' --max-time 5 "${@:3}" "$2"; }
code() { lab_exec "$1" curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "${@:3}" "$2" || true; }

# ---- 1. /status.json, read-only, the peers' view ----------------------------------------
web=$(fetch a "$base/status.json") || lab_fail "GET $base/status.json failed"
cli=$(lab_status a)
shape='[keys, (.tunnels[0] | keys), (.lighthouses[0] | keys), (.hostsWithoutTunnel[0] | keys),
        (.counters | keys), [.tunnels[].vpnIp]]'
[ "$(jq -c "$shape" <<<"$web")" = "$(jq -c "$shape" <<<"$cli")" ] ||
  lab_fail "/status.json and flatnet status -json differ:
web: $(jq -c "$shape" <<<"$web")
cli: $(jq -c "$shape" <<<"$cli")"
[ "$(jq -c '.hostsWithoutTunnel' <<<"$web")" = "[{\"vpnIp\":\"$silent\",\"certName\":\"\",\"source\":\"static_host_map\"}]" ] ||
  lab_fail "a's hostsWithoutTunnel: $(jq -c .hostsWithoutTunnel <<<"$web")"
echo "ok 1 - /status.json has flatnet status -json's $(jq 'keys | length' <<<"$web") keys and $(jq '.tunnels | length' <<<"$web") tunnels; $silent listed without a tunnel"
! lab_exec r curl -s --noproxy '*' --max-time 3 -o /dev/null "http://$(lab_ip c):8080/" ||
  lab_fail "c's dashboard answers on its underlay address $(lab_ip c)"
for method_path in "POST /status.json" "POST /" "PUT /dashboard.js" "DELETE /status.json"; do
  got=$(code a "$base${method_path#* }" -X "${method_path%% *}")
  [ "$got" = 405 ] || lab_fail "$method_path answered $got, not 405"
done
for path in /nothing /metrics /status.json/x "/peers/$silent/status.json" \
  "/peers/$(lab_ip c)/status.json" "/peers/$a_ip/status.json" /peers/example.com/status.json; do
  got=$(code a "$base$path")
  [ "$got" = 404 ] || lab_fail "GET $path answered $got, not 404"
done
[ "$(code a "$base/status.json" -X POST -d x=1)" = 405 ] || lab_fail "a POST with a body was not refused"
peer=$(fetch a "$base/peers/$b_ip/status.json") || lab_fail "a's view of b's dashboard failed"
[ "$(jq -r '.certName + " " + .vpnIp' <<<"$peer")" = "b $b_ip" ] || lab_fail "the peers' view of b: $peer"
[ "$(jq -r --arg ip "$a_ip" '.tunnels[] | select(.vpnIp == $ip) | .path' <<<"$peer")" = relay ] ||
  lab_fail "b's own status does not say its tunnel to a is relayed: $(jq -c .tunnels <<<"$peer")"
echo "ok 1 - read-only (POST, PUT, DELETE: 405; unknown paths and non-peers: 404), not on the underlay; b's view fetched through the relay"

# ---- 2. The page in chromium -------------------------------------------------------------
# --virtual-time-budget lets the page's script run (its fetches included) before the DOM
# is dumped or the screenshot taken.
chrome() {
  local profile=$1
  shift
  lab_exec a timeout 90 chromium --headless --no-sandbox --disable-gpu --no-proxy-server \
    --no-first-run --user-data-dir="$LAB_DIR/$profile" --virtual-time-budget=8000 "$@" "$base/" \
    2>>"$LAB_DIR/chromium.log"
}
dom="$LAB_DIR/dom.html"
page_drawn() {
  chrome chromium-dom --dump-dom >"$dom" || return 1
  grep -q 'id="updated" data-state="ok"' "$dom" && grep -q "id=\"member-$d_ip\"" "$dom"
}
lab_wait_for --timeout 120 --interval 1 -- page_drawn ||
  lab_fail "chromium's page never drew the mesh with d in it; DOM: $(head -c 3000 "$dom"); log: $(tail -5 "$LAB_DIR/chromium.log")"
# start_tag TAG ID: the element's start tag; attr TAG NAME: one of its attributes.
start_tag() { grep -o "<$1 id=\"$2\"[^>]*>" "$dom" | head -1; }
attr() { sed -n "s/.* $2=\"\([^\"]*\)\".*/\1/p" <<<"$1"; }
check_member() {  # VPNIP NAME ONLINE
  local tag
  tag=$(start_tag g "member-$1")
  [ -n "$tag" ] || lab_fail "the page shows no member $1 ($2)"
  [ "$(attr "$tag" data-name)" = "$2" ] && [ "$(attr "$tag" data-online)" = "$3" ] ||
    lab_fail "member $1 should be $2, online $3: $tag"
}
check_member "$a_ip" a true
check_member "$r_ip" r true
check_member "$b_ip" b true
check_member "$c_ip" c true
check_member "$d_ip" d false
check_member "$silent" "" false
[ "$(attr "$(start_tag g "member-$a_ip")" data-self)" = true ] || lab_fail "a is not marked as this host"
members=$(grep -o '<g id="member-[^"]*"' "$dom" | wc -l)
[ "$members" = 6 ] || lab_fail "the page shows $members members, not 6: $(grep -o '<g id="member-[^"]*"' "$dom" | tr '\n' ' ')"
check_pair() {  # A B PATH [RELAY]: A the lower address
  local tag
  tag=$(start_tag line "pair-$1-$2")
  [ -n "$tag" ] || lab_fail "the page draws no pair $1 - $2"
  [ "$(attr "$tag" data-path)" = "$3" ] || lab_fail "pair $1 - $2 should be $3: $tag"
  [ -z "${4:-}" ] || [ "$(attr "$tag" data-relay)" = "$4" ] || lab_fail "pair $1 - $2 should name relay $4: $tag"
}
check_pair "$a_ip" "$b_ip" relay r
check_pair "$a_ip" "$c_ip" direct
check_pair "$r_ip" "$a_ip" direct
check_pair "$r_ip" "$b_ip" direct
check_pair "$r_ip" "$c_ip" direct
check_pair "$r_ip" "$d_ip" none
check_pair "$a_ip" "$silent" none
grep -q "<tr id=\"pairrow-$a_ip-$b_ip\" data-path=\"relay\"><td>a ($a_ip)</td><td>b ($b_ip)</td><td>relayed via r</td>" "$dom" ||
  lab_fail "the pairs table does not say a - b is relayed via r: $(grep -o "<tr id=\"pairrow-$a_ip-$b_ip\".\{0,200\}" "$dom")"
[ "$(attr "$(start_tag g "member-$c_ip")" data-cert-expires-soon)" = true ] &&
  [ "$(attr "$(start_tag g "member-$b_ip")" data-cert-expires-soon)" = false ] ||
  lab_fail "c's ten-day certificate (and only it) should be flagged: $(start_tag g "member-$c_ip") $(start_tag g "member-$b_ip")"
grep -Eq "<tr id=\"row-$c_ip\"[^>]*>(<td[^>]*>[^<]*</td>){5}<td class=\"warn\">[0-9-]+ \(ends in (9|10) days\)</td>" "$dom" ||
  lab_fail "the members table does not flag c's certificate: $(grep -o "<tr id=\"row-$c_ip\".\{0,400\}" "$dom")"
rtt=$(attr "$(start_tag line "pair-$a_ip-$b_ip")" data-rtt-us)
echo "ok 2 - chromium's page: 6 members (d and $silent offline), a-b relayed via r (rtt ${rtt:-?} us), a-c, a-r, b-r, c-r direct, r-d none; c's certificate flagged"
shot="$LAB_DIR/dashboard.png"
chrome chromium-shot --screenshot="$shot" --window-size=1200,1500 >/dev/null ||
  lab_fail "chromium could not take the screenshot; log: $(tail -5 "$LAB_DIR/chromium.log")"
[ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  lab_fail "the screenshot $shot is not a PNG"
[ "$(stat -c %s "$shot")" -gt 20000 ] || lab_fail "the screenshot is only $(stat -c %s "$shot") bytes"
kept=$(lab_artifact "$shot")
echo "ok 2 - screenshot ($(stat -c %s "$shot") bytes) kept at $kept"

# ---- 3. An address that is not ours is refused ------------------------------------------
bad="$LAB_DIR/d-bad.yml"
sed "s|^  listen: \"$d_ip:8080\"\$|  listen: \"$(lab_ip d):8080\"|" "$LAB_DIR/d.yml" >"$bad"
grep -q "listen: \"$(lab_ip d):8080\"" "$bad" || lab_fail "could not write $bad"
rc=0
err=$(lab_exec d timeout 20 "$FLATNET_BIN/flatnet" -config "$bad" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] && grep -q "dashboard.listen \"$(lab_ip d):8080\" is neither loopback nor an overlay address of this host" <<<"$err" ||
  lab_fail "flatnet with dashboard.listen on the underlay: exit $rc, '$err'"
rc=0
"$FLATNET_BIN/flatnet" -test -config "$bad" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || lab_fail "flatnet -test accepted dashboard.listen on the underlay (exit $rc)"
echo "ok 3 - dashboard.listen on the underlay refused (exit 1): $err"
echo "dashboard PASSED"
