#!/usr/bin/env bash
# Container networks across hosts (issue 14): flatnet-cni and tun.routes_from_certs together,
# as a team runs them. Three flatnet hosts, each behind a MASQUERADE home router, meet
# through a flatnet lighthouse on the "internet" segment; each host's certificate carries
# its own container subnet, each has tun.routes_from_certs: true, and no flatnet config has
# tun.unsafe_routes. On each host two containers (lab_bare_container namespaces) get their
# network from the real flatnet-cni binary, run as a runtime runs it (lib/cni.sh: CNI_*
# variables in a clean environment, the network config on stdin, the address read from
# the result JSON; the subnet is the plugin's default, the certificate's).
#
#   round 1, version-1 certificates (nebula-cert 1.6.1 -subnets), overlay 192.168.100.0/24:
#     lh1 lighthouse; a1, b1, c1 with containers a1c1, a1c2 ... on 10.100.{1,2,3}.0/24;
#     d1 (flatnet) whose config admits 10.100.5.0/24 but whose certificate carries no
#     subnet; n1, stock nebula 1.11.1 behind a NAT as a plain member (no subnet of its own).
#     Nebula has no routes from certificates, so n1, and n1 only, has tun.unsafe_routes
#     (the three subnets via their hosts): the test has the containers and n1 reach each
#     other, and without them n1 could not answer a container.
#   round 2, version-2 certificates (flatnet-cert -unsafe-networks), overlay
#     192.168.101.0/24: lh2; a2, b2, c2 with containers on 10.101.{1,2,3}.0/24.
#
# Checks, each an "ok" line; both rounds unless marked:
# - each ADD gives its container an address in its host's certificate subnet, the two of a
#   host distinct;
# - once overlay pings made the tunnels (which prove the routes the lighthouse's hints made
#   before: cert_routes_test checks those without pings), every host's kernel routes each
#   peer's subnet into its tun, never its own, and `flatnet status` lists it in that peer's
#   certRoutes;
# - every container pings every other, on its own host and on the two others; 1 MB over TCP
#   from a container to one on each other host (a ring a -> b -> c -> a) arrives with a
#   matching sha256, the first counted through a's tunnel to b;
# - (1) with n1 in the mesh: every flatnet host, and every container, reaches n1's overlay
#   address, and n1 reaches every container;
# - (1) d1: the plugin refuses 10.100.5.0/24 there (error 7: not in d1's certificate); a
#   bridge on it made by hand (lab_container, as Docker would) attracts nothing: no host
#   routes it, a container cannot reach it, a kernel route forced into a1's tun ends in
#   tx_dropped_no_route;
# - a host leaving (its daemon stopped: c1, then b2) takes its subnet out of the others'
#   kernel tables and status, its containers go unreachable and the others' still reach
#   each other; its daemon back, the routes return and its containers are reached again;
# - CNI DEL of every container removes its veth and frees its address in the IPAM state.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/lib/tcp_transfer.sh"
source "$here/lib/cert_routes.sh"
source "$here/lib/cni.sh"

lab_init cnimesh
lab_require flatnet nebula-1.11.1
lab_segment internet
payload="$LAB_DIR/payload.bin"
head -c 1048576 /dev/urandom >"$payload"

# cni_host HOST SUBNET: HOST's network config for flatnet-cni (its certificate, the
# overlay's MTU) and its two containers HOSTc1 and HOSTc2, added by the plugin.
cni_host() {
  local host=$1 subnet=$2 c
  lab_cni_config "$LAB_DIR/$host-net.json" flatnet "$LAB_DIR/pki/$host.crt" "$LAB_DIR/cni-$host" '"mtu":1300'
  for c in "${host}c1" "${host}c2"; do
    lab_bare_container "$c"
    lab_cni_add "$host" "$c" "$LAB_DIR/$host-net.json"
    [[ $(lab_ip "$c") == "${subnet%.0/24}".* ]] || lab_fail "$c got $(lab_ip "$c"), not in $host's $subnet"
  done
  [ "$(lab_ip "${host}c1")" != "$(lab_ip "${host}c2")" ] || lab_fail "both containers of $host got $(lab_ip "${host}c1")"
  echo "ok - flatnet-cni ADD on $host: ${host}c1 $(lab_ip "${host}c1"), ${host}c2 $(lab_ip "${host}c2") in its certificate's $subnet"
}

