# shellcheck shell=bash
# ipv6_lib.sh — what the IPv6 overlay labs (scenarios/ipv6_*.sh) and bench/ipv6_throughput.sh
# share. netlab.sh makes one IPv4 network per certificate (lab_cert) and switches IPv6 off in
# every namespace; an overlay with IPv6 or several networks per host needs the things below.
# Source it after netlab.sh. (Bulk TCP to an overlay address of either family:
# lab_tcp_transfer, lib/tcp_transfer.sh, which this file sources.)
#
#   ipv6_impl_ok IMPL                true for flatnet and nebula 1.10 or later (v2 certificates)
#   ipv6_enable NODE...              IPv6 on inside NODE's namespace (all interfaces and those
#                                    created later, i.e. the daemon's tun), without duplicate
#                                    address detection, so an overlay address is usable at once
#   ipv6_pki HOST=NET[,NET...][+UNSAFE[,UNSAFE...]]...
#                                    the CA "ca" and one certificate per host, version 2, made
#                                    by nebula-cert 1.11.1 (or LAB_CERT_TOOL), holding exactly
#                                    those networks (IPv4 and/or IPv6) and, after a "+", those
#                                    unsafe networks (-unsafe-networks: what a gateway may route
#                                    to). lab_overlay HOST is then the certificate's first
#                                    network's address (what lab_config writes into
#                                    static_host_map, lighthouse.hosts, relays)
#   ipv6_addrs HOST                  HOST's overlay addresses, in its certificate's order
#   ipv6_nets HOST                   the same as ADDR/BITS
#   ipv6_addr HOST 4|6 [N]           HOST's N-th (default 1) IPv4 or IPv6 overlay address;
#                                    fails the test if there is none
#   ipv6_nebula_handshake_from HOST ADDR
#                                    where a nebula HOST's log says its latest completed
#                                    handshake with the peer holding overlay address ADDR came
#                                    from: "IP:PORT" for a direct one, "IP:PORT (relayed)"
#                                    through a relay; nothing if it logged none
#   ipv6_tun_has HOST NET            true when HOST's tun device holds NET (ADDR/BITS), as
#                                    `ip addr` shows it to a user
#
# The certificates are version 2 because only v2 certificates carry IPv6 or several networks:
# Nebula reads them from 1.10 on.

# shellcheck source=../lib/tcp_transfer.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/tcp_transfer.sh"

export LAB_CERT_VERSION=2
declare -gA IPV6_NETS=()  # host -> "ADDR/BITS ADDR/BITS ..." in certificate order

ipv6_impl_ok() {
  local version
  [ "$1" = flatnet ] && return 0
  version=$(lab_impl_version "$1")
  lab__nebula_at_least "$version" 1 10
}

ipv6_enable() {
  local node
  for node in "$@"; do
    # default first: it is what the tun device, created later by the daemon, inherits.
    lab_exec "$node" sysctl -qw net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.disable_ipv6=0 \
      net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 >/dev/null ||
      lab_fail "cannot switch IPv6 on in '$node'"
  done
}

ipv6_pki() {
  local spec host nets tool nets_json unsafe
  lab_ca
  tool=$(lab__cert_tool)
  for spec in "$@"; do
    [[ $spec == *=* ]] || lab_fail "ipv6_pki: '$spec' is not HOST=NET[,NET...][+UNSAFE[,UNSAFE...]]"
    host=${spec%%=*} nets=${spec#*=} unsafe=()
    if [[ $nets == *+* ]]; then
      unsafe=(-unsafe-networks "${nets#*+}")
      nets=${nets%%+*}
    fi
    rm -f "$LAB_DIR/pki/$host.crt" "$LAB_DIR/pki/$host.key"
    "$tool" sign -version 2 -name "$host" -networks "$nets" "${unsafe[@]}" \
      -ca-crt "$LAB_DIR/pki/ca.crt" -ca-key "$LAB_DIR/pki/ca.key" \
      -out-crt "$LAB_DIR/pki/$host.crt" -out-key "$LAB_DIR/pki/$host.key" >"$LAB_DIR/pki/$host.sign.out" 2>&1 ||
      lab_fail "ipv6_pki: signing $host with networks $nets failed: $(cat "$LAB_DIR/pki/$host.sign.out")"
    # The certificate's own order (nebula-cert sorts IPv4 first), read back from it.
    nets_json=$("$(lab_nebula_bin 1.11.1 nebula-cert)" print -json -path "$LAB_DIR/pki/$host.crt") ||
      lab_fail "ipv6_pki: nebula-cert 1.11.1 cannot print $host's certificate"
    IPV6_NETS[$host]=$(jq -r '.[0].details.networks | join(" ")' <<<"$nets_json")
    [ -n "${IPV6_NETS[$host]}" ] || lab_fail "ipv6_pki: $host's certificate lists no network"
    LAB_OVERLAY[$host]=${IPV6_NETS[$host]%%/*}
  done
}

ipv6_nets() {
  [ -n "${IPV6_NETS[$1]:-}" ] || lab_fail "ipv6_nets: no certificate made for '$1' by ipv6_pki"
  tr ' ' '\n' <<<"${IPV6_NETS[$1]}"
}

ipv6_addrs() { ipv6_nets "$1" | sed 's,/.*,,'; }

ipv6_addr() {
  local host=$1 family=$2 n=${3:-1} addr
  case $family in
    4) addr=$(ipv6_addrs "$host" | grep -v ':' | sed -n "${n}p") ;;
    6) addr=$(ipv6_addrs "$host" | grep ':' | sed -n "${n}p") ;;
    *) lab_fail "ipv6_addr: family '$family' is not 4 or 6" ;;
  esac
  [ -n "$addr" ] || lab_fail "ipv6_addr: '$host' has no IPv$family overlay address number $n"
  echo "$addr"
}

ipv6_tun_has() {
  lab_exec "$1" ip -o addr show dev "$(lab_tun "$1")" | awk '{print $4}' | grep -qxF "$2"
}

# Nebula 1.10+ logs `msg="Handshake message received" vpnAddrs=[ADDR ...] from=IP:PORT` (from
# quoted when it carries " (relayed)"; 1.10's logger quotes the address list too), once for
# every handshake that completes on this host, as initiator or responder.
ipv6_nebula_handshake_from() {
  local log addr_re
  log=$(lab_log_of "$1")
  addr_re=${2//./\\.}
  grep -F 'msg="Handshake message received' "$log" |
    grep -E "vpnAddrs=\"?\[([^]]* )?$addr_re( [^]]*)?\]" |
    tail -n 1 | sed -nE 's/.* from=("([^"]*)"|([^ ]*)).*/\2\3/p' || true
}
