#!/usr/bin/env bash
# flatnet-cni (src/cni) invoked as a container runtime invokes it: the command and the
# container in CNI_* variables, the network config on stdin, the result or error JSON on
# stdout. Lab namespaces stand in for the machine and its containers: "h" is the host (a
# flatnet member whose certificate carries the unsafe network 10.100.2.0/24), c1..c7 are
# containers (namespaces with only a loopback), "p" is another flatnet member reaching h's
# containers through the overlay (tun.unsafe_routes 10.100.2.0/24 via h). h's firewall
# lets 10.100.2.0/24 in and out with local_cidr rules, as docs/cni.md tells a host to.
# Checks:
#  1. VERSION lists 0.4.0 and 1.0.0.
#  2. ADD gives c1 and c2 distinct addresses in 10.100.2.0/24 (the result names the bridge,
#     the host end and the container's interface with its sandbox); each container pings
#     the other and the bridge's gateway 10.100.2.1; three ADDs at once get three more
#     distinct addresses, and the bridge's MAC stays what the first ADD reported.
#  3. The whole flat network: c1 pings p's overlay address, p pings c2, through the tunnel.
#  4. CHECK with the ADD's prevResult passes; with c1's address removed by hand it fails
#     (code 102) naming the address.
#  5. DEL removes c1's veth and releases its address; DEL again succeeds; DEL of c2 after
#     its namespace is gone succeeds and releases its address.
#  6. A /30 subnet's one container address: the second ADD is error 100 naming the subnet;
#     after DEL of the first, the address is handed out again.
#  7. A subnet the certificate lacks is error 7 naming "subnet" and the certificate file;
#     a config typo is error 2 naming the field. Nothing is handed out for either.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/lib/cni.sh"

lab_init cni
plugin=$FLATNET_BIN/flatnet-cni
[ -x "$plugin" ] || lab_fail "flatnet-cni not found in $FLATNET_BIN (build target flatnet-cni)"

checks=0
pass() {
  checks=$((checks + 1))
  echo "ok $checks - $*"
}

lab_segment wire 198.51.100.0/24
lab_host h --on wire
lab_host p --on wire
for c in c1 c2 c3 c4 c5 c6 c7; do lab_bare_container "$c"; done
lab_ca
lab_cert h 192.168.100.1/24 --subnets 10.100.2.0/24
lab_cert p 192.168.100.2/24
lab_config h --static p --local-cidr 10.100.2.0/24 --local-cidr-out 10.100.2.0/24
lab_config p --static h --unsafe-route "10.100.2.0/24=h"
lab_start_daemon h flatnet
lab_start_daemon p flatnet

data=$LAB_DIR/cni-data
network_config() { lab_cni_config "$1" "$2" "$LAB_DIR/pki/h.crt" "$data" "${3:-}"; }  # FILE NAME [FIELDS]
network_config "$LAB_DIR/flat.json" flatnet
network_config "$LAB_DIR/tiny.json" tiny '"subnet":"10.100.2.252/30","bridge":"fntiny"'
network_config "$LAB_DIR/foreign.json" foreign '"subnet":"10.99.0.0/24","bridge":"fnforeign"'
network_config "$LAB_DIR/typo.json" typo '"subnett":"10.100.2.0/24"'

# cni COMMAND CONTAINER CONFIG: the plugin run in h as a runtime runs it (lib/cni.sh).
cni() { lab_cni h "$@"; }
# expect_error CODE OUTPUT TEXT: OUTPUT is the spec's error JSON with CODE and TEXT in msg.
expect_error() {
  local code=$1 out=$2 text=$3
  [ "$(jq -r .code <<<"$out")" = "$code" ] || lab_fail "expected error $code, got: $out"
  [ "$(jq -r .cniVersion <<<"$out")" = 1.0.0 ] || lab_fail "error without cniVersion: $out"
  jq -r .msg <<<"$out" | grep -qF -- "$text" || lab_fail "error message lacks '$text': $out"
}
address_of() { jq -r '.ips[0].address' <<<"$1" | cut -d/ -f1; }

# ---- 1. VERSION ------------------------------------------------------------------------
out=$(echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION "$plugin")
[ "$(jq -c .supportedVersions <<<"$out")" = '["0.4.0","1.0.0"]' ] || lab_fail "VERSION said: $out"
pass "VERSION: $out"

