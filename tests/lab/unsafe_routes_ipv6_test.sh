#!/usr/bin/env bash
# tun.unsafe_routes in both families: an IPv4 and an IPv6 network that are not the overlay
# (a Docker bridge, a LAN) reached through the overlay host whose version-2 certificate
# carries both (-unsafe-networks 10.99.0.0/24,fd99::/64). The networks are a veth pair inside
# the gateway's namespace, one end holding 10.99.0.1/24 and fd99::1/64 (as docker0 holds a
# bridge's addresses). Client and gateway hold dual-stack overlay addresses
# (192.168.100.x/24 and fd00:100::x/64); the IPv4 route goes via the gateway's IPv4 overlay
# address, the IPv6 route via its IPv6 one. Run with a flatnet client and a flatnet gateway,
# and mixed both ways with every listed nebula release from 1.10 (tests/lab/nebula_versions,
# or LAB_NEBULA_VERSIONS). Nebula 1.6.1 reads no version-2 certificate and has no IPv6
# overlay, so it keeps only the IPv4 case, in unsafe_routes_test.sh. The gateway's config
# allows inbound traffic to both networks with local_cidr, as nebula 1.10+ requires.
# Checks:
#  1. the client's kernel routes fd99::1 and 10.99.0.1 into its tun device (`ip route get`);
#  2. the client pings 10.99.0.1 and fd99::1, and the replies come back through the tunnel:
#     the gateway's kernel has no other path to the client's overlay addresses, and the
#     gateway's tun device counts the echo requests going in and the replies going out;
#  3. tun.use_system_route_table in both families: a flatnet client without unsafe_routes
#     learns `ip route add 10.99.0.0/24 via <gateway's IPv4 overlay address>` and `ip -6 route
#     add fd99::/64 via <gateway's IPv6 overlay address>` through its tun device from the
#     kernel, logs "Adding route", and checks 1 and 2 pass through a flatnet gateway and
#     through each nebula gateway from 1.10;
#  4. a gateway whose certificate holds 10.99.0.0/24 but not fd99::/64 does not get IPv6
#     traffic for fd99::/64 past the client's firewall (the packet's address is not one the
#     peer's certificate holds), while its IPv4 unsafe network still works.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/scenarios/ipv6_lib.sh"
# "CLIENT GATEWAY ROUTES": the route given in tun.unsafe_routes (config) or learned from the
# kernel (system, tun.use_system_route_table, flatnet clients only).
pairs=("flatnet flatnet config" "flatnet flatnet system")
for v in $(lab_nebula_versions); do
  lab__nebula_at_least "$v" 1 10 || continue  # v2 certificates and IPv6 overlays: 1.10 and later
  pairs+=("nebula-$v flatnet config" "flatnet nebula-$v config" "flatnet nebula-$v system")
done
lab_require flatnet nebula-1.11.1  # its nebula-cert makes the v2 certificates

# tun_packets HOST rx|tx: packets HOST's tun device has received (from the kernel: what HOST
# sends into the overlay) or transmitted (to the kernel: what came out of the tunnel).
tun_packets() {
  lab_exec "$1" cat "/sys/class/net/$(lab_tun "$1")/statistics/${2}_packets"
}

# route_dev HOST ADDR: the device HOST's kernel sends ADDR's packets to.
route_dev() {
  lab_exec "$1" ip route get "$2" | sed -nE 's/.* dev ([^ ]+).*/\1/p' | head -n 1
}

lab_init unsafe6
lab_segment wire 198.51.100.0/24
round=0
specs=()
for pair in "${pairs[@]}"; do
  round=$((round + 1))
  specs+=("c$round=192.168.100.$((round * 2))/24,fd00:100::$((round * 2))/64"
    "g$round=192.168.100.$((round * 2 + 1))/24,fd00:100::$((round * 2 + 1))/64+10.99.0.0/24,fd99::/64")
done
# The gateway without fd99::/64 in its certificate.
specs+=(cx=192.168.100.200/24,fd00:100::200/64 gx=192.168.100.201/24,fd00:100::201/64+10.99.0.0/24)
ipv6_pki "${specs[@]}"

