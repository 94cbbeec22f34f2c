# shellcheck shell=bash
# nat_lib.sh — what the NAT scenarios (nat_*.sh), scripts/demo.sh and bench/punch_latency.sh
# share: choosing implementations, telling a direct tunnel from one through the lighthouse,
# the checks the NAT and relay scenarios of both overlay families (nat_direct.sh and
# ipv6_nat.sh, relay.sh and ipv6_relay.sh) have in common, the lab's web service, and the
# issue's WSL2 topology. Source it after netlab.sh.
#
#   nat_impl_list OPTION VALUE       "nebula-1.10.3,flatnet" -> "nebula-1.10.3 flatnet"; exits 2
#                                    on a name lab_impl_ok refuses
#   nat_impl_at LIST I               the I-th (0-based) name of LIST, cycling
#   nat_count_udp_from NODE ADDR     from now on, count UDP datagrams from ADDR reaching NODE
#   nat_udp_from NODE ADDR           that count
#   nat_tunnel_remote HOST PEER      flatnet only: the underlay address of HOST's tunnel to PEER
#   nat_expect_direct A B B_ADDR     fails unless B's replies reach A straight from B_ADDR (B's
#                                    router's public address, or B's own on a shared LAN)
#   nat_pings A B COUNT              fails unless all COUNT pings A -> B (overlay) come back
#   nat_expect_meet A B              A pings B's overlay address within 20 s (the lighthouse
#                                    tells A where B is; both punch), then B pings A within
#                                    10 s; prints "ok 1" and "ok 2", fails the test otherwise
#   nat_expect_without_lighthouse LH A B
#                                    stops LH's daemon; 25 pings A -> B and 5 B -> A must all
#                                    come back (a tunnel through the lighthouse would not)
#   nat_expect_relay_blind RELAY A PEER_ADDR
#                                    while A pings PEER_ADDR 10 times with a known 16-byte
#                                    pattern, a capture on RELAY holds >= 20 datagrams and
#                                    never the pattern; a flatnet RELAY's relay_forwarded grew
#                                    by >= 20. Prints an "ok" line for each
#   nat_fetch NODE URL               one bounded HTTP GET (curl), body on stdout
#   nat_have_forwarder               true when `flatnet forward` exists in $FLATNET_BIN
#   nat_wsl2_build / nat_wsl2_forward dnat|flatnet / nat_wsl2_start LH_IMPL MEMBER_IMPLS
#                                    the topology of the issue (see below)
#
# A direct tunnel is proved two ways. For every implementation: UDP datagrams from the
# peer's public (NAT) address reach the member while it pings the peer, counted by an
# iptables rule in the member's namespace; and (in the scenarios) traffic keeps flowing
# once the lighthouse is stopped. For a flatnet member, also: `flatnet status` shows the
# tunnel's remote at the peer's public address. Nebula 1.6.1 has no status socket, so the
# counters are the evidence for it.

NAT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/flatnet_status.sh
source "$NAT_LIB_DIR/../lib/flatnet_status.sh"

readonly NAT_OVERLAY_NET=192.168.100
readonly NAT_SERVICE_PORT=3000

