#!/usr/bin/env bash
# `flatnet status` and `flatnet ping` in a NATed mesh with a relayed pair.
#
#   lib/relayed_mesh.sh's mesh: r (lighthouse and relay) and c (flatnet) on the internet, a
#   and b behind symmetric NATs (a <-> b only through r, a <-> c direct), plus n (stock
#   nebula 1.11.1) on the internet; b and c have no inbound ICMP rule: their firewalls drop
#   pings
#
# Checks:
#  1. a's status (-json) shows c as direct at c's address, b as relayed via r by name, b's
#     networks and groups from its certificate, a round trip and a last-heard time for each;
#     the text table says the same within 80 columns;
#  2. bytes and packets on a's tunnel to b grow with traffic;
#  3. `flatnet ping c` answers (direct, at c's address) while ICMP pings to c are dropped;
#     `flatnet ping b` answers relayed via r; the round trip shows in status afterwards;
#  4. `flatnet ping` answers from a stock nebula 1.11.1 peer, after a handshake it needed;
#  5. an unknown name is an error (exit 2), a silent address times out (exit 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/lib/relayed_mesh.sh"

lab_require flatnet nebula-1.11.1
lab_init stping
relayed_mesh_hosts
lab_host n --on internet
relayed_mesh_pki
lab_cert n 192.168.100.5/24
relayed_mesh_configs
lab_config n --lighthouse r
# b and c drop ICMP: their inbound rules keep tcp and udp only.
for host in b c; do
  sed -i '/^    - port: any$/{N;/proto: icmp/{N;d}}' "$LAB_DIR/$host.yml"
  ! grep -q 'proto: icmp' "$LAB_DIR/$host.yml" || lab_fail "could not drop the icmp rule of $host"
done
relayed_mesh_start
lab_start_daemon n nebula-1.11.1
r_ip=$(lab_overlay r) a_ip=$(lab_overlay a) b_ip=$(lab_overlay b) c_ip=$(lab_overlay c)
n_ip=$(lab_overlay n)
FLATNET=$FLATNET_BIN/flatnet
fping() { "$FLATNET" ping -socket "$LAB_DIR/$1.sock" "${@:2}"; }
# tunnel_json HOST PEER_IP: HOST's tunnel to PEER_IP as JSON ("null" if none).
tunnel_json() { lab_status "$1" | jq -c --arg ip "$2" '[.tunnels[] | select(.vpnIp == $ip)][0]'; }

# Tunnels: b -> a through the relay, a -> c direct (lib/relayed_mesh.sh).
relayed_mesh_connect

# ---- 1. What status says -----------------------------------------------------------------
# The first round-trip probe of a tunnel goes at its first liveness check (a second).
has_rtt() { [ "$(tunnel_json a "$1" | jq '.rttUs != null and .lastHeardMsAgo != null')" = true ]; }
for peer in "$b_ip" "$c_ip" "$r_ip"; do
  lab_wait_for --timeout 5 -- has_rtt "$peer" ||
    lab_fail "a's status has no round trip or last-heard time for $peer: $(tunnel_json a "$peer")"
done
c_tunnel=$(tunnel_json a "$c_ip")
[ "$(jq -r .path <<<"$c_tunnel")" = direct ] || lab_fail "a -> c is not direct: $c_tunnel"
[ "$(jq -r .remote <<<"$c_tunnel")" = "$(lab_ip c):4242" ] ||
  lab_fail "a's tunnel to c goes to $(jq -r .remote <<<"$c_tunnel"), not c's address $(lab_ip c):4242"
b_tunnel=$(tunnel_json a "$b_ip")
[ "$(jq -r .path <<<"$b_tunnel")" = relay ] || lab_fail "a -> b is not relayed: $b_tunnel"
[ "$(jq -r .relayName <<<"$b_tunnel")" = r ] && [ "$(jq -r .relayVpnIp <<<"$b_tunnel")" = "$r_ip" ] ||
  lab_fail "a's tunnel to b does not name relay r ($r_ip): $b_tunnel"
[ "$(jq -r .remote <<<"$b_tunnel")" = "relay $r_ip" ] || lab_fail "the old remote field changed: $b_tunnel"
[ "$(jq -c .networks <<<"$b_tunnel")" = "[\"$b_ip/24\"]" ] || lab_fail "b's networks: $b_tunnel"
[ "$(jq -c .groups <<<"$b_tunnel")" = '["laptops","ops"]' ] || lab_fail "b's groups: $b_tunnel"
[ "$(jq -r .certExpiresSoon <<<"$b_tunnel")" = false ] || lab_fail "b's year-long cert flagged: $b_tunnel"
echo "ok 1 - a's status: c direct at $(jq -r .remote <<<"$c_tunnel") (rtt $(jq .rttUs <<<"$c_tunnel") us), b relayed via r (rtt $(jq .rttUs <<<"$b_tunnel") us), b's groups laptops,ops"
me=$(lab_status a)
[ "$(jq -c .networks <<<"$me")" = "[\"$a_ip/24\"]" ] || lab_fail "a's own networks: $(jq -c .networks <<<"$me")"
[ "$(jq -c '[.lighthouses[] | select(.reached) | .certName]' <<<"$me")" = '["r"]' ] ||
  lab_fail "a's status does not show lighthouse r reached: $(jq -c .lighthouses <<<"$me")"
