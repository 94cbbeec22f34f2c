# shellcheck shell=bash
# relayed_mesh.sh — the NATed mesh with one relayed pair that the status and dashboard labs
# share (sourced after netlab.sh and flatnet_status.sh).
#
#   internet 203.0.113.0/24: r (lighthouse and relay) and c (a public member)
#   a and b behind symmetric NATs: a <-> b can only go through r; a <-> c is direct
#
#   relayed_mesh_hosts     the namespaces (a test may add hosts on segment `internet`)
#   relayed_mesh_pki       the CA and certificates in 192.168.100.0/24: r .1, a .2,
#                          b .3 (groups laptops,ops), c .4
#   relayed_mesh_configs   the configs: r lighthouse and relay; a and b punch and use relay
#                          r; c only knows the lighthouse (public, it never punches:
#                          punchy.respond would race a's direct handshake with one of its
#                          own, which a's symmetric NAT would push through the relay)
#   relayed_mesh_start     flatnet on r, a, b and c
#   relayed_mesh_connect   waits (bounded) until b -> a runs through r (b pings a: ICMP
#                          from b is allowed at a) and a -> c is direct (a sends c a UDP
#                          datagram, so c's firewall may drop ICMP), failing the test if not
# A test edits the configs between relayed_mesh_configs and relayed_mesh_start.

relayed_mesh_hosts() {
  lab_segment internet
  lab_host r --on internet
  lab_host c --on internet
  lab_host_behind a --upstream internet --nat symmetric
  lab_host_behind b --upstream internet --nat symmetric
}

relayed_mesh_pki() {
  lab_ca
  lab_cert r 192.168.100.1/24
  lab_cert a 192.168.100.2/24
  lab_cert b 192.168.100.3/24 --groups laptops,ops
  lab_cert c 192.168.100.4/24
}

relayed_mesh_configs() {
  lab_config r --am-lighthouse --am-relay
  lab_config a --lighthouse r --punchy --relay r
  lab_config b --lighthouse r --punchy --relay r
  lab_config c --lighthouse r
}

relayed_mesh_start() {
  local host
  for host in r a b c; do lab_start_daemon "$host" flatnet; done
}

relayed_mesh_connect() {
  local r_ip a_ip c_ip
  r_ip=$(lab_overlay r) a_ip=$(lab_overlay a) c_ip=$(lab_overlay c)
  lab_wait_for --timeout 10 -- lab_ping b "$r_ip" || lab_fail "b cannot reach the relay r"
  lab_wait_for --timeout 10 -- lab_ping a "$r_ip" || lab_fail "a cannot reach the relay r"
  lab_wait_for --timeout 20 -- lab_ping b "$a_ip" 2 || lab_fail "b cannot ping a through the relay"
  lab_wait_for --timeout 10 -- relayed_mesh__udp_to "$c_ip" ||
    lab_fail "a has no tunnel to c after sending it UDP"
  [ "$(lab_tunnel_field a "$(lab_overlay b)" path)" = relay ] ||
    lab_fail "a's tunnel to b is not relayed: $(lab_status a | jq -c .tunnels)"
  [ "$(lab_tunnel_field a "$c_ip" path)" = direct ] ||
    lab_fail "a's tunnel to c is not direct: $(lab_status a | jq -c .tunnels)"
}

# One UDP datagram from a to ADDR; true once a holds a tunnel to it.
relayed_mesh__udp_to() {
  lab_exec a bash -c "echo hello >/dev/udp/$1/9" || true
  [ -n "$(lab_tunnel_field a "$1" vpnIp)" ]
}
