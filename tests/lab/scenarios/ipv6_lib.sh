# shellcheck shell=bash
# ipv6_lib.sh — what the IPv6 overlay labs (scenarios/ipv6_*.sh) and bench/ipv6_throughput.sh
# share. netlab.sh makes one IPv4 network per certificate (lab_cert) and switches IPv6 off in
# every namespace, and lab-tcp-xfer speaks IPv4 only; an overlay with IPv6 or several networks
# per host needs the three things below. Source it after netlab.sh.
#
#   ipv6_impl_ok IMPL                true for flatnet and nebula 1.10 or later (v2 certificates)
#   ipv6_enable NODE...              IPv6 on inside NODE's namespace (all interfaces and those
#                                    created later, i.e. the daemon's tun), without duplicate
#                                    address detection, so an overlay address is usable at once
#   ipv6_pki HOST=NET[,NET...]...    the CA "ca" and one certificate per host, version 2, made
#                                    by nebula-cert 1.11.1 (or LAB_CERT_TOOL), holding exactly
#                                    those networks (IPv4 and/or IPv6). lab_overlay HOST is then
#                                    the certificate's first network's address (what lab_config
#                                    writes into static_host_map, lighthouse.hosts, relays)
#   ipv6_addrs HOST                  HOST's overlay addresses, in its certificate's order
#   ipv6_nets HOST                   the same as ADDR/BITS
#   ipv6_addr HOST 4|6 [N]           HOST's N-th (default 1) IPv4 or IPv6 overlay address;
#                                    fails the test if there is none
#   ipv6_transfer FROM TO ADDR FILE [PORT]
#                                    FROM sends FILE over one TCP connection to ADDR (one of
#                                    TO's addresses); TO hashes what arrives. Fails the test
#                                    unless both sha256 match. Prints one "ok" line with the
#                                    rate the sender saw. lab-tcp-xfer for an IPv4 ADDR, the
#                                    python3 copy below (same contract) for an IPv6 one.
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
  local spec host nets tool nets_json
  lab_ca
  tool=$(lab__cert_tool)
  for spec in "$@"; do
    [[ $spec == *=* ]] || lab_fail "ipv6_pki: '$spec' is not HOST=NET[,NET...]"
    host=${spec%%=*} nets=${spec#*=}
    rm -f "$LAB_DIR/pki/$host.crt" "$LAB_DIR/pki/$host.key"
    "$tool" sign -version 2 -name "$host" -networks "$nets" \
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

# The IPv6 transfer tool: lab-tcp-xfer's contract (recv PORT LIMIT copies one connection to
# stdout; send ADDR PORT LIMIT copies stdin to ADDR; both report "<verb> N bytes in T s
# (R Mbit/s)" on stderr, exit 1 on failure or at the time limit), for any address family.
IPV6_XFER_PY='
import socket, sys, time
def fail(msg):
    sys.stderr.write("ipv6-xfer: %s\n" % msg); sys.exit(1)
def report(verb, n, start):
    s = max(time.monotonic() - start, 1e-9)
    sys.stderr.write("%s %d bytes in %.2f s (%.1f Mbit/s)\n" % (verb, n, s, n * 8 / s / 1e6))
mode, limit = sys.argv[1], float(sys.argv[-1])
deadline = time.monotonic() + limit
def left():
    r = deadline - time.monotonic()
    if r <= 0: fail("time limit of %.0f s reached" % limit)
    return r
if mode == "recv":
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", int(sys.argv[2]))); ls.listen(1); ls.settimeout(left())
    try: c, peer = ls.accept()
    except socket.timeout: fail("no connection within %.0f s" % limit)
    ls.close(); out = sys.stdout.buffer; n = 0; start = time.monotonic()
    while True:
        c.settimeout(left())
        try: b = c.recv(1 << 18)
        except OSError as e: fail("receiving from %s failed after %d bytes: %s" % (peer[0], n, e))
        if not b: break
        out.write(b); n += len(b)
    out.flush(); report("received", n, start)
else:
    addr, port = sys.argv[2], int(sys.argv[3]); c = None; err = "no attempt"
    for attempt in range(100):
        try: c = socket.create_connection((addr, port), timeout=min(left(), 2)); break
        except OSError as e: err = str(e); time.sleep(0.2)
    if c is None: fail("cannot connect to [%s]:%d: %s" % (addr, port, err))
    inp = sys.stdin.buffer; n = 0; start = time.monotonic()
    while True:
        b = inp.read(1 << 18)
        if not b: break
        c.settimeout(left())
        try: c.sendall(b)
        except OSError as e: fail("sending to [%s]:%d failed after %d bytes: %s" % (addr, port, n, e))
        n += len(b)
    c.shutdown(socket.SHUT_WR)
    c.settimeout(left())
    try: c.recv(1)  # the receiver closes once it has read everything
    except OSError: pass
    c.close(); report("sent", n, start)
'

ipv6_transfer() {
  local from=$1 to=$2 addr=$3 file=$4 port=${5:-5001} label sent_sum received limit=120
  label="xfer-$from-to-$to-$port-$(lab_now_ms)"
  sent_sum=$(sha256sum <"$file" | cut -d' ' -f1)
  local recv send
  if [[ $addr == *:* ]]; then
    command -v python3 >/dev/null || lab_fail "python3 is not installed (the IPv6 transfer needs it)"
    recv="python3 -c \"\$IPV6_XFER_PY\" recv $port $limit"
    send=(python3 -c "$IPV6_XFER_PY" send "$addr" "$port" "$limit")
  else
    recv="'$(lab_tool lab-tcp-xfer)' recv --port $port --time-limit $limit"
    send=("$(lab_tool lab-tcp-xfer)" send --to "$addr:$port" --time-limit "$limit")
  fi
  lab_spawn "$to" "$label-recv" env IPV6_XFER_PY="$IPV6_XFER_PY" bash -c \
    "set -o pipefail; $recv | sha256sum >'$LAB_DIR/$label.sha'; echo \$? >'$LAB_DIR/$label.rc'"
  if ! lab_exec "$from" "${send[@]}" <"$file" 2>"$LAB_DIR/$label.send"; then
    cat "$LAB_DIR/$label.send" "$LAB_DIR/$label-recv.out" >&2 || true
    lab_fail "TCP transfer $from -> $to ($addr) failed"
  fi
  lab_wait_for --timeout 10 -- test -s "$LAB_DIR/$label.rc" ||
    lab_fail "receiver on $to ($addr) did not finish after the sender closed"
  [ "$(cat "$LAB_DIR/$label.rc")" = 0 ] || {
    cat "$LAB_DIR/$label-recv.out" >&2
    lab_fail "receiver on $to ($addr) failed"
  }
  received=$(cut -d' ' -f1 <"$LAB_DIR/$label.sha")
  [ "$received" = "$sent_sum" ] ||
    lab_fail "$from -> $to ($addr): sha256 differs (sent $sent_sum, received $received)"
  echo "ok - $(($(stat -c %s "$file") / 1048576)) MB $from -> $to at $addr, sha256 match; $(sed 's/^lab-tcp-xfer: //' "$LAB_DIR/$label.send")"
}
