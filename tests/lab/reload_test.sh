#!/usr/bin/env bash
# Reloading a running flatnet (SIGHUP through `flatnet reload`; docs/config.md "Reloading").
# Two flatnet hosts on one wire: A (192.168.100.1) whose config is reloaded, and B. A's
# inbound rules admit ICMP and TCP 7000; B keeps an echo conversation with A's TCP 7000 and a
# ping to A running throughout.
#   (a) a reload adding TCP 8000: refused before, connects after; the tunnel (same indexes),
#       the TCP 7000 conversation and the ping carry on.
#   (c) broken files (a bad firewall port, an unreadable pki.cert, YAML that does not
#       parse): `flatnet reload` exits 1 with the daemon's error naming the key, A's log has
#       it, and everything works as before.
#   (e) a reload adding lighthouse C (static_host_map entry and lighthouse.hosts): A then
#       finds D, a member it has no address for and could not reach before, through C, and
#       a tunnel to D comes up; A's tunnel to B stays.
#   (f) a reload adding tun.unsafe_routes 10.99.0.0/24 via B (B's certificate holds it): the
#       kernel route appears on A's TUN device and A pings 10.99.0.1 behind B; a reload
#       removing it deletes the kernel route, and the tunnel to B stays throughout.
#   (b) a reload blocklisting B: A's tunnel to B is gone by the first poll (bounded: 10
#       polls 0.1 s apart), and B cannot handshake again.
#   (d) `flatnet reload` with no daemon on the socket: a clear error, exit 1.
#   (g) relays: X and Y behind symmetric NATs (no hole punching between them) with
#       lighthouse L as their relay.relays, L not a relay: X cannot reach Y. A reload of L
#       with relay.am_relay: X reaches Y through L, its tunnel says "relay L", and L's
#       tunnels to X and Y are those of before the reload.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
lab_require flatnet
FLATNET="$FLATNET_BIN/flatnet"

# a_config [EXTRA_INBOUND_YAML] [PKI_YAML]: A's config with the lab's pki lines replaced by
# PKI_YAML when given, and inbound ICMP + TCP 7000 (+ EXTRA_INBOUND_YAML).
# A_LAB_ARGS: more lab_config options for A (a lighthouse, an unsafe route).
A_LAB_ARGS=()
a_config() {
  local extra=${1:-} pki=${2:-} tmp
  lab_config a --static b "${A_LAB_ARGS[@]}"
  tmp=$(mktemp "$LAB_DIR/a.XXXXXX")
  awk -v pki="$pki" '
    /^pki:/ && pki != "" {print pki; skip_pki=1; next}
    skip_pki && /^  / {next}
    {skip_pki=0}
    /^firewall:/ {skip=1; next}
    /^control:/ {skip=0}
    !skip' "$LAB_DIR/a.yml" >"$tmp"
  cat >>"$tmp" <<EOF
firewall:
  outbound:
    - port: any
      proto: any
      host: any
  inbound:
    - proto: icmp
      port: any
      host: any
    - port: 7000
      proto: tcp
      host: any
$extra
EOF
  mv "$tmp" "$LAB_DIR/a.yml"
}

# tcp_try NODE ADDR PORT: "connected" or "no" within 2 s.
tcp_try() {
  if lab_exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; then echo connected; else echo no; fi
}

# has_tunnel HOST VPNIP: HOST holds a tunnel to VPNIP.
has_tunnel() { [ -n "$(lab_tunnel_field "$1" "$2" localIndex)" ]; }