# ---- 2. ADD ----------------------------------------------------------------------------
add1=$(cni ADD c1 "$LAB_DIR/flat.json") || lab_fail "ADD c1 failed: $add1"
add2=$(cni ADD c2 "$LAB_DIR/flat.json") || lab_fail "ADD c2 failed: $add2"
ip1=$(address_of "$add1") ip2=$(address_of "$add2")
for ip in "$ip1" "$ip2"; do
  [[ $ip == 10.100.2.* ]] || lab_fail "address $ip is not in 10.100.2.0/24: $add1 $add2"
done
[ "$ip1" != "$ip2" ] || lab_fail "c1 and c2 were both given $ip1"
[ "$(jq -r '.ips[0].gateway' <<<"$add1")" = 10.100.2.1 ] || lab_fail "gateway not 10.100.2.1: $add1"
[ "$(jq -r '.ips[0].address' <<<"$add1")" = "$ip1/24" ] || lab_fail "address not a /24: $add1"
[ "$(jq -r '.interfaces[0].name' <<<"$add1")" = flatnet0 ] || lab_fail "bridge not flatnet0: $add1"
[ "$(jq -r '.interfaces[.ips[0].interface].sandbox' <<<"$add1")" = "$(lab_netns_path c1)" ] ||
  lab_fail "the IP's interface is not the container's: $add1"
[ "$(jq -c .routes <<<"$add1")" = '[{"dst":"0.0.0.0/0","gw":"10.100.2.1"}]' ] ||
  lab_fail "routes: $add1"
host_end=$(jq -r '.interfaces[1].name' <<<"$add1")
lab_exec h ip -o link show "$host_end" | grep -q "master flatnet0" ||
  lab_fail "the host end $host_end is not on flatnet0"
lab_exec c1 ip -o addr show dev eth0 | grep -q "inet $ip1/24" || lab_fail "c1's eth0 lacks $ip1"
[ -f "$data/flatnet/$ip1" ] || lab_fail "no address file $data/flatnet/$ip1"
pass "ADD: c1 got $ip1, c2 got $ip2 on bridge flatnet0 (host end $host_end), files in $data/flatnet"

lab_wait_for --timeout 5 -- lab_ping c1 "$ip2" || lab_fail "c1 cannot ping c2 ($ip2)"
lab_ping c2 "$ip1" || lab_fail "c2 cannot ping c1 ($ip1)"
lab_ping c1 10.100.2.1 || lab_fail "c1 cannot ping the bridge's gateway 10.100.2.1"
pass "c1 and c2 ping each other and the gateway 10.100.2.1"

# Three ADDs at once (a runtime starting a pod's containers): three more distinct addresses.
for c in c5 c6 c7; do cni ADD "$c" "$LAB_DIR/flat.json" >"$LAB_DIR/add-$c.json" & done
wait
parallel=()
for c in c5 c6 c7; do
  parallel+=("$(address_of "$(cat "$LAB_DIR/add-$c.json")")")
done
[ "$(printf '%s\n' "${parallel[@]}" "$ip1" "$ip2" | grep -c '^10\.100\.2\.')" = 5 ] ||
  lab_fail "the concurrent ADDs did not all succeed: ${parallel[*]}"
[ "$(printf '%s\n' "${parallel[@]}" "$ip1" "$ip2" | sort -u | wc -l)" = 5 ] ||
  lab_fail "an address was handed out twice: ${parallel[*]} $ip1 $ip2"
# The bridge keeps its MAC as ports join (else c1's ARP entry for the gateway goes stale).
bridge_mac=$(lab_exec h cat /sys/class/net/flatnet0/address)
[ "$bridge_mac" = "$(jq -r '.interfaces[0].mac' <<<"$add1")" ] ||
  lab_fail "flatnet0's MAC changed from $(jq -r '.interfaces[0].mac' <<<"$add1") to $bridge_mac"
pass "three concurrent ADDs got ${parallel[*]}, all distinct; flatnet0 kept its MAC $bridge_mac"

# ---- 3. The flat network ---------------------------------------------------------------
lab_wait_for --timeout 15 -- lab_ping c1 192.168.100.2 ||
  lab_fail "c1 cannot reach p's overlay address 192.168.100.2 through h (h's drops: $(lab_status h | jq -c .drops)); logs in $LAB_DIR"