text=$("$FLATNET" status -socket "$LAB_DIR/a.sock")
long=$(awk 'length > 80' <<<"$text")
[ -z "$long" ] || lab_fail "status lines wider than 80 columns: $long"
grep -Eq "^b +$b_ip/24 +relay via r " <<<"$text" || lab_fail "the table's row for b does not say relay via r:
$text"
grep -Eq "^c +$c_ip/24 +direct $(lab_ip c):4242 " <<<"$text" || lab_fail "the table's row for c does not say direct:
$text"
grep -q "lighthouses: r $r_ip reached" <<<"$text" || lab_fail "the text does not say r is reached:
$text"
echo "ok 1 - the text table fits 80 columns and says the same:"
sed 's/^/     /' <<<"$text"

# ---- 2. Traffic counts -------------------------------------------------------------------
before=$(tunnel_json a "$b_ip")
lab_exec b ping -c 10 -i 0.05 -W 2 -q -s 1000 "$a_ip" >/dev/null || lab_fail "b's pings to a did not all come back"
after=$(tunnel_json a "$b_ip")
for field in rxBytes txBytes rxPackets txPackets; do
  grown=$(($(jq ".$field" <<<"$after") - $(jq ".$field" <<<"$before")))
  [ "$grown" -ge 10 ] || lab_fail "a's tunnel to b: $field grew by $grown during 10 pings of 1000 bytes"
done
grown=$(($(jq .rxBytes <<<"$after") - $(jq .rxBytes <<<"$before")))
[ "$grown" -ge 10000 ] || lab_fail "a's tunnel to b: rxBytes grew by $grown, expected >= 10000"
echo "ok 2 - 10 pings b -> a: a's rxBytes +$grown, rxPackets +$(($(jq .rxPackets <<<"$after") - $(jq .rxPackets <<<"$before")))"

# ---- 3. flatnet ping, where ICMP is dropped ----------------------------------------------
drops_before=$(lab_counter c rx_dropped_firewall)
! lab_exec a ping -c 2 -i 0.2 -W 1 -q "$c_ip" >/dev/null 2>&1 || lab_fail "c answered ICMP: its firewall should drop it"
[ "$(lab_counter c rx_dropped_firewall)" -gt "$drops_before" ] || lab_fail "c did not count the ICMP it dropped"
out=$(fping a -c 3 -i 0.2 -W 2 c) || lab_fail "flatnet ping c failed (exit $?):
$out"
[ "$(grep -c "^reply from c ($c_ip): seq=[123] time=[0-9.]* ms, direct $(lab_ip c):4242$" <<<"$out")" = 3 ] ||
  lab_fail "flatnet ping c did not say 3 direct replies from $(lab_ip c):4242:
$out"
grep -q '3 sent, 3 received, 0% loss' <<<"$out" || lab_fail "no summary: $out"
echo "ok 3 - flatnet ping c (ICMP dropped there): $(sed -n 2p <<<"$out")"
out=$(fping a -c 2 -i 0.2 -W 2 "$b_ip") || lab_fail "flatnet ping b failed (exit $?):
$out"
[ "$(grep -c "^reply from b ($b_ip): seq=[12] time=[0-9.]* ms, relayed via r ($r_ip)$" <<<"$out")" = 2 ] ||
  lab_fail "flatnet ping b did not say 2 replies relayed via r:
$out"
echo "ok 3 - flatnet ping b: $(sed -n 2p <<<"$out")"
[ "$(tunnel_json a "$b_ip" | jq '.rttUs > 0')" = true ] || lab_fail "no round trip in status after the pings"

# ---- 4. A stock nebula 1.11.1 peer answers -----------------------------------------------
[ "$(tunnel_json a "$n_ip")" = null ] || lab_fail "a already has a tunnel to n"
out=$(fping a -c 2 -i 0.2 -W 5 "$n_ip") || lab_fail "flatnet ping of nebula 1.11.1 failed (exit $?):
$out"
grep -Eq "^reply from n \($n_ip\): seq=1 time=[0-9.]+ ms, direct $(lab_ip n):4242, handshake first \([0-9.]+ ms\)$" <<<"$out" ||
  lab_fail "the first ping of n did not say direct after a handshake:
$out"
grep -Eq "^reply from n \($n_ip\): seq=2 time=[0-9.]+ ms, direct $(lab_ip n):4242$" <<<"$out" ||
  lab_fail "the second ping of n did not come back without a handshake:
$out"
echo "ok 4 - nebula 1.11.1 answers flatnet ping: $(sed -n 2p <<<"$out")"

# ---- 5. Errors ---------------------------------------------------------------------------
rc=0
err=$(fping a -c 1 nosuch 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] && grep -q 'no peer named "nosuch"' <<<"$err" ||
  lab_fail "flatnet ping nosuch: exit $rc, '$err' (expected 2 and no peer named)"
rc=0
out=$(fping a -c 1 -W 1 192.168.100.99) || rc=$?
[ "$rc" = 1 ] && grep -q '^timeout for 192.168.100.99: seq=1, no reply within 1s' <<<"$out" ||
  lab_fail "flatnet ping of a silent address: exit $rc, output:
$out"
echo "ok 5 - unknown name: exit 2 ($err); silent address: exit 1, a timeout line"
echo "status_ping PASSED"
