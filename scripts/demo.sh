#!/usr/bin/env bash
# The demo: a lighthouse and a web service inside Docker, inside WSL2, on a Windows PC in an
# office (three nested NATs), reached over flatnet by a member on the office LAN and by one
# working from home; two LAN members talk directly. Everything runs in network namespaces
# on this machine and is removed at the end, whatever happens.
#
#   sudo scripts/demo.sh                      flatnet everywhere (default)
#   sudo DEMO_IMPL=nebula scripts/demo.sh     the same with stock nebula 1.6.1
#
# Environment:
#   DEMO_IMPL        flatnet (default) or nebula: what every host runs
#   DEMO_FORWARDER   auto (default: `flatnet forward udp` when it exists, else iptables
#                    DNAT), flatnet or dnat: how the Windows PC forwards UDP 4242 into WSL2
#   DEMO_SKIP_SETUP  1 to skip scripts/setup.sh (packages installed, build/ up to date)
#   FLATNET_BIN      where flatnet and flatnet-cert are (default: build/src/app)
#
# Needs root on Debian 12 (scripts/setup.sh installs the packages and builds). Exits 0 only
# when every step worked; otherwise it says which step failed and keeps the logs.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
impl=${DEMO_IMPL:-flatnet}
forwarder=${DEMO_FORWARDER:-auto}
case $impl in nebula | flatnet) ;; *) echo "demo: DEMO_IMPL='$impl' is not flatnet or nebula" >&2; exit 2 ;; esac
case $forwarder in auto | flatnet | dnat) ;; *) echo "demo: DEMO_FORWARDER='$forwarder' is not auto, flatnet or dnat" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "demo: run it as root (sudo scripts/demo.sh): it builds network namespaces" >&2; exit 1; }

bold="" plain=""
if [ -t 1 ]; then
  bold=$(tput bold 2>/dev/null || true)
  plain=$(tput sgr0 2>/dev/null || true)
fi
step_number=0
step() {
  step_number=$((step_number + 1))
  printf '\n%s== %d. %s%s\n' "$bold" "$step_number" "$*" "$plain"
}
say() { printf '   %s\n' "$*"; }
# show NODE CMD...: prints the command as typed on NODE, runs it there, prints its output
# indented (without blank lines) and returns its status.
show() {
  local node=$1 out rc=0
  shift
  printf '   %s%s$ %s%s\n' "$bold" "$node" "$*" "$plain"
  out=$(lab_exec "$node" "$@" 2>&1) || rc=$?
  [ -z "$out" ] || printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | sed 's/^/     /'
  return "$rc"
}

started=$(date +%s)
if [ "${DEMO_SKIP_SETUP:-0}" != 1 ]; then
  step "Installing packages and building flatnet (scripts/setup.sh)"
  bash "$repo/scripts/setup.sh"
fi
export FLATNET_SRC=$repo
export FLATNET_BIN=${FLATNET_BIN:-$repo/build/src/app}
# shellcheck source=../tests/lab/lib/netlab.sh
source "$repo/tests/lab/lib/netlab.sh"
# shellcheck source=../tests/lab/scenarios/nat_lib.sh
source "$repo/tests/lab/scenarios/nat_lib.sh"
if [ "$impl" = flatnet ]; then
  export LAB_CERT_TOOL=flatnet
  [ -x "$FLATNET_BIN/flatnet" ] || { echo "demo: $FLATNET_BIN/flatnet not found (run without DEMO_SKIP_SETUP, or set FLATNET_BIN)" >&2; exit 1; }
fi
lab_tool lab-http-serve >/dev/null
if [ "$forwarder" = auto ]; then
  forwarder=dnat
  if nat_have_forwarder; then forwarder=flatnet; fi
fi
lab_init demo

# ---- 1. The network -------------------------------------------------------------------
step "Building the network: an office, a Windows PC, WSL2, Docker, and someone at home"
nat_wsl2_build
nat_wsl2_forward "$forwarder"
cert_tool=$([ "$impl" = flatnet ] && echo flatnet-cert || echo nebula-cert)
if [ "$forwarder" = flatnet ]; then
  windows_forward="flatnet forward udp 0.0.0.0:4242 $(lab_ip wsl2 wsl-net):4242"
else
  windows_forward="a DNAT rule (flatnet forward not built)"
