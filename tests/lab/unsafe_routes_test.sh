#!/usr/bin/env bash
# tun.unsafe_routes: a network that is not the overlay (a Docker bridge, a LAN) reached
# through the overlay host whose certificate carries it (-subnets). The network here is a
# veth pair inside the gateway's namespace, one end holding 10.99.0.1/24 (as docker0 holds
# a bridge's address). Run with a flatnet client and a
# flatnet gateway, and mixed both ways with every listed nebula release
# (tests/lab/nebula_versions, or LAB_NEBULA_VERSIONS). The gateway's config allows inbound
# traffic to 10.99.0.0/24 with local_cidr, as nebula 1.10+ requires (lab_config --local-cidr).
# This is the IPv4 case with version-1 certificates, the only one nebula 1.6.1 has (no IPv6
# overlay, no version-2 certificate); unsafe_routes_ipv6_test.sh has both families, with
# nebula 1.10 and later.
# Checks: the client pings 10.99.0.1 and its replies come back through the tunnel; a
# gateway whose certificate lacks the subnet does not get the traffic past the client's
# firewall (the packet's address is not one the peer's certificate holds).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
versions=$(lab_nebula_versions)
pairs=("flatnet flatnet")
for v in $versions; do pairs+=("nebula-$v flatnet" "flatnet nebula-$v"); done

lab_init unsafe
lab_segment wire 198.51.100.0/24
lab_ca
round=0
for pair in "${pairs[@]}"; do
  set -- $pair
  round=$((round + 1))
  client=c$round gateway=g$round
  lab_host "$client" --on wire
  lab_host "$gateway" --on wire
  lab_cert "$client" "192.168.100.$((round * 2))/24"
  lab_cert "$gateway" "192.168.100.$((round * 2 + 1))/24" --subnets 10.99.0.0/24
  lab_local_network "$gateway" 10.99.0.1/24
  lab_config "$client" --static "$gateway" --unsafe-route "10.99.0.0/24=$gateway"
  lab_config "$gateway" --static "$client" --local-cidr 10.99.0.0/24
  lab_start_daemon "$client" "$1"
  lab_start_daemon "$gateway" "$2"
  lab_wait_for --timeout 10 -- lab_ping "$client" 10.99.0.1 ||
    lab_fail "$1 client cannot reach 10.99.0.1 behind the $2 gateway; logs in $LAB_DIR"
  echo "ok - $1 client reaches 10.99.0.1 behind a $2 gateway through the overlay"
done

# A gateway whose certificate does not hold the subnet: the client refuses to send there.
lab_host cx --on wire
lab_host gx --on wire
lab_cert cx 192.168.100.200/24
lab_cert gx 192.168.100.201/24
lab_local_network gx 10.99.0.1/24
lab_config cx --static gx --unsafe-route "10.99.0.0/24=gx"
lab_config gx --static cx --local-cidr 10.99.0.0/24
lab_start_daemon cx flatnet
lab_start_daemon gx flatnet
lab_wait_for --timeout 10 -- lab_ping cx 192.168.100.201 || lab_fail "cx cannot reach gx itself"
if lab_ping cx 10.99.0.1 2; then
  lab_fail "cx reached 10.99.0.1 through gx, whose certificate does not hold 10.99.0.0/24"
fi
dropped=$(lab_counter cx tx_dropped_firewall)
[ "$dropped" -ge 1 ] || lab_fail "cx's firewall counted no drop for the refused packets"
echo "ok - a gateway without the subnet in its certificate gets no traffic for it ($dropped dropped by cx's firewall)"
echo "unsafe_routes_test PASSED"
