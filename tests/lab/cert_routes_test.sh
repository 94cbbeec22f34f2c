#!/usr/bin/env bash
# tun.routes_from_certs: every host behind a NAT runs a "container" (a namespace on a
# subnet of its own behind it, as Docker's bridge or a CNI plugin makes one) and its
# certificate carries that subnet; with the key on and no tun.unsafe_routes on any flatnet
# host, every container reaches every other. Two rounds, each with its own lighthouse and CA:
#
#   round 1, version-1 certificates (nebula-cert 1.6.1 -subnets):
#     lh1 (flatnet lighthouse, public); a1, b1, c1 (flatnet, each behind a MASQUERADE NAT)
#     with containers ca1 10.100.1.2, cb1 10.100.2.2, cc1 10.100.3.2; n1, stock nebula
#     1.11.1 behind a NAT with container cn1 10.100.4.2 in its certificate, routing the
#     others' subnets itself with explicit tun.unsafe_routes (nebula has no routes from
#     certificates); d1 (flatnet) with container cd1 10.100.5.2 that its config admits but
#     its certificate does not carry.
#   round 2, version-2 certificates (flatnet-cert -version 2 -unsafe-networks): a2, b2, c2
#     (flatnet) with containers on 10.101.{1,2,3}.0/24, as after every host rebooted: no
#     overlay pings at all, the containers talk first.
#
# A route is proven once a tunnel to the peer is up and its certificate carries the
# network; before, the lighthouse's route hints (it holds a tunnel, and so a verified
# certificate, with every member) route it. Round 1 first pings between the hosts' overlay
# addresses; round 2 does not. Checks, each an "ok" line:
# - every host's kernel routes each peer's subnet into its tun, and never its own;
# - every container pings every other and a 2 MB TCP transfer between each ordered pair
#   arrives with a matching sha256 (round 1 includes nebula's container both ways);
# - (2) right after the daemons start, with no tunnel between the members, each routes the
#   others' subnets on the lighthouse's hint (kernel table; status: hintedRoutes, not
#   certRoutes), and the containers reach each other (ping, TCP with sha256) with nothing
#   else done first; then the tunnels' certificates prove the routes (certRoutes);
# - nebula's host itself (its overlay address) reaches the flatnet containers and they it;
# - d1, whose certificate lacks 10.100.5.0/24, attracts nothing: no host routes it, a
#   container cannot reach cd1, and with a kernel route forced into a1's tun flatnet still
#   drops the packets (tx_dropped_no_route) instead of sending them to d1;
# - a host leaving (c1 stopped) takes its route out of the others' kernel tables and their
#   logs say so; the rest of the mesh keeps working; c1 back with a certificate without
#   its subnet gets no route either (a certificate change withdraws);
# - (2) a host crashing (c2 killed, telling nobody) loses its route too, once its tunnel is
#   found dead and the lighthouse stops hinting a host it no longer hears from.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/lib/tcp_transfer.sh"
source "$here/lib/cert_routes.sh"

lab_init certroutes
lab_require flatnet nebula-1.11.1
lab_segment internet
payload="$LAB_DIR/payload.bin"
head -c $((2 * 1048576)) /dev/urandom >"$payload"

# container_mesh CONTAINER...: every container pings every other, then sends it the payload.
container_mesh() {
  lab_ping_mesh "$@"
  lab_each_pair container_transfer "$@"
}
container_transfer() { lab_tcp_transfer "$1" "$2" "$(lab_ip "$2")" "$payload"; }

