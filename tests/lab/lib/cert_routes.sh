# shellcheck shell=bash
# cert_routes.sh — what the labs of tun.routes_from_certs (cert_routes_test, cni_mesh_test)
# check in a mesh whose hosts route each other's container subnets from their
# certificates. Source it after netlab.sh and flatnet_status.sh. Each lab_expect_* fails
# the test naming the host and network; those that pass print one "ok" line.
#
#   lab_cert_routes_mesh CA NET LIGHTHOUSE HOST=SUBNET...
#                                    the mesh both labs build: LIGHTHOUSE on segment
#                                    `internet` (made already) at overlay NET.1, each HOST
#                                    behind a MASQUERADE NAT of its own at NET.2, NET.3, ...;
#                                    CA (lab_ca --out CA) signs each HOST a certificate
#                                    carrying its SUBNET (-subnets; -unsafe-networks with
#                                    LAB_CERT_VERSION=2). Configs: LIGHTHOUSE a lighthouse;
#                                    each HOST punching, with tun.routes_from_certs and a
#                                    firewall letting SUBNET in and out (--local-cidr,
#                                    --local-cidr-out); none has tun.unsafe_routes. Members
#                                    send their lighthouse update (and route hints query)
#                                    every LAB_LH_INTERVAL seconds (lighthouse.interval, 2 by
#                                    default here), which bounds how long hints take to
#                                    come and go
#   lab_expect_no_unsafe_routes HOST...   no HOST's config has tun.unsafe_routes
#   lab_route_in_tun HOST CIDR       true when HOST's kernel routes CIDR into HOST's tun
#   lab_no_route_in_tun HOST CIDR    its negation (a lab_wait_for condition)
#   lab_cert_routes HOST PEER        the networks HOST's `flatnet status` routes through its
#                                    tunnel to PEER because PEER's certificate carries them
#                                    (space-separated; "" without a tunnel)
#   lab_each_pair FN ITEM...         FN X Y for every ordered pair of two different ITEMs
#   lab_meet HOST...                 each pair of HOSTs pings over the overlay within 20 s
#                                    (across their NATs), which makes their tunnels: routes
#                                    proven by certificates appear once a tunnel is up
#   lab_hinted_routes HOST           the networks HOST's `flatnet status` routes on a
#                                    lighthouse's hint alone ("NETWORK via VPNIP" lines)
#   lab_expect_hinted_routes HOST=SUBNET...
#                                    with no tunnel between the HOSTs yet, within 10 s each
#                                    routes every other's SUBNET into its tun on the
#                                    lighthouse's hint, and its status lists it in
#                                    hintedRoutes via that host's overlay address and in no
#                                    tunnel's certRoutes
#   lab_expect_cert_routes HOST=SUBNET...
#                                    no HOST routes its own SUBNET into its tun, and within
#                                    5 s each routes every other's there, which its status
#                                    shows for exactly that peer
#   lab_ping_mesh NODE...            every NODE pings every other's lab_ip (10 s each)
#   lab_stop_and_expect_withdrawn GONE SUBNET HOST...
#                                    stops GONE's daemon; within 10 s no HOST routes SUBNET
#                                    into its tun, its log says it removed the route, and its
#                                    status lists SUBNET for no tunnel and in no hint. GONE
#                                    tells its peers and the lighthouse it is going; the
#                                    lighthouse stops listing it at once, so the hint goes
#                                    at the members' next query (within LAB_LH_INTERVAL)
#   lab_expect_unattracted SUBNET ADDR FROM HOST...
#                                    SUBNET is offered by a host whose certificate lacks it:
#                                    no HOST routes it into its tun, FROM (a node behind the
#                                    first HOST) cannot ping ADDR in it, and with a kernel
#                                    route forced into the first HOST's tun flatnet drops the
#                                    packets (tx_dropped_no_route) rather than send them on