nat_impl_list() {
  local option=$1 value=$2 impl out=()
  local me
  me=$(basename "$0")
  [ -n "$value" ] || { echo "$me: $option is required ($(lab_impl_names))" >&2; exit 2; }
  for impl in ${value//,/ }; do
    lab_impl_ok "$impl" || { echo "$me: $option: '$impl' is not one of $(lab_impl_names)" >&2; exit 2; }
    out+=("$impl")
  done
  echo "${out[*]}"
}

nat_impl_at() {
  local list
  read -r -a list <<<"$1"
  echo "${list[$(($2 % ${#list[@]}))]}"
}

# ---- Evidence ----------------------------------------------------------------------------

# The counting rule has no target: it only counts, whatever the later rules decide.
nat_count_udp_from() {
  local node=$1 addr=$2
  lab_exec "$node" iptables -C INPUT -p udp -s "$addr" -m comment --comment "natlab-from-$addr" \
    2>/dev/null && return 0
  lab_exec "$node" iptables -I INPUT -p udp -s "$addr" -m comment --comment "natlab-from-$addr" ||
    lab_fail "cannot add a counting rule for $addr in '$node'"
}

nat_udp_from() {
  lab_exec "$1" iptables -nvxL INPUT |
    awk -v tag="/* natlab-from-$2 */" 'index($0, tag) { print $1; found = 1 } END { if (!found) print 0 }'
}

nat_tunnel_remote() {
  lab_tunnel_field "$1" "$(lab_overlay "$2")" remote 2>/dev/null || true
}

# nat_pings A B COUNT: COUNT pings, 0.2 s apart; every one must come back.
nat_pings() {
  local a=$1 b=$2 count=$3 out
  out=$(lab_exec "$a" ping -c "$count" -i 0.2 -W 1 -q "$(lab_overlay "$b")" 2>&1) || true
  [[ $out == *" $count received"* ]] || {
    echo "$out" | tail -n 2 >&2
    return 1
  }
}

nat_expect_direct() {
  local a=$1 b=$2 public=$3 before after remote
  nat_count_udp_from "$a" "$public"
  before=$(nat_udp_from "$a" "$public")
  nat_pings "$a" "$b" 5 || lab_fail "$a cannot ping $b ($(lab_overlay "$b")) 5 times in a row"
  after=$(nat_udp_from "$a" "$public")
  [ $((after - before)) -ge 5 ] ||
    lab_fail "$a's 5 replies from $b did not come from $b's address $public (only $((after - before)) datagrams from it): not a direct tunnel"
  echo "   evidence: $((after - before)) datagrams from $b's address $public reached $a during 5 pings"
  if [ "$(cat "$LAB_DIR/$a.impl")" = flatnet ]; then
    remote=$(nat_tunnel_remote "$a" "$b")
    [ "${remote%:*}" = "$public" ] ||
      lab_fail "flatnet status on $a: tunnel to $b has remote '$remote', expected $b's address $public"
    echo "   evidence: flatnet status on $a: tunnel to $(lab_overlay "$b") via $remote"
  fi
}

# ---- Checks the scenarios share ------------------------------------------------------

nat_expect_meet() {
  local a=$1 b=$2
  lab_wait_for --timeout 20 -- lab_ping "$a" "$(lab_overlay "$b")" ||
    lab_fail "$a ($(cat "$LAB_DIR/$a.impl")) cannot ping $b ($(cat "$LAB_DIR/$b.impl")) at $(lab_overlay "$b") within 20 s; logs in $LAB_DIR"
  echo "ok 1 - $a pings $b at $(lab_overlay "$b") across two NATs (first reply after ${LAB_WAITED_MS} ms)"
  lab_wait_for --timeout 10 -- lab_ping "$b" "$(lab_overlay "$a")" ||
    lab_fail "$b ($(cat "$LAB_DIR/$b.impl")) cannot ping $a at $(lab_overlay "$a") within 10 s"
  echo "ok 2 - $b pings $a at $(lab_overlay "$a")"
}

nat_expect_without_lighthouse() {
  local lh=$1 a=$2 b=$3
  lab_stop_daemon "$lh"
  nat_pings "$a" "$b" 25 || lab_fail "$a lost $b once the lighthouse stopped: the tunnel was not direct"
  nat_pings "$b" "$a" 5 || lab_fail "$b lost $a once the lighthouse stopped"
}

nat_expect_relay_blind() {
  local relay=$1 a=$2 peer_addr=$3 capture relayed forwarded forwarded_before=0 relay_impl
  local pattern_hex=666c61746e65742d7365637265742121 # "flatnet-secret!!"
  local pattern_text='flatnet-secret!!'
  command -v tcpdump >/dev/null || lab_fail "tcpdump is not installed (scripts/setup.sh installs it)"
  relay_impl=$(cat "$LAB_DIR/$relay.impl")
  capture="$LAB_DIR/relay.pcap"
  [ "$relay_impl" = flatnet ] && forwarded_before=$(lab_counter "$relay" relay_forwarded)
  lab_spawn "$relay" tcpdump tcpdump -U -n -i any -w "$capture" udp port 4242
  lab_wait_for --timeout 5 -- test -s "$capture" || sleep 1
  lab_exec "$a" ping -c 10 -i 0.1 -W 2 -p "$pattern_hex" -q "$peer_addr" >"$LAB_DIR/ping.out" 2>&1 ||
    lab_fail "pings with the pattern did not all come back: $(cat "$LAB_DIR/ping.out")"
  sleep 0.5
  lab_stop tcpdump
  # The pattern did travel: ping's own payload check passed.
  relayed=$(tcpdump -n -r "$capture" 2>/dev/null | grep -c "4242" || true)
  [ "$relayed" -ge 20 ] || lab_fail "the capture on the relay holds only $relayed datagrams; did traffic go through it?"
  if grep -a -q -F "$pattern_text" "$capture"; then
    lab_fail "the relay's capture contains the plaintext pattern '$pattern_text'"
  fi
  echo "ok - the relay carried $relayed datagrams during the pings, none holding the plaintext pattern"
  if [ "$relay_impl" = flatnet ]; then
    forwarded=$(($(lab_counter "$relay" relay_forwarded) - forwarded_before))
    [ "$forwarded" -ge 20 ] || lab_fail "the relay's relay_forwarded grew by $forwarded, expected >= 20 (10 pings each way)"
    echo "ok - the flatnet relay counted $forwarded relayed messages"
  fi
}

# ---- The web service ------------------------------------------------------------------

nat_start_service() {
  local node=$1 name=$2
  lab_spawn "$node" web-service "$(lab_tool lab-http-serve)" --port "$NAT_SERVICE_PORT" \
    --name "$name" --time-limit 900
}

nat_fetch() {
  lab_exec "$1" curl -sS --max-time 3 "$2"
}

# ---- The forwarder ------------------------------------------------------------------------

# `flatnet forward` exists once `flatnet forward -h` (or `forward udp -h`) succeeds.
nat_have_forwarder() {
  [ -x "$FLATNET_BIN/flatnet" ] || return 1
  "$FLATNET_BIN/flatnet" forward -h >/dev/null 2>&1 ||
    "$FLATNET_BIN/flatnet" forward udp -h >/dev/null 2>&1
}

# ---- The issue's topology: a lighthouse in Docker, in WSL2, on a Windows PC, in an office
#
#   internet 203.0.113.0/24 ......................... home1-nat1 (home router) -- home1
#      |
#   office   (router: NAT, forwards UDP 4242 to the Windows PC)
#      |  office-lan 192.168.1.0/24 ................. lan1, lan2 (members on the LAN)
#   windows  (the Windows PC: Hyper-V NAT for WSL2; forwards UDP 4242 to WSL2 by DNAT,
#      |      or by `flatnet forward udp` with --forwarder flatnet)
#      |  wsl-net 172.29.16.0/24
#   wsl2     (the WSL2 VM: Docker's bridge NAT; `docker run -p 4242:4242/udp` = DNAT)
#      |  docker-net 172.17.0.0/24
#   lh       (the container: lighthouse 192.168.100.1 and the web service on port 3000)
#
# lan1 and lan2 find the lighthouse at the Windows PC's LAN address, home1 at the office's
# public address; both are forwarded inwards three times.
readonly NAT_WSL2_LH_PORT=4242

nat_wsl2_build() {
  lab_segment internet
  lab_router office --upstream internet --downstream office-lan --nat masq --lan 192.168.1.0/24
  lab_router windows --upstream office-lan --downstream wsl-net --nat masq --lan 172.29.16.0/24
  lab_router wsl2 --upstream wsl-net --downstream docker-net --nat masq --lan 172.17.0.0/24
  lab_host lh --on docker-net
  lab_host lan1 --on office-lan
  lab_host lan2 --on office-lan
  lab_host_behind home1 --upstream internet --nat masq
  lab_forward office --proto udp --port "$NAT_WSL2_LH_PORT" --to windows
  lab_forward wsl2 --proto udp --port "$NAT_WSL2_LH_PORT" --to lh
  lab_pki lh="$NAT_OVERLAY_NET.1/24" lan1="$NAT_OVERLAY_NET.2/24" lan2="$NAT_OVERLAY_NET.3/24" \
    home1="$NAT_OVERLAY_NET.4/24"
  lab_config lh --am-lighthouse --port "$NAT_WSL2_LH_PORT"
  local windows_lan office_public
  windows_lan="$(lab_ip windows office-lan):$NAT_WSL2_LH_PORT"
  office_public="$(lab_ip office):$NAT_WSL2_LH_PORT"
  lab_config lan1 --lighthouse-at "lh=$windows_lan" --punchy
  lab_config lan2 --lighthouse-at "lh=$windows_lan" --punchy
  lab_config home1 --lighthouse-at "lh=$office_public" --punchy
}

# nat_wsl2_forward dnat|flatnet: the Windows PC's forward of UDP 4242 into WSL2.
nat_wsl2_forward() {
  local target
  target="$(lab_ip wsl2 wsl-net):$NAT_WSL2_LH_PORT"
  case $1 in
    dnat) lab_forward windows --proto udp --port "$NAT_WSL2_LH_PORT" --to wsl2 ;;
    flatnet)
      nat_have_forwarder || lab_fail "the Windows PC's forwarder '$FLATNET_BIN/flatnet forward' is not available (build flatnet)"
      # What `netsh advfirewall firewall add rule ... localport=4242` does on Windows.
      lab_exec windows iptables -I INPUT -p udp --dport "$NAT_WSL2_LH_PORT" -j ACCEPT
      lab_spawn windows forwarder "$FLATNET_BIN/flatnet" forward udp \
        "0.0.0.0:$NAT_WSL2_LH_PORT" "$target"
      # The forwarder is up when its socket is bound.
      lab_wait_for --timeout 5 -- nat_udp_bound windows "$NAT_WSL2_LH_PORT" || {
        cat "$LAB_DIR/forwarder.out" >&2 || true
        lab_fail "flatnet forward udp did not bind port $NAT_WSL2_LH_PORT on windows"
      }
      ;;
    *) lab_fail "forwarder '$1' is not dnat or flatnet" ;;
  esac
}

nat_udp_bound() {
  lab_exec "$1" ss -Hlun "sport = :$2" | grep -q .
}

# nat_wsl2_start LH_IMPL "IMPL..." : the lighthouse, then lan1, lan2, home1 (IMPLs cycle).
nat_wsl2_start() {
  local lh_impl=$1 members=$2 host i=0
  lab_start_daemon lh "$lh_impl"
  for host in lan1 lan2 home1; do
    lab_start_daemon "$host" "$(nat_impl_at "$members" "$i")"
    i=$((i + 1))
  done
}
