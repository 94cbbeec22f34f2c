#!/usr/bin/env bash
# firewall.inbound_action / outbound_action: reject versus drop, as a client sees it
# (Nebula 1.11.1 semantics: inbound refusals are answered back through the tunnel, outbound
# ones into the refusing host's own TUN device; TCP gets a RST, anything else ICMP
# destination unreachable code 13, "administratively prohibited").
#
# The refusing host R runs flatnet, then stock nebula 1.11.1 with the same config, so the
# two are seen to behave alike; the client C runs flatnet. Both hold dual-stack version-2
# certificates (C 192.168.100.2 and fd00:100::2, R 192.168.100.3 and fd00:100::3), and every
# check runs once over each family's overlay address. R's inbound rules admit ICMP and TCP
# 7000 only, its outbound rules ICMP only; dual-stack listeners on R's TCP 8000 and UDP 9000
# prove an answer came from the firewall and not R's kernel (which would accept the
# connection).
# Checks, with reject:
#   C -> R tcp/8000 is refused at once (RST); C -> R udp/9000 gets the error the kernel
#   reports for "administratively prohibited": EHOSTUNREACH for ICMP 3/13 over IPv4, EACCES
#   for ICMPv6 1/1 over IPv6 (Linux's icmpv6_err_convert); C -> R tcp/7000 still connects;
#   R -> C tcp/8001 (R's outbound refusal) is refused.
# With drop: the same connections time out and the UDP probe hears nothing.
# Also, with flatnet as R: the reject counters count what was answered, and
# tunnels.drop_inactive closes C's idle tunnel after inactivity_timeout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/netlab.sh"
source "$here/lib/flatnet_status.sh"
source "$here/scenarios/ipv6_lib.sh"  # dual-stack version-2 certificates
reference=nebula-1.11.1
lab_require flatnet "$reference"

# firewall_section INBOUND_ACTION OUTBOUND_ACTION: R's firewall.
firewall_section() {
  cat <<EOF
firewall:
  inbound_action: $1
  outbound_action: $2
  outbound:
    - port: any
      proto: icmp
      host: any
  inbound:
    - proto: icmp
      host: any
    - port: 7000
      proto: tcp
      host: any
EOF
}

# with_firewall FILE INBOUND OUTBOUND: replace lab_config's firewall section in FILE.
with_firewall() {
  local file=$1 tmp
  tmp=$(mktemp "$LAB_DIR/fw.XXXXXX")
  awk '/^firewall:/ {skip=1; next} /^control:/ {skip=0} !skip' "$file" >"$tmp"
  firewall_section "$2" "$3" >>"$tmp"
  mv "$tmp" "$file"
}

# tcp_try NODE ADDR PORT: prints "connected", "refused" or "timeout", and the time taken
# in ms. Bash's /dev/tcp, bounded by `timeout`.
tcp_try() {
  local start end rc=0 out
  start=$(lab_now_ms)
  out=$(lab_exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1) || rc=$?
  end=$(lab_now_ms)
  case $rc in
    0) echo "connected $((end - start))" ;;
    124) echo "timeout $((end - start))" ;;
    *) if [[ $out == *"refused"* ]]; then echo "refused $((end - start))"; else echo "error($out) $((end - start))"; fi ;;
  esac
}

# udp_try NODE ADDR PORT: sends one datagram on a connected socket (of ADDR's family) and
# waits 2 s for an answer or an ICMP error; prints "silent" or the errno name.
udp_try() {
  lab_exec "$1" python3 -c '
import errno, socket, sys
family, kind, proto, _, addr = socket.getaddrinfo(sys.argv[1], int(sys.argv[2]), type=socket.SOCK_DGRAM)[0]
s = socket.socket(family, kind, proto)
s.settimeout(2)
s.connect(addr)
s.send(b"probe")
try:
    s.recv(100)
    print("answered")
except socket.timeout:
    print("silent")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
' "$2" "$3"
}

lab_init reject
lab_segment wire 198.51.100.0/24
lab_host c --on wire
lab_host r --on wire
ipv6_enable c r
ipv6_pki c=192.168.100.2/24,fd00:100::2/64 r=192.168.100.3/24,fd00:100::3/64
C=$(lab_overlay c) R=$(lab_overlay r)
C6=$(ipv6_addr c 6) R6=$(ipv6_addr r 6)
lab_config c --static r
lab_start_daemon c flatnet
# Services on both hosts: R's 7000 (allowed), 8000 and 9000 (refused by R's firewall), and
# C's 8001, which R's outbound rules refuse.
listen_py='import socket, sys, time
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET6, kind)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # IPv4 and IPv6 alike
s.bind(("::", int(sys.argv[2])))
if kind == socket.SOCK_STREAM: s.listen(16)
time.sleep(300)'
lab_spawn r r-tcp7000 python3 -c "$listen_py" tcp 7000
lab_spawn r r-tcp8000 python3 -c "$listen_py" tcp 8000
lab_spawn r r-udp9000 python3 -c "$listen_py" udp 9000
lab_spawn c c-tcp8001 python3 -c "$listen_py" tcp 8001
listening() { lab_exec "$1" ss -Hln "sport = :$2" | grep -q .; }
for spec in r:7000 r:8000 r:9000 c:8001; do
  lab_wait_for --timeout 10 -- listening "${spec%%:*}" "${spec#*:}" ||
    lab_fail "the test service on $spec did not start"