round=0
for pair in "${pairs[@]}"; do
  set -- $pair
  round=$((round + 1))
  client=c$round gateway=g$round
  lab_host "$client" --on wire
  lab_host "$gateway" --on wire
  ipv6_enable "$client" "$gateway"
  lab_local_network "$gateway" 10.99.0.1/24 fd99::1/64
  lab_config "$gateway" --static "$client" --local-cidr 10.99.0.0/24 --local-cidr fd99::/64
  gw4=$(ipv6_addr "$gateway" 4) gw6=$(ipv6_addr "$gateway" 6)
  if [ "$3" = config ]; then
    lab_config "$client" --static "$gateway" --unsafe-route "10.99.0.0/24=$gw4" \
      --unsafe-route "fd99::/64=$gw6"
  else
    lab_config "$client" --static "$gateway"  # no unsafe route: the kernel's
    sed -i 's|^tun:$|tun:\n  use_system_route_table: true|' "$LAB_DIR/$client.yml"
    grep -q '^  use_system_route_table: true' "$LAB_DIR/$client.yml" ||
      lab_fail "could not set use_system_route_table in $client.yml"
  fi
  lab_start_daemon "$client" "$1"
  lab_start_daemon "$gateway" "$2"
  LAB_CONTEXT="$1 client, $2 gateway, routes from $3"
  if [ "$3" = system ]; then
    ! lab_ping "$client" fd99::1 1 || lab_fail "$client reached fd99::1 before any route to it existed"
    lab_exec "$client" ip route add 10.99.0.0/24 via "$gw4" dev "$(lab_tun "$client")" ||
      lab_fail "could not add the IPv4 route via $gw4 in $client"
    lab_exec "$client" ip -6 route add fd99::/64 via "$gw6" dev "$(lab_tun "$client")" ||
      lab_fail "could not add the IPv6 route via $gw6 in $client"
    for net in 10.99.0.0/24 fd99::/64; do
      lab_wait_for --timeout 5 -- grep -q "Adding route.*$net" "$(lab_log_of "$client")" ||
        lab_fail "$client did not log the route to $net it learned from the kernel; log $(lab_log_of "$client")"
    done
    echo "ok - $client learned 10.99.0.0/24 via $gw4 and fd99::/64 via $gw6 from the kernel"
  fi
  for target in 10.99.0.1 fd99::1; do
    lab_wait_for --timeout 10 -- test "$(route_dev "$client" "$target")" = "$(lab_tun "$client")" ||
      lab_fail "the client's kernel routes $target to '$(route_dev "$client" "$target")', not its tun device $(lab_tun "$client")"
    lab_wait_for --timeout 10 -- lab_ping "$client" "$target" ||
      lab_fail "$1 client cannot reach $target behind the $2 gateway; logs in $LAB_DIR"
    # Ten more pings, counted at the gateway's tun device: requests come out of the tunnel
    # into the gateway's kernel (tx), replies go back into the tunnel (rx).
    in_before=$(tun_packets "$gateway" tx) out_before=$(tun_packets "$gateway" rx)
    out=$(lab_exec "$client" ping -c 10 -i 0.2 -W 1 -q "$target" 2>&1) || true
    [[ $out == *" 10 received"* ]] || lab_fail "of 10 pings $client -> $target, not all came back: $(tail -n 2 <<<"$out")"
    in=$(($(tun_packets "$gateway" tx) - in_before)) back=$(($(tun_packets "$gateway" rx) - out_before))
    [ "$in" -ge 10 ] && [ "$back" -ge 10 ] ||
      lab_fail "during 10 pings to $target the gateway's tun device passed $in packets in and $back out (expected >= 10 each): the replies did not go back through the tunnel"
    echo "ok - $1 client reaches $target behind a $2 gateway (routes from $3); 10 replies back through the tunnel ($in in, $back out at the gateway's tun)"
  done
done
LAB_CONTEXT=""

# A gateway whose certificate holds 10.99.0.0/24 but not fd99::/64: the client refuses to
# send IPv6 there.
lab_host cx --on wire
lab_host gx --on wire
ipv6_enable cx gx
lab_local_network gx 10.99.0.1/24 fd99::1/64
lab_config cx --static gx --unsafe-route "10.99.0.0/24=gx" --unsafe-route "fd99::/64=$(ipv6_addr gx 6)"
lab_config gx --static cx --local-cidr 10.99.0.0/24 --local-cidr fd99::/64
lab_start_daemon cx flatnet
lab_start_daemon gx flatnet
# Its IPv4 address first: static_host_map names gx by it, so that starts the handshake; the
# tunnel then carries gx's IPv6 address too.
lab_wait_for --timeout 10 -- lab_ping cx "$(ipv6_addr gx 4)" || lab_fail "cx cannot reach gx itself at $(ipv6_addr gx 4)"
lab_wait_for --timeout 10 -- lab_ping cx "$(ipv6_addr gx 6)" || lab_fail "cx cannot reach gx itself at $(ipv6_addr gx 6)"
lab_wait_for --timeout 10 -- lab_ping cx 10.99.0.1 || lab_fail "cx cannot reach 10.99.0.1, which gx's certificate holds"
dropped_before=$(lab_counter cx tx_dropped_firewall)
if lab_ping cx fd99::1 2; then
  lab_fail "cx reached fd99::1 through gx, whose certificate does not hold fd99::/64"
fi
dropped=$(($(lab_counter cx tx_dropped_firewall) - dropped_before))
[ "$dropped" -ge 1 ] || lab_fail "cx's firewall counted no drop for the refused IPv6 packets"
echo "ok - a gateway without fd99::/64 in its certificate gets no IPv6 traffic for it ($dropped dropped by cx's firewall), its IPv4 unsafe network still works"
echo "unsafe_routes_ipv6_test PASSED"