# ---- Round 1: version-1 certificates, a nebula 1.11.1 member, a host without its subnet ----
export LAB_CERT_TOOL=nebula LAB_CERT_VERSION=1
lab_cert_routes_mesh ca1 192.168.100 lh1 a1=10.100.1.0/24 b1=10.100.2.0/24 c1=10.100.3.0/24
for h in d1 n1; do lab_host_behind "$h" --upstream internet --nat masq; done
lab_cert d1 192.168.100.5/24 --ca ca1  # no subnet
lab_cert n1 192.168.100.6/24 --ca ca1 --subnets 10.100.4.0/24
lab_container a1 ca1 10.100.1.1/24
lab_container b1 cb1 10.100.2.1/24
lab_container c1 cc1 10.100.3.1/24
lab_container n1 cn1 10.100.4.1/24
lab_container d1 cd1 10.100.5.1/24
lab_config d1 --ca ca1 --lighthouse lh1 --punchy --routes-from-certs --local-cidr 10.100.5.0/24 \
  --local-cidr-out 10.100.5.0/24
lab_config n1 --ca ca1 --lighthouse lh1 --punchy --local-cidr 10.100.4.0/24 \
  --local-cidr-out 10.100.4.0/24 --unsafe-route 10.100.1.0/24=a1 --unsafe-route 10.100.2.0/24=b1 \
  --unsafe-route 10.100.3.0/24=c1
lab_expect_no_unsafe_routes lh1 a1 b1 c1 d1
lab_start_daemon lh1 flatnet
for h in a1 b1 c1 d1; do lab_start_daemon "$h" flatnet; done
lab_start_daemon n1 nebula-1.11.1

lab_meet a1 b1 c1 n1
lab_expect_cert_routes a1=10.100.1.0/24 b1=10.100.2.0/24 c1=10.100.3.0/24
for h in a1 b1 c1; do
  lab_wait_for --timeout 5 -- lab_route_in_tun "$h" 10.100.4.0/24 ||
    lab_fail "$h has no route for nebula n1's 10.100.4.0/24 from its certificate"
done
[ "$(lab_cert_routes a1 n1)" = 10.100.4.0/24 ] || lab_fail "flatnet status on a1 shows '$(lab_cert_routes a1 n1)' through n1"
echo "ok - the flatnet hosts route n1's 10.100.4.0/24, from the certificate of a stock nebula 1.11.1"
container_mesh ca1 cb1 cc1 cn1
# The bytes went through the overlay: a1's tunnel to b1 carried the payload.
before=$(lab_tunnel_field a1 "$(lab_overlay b1)" txBytes)
lab_tcp_transfer ca1 cb1 "$(lab_ip cb1)" "$payload" >/dev/null
carried=$(($(lab_tunnel_field a1 "$(lab_overlay b1)" txBytes) - before))
[ "$carried" -ge $((2 * 1048576)) ] || lab_fail "a1's tunnel to b1 carried only $carried bytes of a 2 MB transfer ca1 -> cb1"
echo "ok - a transfer ca1 -> cb1 went through a1's tunnel to b1 ($carried bytes)"

# Nebula's host itself, a plain member: its overlay address and the containers meet.
for c in ca1 cb1 cc1; do
  lab_ping n1 "$(lab_ip "$c")" 2 || lab_fail "nebula's n1 cannot ping container $c at $(lab_ip "$c")"
  lab_ping "$c" "$(lab_overlay n1)" 2 || lab_fail "container $c cannot ping nebula's n1 at $(lab_overlay n1)"
done
echo "ok - nebula 1.11.1's host reaches every flatnet container, and they reach it"

# d1's certificate lacks 10.100.5.0/24: nothing routes it, though d1 is up and reachable.
lab_meet a1 d1
sleep 1
lab_expect_unattracted 10.100.5.0/24 10.100.5.2 ca1 a1 b1 c1