lab_wait_for --timeout 5 -- lab_ping p "$ip2" || lab_fail "p cannot reach c2 ($ip2) through h"
pass "c1 reaches the member p (192.168.100.2) over the overlay, and p reaches c2 ($ip2)"

# ---- 4. CHECK --------------------------------------------------------------------------
jq --argjson prev "$add1" '. + {prevResult: $prev}' "$LAB_DIR/flat.json" >"$LAB_DIR/check1.json"
out=$(cni CHECK c1 "$LAB_DIR/check1.json") || lab_fail "CHECK c1 failed: $out"
[ -z "$out" ] || lab_fail "CHECK printed: $out"
lab_exec c1 ip addr del "$ip1/24" dev eth0
if out=$(cni CHECK c1 "$LAB_DIR/check1.json"); then lab_fail "CHECK passed without c1's address"; fi
expect_error 102 "$out" "lacks its address $ip1/24"
pass "CHECK passes, and fails once c1's address is removed: $(jq -r .msg <<<"$out")"

# ---- 5. DEL ----------------------------------------------------------------------------
out=$(cni DEL c1 "$LAB_DIR/flat.json") || lab_fail "DEL c1 failed: $out"
! lab_exec h ip link show "$host_end" >/dev/null 2>&1 || lab_fail "DEL left $host_end behind"
! lab_exec c1 ip link show eth0 >/dev/null 2>&1 || lab_fail "DEL left c1's eth0 behind"
[ ! -e "$data/flatnet/$ip1" ] || lab_fail "DEL did not release $ip1"
out=$(cni DEL c1 "$LAB_DIR/flat.json") || lab_fail "a second DEL of c1 failed: $out"
ip netns del "$(lab_ns c2)"
out=$(cni DEL c2 "$LAB_DIR/flat.json") || lab_fail "DEL of c2 without its namespace failed: $out"
[ ! -e "$data/flatnet/$ip2" ] || lab_fail "DEL did not release $ip2"
pass "DEL removes the veth and releases the address, twice, and with the namespace gone"

# ---- 6. Exhaustion and reuse -----------------------------------------------------------
tiny=$(cni ADD c3 "$LAB_DIR/tiny.json") || lab_fail "ADD c3 to the /30 failed: $tiny"
[ "$(address_of "$tiny")" = 10.100.2.254 ] || lab_fail "c3 did not get 10.100.2.254: $tiny"
if out=$(cni ADD c4 "$LAB_DIR/tiny.json"); then lab_fail "a second ADD fitted into a /30: $out"; fi
expect_error 100 "$out" "subnet 10.100.2.252/30 is exhausted"
! lab_exec c4 ip link show eth0 >/dev/null 2>&1 || lab_fail "the failed ADD left c4 an eth0"
pass "a /30's second ADD: $(jq -r .msg <<<"$out")"
out=$(cni DEL c3 "$LAB_DIR/tiny.json") || lab_fail "DEL c3 failed: $out"
again=$(cni ADD c4 "$LAB_DIR/tiny.json") || lab_fail "ADD c4 after DEL c3 failed: $again"
[ "$(address_of "$again")" = 10.100.2.254 ] || lab_fail "c4 did not get the released address: $again"
lab_ping c4 10.100.2.253 || lab_fail "c4 cannot ping its gateway 10.100.2.253"
pass "after DEL of c3, 10.100.2.254 is handed out again (to c4)"

# ---- 7. Bad config ---------------------------------------------------------------------
if out=$(cni ADD c3 "$LAB_DIR/foreign.json"); then lab_fail "a subnet outside the cert was accepted"; fi
expect_error 7 "$out" "\"subnet\" 10.99.0.0/24 is not inside an unsafe network of \"cert\" $LAB_DIR/pki/h.crt"
[ -z "$(ls -A "$data/foreign" 2>/dev/null | grep -v -e lock -e last_reserved)" ] ||
  lab_fail "the refused ADD handed out an address"
pass "a subnet the certificate lacks: $(jq -r .msg <<<"$out")"
if out=$(cni ADD c3 "$LAB_DIR/typo.json"); then lab_fail "a config typo was accepted"; fi
expect_error 2 "$out" 'unsupported field "subnett"'
pass "a config typo: $(jq -r .msg <<<"$out")"

echo "cni_plugin_test PASSED ($checks checks)"