done

for impl in flatnet "$reference"; do
  for action in reject drop; do
    LAB_CONTEXT="$impl as R, $action"
    lab_config r --static c
    with_firewall "$LAB_DIR/r.yml" "$action" "$action"
    lab_start_daemon r "$impl"
    lab_wait_for --timeout 10 -- lab_ping c "$R" || lab_fail "no tunnel c -> r ($LAB_CONTEXT)"

    lab_wait_for --timeout 10 -- lab_ping c "$R6" || lab_fail "c cannot ping r at $R6 ($LAB_CONTEXT)"
    for family in 4 6; do
      if [ "$family" = 4 ]; then r_addr=$R c_addr=$C refused_udp=EHOSTUNREACH; else r_addr=$R6 c_addr=$C6 refused_udp=EACCES; fi
      LAB_CONTEXT="$impl as R, $action, IPv$family"
      read -r result ms < <(tcp_try c "$r_addr" 7000)
      [ "$result" = connected ] || lab_fail "tcp/7000 at $r_addr is allowed but gave $result ($LAB_CONTEXT)"
      read -r result ms < <(tcp_try c "$r_addr" 8000)
      udp=$(udp_try c "$r_addr" 9000)
      # R's outbound refusal: R connecting to C. The tunnel exists, so the first SYN meets
      # R's outbound firewall at once (a packet queued for a handshake is dropped, as nebula).
      read -r out_result out_ms < <(tcp_try r "$c_addr" 8001)
      if [ "$action" = reject ]; then
        [ "$result" = refused ] && [ "$ms" -lt 1000 ] ||
          lab_fail "c -> r tcp/8000 at $r_addr: $result after $ms ms, expected refused at once ($LAB_CONTEXT)"
        [ "$udp" = "$refused_udp" ] ||
          lab_fail "c -> r udp/9000 at $r_addr: $udp, expected $refused_udp (administratively prohibited) ($LAB_CONTEXT)"
        [ "$out_result" = refused ] && [ "$out_ms" -lt 1000 ] ||
          lab_fail "r -> c tcp/8001 at $c_addr (outbound refusal): $out_result after $out_ms ms, expected refused ($LAB_CONTEXT)"
      else
        [ "$result" = timeout ] || lab_fail "c -> r tcp/8000 at $r_addr: $result, expected a timeout ($LAB_CONTEXT)"
        [ "$udp" = silent ] || lab_fail "c -> r udp/9000 at $r_addr: $udp, expected silence ($LAB_CONTEXT)"
        [ "$out_result" = timeout ] || lab_fail "r -> c tcp/8001 at $c_addr: $out_result, expected a timeout ($LAB_CONTEXT)"
      fi
      echo "ok - $impl as R, $action, IPv$family ($r_addr): tcp $result (${ms} ms), udp $udp, outbound tcp $out_result (${out_ms} ms)"
    done
    if [ "$impl" = flatnet ] && [ "$action" = reject ]; then
      rx=$(lab_counter r rx_rejected) tx=$(lab_counter r tx_rejected)
      [ "$rx" -ge 4 ] && [ "$tx" -ge 2 ] || lab_fail "flatnet's reject counters: rx_rejected=$rx tx_rejected=$tx"
      echo "ok - flatnet counted its rejects (rx_rejected=$rx, tx_rejected=$tx)"
    fi
    lab_stop_daemon r
  done
done
LAB_CONTEXT=""

# tunnels.drop_inactive on C (flatnet): once C and R fall quiet the tunnel closes after 4 s.
lab_stop_daemon c
lab_config c --static r --extra "tunnels:
  drop_inactive: true
  inactivity_timeout: 4s"
lab_start_daemon c flatnet
lab_config r --static c
lab_start_daemon r flatnet
lab_wait_for --timeout 10 -- lab_ping c "$R" || lab_fail "no tunnel c -> r for the inactivity check"
[ "$(lab_tunnel_count c)" -ge 1 ] || lab_fail "c reports no tunnel right after a ping"
count=-1
for ((i = 0; i < 30; i++)); do
  count=$(lab_tunnel_count c)
  [ "$count" = 0 ] && break
  sleep 0.5
done
[ "$count" = 0 ] || lab_fail "c still has $count tunnel(s) 15 s after the last packet (inactivity_timeout 4s)"
grep -q "Dropping tunnel due to inactivity" "$(lab_log_of c)" ||
  lab_fail "c's log does not say it dropped the tunnel for inactivity"
lab_ping c "$R" 2 || lab_wait_for --timeout 10 -- lab_ping c "$R" ||
  lab_fail "c cannot reach r again after the inactive tunnel was dropped"
echo "ok - tunnels.drop_inactive closed the idle tunnel and traffic brought it back"
echo "firewall_reject_test PASSED"