lab_cert_routes_mesh() {
  local ca=$1 net=$2 lighthouse=$3 spec host subnet i=1 subnet_flag=--subnets
  shift 3
  [ "${LAB_CERT_VERSION:-1}" != 2 ] || subnet_flag=--unsafe-networks
  lab_host "$lighthouse" --on internet
  for spec in "$@"; do lab_host_behind "${spec%%=*}" --upstream internet --nat masq; done
  lab_ca --out "$ca"
  lab_cert "$lighthouse" "$net.1/24" --ca "$ca"
  lab_config "$lighthouse" --ca "$ca" --am-lighthouse
  for spec in "$@"; do
    host=${spec%%=*} subnet=${spec#*=} i=$((i + 1))
    lab_cert "$host" "$net.$i/24" --ca "$ca" "$subnet_flag" "$subnet"
    lab_config "$host" --ca "$ca" --lighthouse "$lighthouse" --punchy --routes-from-certs \
      --local-cidr "$subnet" --local-cidr-out "$subnet" --lighthouse-interval "${LAB_LH_INTERVAL:-2}"
  done
}

lab_expect_no_unsafe_routes() {
  local host
  for host in "$@"; do
    if grep -q unsafe_routes "$LAB_DIR/$host.yml"; then lab_fail "$host's config has unsafe_routes"; fi
  done
}

lab_route_in_tun() {
  lab_exec "$1" ip route show dev "$(lab_tun "$1")" | awk -v net="$2" '$1 == net { found = 1 } END { exit !found }'
}
lab_no_route_in_tun() { ! lab_route_in_tun "$@"; }

lab_cert_routes() {
  lab_status "$1" | jq -r --arg ip "$(lab_overlay "$2")" \
    '[.tunnels[] | select(.vpnIp == $ip) | .certRoutes[]] | join(" ")'
}

lab_each_pair() {
  local fn=$1 x y
  shift
  for x in "$@"; do
    for y in "$@"; do [ "$x" = "$y" ] || "$fn" "$x" "$y"; done
  done
}

lab_meet() {
  local hosts=("$@") i j
  for ((i = 0; i < ${#hosts[@]}; i++)); do
    for ((j = i + 1; j < ${#hosts[@]}; j++)); do
      lab_wait_for --timeout 20 -- lab_ping "${hosts[i]}" "$(lab_overlay "${hosts[j]}")" ||
        lab_fail "${hosts[i]} cannot ping ${hosts[j]} at $(lab_overlay "${hosts[j]}"); logs in $LAB_DIR"
    done
  done
  echo "ok - tunnels between ${hosts[*]} (overlay pings)"
}

lab_expect_cert_routes() {
  local x
  for x in "$@"; do
    lab_no_route_in_tun "${x%%=*}" "${x#*=}" || lab_fail "${x%%=*} routes its own subnet ${x#*=} into its tun"
  done
  lab_each_pair lab__expect_cert_route_to "$@"
  echo "ok - each of ${*%%=*} routes the others' subnets into its tun (no unsafe_routes); flatnet status shows them per peer"
}
lab__wait_route_in_tun() { # SECONDS HOST PEER SUBNET
  lab_wait_for --timeout "$1" -- lab_route_in_tun "$2" "$4" ||
    lab_fail "$2 has no kernel route for $3's $4 into its tun within $1 s: $(lab_exec "$2" ip route)"
}
lab__expect_cert_route_to() { # HOST=SUBNET PEER=SUBNET
  local host=${1%%=*} peer=${2%%=*} subnet=${2#*=}
  lab__wait_route_in_tun 5 "$host" "$peer" "$subnet"
  [ "$(lab_cert_routes "$host" "$peer")" = "$subnet" ] ||
    lab_fail "flatnet status on $host shows routes '$(lab_cert_routes "$host" "$peer")' through $peer, expected $subnet"
}

lab_hinted_routes() {
  lab_status "$1" | jq -r '.hintedRoutes[] | "\(.network) via \(.via)"'
}

lab_expect_hinted_routes() {
  lab_each_pair lab__expect_hinted_route_to "$@"
  echo "ok - with no tunnel between ${*%%=*} yet, each routes the others' subnets into its tun on the lighthouse's hint; flatnet status shows them as hinted"
}
lab__expect_hinted_route_to() { # HOST=SUBNET PEER=SUBNET
  local host=${1%%=*} peer=${2%%=*} subnet=${2#*=}
  lab__wait_route_in_tun 10 "$host" "$peer" "$subnet"
  lab_hinted_routes "$host" | grep -qx "$subnet via $(lab_overlay "$peer")" ||
    lab_fail "flatnet status on $host does not list $subnet via $peer as hinted: $(lab_hinted_routes "$host")"
  if lab_status "$host" | jq -e '.tunnels | length > 1' >/dev/null; then
    lab_fail "$host has tunnels to members already (the round must start without): $(lab_status "$host" | jq -c '[.tunnels[].certName]')"
  fi
  if lab_status "$host" | jq -e --arg net "$subnet" '[.tunnels[].certRoutes[]] | index($net)' >/dev/null; then
    lab_fail "flatnet status on $host shows $subnet as proven by a certificate before any tunnel to $peer"
  fi
}

lab_ping_mesh() {
  lab_each_pair lab__mesh_ping "$@"
  echo "ok - every one of $* pings every other"
}
lab__mesh_ping() {
  lab_wait_for --timeout 10 -- lab_ping "$1" "$(lab_ip "$2")" ||
    lab_fail "$1 cannot ping $2 at $(lab_ip "$2")"
}

lab_stop_and_expect_withdrawn() {
  local gone=$1 subnet=$2 host
  shift 2
  lab_stop_daemon "$gone"
  for host in "$@"; do
    lab_wait_for --timeout 10 -- lab_no_route_in_tun "$host" "$subnet" ||
      lab_fail "$host still routes $subnet into its tun after $gone stopped"
    grep -Eq "Removing route from a (certificate|lighthouse hint).*network=$subnet" "$(lab_log_of "$host")" ||
      lab_fail "$host's log does not say it removed the route for $subnet"
    if lab_status "$host" | jq -e --arg net "$subnet" '[.tunnels[].certRoutes[], .hintedRoutes[].network] | index($net)' >/dev/null; then
      lab_fail "flatnet status on $host still shows a route for $subnet"
    fi
  done
  echo "ok - $gone left: $* no longer route $subnet (kernel table, status and log)"
}

lab_expect_unattracted() {
  local subnet=$1 addr=$2 from=$3 host before dropped
  shift 3
  local first=$1
  for host in "$@"; do
    lab_no_route_in_tun "$host" "$subnet" || lab_fail "$host routes $subnet, which no certificate carries"
  done
  if lab_ping "$from" "$addr" 2; then lab_fail "$from reached $addr in $subnet, which no certificate carries"; fi
  # Even with the kernel sending it into the tun, flatnet has no route for it.
  lab_exec "$first" ip route add "$subnet" dev "$(lab_tun "$first")"
  before=$(lab_counter "$first" tx_dropped_no_route)
  if lab_exec "$from" ping -c 3 -i 0.2 -W 1 -q "$addr" >/dev/null 2>&1; then
    lab_fail "$from reached $addr through a kernel route forced into $first's tun"
  fi
  dropped=$(($(lab_counter "$first" tx_dropped_no_route) - before))
  lab_exec "$first" ip route del "$subnet" dev "$(lab_tun "$first")"
  [ "$dropped" -ge 3 ] || lab_fail "$first counted $dropped no-route drops for 3 pings to $addr, expected >= 3"
  echo "ok - $subnet, in no certificate, attracts nothing: no route on $*, $from cannot reach $addr ($dropped packets dropped by $first with a forced route)"
}
