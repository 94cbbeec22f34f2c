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
#     (flatnet) with containers on 10.101.{1,2,3}.0/24.
#
# Routes appear once a tunnel to the peer is up (lighthouses never see certificates), so
# each round first pings between the hosts' overlay addresses. Checks, each an "ok" line:
# - every host's kernel routes each peer's subnet into its tun, and never its own;
# - every container pings every other and a 2 MB TCP transfer between each ordered pair
#   arrives with a matching sha256 (round 1 includes nebula's container both ways);
# - nebula's host itself (its overlay address) reaches the flatnet containers and they it;
# - d1, whose certificate lacks 10.100.5.0/24, attracts nothing: no host routes it, a
#   container cannot reach cd1, and with a kernel route forced into a1's tun flatnet still
#   drops the packets (tx_dropped_no_route) instead of sending them to d1;
# - a host leaving (c1 stopped) takes its route out of the others' kernel tables and their
#   logs say so; the rest of the mesh keeps working; c1 back with a certificate without
#   its subnet gets no route either (a certificate change withdraws).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/lib/tcp_transfer.sh"

lab_init certroutes
lab_require flatnet nebula-1.11.1
lab_segment internet
payload="$LAB_DIR/payload.bin"
head -c $((2 * 1048576)) /dev/urandom >"$payload"

# route_in_tun HOST CIDR: HOST's kernel routes CIDR into HOST's tun device.
route_in_tun() {
  lab_exec "$1" ip route show dev "$(lab_tun "$1")" | awk -v net="$2" '$1 == net { found = 1 } END { exit !found }'
}
no_route_in_tun() { ! route_in_tun "$@"; }

# status_routes HOST PEER: the networks HOST's `flatnet status` routes through its tunnel to
# PEER because PEER's certificate carries them (space-separated; "" without a tunnel).
status_routes() {
  lab_status "$1" | jq -r --arg ip "$(lab_overlay "$2")" \
    '[.tunnels[] | select(.vpnIp == $ip) | .certRoutes[]] | join(" ")'
}