# transfer_ring A B C: a container of each host sends the payload to one of the next host's
# (A -> B -> C -> A); the first transfer must go through A's tunnel to B.
transfer_ring() {
  local a=$1 b=$2 c=$3 before carried
  before=$(lab_tunnel_field "$a" "$(lab_overlay "$b")" txBytes)
  lab_tcp_transfer "${a}c1" "${b}c2" "$(lab_ip "${b}c2")" "$payload"
  carried=$(($(lab_tunnel_field "$a" "$(lab_overlay "$b")" txBytes) - before))
  [ "$carried" -ge 1048576 ] || lab_fail "$a's tunnel to $b carried only $carried bytes of ${a}c1's 1 MB to ${b}c2"
  lab_tcp_transfer "${b}c1" "${c}c2" "$(lab_ip "${c}c2")" "$payload"
  lab_tcp_transfer "${c}c1" "${a}c2" "$(lab_ip "${a}c2")" "$payload"
  echo "ok - ${a}c1 -> ${b}c2 went through $a's tunnel to $b ($carried bytes)"
}

# leave_and_return GONE SUBNET OTHER1 OTHER2: GONE's daemon stops and its subnet's routes
# go; its containers are unreachable, the others' are not; back, everything returns.
leave_and_return() {
  local gone=$1 subnet=$2 o1=$3 o2=$4
  lab_stop_and_expect_withdrawn "$gone" "$subnet" "$o1" "$o2"
  if lab_ping "${o1}c1" "$(lab_ip "${gone}c1")" 2; then lab_fail "${o1}c1 still reached ${gone}c1 after $gone left"; fi
  lab_ping_mesh "${o1}c1" "${o1}c2" "${o2}c1" "${o2}c2"
  lab_start_daemon "$gone" flatnet
  lab_meet "$gone" "$o1" "$o2"
  lab_expect_cert_routes "$gone=$subnet" "$o1=$(host_subnet "$o1")" "$o2=$(host_subnet "$o2")"
  lab_ping_mesh "${gone}c1" "${gone}c2" "${o1}c1" "${o2}c2"
  echo "ok - $gone back: its $subnet is routed again and its containers reached"
}
declare -A subnet_of=()
host_subnet() { echo "${subnet_of[$1]}"; }

# release HOST...: CNI DEL of both containers of each HOST (lib/cni.sh checks the veth and
# the IPAM state); nothing is left handed out.
release() {
  local h c
  for h in "$@"; do
    for c in "${h}c1" "${h}c2"; do lab_cni_del "$h" "$c" "$LAB_DIR/$h-net.json"; done
    [ -z "$(ls "$LAB_DIR/cni-$h/flatnet" | grep -E '^[0-9]+[.]')" ] ||
      lab_fail "addresses still handed out on $h after DEL: $(ls "$LAB_DIR/cni-$h/flatnet")"
  done
  echo "ok - CNI DEL on $*: every container's veth gone and its address free again"
}

# ---- Round 1: version-1 certificates, a nebula 1.11.1 member, a host without its subnet ----
export LAB_CERT_TOOL=nebula LAB_CERT_VERSION=1
subnet_of=([a1]=10.100.1.0/24 [b1]=10.100.2.0/24 [c1]=10.100.3.0/24)
lab_cert_routes_mesh ca1 192.168.100 lh1 a1=10.100.1.0/24 b1=10.100.2.0/24 c1=10.100.3.0/24
for h in d1 n1; do lab_host_behind "$h" --upstream internet --nat masq; done
lab_cert d1 192.168.100.5/24 --ca ca1  # no subnet
lab_cert n1 192.168.100.6/24 --ca ca1  # a plain member
lab_config d1 --ca ca1 --lighthouse lh1 --punchy --routes-from-certs --local-cidr 10.100.5.0/24 \
  --local-cidr-out 10.100.5.0/24
