#!/usr/bin/env bash
# An IPv6 overlay and hosts with several overlay addresses, flatnet only (issue 10): a
# flatnet lighthouse on the internet segment and two flatnet members, each behind its own
# IPv4 NAT (MASQUERADE), all with v2 certificates made by flatnet-cert:
#   lh  10.99.0.1/24, 192.168.100.1/24, fd00:100::1/64   (two IPv4 networks and IPv6)
#   a   fd00:100::2/64                                    (IPv6 only)
#   b   10.99.0.3/24, 192.168.100.3/24, fd00:100::3/64   (dual-stack, two IPv4 networks)
# Checks (any failure exits 1 saying what failed):
#  1. a (IPv6 only) pings b's IPv6 address across both NATs (the lighthouse answers a
#     query for an IPv6 address over v2 and both punch), and b pings a;
#  2. a 4 MB TCP transfer a -> b and b -> a over the IPv6 overlay, sha256 equal at both ends;
#  3. the lighthouse pings b on each of its three addresses (dual-stack, two IPv4
#     networks), and b pings the lighthouse on each of its three;
#  4. one tunnel per peer: b's `flatnet status` lists the lighthouse and a once each.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/lib/tcp_transfer.sh"

lab_require flatnet
started=$(lab_now_ms)

lab_init v6ovl
lab_segment internet
lab_host lh --on internet
lab_host_behind a --upstream internet --nat masq
lab_host_behind b --upstream internet --nat masq

# v2 PKI with several networks per host (lab_cert takes one IPv4 network only).
lab_v2_ca "v6ovl ca"
lab_v2_cert lh 10.99.0.1/24,192.168.100.1/24,fd00:100::1/64
lab_v2_cert a fd00:100::2/64
lab_v2_cert b 10.99.0.3/24,192.168.100.3/24,fd00:100::3/64
# What lab_config names a peer by: a's lighthouse entry is the lighthouse's IPv6 address,
# b's its first IPv4 one (both name the same host).
LAB_OVERLAY[lh]=fd00:100::1
LAB_OVERLAY[a]=fd00:100::2
LAB_OVERLAY[b]=fd00:100::3
lab_config lh --am-lighthouse
lab_config a --lighthouse lh --punchy
LAB_OVERLAY[lh]=10.99.0.1
lab_config b --lighthouse lh --punchy
# IPv6 may be disabled by default in new namespaces; the overlay needs it on the TUN device.
for host in lh a b; do
  lab_exec "$host" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 ||
    lab_fail "cannot enable IPv6 in '$host'"
done
for host in lh a b; do lab_start_daemon "$host" flatnet; done

# ---- 1. IPv6 only, across two NATs ---------------------------------------------------------
lab_wait_for --timeout 20 -- lab_ping a fd00:100::3 ||
  lab_fail "a (IPv6 only) cannot ping b at fd00:100::3 within 20 s; logs in $LAB_DIR"
echo "ok 1 - a pings b's IPv6 address across two NATs (first reply after ${LAB_WAITED_MS} ms)"
lab_wait_for --timeout 10 -- lab_ping b fd00:100::2 || lab_fail "b cannot ping a at fd00:100::2"
echo "ok 2 - b pings a at fd00:100::2"

# ---- 2. TCP over the IPv6 overlay, both ways ---------------------------------------------
head -c 4194304 /dev/urandom >"$LAB_DIR/payload"
lab_tcp_transfer a b fd00:100::3 "$LAB_DIR/payload" 5001
lab_tcp_transfer b a fd00:100::2 "$LAB_DIR/payload" 5002
echo "ok 3 - TCP over the IPv6 overlay both ways, checksums equal"

# ---- 3. Several addresses per host ---------------------------------------------------------
for ip in 10.99.0.3 192.168.100.3 fd00:100::3; do
  lab_wait_for --timeout 10 -- lab_ping lh "$ip" || lab_fail "the lighthouse cannot ping b at $ip"
done
for ip in 10.99.0.1 192.168.100.1 fd00:100::1; do
  lab_wait_for --timeout 10 -- lab_ping b "$ip" || lab_fail "b cannot ping the lighthouse at $ip"
done
echo "ok 4 - b is reached at 10.99.0.3, 192.168.100.3 and fd00:100::3; the lighthouse at its three"

# ---- 4. One tunnel per peer ----------------------------------------------------------------
tunnels=$(lab_status b | jq -r '.tunnels[].vpnIp' | sort | tr '\n' ' ') ||
  lab_fail "flatnet status on b failed"
[ "$tunnels" = "10.99.0.1 fd00:100::2 " ] ||
  lab_fail "b should hold one tunnel to the lighthouse (10.99.0.1) and one to a (fd00:100::2); flatnet status lists: $tunnels"
echo "ok 5 - b holds one tunnel per peer (lighthouse 10.99.0.1, a fd00:100::2)"
echo "IPv6 overlay lab PASSED ($(( ($(lab_now_ms) - started) / 1000 )) s)"