# meet HOST...: each pair of HOSTs pings across its NATs, which makes their tunnel.
meet() {
  local hosts=("$@") i j
  for ((i = 0; i < ${#hosts[@]}; i++)); do
    for ((j = i + 1; j < ${#hosts[@]}; j++)); do
      lab_wait_for --timeout 20 -- lab_ping "${hosts[i]}" "$(lab_overlay "${hosts[j]}")" ||
        lab_fail "${hosts[i]} cannot ping ${hosts[j]} at $(lab_overlay "${hosts[j]}"); logs in $LAB_DIR"
    done
  done
  echo "ok - tunnels between ${hosts[*]} (overlay pings)"
}

# each_pair FN ITEM...: FN X Y for every ordered pair of two different ITEMs.
each_pair() {
  local fn=$1 x y
  shift
  for x in "$@"; do
    for y in "$@"; do [ "$x" = "$y" ] || "$fn" "$x" "$y"; done
  done
}

# expect_routes HOST=SUBNET...: no HOST routes its own SUBNET into its tun, and each routes
# every other's (within 5 s of the tunnel), which `flatnet status` shows for that peer.
expect_routes() {
  local x
  for x in "$@"; do
    no_route_in_tun "${x%%=*}" "${x#*=}" || lab_fail "${x%%=*} routes its own subnet ${x#*=} into its tun"
  done
  each_pair expect_route_to "$@"
  echo "ok - each of ${*%%=*} routes the others' subnets into its tun (no unsafe_routes); flatnet status shows them per peer"
}
expect_route_to() { # HOST=SUBNET PEER=SUBNET
  local host=${1%%=*} peer=${2%%=*} subnet=${2#*=}
  lab_wait_for --timeout 5 -- route_in_tun "$host" "$subnet" ||
    lab_fail "$host has no kernel route for $peer's $subnet into its tun: $(lab_exec "$host" ip route)"
  [ "$(status_routes "$host" "$peer")" = "$subnet" ] ||
    lab_fail "flatnet status on $host shows routes '$(status_routes "$host" "$peer")' through $peer, expected $subnet"
}

# container_mesh CONTAINER...: every container pings every other, then sends it the payload.
container_mesh() {
  each_pair container_ping "$@"
  echo "ok - every container of $* pings every other"
  each_pair container_transfer "$@"
}
container_ping() {
  lab_wait_for --timeout 10 -- lab_ping "$1" "$(lab_ip "$2")" ||
    lab_fail "container $1 cannot ping container $2 at $(lab_ip "$2")"
}
container_transfer() { lab_tcp_transfer "$1" "$2" "$(lab_ip "$2")" "$payload"; }

# stop_and_expect_withdrawn GONE SUBNET HOST...: GONE's daemon stops; each HOST's kernel
# route for SUBNET goes within 10 s and its log says why.
stop_and_expect_withdrawn() {
  local gone=$1 subnet=$2 host
  shift 2
  lab_stop_daemon "$gone"
  for host in "$@"; do
    lab_wait_for --timeout 10 -- no_route_in_tun "$host" "$subnet" ||
      lab_fail "$host still routes $subnet into its tun after $gone stopped"
    grep -q "Removing route from a certificate.*network=$subnet" "$(lab_log_of "$host")" ||
      lab_fail "$host's log does not say it removed the route for $subnet"
    if lab_status "$host" | jq -e --arg net "$subnet" '[.tunnels[].certRoutes[]] | index($net)' >/dev/null; then
      lab_fail "flatnet status on $host still shows a route for $subnet"
    fi
  done
  echo "ok - $gone left: $* no longer route $subnet (kernel table, status and log)"
}

# ---- Round 1: version-1 certificates, a nebula 1.11.1 member, a host without its subnet ----
export LAB_CERT_TOOL=nebula LAB_CERT_VERSION=1
lab_host lh1 --on internet
for h in a1 b1 c1 d1 n1; do lab_host_behind "$h" --upstream internet --nat masq; done
lab_ca --out ca1
lab_cert lh1 192.168.100.1/24 --ca ca1
lab_cert a1 192.168.100.2/24 --ca ca1 --subnets 10.100.1.0/24
lab_cert b1 192.168.100.3/24 --ca ca1 --subnets 10.100.2.0/24
lab_cert c1 192.168.100.4/24 --ca ca1 --subnets 10.100.3.0/24
lab_cert n1 192.168.100.6/24 --ca ca1 --subnets 10.100.4.0/24
lab_cert d1 192.168.100.5/24 --ca ca1  # no subnet
lab_container a1 ca1 10.100.1.1/24
lab_container b1 cb1 10.100.2.1/24
lab_container c1 cc1 10.100.3.1/24
lab_container n1 cn1 10.100.4.1/24
lab_container d1 cd1 10.100.5.1/24
lab_config lh1 --ca ca1 --am-lighthouse
member() { # member HOST SUBNET [lab_config options]
  local host=$1 subnet=$2
  shift 2
  lab_config "$host" --ca ca1 --lighthouse lh1 --punchy --local-cidr "$subnet" \
    --local-cidr-out "$subnet" "$@"
}
member a1 10.100.1.0/24 --routes-from-certs
member b1 10.100.2.0/24 --routes-from-certs
member c1 10.100.3.0/24 --routes-from-certs
member d1 10.100.5.0/24 --routes-from-certs
member n1 10.100.4.0/24 --unsafe-route 10.100.1.0/24=a1 --unsafe-route 10.100.2.0/24=b1 \
  --unsafe-route 10.100.3.0/24=c1
for h in lh1 a1 b1 c1 d1; do
  if grep -q unsafe_routes "$LAB_DIR/$h.yml"; then lab_fail "$h's config has unsafe_routes"; fi
done
lab_start_daemon lh1 flatnet
for h in a1 b1 c1 d1; do lab_start_daemon "$h" flatnet; done
lab_start_daemon n1 nebula-1.11.1

meet a1 b1 c1 n1
expect_routes a1=10.100.1.0/24 b1=10.100.2.0/24 c1=10.100.3.0/24
for h in a1 b1 c1; do
  lab_wait_for --timeout 5 -- route_in_tun "$h" 10.100.4.0/24 ||
    lab_fail "$h has no route for nebula n1's 10.100.4.0/24 from its certificate"
done
[ "$(status_routes a1 n1)" = 10.100.4.0/24 ] || lab_fail "flatnet status on a1 shows '$(status_routes a1 n1)' through n1"
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
meet a1 d1
sleep 1
for h in a1 b1 c1; do
  no_route_in_tun "$h" 10.100.5.0/24 || lab_fail "$h routes 10.100.5.0/24 to d1, whose certificate lacks it"
done
if lab_ping ca1 10.100.5.2 2; then lab_fail "ca1 reached cd1 behind d1, whose certificate lacks 10.100.5.0/24"; fi
# Even with the kernel sending it into a1's tun, flatnet has no route for it.
lab_exec a1 ip route add 10.100.5.0/24 dev "$(lab_tun a1)"
before=$(lab_counter a1 tx_dropped_no_route)
if lab_exec ca1 ping -c 3 -i 0.2 -W 1 -q 10.100.5.2 >/dev/null 2>&1; then
  lab_fail "ca1 reached cd1 through a forced kernel route"
fi
dropped=$(($(lab_counter a1 tx_dropped_no_route) - before))
[ "$dropped" -ge 3 ] || lab_fail "a1 counted $dropped no-route drops for 3 pings to 10.100.5.2, expected >= 3"
lab_exec a1 ip route del 10.100.5.0/24 dev "$(lab_tun a1)"
echo "ok - d1, whose certificate lacks 10.100.5.0/24, attracts no traffic for it ($dropped packets dropped by a1 with a forced route)"

# c1 leaves: its route leaves a1's and b1's tables; the rest keeps working.
stop_and_expect_withdrawn c1 10.100.3.0/24 a1 b1
if lab_ping ca1 10.100.3.2 2; then lab_fail "ca1 still reached cc1 after c1 stopped"; fi
lab_ping ca1 "$(lab_ip cb1)" 2 || lab_fail "ca1 lost cb1 when c1 left"
lab_ping cb1 "$(lab_ip cn1)" 2 || lab_fail "cb1 lost cn1 when c1 left"
echo "ok - the others still reach each other's containers"
# c1 back with a certificate that no longer carries 10.100.3.0/24.
lab_cert c1 192.168.100.4/24 --ca ca1
lab_start_daemon c1 flatnet
meet a1 c1
sleep 1
no_route_in_tun a1 10.100.3.0/24 || lab_fail "a1 routes 10.100.3.0/24 to c1, whose new certificate lacks it"
echo "ok - c1 back with a certificate without 10.100.3.0/24: no route for it"
for h in lh1 a1 b1 c1 d1 n1; do lab_stop_daemon "$h"; done

# ---- Round 2: version-2 certificates (unsafeNetworks) ----------------------------------------
export LAB_CERT_TOOL=flatnet LAB_CERT_VERSION=2
lab_host lh2 --on internet
for h in a2 b2 c2; do lab_host_behind "$h" --upstream internet --nat masq; done
lab_ca --out ca2
lab_cert lh2 192.168.101.1/24 --ca ca2
lab_config lh2 --ca ca2 --am-lighthouse
i=1
for h in a2 b2 c2; do
  i=$((i + 1))
  lab_cert "$h" "192.168.101.$i/24" --ca ca2 --unsafe-networks "10.101.$((i - 1)).0/24"
  lab_container "$h" "c$h" "10.101.$((i - 1)).1/24"
  lab_config "$h" --ca ca2 --lighthouse lh2 --punchy --routes-from-certs \
    --local-cidr "10.101.$((i - 1)).0/24" --local-cidr-out "10.101.$((i - 1)).0/24"
done
"$FLATNET_BIN/flatnet-cert" print -json -path "$LAB_DIR/pki/a2.crt" | grep -q '"unsafeNetworks":\["10.101.1.0/24"\].*"version":2' ||
  lab_fail "a2's certificate is not a v2 one carrying unsafeNetworks 10.101.1.0/24: $("$FLATNET_BIN/flatnet-cert" print -json -path "$LAB_DIR/pki/a2.crt")"
lab_start_daemon lh2 flatnet
for h in a2 b2 c2; do lab_start_daemon "$h" flatnet; done
meet a2 b2 c2
expect_routes a2=10.101.1.0/24 b2=10.101.2.0/24 c2=10.101.3.0/24
container_mesh ca2 cb2 cc2
stop_and_expect_withdrawn b2 10.101.2.0/24 a2 c2
lab_ping ca2 "$(lab_ip cc2)" 2 || lab_fail "ca2 lost cc2 when b2 left"
echo "cert_routes_test PASSED"
