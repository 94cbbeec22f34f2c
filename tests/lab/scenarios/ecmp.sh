#!/usr/bin/env bash
# ECMP scenario (tun.unsafe_routes with a `via` list, Nebula 1.10+): a flatnet client c
# reaches 10.99.0.0/24 through two gateways that both carry it, g1 (flatnet) and g2 (IMPL).
# Each gateway holds 10.99.0.1 on its own "docker0" (anycast: either one answers).
#
#   ecmp.sh --other IMPL      (IMPL: flatnet, nebula, nebula-VERSION; see docs/lab.md)
#
# Checks (any failure exits 1 saying what failed):
#  1. separate pings (each its own flow: its own ICMP echo id) arrive at both gateways,
#     counted as packets each gateway's tun device received;
#  2. with g1 stopped, every ping still gets through, over g2;
#  3. with g1 started again, it carries flows again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"

other=""
while [ $# -gt 0 ]; do
  case $1 in
    --other) other=$2; shift 2 ;;
    *) echo "ecmp.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
lab_impl_ok "$other" || { echo "ecmp.sh: --other '$other' is not one of $(lab_impl_names)" >&2; exit 2; }

lab_init ecmp
lab_segment wire 198.51.100.0/24
for host in c g1 g2; do lab_host "$host" --on wire; done
lab_ca
lab_cert c 192.168.100.2/24
lab_cert g1 192.168.100.11/24 --subnets 10.99.0.0/24
lab_cert g2 192.168.100.12/24 --subnets 10.99.0.0/24
for g in g1 g2; do
  lab_exec "$g" ip link add docker0 type veth peer name docker0p
  lab_exec "$g" ip addr add 10.99.0.1/24 dev docker0
  lab_exec "$g" ip link set docker0 up
  lab_exec "$g" ip link set docker0p up
  lab_config "$g" --static c --local-cidr 10.99.0.0/24
done
lab_config c --static g1 --static g2 --unsafe-route "10.99.0.0/24=g1"
# The route's single via becomes a list of both gateways, weight 1 each.
sed -i "s|^      via: $(lab_overlay g1)\$|      via:\n        - gateway: $(lab_overlay g1)\n          weight: 1\n        - gateway: $(lab_overlay g2)\n          weight: 1|" "$LAB_DIR/c.yml"
grep -q "gateway: $(lab_overlay g2)" "$LAB_DIR/c.yml" || lab_fail "could not write the via list into c.yml"
lab_start_daemon g1 flatnet
lab_start_daemon g2 "$other"
lab_start_daemon c flatnet

rx() { ip -n "$(lab_ns "$1")" -s -j link show dev "$(lab_tun "$1")" | jq '.[0].stats64.rx.packets'; }
# N pings, each a process of its own (its own echo id, so its own flow); how many answered.
pings() {
  local n=$1 ok=0 i
  for ((i = 0; i < n; i++)); do lab_ping c 10.99.0.1 1 && ok=$((ok + 1)); done
  echo "$ok"
}

lab_wait_for --timeout 15 -- lab_ping c 10.99.0.1 || lab_fail "c cannot reach 10.99.0.1 at all; logs in $LAB_DIR"
# Both gateways get a tunnel (the first packet starts handshakes to every gateway).
for g in g1 g2; do
  lab_wait_for --timeout 10 -- lab_ping c "$(lab_overlay "$g")" || lab_fail "c cannot reach gateway $g"
done
before1=$(rx g1) before2=$(rx g2)
answered=$(pings 24)
[ "$answered" -ge 20 ] || lab_fail "only $answered of 24 pings through the two gateways were answered"
got1=$(($(rx g1) - before1)) got2=$(($(rx g2) - before2))
[ "$got1" -gt 0 ] && [ "$got2" -gt 0 ] ||
  lab_fail "24 flows did not spread over both gateways: g1 (flatnet) got $got1 packets, g2 ($other) $got2"
echo "ok 1 - 24 flows spread over both gateways: g1 (flatnet) $got1 packets, g2 ($other) $got2"

lab_stop_daemon g1
answered=$(pings 12)
[ "$answered" -eq 12 ] || lab_fail "with g1 stopped only $answered of 12 pings got through g2 ($other)"
echo "ok 2 - with g1 stopped, all 12 flows went through g2 ($other)"

lab_start_daemon g1 flatnet
lab_wait_for --timeout 15 -- lab_ping c "$(lab_overlay g1)" || lab_fail "c does not get back to g1 after its restart"
before1=$(rx g1)
answered=$(pings 24)
got1=$(($(rx g1) - before1))
[ "$got1" -gt 0 ] || lab_fail "after its restart g1 carries none of 24 new flows ($answered answered)"
echo "ok 3 - g1 restarted carries flows again ($got1 packets of 24 flows)"
echo "unsafe_routes_ecmp_test PASSED ($other)"