lab_config n1 --ca ca1 --lighthouse lh1 --punchy --unsafe-route 10.100.1.0/24=a1 \
  --unsafe-route 10.100.2.0/24=b1 --unsafe-route 10.100.3.0/24=c1
lab_expect_no_unsafe_routes lh1 a1 b1 c1 d1
lab_start_daemon lh1 flatnet
for h in a1 b1 c1 d1; do lab_start_daemon "$h" flatnet; done
lab_start_daemon n1 nebula-1.11.1
for h in a1 b1 c1; do cni_host "$h" "$(host_subnet "$h")"; done

lab_meet a1 b1 c1 n1
lab_expect_cert_routes a1=10.100.1.0/24 b1=10.100.2.0/24 c1=10.100.3.0/24
containers1=(a1c1 a1c2 b1c1 b1c2 c1c1 c1c2)
lab_ping_mesh "${containers1[@]}"
transfer_ring a1 b1 c1

# n1, stock nebula, a plain member: the hosts met it above; the containers and it meet.
for c in "${containers1[@]}"; do
  lab_ping "$c" "$(lab_overlay n1)" 2 || lab_fail "container $c cannot ping nebula's n1 at $(lab_overlay n1)"
  lab_ping n1 "$(lab_ip "$c")" 2 || lab_fail "nebula's n1 cannot ping container $c at $(lab_ip "$c")"
done
echo "ok - stock nebula 1.11.1's n1 is in the mesh: every flatnet host and container reaches it, and it them"

# d1: the plugin refuses a subnet its certificate lacks; a bridge on it made by hand anyway
# (what a Docker network on the wrong subnet would be) attracts nothing.
lab_bare_container d1c1
lab_cni_config "$LAB_DIR/d1-net.json" flatnet "$LAB_DIR/pki/d1.crt" "$LAB_DIR/cni-d1" '"subnet":"10.100.5.0/24"'
if out=$(lab_cni d1 ADD d1c1 "$LAB_DIR/d1-net.json"); then lab_fail "flatnet-cni gave d1c1 an address in 10.100.5.0/24: $out"; fi
[ "$(jq -r .code <<<"$out")" = 7 ] || lab_fail "flatnet-cni on d1: expected error 7, got $out"
echo "ok - flatnet-cni refuses d1's 10.100.5.0/24: $(jq -r .msg <<<"$out")"
lab_container d1 d1x 10.100.5.1/24
lab_meet d1 a1 b1 c1
sleep 1
lab_expect_unattracted 10.100.5.0/24 "$(lab_ip d1x)" a1c1 a1 b1 c1

leave_and_return c1 10.100.3.0/24 a1 b1
release a1 b1 c1
for h in lh1 a1 b1 c1 d1 n1; do lab_stop_daemon "$h"; done

# ---- Round 2: version-2 certificates (unsafeNetworks) ----------------------------------------
export LAB_CERT_TOOL=flatnet LAB_CERT_VERSION=2
subnet_of=([a2]=10.101.1.0/24 [b2]=10.101.2.0/24 [c2]=10.101.3.0/24)
lab_cert_routes_mesh ca2 192.168.101 lh2 a2=10.101.1.0/24 b2=10.101.2.0/24 c2=10.101.3.0/24
"$FLATNET_BIN/flatnet-cert" print -json -path "$LAB_DIR/pki/a2.crt" | grep -q '"unsafeNetworks":\["10.101.1.0/24"\].*"version":2' ||
  lab_fail "a2's certificate is not a v2 one carrying unsafeNetworks 10.101.1.0/24"
lab_expect_no_unsafe_routes lh2 a2 b2 c2
lab_start_daemon lh2 flatnet
for h in a2 b2 c2; do
  lab_start_daemon "$h" flatnet
  cni_host "$h" "$(host_subnet "$h")"
done
lab_meet a2 b2 c2
lab_expect_cert_routes a2=10.101.1.0/24 b2=10.101.2.0/24 c2=10.101.3.0/24
containers2=(a2c1 a2c2 b2c1 b2c2 c2c1 c2c2)
lab_ping_mesh "${containers2[@]}"
transfer_ring a2 b2 c2
leave_and_return b2 10.101.2.0/24 a2 c2
release a2 b2 c2
echo "cni_mesh_test PASSED"
