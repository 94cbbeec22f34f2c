#!/usr/bin/env bash
# ECMP scenario (tun.unsafe_routes with a `via` list, Nebula 1.10+): a flatnet client c
# reaches 10.99.0.0/24 through two gateways that both carry it, g1 (flatnet) and g2 (IMPL).
# Each gateway holds 10.99.0.1 on its own "docker0" (anycast: either one answers).
#
#   ecmp.sh --other IMPL [--routes config|system]
#     IMPL: flatnet, nebula, nebula-VERSION (see docs/lab.md)
#     config (default): the route is in c's tun.unsafe_routes, `via` a list of both
#     system: c has tun.use_system_route_table and no unsafe route; once c runs, a kernel
#       multipath route through its tun device (`ip route add ... nexthop via g1 ... nexthop
#       via g2`) is what flatnet learns and follows
#
# Checks (any failure exits 1 saying what failed):
#  1. separate pings (each its own flow: its own ICMP echo id) arrive at both gateways,
#     counted as packets each gateway's tun device received;
#  2. with g1 stopped, every ping still gets through, over g2;
#  3. with g1 started again (and reached), it carries flows again;
#  4. (system) the kernel route replaced by one via g2 alone: every flow goes to g2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/netlab.sh"

other="" routes=config
while [ $# -gt 0 ]; do
  case $1 in
    --other) other=$2; shift 2 ;;
    --routes) routes=$2; shift 2 ;;
    *) echo "ecmp.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case $routes in config | system) ;; *) echo "ecmp.sh: --routes '$routes' is not config or system" >&2; exit 2 ;; esac
lab_impl_ok "$other" || { echo "ecmp.sh: --other '$other' is not one of $(lab_impl_names)" >&2; exit 2; }

lab_init ecmp
lab_segment wire 198.51.100.0/24
for host in c g1 g2; do lab_host "$host" --on wire; done
lab_ca
lab_cert c 192.168.100.2/24
lab_cert g1 192.168.100.11/24 --subnets 10.99.0.0/24
lab_cert g2 192.168.100.12/24 --subnets 10.99.0.0/24
for g in g1 g2; do
  lab_local_network "$g" 10.99.0.1/24
  lab_config "$g" --static c --local-cidr 10.99.0.0/24
done
if [ "$routes" = config ]; then
  lab_config c --static g1 --static g2 --unsafe-route "10.99.0.0/24=g1"
  # The route's single via becomes a list of both gateways, weight 1 each.
  sed -i "s|^      via: $(lab_overlay g1)\$|      via:\n        - gateway: $(lab_overlay g1)\n          weight: 1\n        - gateway: $(lab_overlay g2)\n          weight: 1|" "$LAB_DIR/c.yml"
  grep -q "gateway: $(lab_overlay g2)" "$LAB_DIR/c.yml" || lab_fail "could not write the via list into c.yml"
else
  lab_config c --static g1 --static g2
  sed -i 's|^tun:$|tun:\n  use_system_route_table: true|' "$LAB_DIR/c.yml"
  grep -q '^  use_system_route_table: true' "$LAB_DIR/c.yml" || lab_fail "could not set use_system_route_table in c.yml"
fi
lab_start_daemon g1 flatnet
lab_start_daemon g2 "$other"
lab_start_daemon c flatnet
if [ "$routes" = system ]; then
  ! lab_ping c 10.99.0.1 1 || lab_fail "c reached 10.99.0.1 before any route to it existed"
  lab_exec c ip route add 10.99.0.0/24 \
    nexthop via "$(lab_overlay g1)" dev "$(lab_tun c)" weight 1 \
    nexthop via "$(lab_overlay g2)" dev "$(lab_tun c)" weight 1 ||
    lab_fail "could not add the multipath route in c"
  lab_wait_for --timeout 5 -- grep -q "Adding route.*10.99.0.0/24" "$(lab_log_of c)" ||
    lab_fail "c did not log the route it learned from the kernel; log $(lab_log_of c)"
fi

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
if [ "$routes" = system ]; then
  # The kernel's route changes to g2 alone: flatnet follows, and g1 gets nothing more.
  lab_exec c ip route replace 10.99.0.0/24 via "$(lab_overlay g2)" dev "$(lab_tun c)" ||
    lab_fail "could not replace the route in c"
  lab_wait_for --timeout 5 -- sh -c "[ \$(grep -c 'Adding route.*10.99.0.0/24' '$(lab_log_of c)') -ge 2 ]" ||
    lab_fail "c did not log the replaced route; log $(lab_log_of c)"
  before1=$(rx g1) before2=$(rx g2)
  answered=$(pings 12)
  got1=$(($(rx g1) - before1)) got2=$(($(rx g2) - before2))
  [ "$answered" -eq 12 ] && [ "$got1" -eq 0 ] && [ "$got2" -gt 0 ] ||
    lab_fail "after the route moved to g2 alone: $answered of 12 answered, g1 got $got1 packets, g2 $got2"
  echo "ok 4 - the kernel route replaced by one via g2 alone: all 12 flows went to g2, none to g1"
fi
echo "ecmp scenario PASSED ($other, routes from $routes)"