# reload [ARGS...]: runs `flatnet reload ARGS` (default -config a.yml); sets RC, OUT, ERR.
reload() {
  [ $# -gt 0 ] || set -- -config "$LAB_DIR/a.yml"
  RC=0
  timeout 20 "$FLATNET" reload "$@" >"$LAB_DIR/reload.out" 2>"$LAB_DIR/reload.err" || RC=$?
  OUT=$(cat "$LAB_DIR/reload.out") ERR=$(cat "$LAB_DIR/reload.err")
}

# still_working WHAT: the tunnel's indexes are those of the start, the conversation and the
# ping still progress, and TCP 8000 is as expected ($1: connected or no).
still_working() {
  local want_8000=$1 what=$2 before after
  [ "$(lab_tunnel_field b "$A" localIndex)" = "$B_INDEX" ] &&
    [ "$(lab_tunnel_field a "$B" localIndex)" = "$A_INDEX" ] ||
    lab_fail "$what: the tunnel changed (b's index $(lab_tunnel_field b "$A" localIndex), was $B_INDEX; a's $(lab_tunnel_field a "$B" localIndex), was $A_INDEX)"
  lab_daemon_alive a || lab_fail "$what: flatnet on a died"
  kill -0 "${LAB_PID[echo]}" 2>/dev/null || lab_fail "$what: the TCP 7000 conversation broke: $(tail -3 "$LAB_DIR/echo.out")"
  before=$(wc -l <"$LAB_DIR/echo.out")
  lab_wait_for --timeout 5 -- bash -c "[ \$(wc -l <'$LAB_DIR/echo.out') -gt $before ]" ||
    lab_fail "$what: the TCP 7000 conversation stopped progressing"
  before=$(grep -c "bytes from" "$LAB_DIR/ping.out" || true)
  lab_wait_for --timeout 5 -- bash -c "[ \$(grep -c 'bytes from' '$LAB_DIR/ping.out') -gt $before ]" ||
    lab_fail "$what: the ping from b stopped getting replies"
  [ "$(tcp_try b "$A" 8000)" = "$want_8000" ] || lab_fail "$what: tcp/8000 is not '$want_8000'"
}

lab_init reload
lab_segment wire 198.51.100.0/24
lab_ca
lab_host a --on wire
lab_host b --on wire
lab_host c --on wire
lab_host d --on wire
lab_cert a 192.168.100.1/24
lab_cert b 192.168.100.2/24 --subnets 10.99.0.0/24
lab_cert c 192.168.100.3/24
lab_cert d 192.168.100.4/24
A=$(lab_overlay a) B=$(lab_overlay b) C=$(lab_overlay c) D=$(lab_overlay d)
# B routes for 10.99.0.0/24 (an address of its own there), for (f).
lab_local_network b 10.99.0.1/24
a_config
lab_config b --static a --local-cidr 10.99.0.0/24
lab_config c --am-lighthouse
lab_config d --lighthouse c
lab_start_daemon a flatnet
lab_start_daemon b flatnet
lab_start_daemon c flatnet
lab_start_daemon d flatnet

# A's services: an echo on 7000 (allowed from the start) and a listener on 8000.
echo_py='import socket, threading
def serve(port, echo):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        def talk(c=c):
            while echo:
                d = c.recv(100)
                if not d: break
                c.sendall(d)
        threading.Thread(target=talk, daemon=True).start()
threading.Thread(target=serve, args=(8000, False), daemon=True).start()
serve(7000, True)'
lab_spawn a a-services python3 -c "$echo_py"
lab_wait_for --timeout 10 -- lab_exec a bash -c "ss -Hln 'sport = :7000' | grep -q ." ||
  lab_fail "a's test services did not start"
lab_wait_for --timeout 10 -- lab_ping b "$A" || lab_fail "no tunnel b -> a"

# B's conversation with A's 7000: one round trip every 0.2 s, a line per answer; it exits
# (and the lab notices) when an answer takes more than 3 s or the connection breaks.
talk_py='import socket, sys, time
s = socket.create_connection((sys.argv[1], 7000), timeout=3)
for i in range(100000):
    s.sendall(b"%d\n" % i)
    if not s.recv(100): sys.exit("closed")
    print(i, flush=True)
    time.sleep(0.2)'
lab_spawn b echo python3 -c "$talk_py" "$A"
lab_spawn b ping ping -i 0.2 -W 1 "$A"
A_INDEX=$(lab_tunnel_field a "$B" localIndex) B_INDEX=$(lab_tunnel_field b "$A" localIndex)
[ -n "$A_INDEX" ] && [ -n "$B_INDEX" ] || lab_fail "no tunnel in flatnet status"

# (a) A reload that opens TCP 8000.
[ "$(tcp_try b "$A" 8000)" = no ] || lab_fail "tcp/8000 connects before the rule exists"
a_config "    - port: 8000
      proto: tcp
      host: any"
reload
[ "$RC" = 0 ] || lab_fail "(a) flatnet reload exited $RC: $ERR"
[[ $OUT == *"applied: firewall.inbound"* ]] || lab_fail "(a) flatnet reload did not report the new rule: $OUT"
still_working connected "(a) after adding tcp/8000"
echo "ok - (a) reload opened tcp/8000; tunnel $A_INDEX/$B_INDEX, the tcp/7000 conversation and the ping went on"
good_config=$(cat "$LAB_DIR/a.yml")

# (c) Broken files are refused whole; nothing changes.
a_config "    - port: 80-
      proto: tcp
      host: any"
reload
[ "$RC" = 1 ] || lab_fail "(c) a bad firewall port: flatnet reload exited $RC, expected 1"
[[ $ERR == *"firewall.inbound rule 3"* ]] || lab_fail "(c) the error does not name the rule: $ERR"
grep -q "Failed to reload config.*firewall.inbound rule 3" "$(lab_log_of a)" ||
  lab_fail "(c) a's log does not have the refused rule"
a_config "    - port: 8000
      proto: tcp
      host: any" "pki:
  ca: $LAB_DIR/pki/ca.crt
  cert: $LAB_DIR/pki/missing.crt
  key: $LAB_DIR/pki/a.key"
reload
[ "$RC" = 1 ] && [[ $ERR == *"pki.cert"* ]] || lab_fail "(c) an unreadable pki.cert: exit $RC, $ERR"
# YAML that does not parse: the daemon's own load fails (-socket: this flatnet reload does not
# read the file).
printf '%s\n' "$good_config" >"$LAB_DIR/a.yml"
echo "listen: [unclosed" >>"$LAB_DIR/a.yml"
reload -socket "$LAB_DIR/a.sock"
[ "$RC" = 1 ] && [[ $ERR == *"a.yml"* ]] || lab_fail "(c) unparsable YAML: exit $RC, $ERR"
still_working connected "(c) after three refused reloads"
echo "ok - (c) three broken configs refused with their errors; everything works as before"

open_8000="    - port: 8000
      proto: tcp
      host: any"

# (e) A lighthouse added by a reload: A finds D through it.
lab_wait_for --timeout 10 -- has_tunnel d "$C" || lab_fail "(e) d never reached lighthouse c"
! lab_ping a "$D" 1 || lab_fail "(e) a reaches d before it knows any lighthouse"
A_LAB_ARGS=(--lighthouse c)
a_config "$open_8000"
reload
[ "$RC" = 0 ] || lab_fail "(e) flatnet reload exited $RC: $ERR"
[[ $OUT == *static_host_map* && $OUT == *lighthouse.hosts* ]] ||
  lab_fail "(e) flatnet reload did not report the new lighthouse: $OUT"
[[ $OUT != *"restart needed for:"*static_host_map* ]] || lab_fail "(e) static_host_map still needs a restart: $OUT"
lab_wait_for --timeout 10 -- has_tunnel a "$C" || lab_fail "(e) no tunnel a -> lighthouse c after the reload"
lab_wait_for --timeout 10 -- lab_ping a "$D" || lab_fail "(e) a cannot reach d through lighthouse c"
has_tunnel a "$D" || lab_fail "(e) a has no tunnel to d"
still_working connected "(e) after adding a lighthouse"
echo "ok - (e) a reload added lighthouse c: a found d through it; the tunnel to b went on"

# (f) An unsafe route added by a reload, then removed.
kernel_route() { lab_exec a ip route show 10.99.0.0/24; }
[ -z "$(kernel_route)" ] || lab_fail "(f) a has a route to 10.99.0.0/24 before the reload: $(kernel_route)"
! lab_ping a 10.99.0.1 1 || lab_fail "(f) a reaches 10.99.0.1 before the unsafe route exists"
A_LAB_ARGS=(--lighthouse c --unsafe-route "10.99.0.0/24=b")
a_config "$open_8000"
reload
[ "$RC" = 0 ] && [[ $OUT == *tun.unsafe_routes* ]] || lab_fail "(f) flatnet reload: exit $RC, $OUT $ERR"
route=$(kernel_route)
[[ $route == "10.99.0.0/24 dev "* ]] || lab_fail "(f) no kernel route to 10.99.0.0/24 on a's TUN device: '$route'"
lab_wait_for --timeout 10 -- lab_ping a 10.99.0.1 || lab_fail "(f) a cannot reach 10.99.0.1 behind b"
still_working connected "(f) after adding an unsafe route"
A_LAB_ARGS=(--lighthouse c)
a_config "$open_8000"
reload
[ "$RC" = 0 ] && [[ $OUT == *tun.unsafe_routes* ]] || lab_fail "(f) removing it: exit $RC, $OUT $ERR"
[ -z "$(kernel_route)" ] || lab_fail "(f) the kernel route outlived its removal: $(kernel_route)"
! lab_ping a 10.99.0.1 1 || lab_fail "(f) a still reaches 10.99.0.1 after the route's removal"
still_working connected "(f) after removing the unsafe route"
echo "ok - (f) an unsafe route reloaded in ($route) carried pings to 10.99.0.1 and reloaded out left no kernel route"

# (b) Blocklisting B closes its tunnel at once, and B stays out.
printf '%s\n' "$good_config" >"$LAB_DIR/a.yml"
fingerprint=$(lab_fingerprint b)
[ -n "$fingerprint" ] || lab_fail "no fingerprint for b"
sed -i "s|^  key: \(.*\)|  key: \1\n  blocklist:\n    - $fingerprint|" "$LAB_DIR/a.yml"
reload
[ "$RC" = 0 ] && [[ $OUT == *pki.blocklist* ]] || lab_fail "(b) flatnet reload: exit $RC, $OUT $ERR"
closed=no
for ((i = 0; i < 10; i++)); do
  has_tunnel a "$B" || { closed=yes; break; }
  sleep 0.1
done
[ "$closed" = yes ] || lab_fail "(b) a still holds its tunnel to b after 10 polls"
grep -q "Remote certificate is blocked" "$(lab_log_of a)" || lab_fail "(b) a's log does not say why"
dropped=$(lab_counter a handshakes_dropped)
lab_wait_for --timeout 5 -- bash -c "[ \$('$FLATNET' status -json -socket '$LAB_DIR/a.sock' | jq '.counters.handshakes_dropped') -gt $dropped ]" ||
  lab_fail "(b) b's new handshakes never reached a"
! lab_ping b "$A" 1 || lab_fail "(b) b still reaches a"
! has_tunnel a "$B" || lab_fail "(b) b got a tunnel to a again"
# Only b's: the tunnels to c and d, still allowed, stayed (the reload also dropped c as a
# lighthouse; a tunnel still allowed is not closed for it, as in Nebula).
has_tunnel a "$C" && has_tunnel a "$D" || lab_fail "(b) the blocklist reload closed the tunnels to c or d too"
echo "ok - (b) blocklisting b closed its tunnel by poll $((i + 1)) and its handshakes are refused"

# (d) No daemon.
lab_stop_daemon a
reload
[ "$RC" = 1 ] && [[ $ERR == *"no flatnet is running with control socket $LAB_DIR/a.sock"* ]] ||
  lab_fail "(d) flatnet reload without a daemon: exit $RC, $ERR"
echo "ok - (d) without a daemon: $ERR"

# (g) A reload that makes the lighthouse a relay: a relayed path appears.
lab_host l --on wire
lab_host_behind x --upstream wire --nat symmetric
lab_host_behind y --upstream wire --nat symmetric
lab_cert l 192.168.100.10/24
lab_cert x 192.168.100.11/24
lab_cert y 192.168.100.12/24
L=$(lab_overlay l) X=$(lab_overlay x) Y=$(lab_overlay y)
lab_config l --am-lighthouse
lab_config x --lighthouse l --punchy --relay l
lab_config y --lighthouse l --punchy --relay l
lab_start_daemon l flatnet
lab_start_daemon x flatnet
lab_start_daemon y flatnet
lab_wait_for --timeout 10 -- lab_ping x "$L" || lab_fail "(g) x cannot reach lighthouse l"
lab_wait_for --timeout 10 -- lab_ping y "$L" || lab_fail "(g) y cannot reach lighthouse l"
! lab_ping x "$Y" 3 || lab_fail "(g) x reaches y without a relay (the NATs let a punch through?)"
LX_INDEX=$(lab_tunnel_field l "$X" localIndex) LY_INDEX=$(lab_tunnel_field l "$Y" localIndex)
lab_config l --am-lighthouse --am-relay
reload -config "$LAB_DIR/l.yml"
[ "$RC" = 0 ] && [[ $OUT == *"applied: relay"* ]] || lab_fail "(g) reloading l: exit $RC, $OUT $ERR"
[[ $OUT != *"restart needed"* ]] || lab_fail "(g) reloading l: $OUT"
lab_wait_for --timeout 20 -- lab_ping x "$Y" 2 || lab_fail "(g) x cannot reach y through l after the reload"
remote=$(lab_tunnel_field x "$Y" remote)
[ "$remote" = "relay $L" ] || lab_fail "(g) x's tunnel to y goes via '$remote', not relay $L"
[ "$(lab_tunnel_field l "$X" localIndex)" = "$LX_INDEX" ] && [ "$(lab_tunnel_field l "$Y" localIndex)" = "$LY_INDEX" ] ||
  lab_fail "(g) l's tunnels to x and y changed through the reload"
echo "ok - (g) a reload made l a relay: x reaches y through it ($remote); l's tunnels stayed"
echo "reload_test PASSED"
