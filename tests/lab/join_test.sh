#!/usr/bin/env bash
# One command on each side: the CA side makes an invite and serves joins from the
# lighthouse's namespace; a member in a NATed namespace runs `flatnet join INVITE`, which
# writes its root directory, and the flatnet started with that config reaches the
# lighthouse over the overlay. Before serve runs, the join fails ("cannot reach") and
# leaves nothing; after it, the same invite again fails ("already used") and leaves
# nothing; a second member joins with -start, which starts its flatnet and waits for the
# lighthouse; serve stops by itself once no invite is open. The
# member's daemon sends READY=1 to a NOTIFY_SOCKET the test listens on, as the systemd unit
# (Type=notify) needs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/onboard.sh"

lab_init join
export LAB_CERT_TOOL=flatnet
lab_segment internet
lab_host lh --on internet
lab_host_behind member --upstream internet --nat masq
lab_host_behind member2 --upstream internet --nat masq
lab_pki lh=192.168.100.1/24
lab_config lh --am-lighthouse
lab_start_daemon lh flatnet

cert=$FLATNET_BIN/flatnet-cert
ca=$LAB_DIR/pki
onboard_team_yml "$ca/team.yml" lh "  name: lab-team
  network: 192.168.100.0/24
  join: $(lab_ip lh):4243"
(cd "$ca" && "$cert" invite -name member -groups laptops >"$LAB_DIR/invite.txt" 2>"$LAB_DIR/invite.err") ||
  { cat "$LAB_DIR/invite.err"; lab_fail "flatnet-cert invite failed"; }
invite=$(cat "$LAB_DIR/invite.txt")
# A second invite, for member2, keeps serve running after the first is used.
(cd "$ca" && "$cert" invite -name member2 >"$LAB_DIR/invite2.txt" 2>/dev/null) || lab_fail "second invite failed"
[ "${#invite}" -lt 140 ] || lab_fail "the invite is ${#invite} characters, too long to paste"

# Nobody serves yet.
root=$LAB_DIR/member-etc
if lab_exec member "$FLATNET_BIN/flatnet" join -root "$root" -timeout 2s "$invite" 2>"$LAB_DIR/early.err"; then
  lab_fail "join succeeded with nobody serving"
fi
grep -q "^Error: join: cannot reach $(lab_ip lh):4243" "$LAB_DIR/early.err" ||
  lab_fail "unexpected error without a server: $(cat "$LAB_DIR/early.err")"
[ ! -e "$root" ] || lab_fail "a failed join left $root behind"

lab_spawn lh serve "$cert" serve -ca-crt "$ca/ca.crt" -ca-key "$ca/ca.key" -team "$ca/team.yml" \
  -inventory "$ca/inventory.txt"
lab_wait_for --timeout 10 -- grep -q "serving joins" "$LAB_DIR/serve.out" ||
  { cat "$LAB_DIR/serve.out"; lab_fail "flatnet-cert serve did not start"; }

lab_exec member "$FLATNET_BIN/flatnet" join -root "$root" "$invite" >"$LAB_DIR/join.out" 2>&1 ||
  { cat "$LAB_DIR/join.out"; lab_fail "flatnet join failed"; }
grep -q "^joined lab-team as member, 192.168.100.2/24; lighthouse 192.168.100.1$" "$LAB_DIR/join.out" ||
  lab_fail "join printed: $(cat "$LAB_DIR/join.out")"
[ "$(stat -c %a "$root/host.key")" = 600 ] || lab_fail "host.key is not 0600"

if lab_exec member "$FLATNET_BIN/flatnet" join -root "$root-again" "$invite" 2>"$LAB_DIR/again.err"; then
  lab_fail "the invite worked twice"
fi
grep -qx "Error: join: the CA side refused the invite: the invite was already used" "$LAB_DIR/again.err" ||
  lab_fail "second use: $(cat "$LAB_DIR/again.err")"
[ ! -e "$root-again" ] || lab_fail "a refused join left $root-again behind"

# Started as systemd would start the unit (Type=notify): READY=1 reaches NOTIFY_SOCKET.
lab_spawn member notify "$(lab_tool lab-notify-listen)" "$LAB_DIR/notify.sock" --time-limit 20
lab_wait_for --timeout 5 -- grep -q listening "$LAB_DIR/notify.out" || lab_fail "lab-notify-listen did not start"
lab_start_daemon member flatnet "$root/config.yml" --env NOTIFY_SOCKET="$LAB_DIR/notify.sock"
lab_wait_for --timeout 15 -- lab_ping member 192.168.100.1 ||
  lab_fail "the joined member cannot reach the lighthouse"
lab_wait_for --timeout 5 -- lab_ping lh 192.168.100.2 || lab_fail "the lighthouse cannot reach the member"
lab_wait_for --timeout 10 -- grep -qx "READY=1" "$LAB_DIR/notify.out" ||
  lab_fail "the daemon sent no READY=1 to NOTIFY_SOCKET: $(cat "$LAB_DIR/notify.out")"
# member2 joins with -start: join starts flatnet itself (no systemd here: in the background)
# and reports the lighthouse reachable. member's daemon goes first: the lab's team.yml
# gives both the same status socket.
lab_stop_daemon member
lab_exec member2 "$FLATNET_BIN/flatnet" join -start -root "$LAB_DIR/member2-etc" "$(cat "$LAB_DIR/invite2.txt")" \
  >"$LAB_DIR/join2.out" 2>&1 || { cat "$LAB_DIR/join2.out"; lab_fail "flatnet join -start failed"; }
pid=$(sed -n 's/^started flatnet (pid \([0-9]*\),.*/\1/p' "$LAB_DIR/join2.out")
[ -n "$pid" ] || lab_fail "join -start printed no pid: $(cat "$LAB_DIR/join2.out")"
LAB_PID[joined-member2]=$pid  # teardown ends it by PID
grep -qx "joined lab-team as member2, 192.168.100.3/24; lighthouse 192.168.100.1 reachable" "$LAB_DIR/join2.out" ||
  lab_fail "join -start printed: $(cat "$LAB_DIR/join2.out")"
lab_ping member2 192.168.100.1 2 || lab_fail "member2 cannot ping the lighthouse after join -start"
lab_wait_for --timeout 5 -- grep -q "stopped: no invite is open" "$LAB_DIR/serve.out" ||
  lab_fail "serve did not stop once its only invite was used"
grep -q "member joined as 192.168.100.2/24" "$LAB_DIR/serve.out" || lab_fail "serve did not log the join"
(cd "$ca" && "$cert" inventory) | grep -q "^member  member  192.168.100.2/24  groups laptops  active" ||
  lab_fail "the inventory does not list the member"
echo "PASS: members behind NAT joined with one command and reached the lighthouse"