# c1 leaves: its route leaves a1's and b1's tables; the rest keeps working.
lab_stop_and_expect_withdrawn c1 10.100.3.0/24 a1 b1
if lab_ping ca1 10.100.3.2 2; then lab_fail "ca1 still reached cc1 after c1 stopped"; fi
lab_ping ca1 "$(lab_ip cb1)" 2 || lab_fail "ca1 lost cb1 when c1 left"
lab_ping cb1 "$(lab_ip cn1)" 2 || lab_fail "cb1 lost cn1 when c1 left"
echo "ok - the others still reach each other's containers"
# c1 back with a certificate that no longer carries 10.100.3.0/24.
lab_cert c1 192.168.100.4/24 --ca ca1
lab_start_daemon c1 flatnet
lab_meet a1 c1
sleep 1
lab_no_route_in_tun a1 10.100.3.0/24 || lab_fail "a1 routes 10.100.3.0/24 to c1, whose new certificate lacks it"
echo "ok - c1 back with a certificate without 10.100.3.0/24: no route for it"
for h in lh1 a1 b1 c1 d1 n1; do lab_stop_daemon "$h"; done

# ---- Round 2: version-2 certificates (unsafeNetworks) ----------------------------------------
export LAB_CERT_TOOL=flatnet LAB_CERT_VERSION=2
lab_cert_routes_mesh ca2 192.168.101 lh2 a2=10.101.1.0/24 b2=10.101.2.0/24 c2=10.101.3.0/24
lab_container a2 ca2 10.101.1.1/24
lab_container b2 cb2 10.101.2.1/24
lab_container c2 cc2 10.101.3.1/24
"$FLATNET_BIN/flatnet-cert" print -json -path "$LAB_DIR/pki/a2.crt" | grep -q '"unsafeNetworks":\["10.101.1.0/24"\].*"version":2' ||
  lab_fail "a2's certificate is not a v2 one carrying unsafeNetworks 10.101.1.0/24: $("$FLATNET_BIN/flatnet-cert" print -json -path "$LAB_DIR/pki/a2.crt")"
lab_start_daemon lh2 flatnet
for h in a2 b2 c2; do lab_start_daemon "$h" flatnet; done
# No overlay ping: the first packets are the containers'.
lab_expect_hinted_routes a2=10.101.1.0/24 b2=10.101.2.0/24 c2=10.101.3.0/24
container_mesh ca2 cb2 cc2
lab_expect_cert_routes a2=10.101.1.0/24 b2=10.101.2.0/24 c2=10.101.3.0/24
for h in a2 b2 c2; do
  [ -z "$(lab_hinted_routes "$h")" ] || lab_fail "$h still lists hinted routes with every tunnel up: $(lab_hinted_routes "$h")"
done
echo "ok - with the tunnels up, every route is proven by a certificate (no hinted routes left)"
lab_stop_and_expect_withdrawn b2 10.101.2.0/24 a2 c2
lab_ping ca2 "$(lab_ip cc2)" 2 || lab_fail "ca2 lost cc2 when b2 left"
# c2 crashes (SIGKILL: it tells nobody). ca2 keeps pinging cc2, so a2 finds its tunnel to c2
# dead (liveness: 5 s, then 10 s unanswered); the lighthouse stops hinting c2 once it has
# not heard from it for 30 s (three intervals, 30 s at least); then a2 routes 10.101.3.0/24
# nowhere, and its status shows it neither proven nor hinted.
lab_stop_daemon c2 --kill
lab_spawn ca2 crash-ping timeout 90 ping -i 0.5 -W 1 "$(lab_ip cc2)"
lab_wait_for --timeout 80 -- lab_no_route_in_tun a2 10.101.3.0/24 ||
  lab_fail "a2 still routes 10.101.3.0/24 into its tun 80 s after c2 crashed"
lab_stop crash-ping
if lab_status a2 | jq -e '[.tunnels[].certRoutes[], .hintedRoutes[].network] | index("10.101.3.0/24")' >/dev/null; then
  lab_fail "flatnet status on a2 still shows a route for 10.101.3.0/24 after c2 crashed"
fi
echo "ok - c2 crashed: a2's route for its 10.101.3.0/24 went once the tunnel died and the lighthouse stopped hinting it"
echo "cert_routes_test PASSED"
