# shellcheck shell=bash
# wireguard.sh — a userspace WireGuard tunnel between two lab hosts, for bench/frontier.sh.
# Source it after tests/lab/lib/netlab.sh and bench/lib/anchors.sh.
#
#   wireguard_start HOST PEER IMPL [MTU]
#       starts IMPL (wireguard-go or boringtun, the binary anchor_bin names) on HOST as that
#       host's lab daemon (so lab_daemon_pid, lab_stop_daemon and bench_daemons_cpu_* see it),
#       on device lab_tun HOST, then configures it with `wg` and `ip`: HOST's overlay address
#       (lab_overlay HOST, /24), MTU (default 1300), UDP port 51820, one peer PEER reached at
#       lab_ip PEER:51820 with allowed-ips its overlay address. Keys are made once per host
#       in $LAB_DIR/wg. Fails the test (log tail shown) unless, within 10 s, the daemon runs,
#       its UAPI socket exists and the device is a TUN device: kernel WireGuard (link type
#       "wireguard") is never used, and the check makes sure `wg` talked to the daemon.
#   wireguard_describe HOST
#       one line: the device's link kind, MTU and the bytes `wg show` says came from the peer
#
# The UAPI socket, /var/run/wireguard/DEV.sock, is one directory for every namespace (ip
# netns exec does not remount /run), so the device names must differ between hosts: lab_tun
# gives each host its own. Teardown removes the sockets a killed daemon leaves behind.

WIREGUARD_PORT=51820
WIREGUARD_SOCKET_DIR=/var/run/wireguard

wireguard__keys() {
  local host=$1 dir=$LAB_DIR/wg
  [ -f "$dir/$host.key" ] && return 0
  mkdir -p "$dir"
  (umask 077 && wg genkey >"$dir/$host.key") || lab_fail "wg genkey for $host failed"
  wg pubkey <"$dir/$host.key" >"$dir/$host.pub" || lab_fail "wg pubkey for $host failed"
}

# The device is a TUN device made by the daemon (ip -d shows "tun type tun"), not a kernel
# WireGuard link, and its UAPI socket is there.
wireguard__userspace_up() {
  local host=$1 dev=$2
  [ -S "$WIREGUARD_SOCKET_DIR/$dev.sock" ] &&
    lab_exec "$host" ip -d -o link show dev "$dev" 2>/dev/null | grep -q ' tun type tun '
}

wireguard_start() {
  local host=$1 peer=$2 impl=$3 mtu=${4:-1300} bin dev log pid
  [ $# -ge 3 ] || lab_fail "usage: wireguard_start HOST PEER IMPL [MTU]"
  bin=$(anchor_bin "$impl") || lab_fail "wireguard_start: '$impl' is not an anchor"
  [ -x "$bin" ] || lab_fail "$impl not found at $bin (bench/setup_anchors.sh installs it)"
  command -v wg >/dev/null || lab_fail "wg not found (bench/setup_anchors.sh installs wireguard-tools)"
  dev=$(lab_tun "$host")
  log=$(lab_log_of "$host")
  wireguard__keys "$host"
  wireguard__keys "$peer"
  lab_on_teardown "rm -f '$WIREGUARD_SOCKET_DIR/$dev.sock'"
  echo "=== bench: starting $impl on $host at $(date +%T.%N) ===" >>"$log"
  case $impl in
    # -f: stay in the foreground, so the PID the lab records is the daemon's.
    wireguard-go) ip netns exec "$(lab_ns "$host")" env LOG_LEVEL=error "$bin" -f "$dev" >>"$log" 2>&1 & ;;
    # Its defaults otherwise (4 threads, multi-queue TUN); root stays root in the lab.
    boringtun) ip netns exec "$(lab_ns "$host")" "$bin" --foreground --disable-drop-privileges "$dev" >>"$log" 2>&1 & ;;
    *) lab_fail "wireguard_start: '$impl' is not wireguard-go or boringtun" ;;
  esac
  pid=$!
  disown "$pid"
  LAB_PID[daemon-$host]=$pid
  echo "$impl" >"$LAB_DIR/$host.impl"
  local i
  for ((i = 0; i < 100; i++)); do  # 10 s
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&"$LAB_STDERR"; lab_fail "$impl on '$host' exited at startup; log above"; }
    wireguard__userspace_up "$host" "$dev" && break
    sleep 0.1
  done
  wireguard__userspace_up "$host" "$dev" || {
    tail -n 20 "$log" >&"$LAB_STDERR"
    lab_fail "$impl on '$host': no userspace TUN device '$dev' with a UAPI socket within 10 s; log above"
  }
  lab_exec "$host" wg set "$dev" private-key "$LAB_DIR/wg/$host.key" listen-port "$WIREGUARD_PORT" \
    peer "$(cat "$LAB_DIR/wg/$peer.pub")" endpoint "$(lab_ip "$peer"):$WIREGUARD_PORT" \
    allowed-ips "$(lab_overlay "$peer")/32" >>"$log" 2>&1 ||
    { tail -n 20 "$log" >&"$LAB_STDERR"; lab_fail "$impl on '$host': wg set failed; log above"; }
  lab_exec "$host" ip addr add "$(lab_overlay "$host")/24" dev "$dev" || lab_fail "$impl on '$host': ip addr add failed"
  lab_exec "$host" ip link set dev "$dev" mtu "$mtu" up || lab_fail "$impl on '$host': cannot set MTU $mtu on $dev"
}

wireguard_describe() {
  local host=$1 dev kind
  dev=$(lab_tun "$host")
  kind=$(lab_exec "$host" ip -d -o link show dev "$dev" | grep -o -E ' (tun type tun|wireguard) ' | head -1 | sed 's/ $//')
  # Bytes received from the peer, not latest-handshakes: boringtun reports the handshake's
  # age there, not its time, so a fresh handshake reads as none.
  echo "$host: $dev is${kind:- of unknown kind}, mtu $(lab_exec "$host" cat "/sys/class/net/$dev/mtu"), $(lab_exec "$host" wg show "$dev" transfer | awk '{print $2 " bytes received from the peer"}')"
}