fi
cat <<EOF
   internet $(lab_ip office | cut -d. -f1-3).0/24 (documentation addresses; nothing leaves this machine)
    |-- home router $(lab_ip home1-nat1) (NAT) -- home1 $(lab_ip home1): a member working from home
    '-- office router $(lab_ip office) (NAT; forwards UDP 4242 to the Windows PC)
         |-- office LAN: lan1 $(lab_ip lan1), lan2 $(lab_ip lan2): members at their desks
         '-- Windows PC $(lab_ip windows office-lan) (NAT for WSL2; forwards UDP 4242 with
              |                   $windows_forward)
              '-- WSL2 VM $(lab_ip wsl2 wsl-net) (Docker's NAT; docker run -p 4242:4242/udp)
                   '-- container $(lab_ip lh): the lighthouse, overlay $(lab_overlay lh),
                       and a web service on port $NAT_SERVICE_PORT
EOF
say "Certificates: one CA and one certificate per host, made with $cert_tool ca / sign:"
say "  lh $(lab_overlay lh), lan1 $(lab_overlay lan1), lan2 $(lab_overlay lan2), home1 $(lab_overlay home1)"
say "Config: the LAN members find the lighthouse at the Windows PC, $(lab_ip windows office-lan):4242;"
say "home1 finds it at the office's public address, $(lab_ip office):4242 (static_host_map)."

# ---- 2. Start everything --------------------------------------------------------------
step "Starting $impl on every host, and the web service in the container"
nat_start_service lh "the web service in Docker in WSL2 on the Windows PC"
nat_wsl2_start "$impl" "$impl"
say "lh, lan1, lan2 and home1 run '$impl -config HOST.yml' (configs and logs in $LAB_DIR)"

# ---- 3. The service across three NATs -------------------------------------------------
url="http://$(lab_overlay lh):$NAT_SERVICE_PORT/"
fetch() {
  local member=$1 where=$2
  say "$member ($where) fetches the service at the lighthouse's overlay address:"
  lab_wait_for --timeout 20 -- nat_fetch "$member" "$url" ||
    lab_fail "$member could not fetch $url within 20 s (logs in $LAB_DIR)"
  show "$member" curl -sS --max-time 3 "$url" || lab_fail "$member: curl $url failed"
}
step "A member on the office LAN and one at home fetch the web service"
fetch lan1 "office LAN"
fetch home1 "at home, behind its own router, on the internet"
say "Both requests crossed Docker's NAT, the Windows PC's NAT and the office router,"
say "and the service saw each member's overlay address."

# ---- 4. Direct between LAN members ----------------------------------------------------
step "Two LAN members talk directly, not through the lighthouse"
lab_wait_for --timeout 20 -- lab_ping lan1 "$(lab_overlay lan2)" ||
  lab_fail "lan1 cannot reach lan2 within 20 s"
show lan1 ping -c 3 -i 0.2 -W 1 "$(lab_overlay lan2)" || lab_fail "lan1 cannot ping lan2"
if [ "$impl" = flatnet ]; then
  for pair in "lan1 lan2" "lan2 lan1"; do
    read -r me peer <<<"$pair"
    printf '   %s%s$ flatnet status%s\n' "$bold" "$me" "$plain"
    "$FLATNET_BIN/flatnet" status -socket "$LAB_DIR/$me.sock" | sed 's/^/     /' ||
      lab_fail "flatnet status failed on $me"
    remote=$(nat_tunnel_remote "$me" "$peer")
    [ "${remote%:*}" = "$(lab_ip "$peer")" ] ||
      lab_fail "$me's tunnel to $peer goes via '$remote', not $peer's LAN address $(lab_ip "$peer")"
  done
  say "Each tunnel's remote is the peer's own LAN address: the packets go desk to desk."
else
  say "nebula has no status command; the datagrams' source addresses tell instead:"
  nat_expect_direct lan1 lan2 "$(lab_ip lan2)"
  nat_expect_direct lan2 lan1 "$(lab_ip lan1)"
fi
say "Now the lighthouse stops. A direct tunnel does not care:"
lab_stop_daemon lh
show lan1 ping -c 5 -i 0.2 -W 1 "$(lab_overlay lan2)" ||
  lab_fail "lan1 lost lan2 once the lighthouse stopped"

# ---- 5. Done ----------------------------------------------------------------------------
step "Cleaning up"
lab_teardown 0
[ -z "$(lab_leftovers)" ] || lab_fail "namespaces left after cleanup: $(lab_leftovers)"
say "Every namespace, daemon and temporary file of the demo is gone."
printf '\n%sDemo passed%s (%s everywhere, Windows forward: %s) in %d s.\n' "$bold" "$plain" \
  "$impl" "$forwarder" $(($(date +%s) - started))
