# shellcheck shell=bash
# netlab.sh — network-namespace labs for flatnet and nebula. Source it from a test.
#
# A lab is a few namespaces on this machine standing in for hosts, routers and the
# internet. Nothing leaves them: "public" segments use documentation ranges
# (203.0.113.0/24 by default), LANs behind routers use 10.x inside the lab only.
#
#   source "$FLATNET_SRC/tests/lab/lib/netlab.sh"
#   lab_init mytest                          # per-test prefix, temp dir, teardown traps
#   lab_segment internet                     # a switch: 203.0.113.0/24
#   lab_host lh --on internet                # 203.0.113.2
#   lab_router home --upstream internet --downstream home-lan --nat masq
#   lab_host a --on home-lan                 # 10.1.0.2, default route via the router
#   lab_host_behind b --upstream internet --nat "masq symmetric"   # two NAT layers
#   lab_pki lh=192.168.100.1/24 a=192.168.100.2/24 b=192.168.100.3/24
#   lab_config lh --am-lighthouse
#   lab_config a --lighthouse lh --punchy    # writes $LAB_DIR/a.yml
#   lab_start_daemon lh nebula; lab_start_daemon a nebula; lab_start_daemon b flatnet
#   lab_wait_for --timeout 10 -- lab_exec a ping -c1 -W1 192.168.100.3
#
# Contract:
#  - Every namespace is "<prefix>-<name>" and every link "<prefix><letter><n>" (at most 15
#    characters), where the prefix is made of the test name and the shell's PID, so labs
#    run side by side.
#  - Teardown runs on EXIT, INT and TERM (and can be called again; it is idempotent): it
#    kills every process the lab started (daemons by recorded PID, then anything still
#    inside the lab's namespaces), deletes the namespaces and removes the temp dir unless
#    the test failed or LAB_KEEP=1. A lab killed with SIGKILL leaves a registry entry in
#    /run/flatnet-lab; the next lab_init sweeps the namespaces of labs whose shell is gone.
#    A test that needs its own cleanup registers it with lab_on_teardown, not with trap.
#  - After the daemons are stopped, teardown searches every log in the temp dir for a
#    sanitizer report (a build with -DFLATNET_SANITIZE, see scripts/sanitizers.sh) and
#    fails the test if it finds one, printing the report, even if the test itself passed.
#  - Functions fail the test (exit 1 with "lab: ..." naming the bad argument) on misuse.
#    Waiting is always bounded: lab_wait_for polls with a timeout.
#  - Works under `set -euo pipefail`.

# ---- Configuration from the environment ------------------------------------------------

LAB_SRC=${FLATNET_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
# FLATNET_BIN is <build>/src/app; the lab tools live in <build>/tests/lab/tools.
FLATNET_BIN=${FLATNET_BIN:-$LAB_SRC/build/src/app}
LAB_TOOLS=${LAB_TOOLS:-${FLATNET_BIN%/src/app}/tests/lab/tools}
LAB_REGISTRY=${LAB_REGISTRY:-/run/flatnet-lab}
# Files a test keeps after its temp dir is gone (lab_artifact): <build>/lab-artifacts.
LAB_ARTIFACTS=${LAB_ARTIFACTS:-${FLATNET_BIN%/src/app}/lab-artifacts}

# ---- Implementations -------------------------------------------------------------------
#
# A host runs an implementation, IMPL: "flatnet" or "nebula-VERSION" for a Nebula release
# listed in tests/lab/nebula_versions (the one place that names them, with the directory
# holding that release's nebula and nebula-cert). "nebula" is an alias for the first
# release listed (1.6.1, Debian's), so older scenarios and benchmarks keep working.
# NEBULA and NEBULA_CERT override that alias's binaries (as they always did).
LAB_NEBULA_LIST=${LAB_NEBULA_LIST:-$LAB_SRC/tests/lab/nebula_versions}
declare -gA LAB_NEBULA_DIR=()  # version -> directory with nebula and nebula-cert
LAB_NEBULA_ALL=()              # versions in the list's order
LAB_NEBULA_ALIAS=""            # what plain "nebula" means
lab__read_nebula_list() {
  local version dir _
  [ -r "$LAB_NEBULA_LIST" ] || { echo "lab: cannot read the Nebula version list $LAB_NEBULA_LIST" >&2; exit 1; }
  while read -r version dir _; do
    [[ -z $version || $version == \#* ]] && continue
    LAB_NEBULA_DIR[$version]=$dir
    LAB_NEBULA_ALL+=("$version")
  done <"$LAB_NEBULA_LIST"
  LAB_NEBULA_ALIAS=${LAB_NEBULA_ALL[0]:-}
  [ -n "$LAB_NEBULA_ALIAS" ] || { echo "lab: $LAB_NEBULA_LIST lists no version" >&2; exit 1; }
}
lab__read_nebula_list
NEBULA=${NEBULA:-${LAB_NEBULA_DIR[$LAB_NEBULA_ALIAS]}/nebula}
NEBULA_CERT=${NEBULA_CERT:-${LAB_NEBULA_DIR[$LAB_NEBULA_ALIAS]}/nebula-cert}

# lab_nebula_versions: the Nebula versions an interop lab runs against, one per line: those
# in LAB_NEBULA_VERSIONS (space- or comma-separated; CTest sets one per entry), else all
# of tests/lab/nebula_versions. An unknown version fails.
lab_nebula_versions() {
  local v
  if [ -z "${LAB_NEBULA_VERSIONS:-}" ]; then
    printf '%s\n' "${LAB_NEBULA_ALL[@]}"
    return 0
  fi
  for v in ${LAB_NEBULA_VERSIONS//,/ }; do
    [ -n "${LAB_NEBULA_DIR[$v]:-}" ] || {
      echo "lab: LAB_NEBULA_VERSIONS names nebula $v, which $LAB_NEBULA_LIST does not list (${LAB_NEBULA_ALL[*]})" >&2
      return 1
    }
    echo "$v"
  done
}

# lab_impl_ok IMPL: true for flatnet, nebula and nebula-VERSION of a listed version.
# Needs no lab (scenarios check their arguments before lab_init).
lab_impl_ok() {
  case $1 in
    flatnet | nebula) return 0 ;;
    nebula-*) [ -n "${LAB_NEBULA_DIR[${1#nebula-}]:-}" ] ;;
    *) return 1 ;;
  esac
}

# lab_impl_names: the accepted IMPL names, for usage messages.
lab_impl_names() {
  local v out="flatnet|nebula"
  for v in "${LAB_NEBULA_ALL[@]}"; do out+="|nebula-$v"; done
  echo "$out"
}

# lab_impl_version IMPL: the Nebula version IMPL runs ("nebula" -> the alias's), or
# nothing for flatnet.
lab_impl_version() {
  case $1 in
    flatnet) echo "" ;;
    nebula) echo "$LAB_NEBULA_ALIAS" ;;
    nebula-*) lab_impl_ok "$1" || lab_fail "implementation '$1' is not one of $(lab_impl_names)"; echo "${1#nebula-}" ;;
    *) lab_fail "implementation '$1' is not one of $(lab_impl_names)" ;;
  esac
}

# lab_nebula_bin VERSION TOOL: path of nebula or nebula-cert of that release.
lab_nebula_bin() {
  local version=$1 tool=$2
  [ -n "${LAB_NEBULA_DIR[$version]:-}" ] || lab_fail "nebula $version is not listed in $LAB_NEBULA_LIST"
  if [ "$version" = "$LAB_NEBULA_ALIAS" ]; then
    [ "$tool" = nebula ] && echo "$NEBULA" || echo "$NEBULA_CERT"
  else
    echo "${LAB_NEBULA_DIR[$version]}/$tool"
  fi
}

# True when nebula VERSION is at least MAJOR.MINOR (for config and flag differences).
lab__nebula_at_least() {
  local major=${1%%.*} rest=${1#*.}
  local minor=${rest%%.*}
  [ "$major" -gt "$2" ] || { [ "$major" -eq "$2" ] && [ "$minor" -ge "$3" ]; }
}

# ---- State (one lab per shell) ---------------------------------------------------------

LAB_NAME=""
LAB_PREFIX=""
LAB_DIR=""
LAB_TORN_DOWN=0
LAB_LINKS=0                   # counter for link names
LAB_AUTO_LANS=0               # counter for automatic 10.N.0.0/24 LANs
declare -gA LAB_SEG_CIDR=()   # segment -> "a.b.c" (/24 base)
declare -gA LAB_SEG_NEXT=()   # segment -> next free host number
declare -gA LAB_SEG_GW=()     # segment -> address of the router that serves it
declare -gA LAB_SEG_NODES=()  # segment -> "node node ..."
declare -gA LAB_NODE_KIND=()  # node -> host|router|switch
declare -gA LAB_NODE_INDEX=() # node -> small number, used for its tun name
declare -gA LAB_ADDR=()       # "node/segment" -> address
declare -gA LAB_IFACE=()      # "node/segment" -> interface name inside the node
declare -gA LAB_FIRST_SEG=()  # node -> the segment it joined first
declare -gA LAB_UPSTREAM=()   # router -> upstream segment
declare -gA LAB_OVERLAY=()    # host -> overlay address (from its certificate)
declare -gA LAB_PORT=()       # host -> underlay listen port in its config
declare -gA LAB_PID=()        # label -> PID of a process the lab started
declare -gA LAB_NETNS_ETC=()  # host -> 1 once its /etc/netns directory is made
LAB_TEARDOWN_HOOKS=()

# ---- Messages ----------------------------------------------------------------------------

# Messages go to the stderr the test started with (fd LAB_STDERR, saved by lab_init), so
# they show even when raised inside a command whose stderr is redirected to a file.
LAB_STDERR=2
# LAB_CONTEXT, when set (interop.sh sets "nebula VERSION"), is named in every message.
lab_log() { echo "lab[$LAB_NAME${LAB_CONTEXT:+, $LAB_CONTEXT}]: $*" >&"$LAB_STDERR"; }
lab_fail() {
  echo "lab[$LAB_NAME${LAB_CONTEXT:+, $LAB_CONTEXT}]: FAIL: $*" >&"$LAB_STDERR"
  exit 1
}
# Wall-clock milliseconds, for measuring waits.
lab_now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

# ---- Lifecycle ---------------------------------------------------------------------------

# lab_init NAME: sets the prefix and temp dir, installs the teardown traps and sweeps the
# namespaces of earlier labs that died without tearing down.
lab_init() {
  [ $# -eq 1 ] || lab_fail "usage: lab_init NAME"
  [ "$(id -u)" -eq 0 ] || lab_fail "labs need root (network namespaces)"
  LAB_NAME=$1
  exec {LAB_STDERR}>&2
  local stem
  stem=$(echo "$1" | tr -cd 'a-z0-9' | cut -c1-4)
  LAB_PREFIX="${stem:-lab}$(($$ % 100000))"
  LAB_DIR=$(mktemp -d "/tmp/flatnet-lab-$1.XXXXXX")
  mkdir -p "$LAB_DIR/pki" "$LAB_REGISTRY"
  lab__sweep_orphans
  echo "pid=$$ dir=$LAB_DIR" >"$LAB_REGISTRY/$LAB_PREFIX"
  trap 'lab__on_exit' EXIT
  trap 'lab__on_signal 130' INT
  trap 'lab__on_signal 143' TERM
  lab_log "prefix $LAB_PREFIX, files in $LAB_DIR"
}

# lab_on_teardown CMD...: runs CMD (eval'd) first thing during teardown.
lab_on_teardown() { LAB_TEARDOWN_HOOKS+=("$*"); }

lab__on_exit() {
  local rc=$?
  lab_teardown "$rc" || rc=1
  exit "$rc"
}
lab__on_signal() {
  trap - INT TERM
  lab_log "interrupted"
  exit "$1"  # runs the EXIT trap, which tears down
}

# True while PID runs inside one of this lab's namespaces. Checked before every kill: a
# PID recorded earlier may have exited and been reused by a process that is not ours.
lab__ours() {
  local ns
  ns=$(ip netns identify "$1" 2>/dev/null) || return 1
  [[ $ns == "${LAB_PREFIX}-"* ]]
}

# Ends PID if it is still ours: TERM, up to 3 s to exit, then KILL.
lab__end_pid() {
  local pid=$1 i
  lab__ours "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    lab__ours "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# Kills what is left inside the namespaces with PREFIX, waits (up to 3 s) for it to be
# gone, and deletes the namespaces.
lab__remove_namespaces() {
  local prefix=$1 ns pid i namespaces
  namespaces=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${prefix}-" || true)
  for ns in $namespaces; do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  for ns in $namespaces; do
    for ((i = 0; i < 30; i++)); do
      [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
      sleep 0.1
    done
    ip netns del "$ns" 2>/dev/null || true
  done
}

lab__sweep_orphans() {
  local entry owner
  for entry in "$LAB_REGISTRY"/*; do
    [ -f "$entry" ] || continue
    owner=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' "$entry")
    if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
      lab__remove_namespaces "$(basename "$entry")"
      rm -f "$entry"
    fi
  done
}

# What AddressSanitizer, LeakSanitizer, ThreadSanitizer and UBSan print when they find
# something (UBSan's "file:line:col: runtime error: ...").
LAB_SANITIZER_REPORT='ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Leak|Thread|UndefinedBehavior)Sanitizer|:[0-9]+: runtime error: '

# lab__sanitizer_reports: prints the first lines of every sanitizer report in the lab's
# logs and returns 1 if there was one.
lab__sanitizer_reports() {
  local log found=0
  [ -d "$LAB_DIR" ] || return 0
  for log in "$LAB_DIR"/*.log; do
    [ -f "$log" ] || continue
    if grep -Eq "$LAB_SANITIZER_REPORT" "$log"; then
      found=1
      echo "lab[$LAB_NAME]: FAIL: sanitizer report in $log:" >&"$LAB_STDERR"
      grep -E -A 30 "$LAB_SANITIZER_REPORT" "$log" | head -n 60 >&"$LAB_STDERR"
    fi
  done
  [ "$found" = 0 ]
}

# lab_teardown [STATUS]: stops everything the lab started and deletes its namespaces.
# Safe to call more than once; STATUS != 0 keeps the temp dir (logs) for the post-mortem.
# Returns 1 when a daemon's log holds a sanitizer report (the dir is then kept too).
lab_teardown() {
  local rc=${1:-0} hook label reported=0
  [ -n "$LAB_PREFIX" ] || return 0
  if [ "$LAB_TORN_DOWN" -eq 0 ]; then
    LAB_TORN_DOWN=1
    for hook in "${LAB_TEARDOWN_HOOKS[@]}"; do eval "$hook" || true; done
    for label in "${!LAB_PID[@]}"; do lab__end_pid "${LAB_PID[$label]}"; done
  fi
  lab__remove_namespaces "$LAB_PREFIX"
  rm -f "$LAB_REGISTRY/$LAB_PREFIX"
  # Daemons write their sanitizer reports when they stop, so look only now.
  lab__sanitizer_reports || { reported=1; rc=1; }
  if [ -d "$LAB_DIR" ]; then
    if [ "$rc" -ne 0 ] || [ "${LAB_KEEP:-0}" = 1 ]; then
      lab_log "kept logs and configs in $LAB_DIR"
    else
      rm -rf "$LAB_DIR"
    fi
  fi
  return "$reported"
}

# lab_leftovers: prints the lab's namespaces that still exist (none after teardown).
lab_leftovers() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^${LAB_PREFIX}-" || true; }

# ---- Topology ----------------------------------------------------------------------------

lab_ns() { echo "${LAB_PREFIX}-$1"; }

lab__require_node() { [ -n "${LAB_NODE_KIND[$1]:-}" ] || lab_fail "no node named '$1'"; }
lab__require_segment() { [ -n "${LAB_SEG_CIDR[$1]:-}" ] || lab_fail "no segment named '$1'"; }

lab__new_namespace() {
  local node=$1 kind=$2 ns
  [ -z "${LAB_NODE_KIND[$node]:-}" ] || lab_fail "node '$node' already exists"
  [[ $node =~ ^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}$ ]] || lab_fail "bad node name '$node'"
  ns=$(lab_ns "$node")
  ip netns add "$ns" || lab_fail "cannot create namespace $ns"
  ip -n "$ns" link set lo up
  # IPv6 stays off: its autoconfiguration chatter would only add noise to captures.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  LAB_NODE_KIND[$node]=$kind
  LAB_NODE_INDEX[$node]=${#LAB_NODE_KIND[@]}
}

# lab_segment NAME [CIDR]: an Ethernet segment (a bridge in its own namespace). CIDR is a
# /24; default 203.0.113.0/24 for "internet", else the next free 10.N.0.0/24.
lab_segment() {
  local name=$1 cidr=${2:-} sw
  [ -z "${LAB_SEG_CIDR[$name]:-}" ] || lab_fail "segment '$name' already exists"
  if [ -z "$cidr" ]; then
    if [ "$name" = internet ]; then
      cidr=203.0.113.0/24
    else
      LAB_AUTO_LANS=$((LAB_AUTO_LANS + 1))
      cidr=10.$LAB_AUTO_LANS.0.0/24
    fi
  fi
  [[ $cidr =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] ||
    lab_fail "segment '$name': CIDR '$cidr' must be a /24 like 203.0.113.0/24"
  LAB_SEG_CIDR[$name]=${BASH_REMATCH[1]}
  sw="sw-$name"
  lab__new_namespace "$sw" switch
  ip -n "$(lab_ns "$sw")" link add "${LAB_PREFIX}br" type bridge
  ip -n "$(lab_ns "$sw")" link set "${LAB_PREFIX}br" up
  LAB_SEG_NEXT[$name]=2  # .1 is kept for the router serving the segment
  LAB_SEG_NODES[$name]=""
}

# Connects NODE to SEGMENT with a veth pair; prints nothing, records address and iface.
lab__attach() {
  local node=$1 seg=$2 host_number=${3:-} addr ifname port
  lab__require_segment "$seg"
  if [ -z "$host_number" ]; then
    host_number=${LAB_SEG_NEXT[$seg]}
    LAB_SEG_NEXT[$seg]=$((host_number + 1))
  fi
  [ "$host_number" -le 254 ] || lab_fail "segment '$seg' is full"
  addr=${LAB_SEG_CIDR[$seg]}.$host_number
  LAB_LINKS=$((LAB_LINKS + 1))
  ifname="${LAB_PREFIX}e$LAB_LINKS"
  port="${LAB_PREFIX}p$LAB_LINKS"
  ip link add "$ifname" netns "$(lab_ns "$node")" type veth \
    peer name "$port" netns "$(lab_ns "sw-$seg")" ||
    lab_fail "cannot link '$node' to segment '$seg'"
  ip -n "$(lab_ns "sw-$seg")" link set "$port" master "${LAB_PREFIX}br" up
  ip -n "$(lab_ns "$node")" addr add "$addr/24" dev "$ifname"
  ip -n "$(lab_ns "$node")" link set "$ifname" up
  LAB_ADDR[$node/$seg]=$addr
  LAB_IFACE[$node/$seg]=$ifname
  LAB_SEG_NODES[$seg]+=" $node"
  [ -n "${LAB_FIRST_SEG[$node]:-}" ] || LAB_FIRST_SEG[$node]=$seg
}

lab__default_route() {
  local node=$1 seg=$2
  [ -n "${LAB_SEG_GW[$seg]:-}" ] || return 0
  ip -n "$(lab_ns "$node")" route replace default via "${LAB_SEG_GW[$seg]}"
}

# lab_host NAME --on SEGMENT: a host with one interface; its default route points at the
# router serving SEGMENT (now or once one is added).
lab_host() {
  local name=$1 seg=""
  shift || lab_fail "usage: lab_host NAME --on SEGMENT"
  while [ $# -gt 0 ]; do
    case $1 in
      --on) seg=${2:?--on needs a segment}; shift 2 ;;
      *) lab_fail "lab_host $name: unknown argument '$1'" ;;
    esac
  done
  [ -n "$seg" ] || lab_fail "lab_host $name: --on SEGMENT is required"
  lab__require_segment "$seg"
  lab__new_namespace "$name" host
  lab__attach "$name" "$seg"
  lab__default_route "$name" "$seg"
}

# lab_attach NODE SEGMENT: a host that exists gets one more interface, on SEGMENT (its next
# address there; lab_ip NODE SEGMENT prints it). Its routes and first segment stay as they were.
lab_attach() {
  [ $# -eq 2 ] || lab_fail "usage: lab_attach NODE SEGMENT"
  lab__require_node "$1"
  lab__attach "$1" "$2"
}

# lab_router NAME --upstream SEG --downstream SEG [--nat masq|symmetric] [--lan CIDR]:
# a router forwarding between two segments, NATing what leaves through the upstream side.
#   masq       endpoint-independent mapping (iptables MASQUERADE keeps the source port
#              when it is free, so every destination sees the same public port)
#   symmetric  a fresh random port for every new flow (MASQUERADE --random-fully), so
#              each destination sees a different port and hole punching cannot predict it
# Both filter like a home router: from upstream only replies to flows started inside (and
# port forwards) get in; the rest is dropped silently. Dropping before conntrack confirms
# the packet also matters: an unsolicited datagram that reached INPUT would leave a
# conntrack entry holding the public port, and MASQUERADE would then move a later hole
# punch from that port to another one, so punching between two NATs would fail.
# The downstream segment is created (10.N.0.0/24 or --lan) if it does not exist; the router
# takes its .1 and becomes its hosts' default gateway.
lab_router() {
  local name=$1 up="" down="" nat=masq lan="" upif ns
  shift || lab_fail "usage: lab_router NAME --upstream SEG --downstream SEG [--nat KIND]"
  while [ $# -gt 0 ]; do
    case $1 in
      --upstream) up=${2:?--upstream needs a segment}; shift 2 ;;
      --downstream) down=${2:?--downstream needs a segment}; shift 2 ;;
      --nat) nat=${2:?--nat needs masq or symmetric}; shift 2 ;;
      --lan) lan=${2:?--lan needs a CIDR}; shift 2 ;;
      *) lab_fail "lab_router $name: unknown argument '$1'" ;;
    esac
  done
  [ -n "$up" ] && [ -n "$down" ] || lab_fail "lab_router $name: --upstream and --downstream are required"
  case $nat in masq | symmetric) ;; *) lab_fail "lab_router $name: --nat '$nat' is not masq or symmetric" ;; esac
  lab__require_segment "$up"
  [ -n "${LAB_SEG_CIDR[$down]:-}" ] || lab_segment "$down" "$lan"
  [ -z "${LAB_SEG_GW[$down]:-}" ] || lab_fail "lab_router $name: segment '$down' already has a router"
  lab__new_namespace "$name" router
  ns=$(lab_ns "$name")
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
  lab__attach "$name" "$up"
  lab__default_route "$name" "$up"
  lab__attach "$name" "$down" 1
  LAB_SEG_GW[$down]=${LAB_ADDR[$name/$down]}
  LAB_UPSTREAM[$name]=$up
  upif=${LAB_IFACE[$name/$up]}
  ip netns exec "$ns" iptables -A INPUT -i "$upif" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  ip netns exec "$ns" iptables -A INPUT -i "$upif" -j DROP
  ip netns exec "$ns" iptables -A FORWARD -i "$upif" -m conntrack --ctstate ESTABLISHED,RELATED,DNAT -j ACCEPT
  ip netns exec "$ns" iptables -A FORWARD -i "$upif" -j DROP
  if [ "$nat" = symmetric ]; then
    ip netns exec "$ns" iptables -t nat -A POSTROUTING -o "$upif" -j MASQUERADE --random-fully
  else
    ip netns exec "$ns" iptables -t nat -A POSTROUTING -o "$upif" -j MASQUERADE
  fi
  # Hosts that joined the segment before its router get their default route now.
  local node
  for node in ${LAB_SEG_NODES[$down]}; do
    [ "$node" = "$name" ] || lab__default_route "$node" "$down"
  done
}

# lab_pair A B [CIDR]: two hosts joined by one veth pair, no switch in between (the
# shortest path, for benchmarks). They get .1 and .2 of CIDR (default 198.51.100.0/24) on a
# segment named "A-B", so lab_ip works as usual.
lab_pair() {
  local a=$1 b=$2 cidr=${3:-198.51.100.0/24} seg="$1-$2" base
  [ $# -ge 2 ] || lab_fail "usage: lab_pair A B [CIDR]"
  [[ $cidr =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || lab_fail "lab_pair: CIDR '$cidr' must be a /24"
  base=${BASH_REMATCH[1]}
  lab__new_namespace "$a" host
  lab__new_namespace "$b" host
  LAB_LINKS=$((LAB_LINKS + 1))
  ip link add "${LAB_PREFIX}e$LAB_LINKS" netns "$(lab_ns "$a")" type veth \
    peer name "${LAB_PREFIX}f$LAB_LINKS" netns "$(lab_ns "$b")" || lab_fail "cannot link $a and $b"
  LAB_SEG_CIDR[$seg]=$base
  local node ifname number=1
  for node in "$a" "$b"; do
    ifname="${LAB_PREFIX}$([ "$node" = "$a" ] && echo e || echo f)$LAB_LINKS"
    ip -n "$(lab_ns "$node")" addr add "$base.$number/24" dev "$ifname"
    ip -n "$(lab_ns "$node")" link set "$ifname" up
    LAB_ADDR[$node/$seg]=$base.$number
    LAB_IFACE[$node/$seg]=$ifname
    LAB_FIRST_SEG[$node]=$seg
    LAB_SEG_NODES[$seg]+=" $node"
    number=$((number + 1))
  done
}

# lab_bare_container NAME: a namespace with nothing but its loopback, standing in for a
# container whose network a CNI plugin sets up; lab_netns_path gives its CNI_NETNS.
lab_bare_container() {
  [ $# -eq 1 ] || lab_fail "usage: lab_bare_container NAME"
  lab__new_namespace "$1" container
}
lab_netns_path() {
  lab__require_node "$1"
  echo "/var/run/netns/$(lab_ns "$1")"
}

# lab_node_address NODE ADDR: records ADDR as NODE's address when something outside netlab
# gave it one (a CNI plugin's ADD, in a lab_bare_container), so lab_ip NODE prints it.
lab_node_address() {
  [ $# -eq 2 ] || lab_fail "usage: lab_node_address NODE ADDR"
  lab__require_node "$1"
  [[ $2 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || lab_fail "lab_node_address $1: '$2' is not an IPv4 address"
  LAB_ADDR[$1/$1-own]=$2
  LAB_FIRST_SEG[$1]=$1-own
}

# lab_host_behind NAME --upstream SEG --nat "KIND..." : a host behind 0..3 nested NAT
# routers (outermost first), e.g. --nat "masq symmetric". Routers are NAME-nat1..3 on LANs
# NAME-lan1..3; the host sits on the innermost LAN (or on SEG itself for --nat "").
lab_host_behind() {
  local name=$1 up="" kinds="" kind i=0 seg
  shift || lab_fail "usage: lab_host_behind NAME --upstream SEG --nat \"KIND...\""
  while [ $# -gt 0 ]; do
    case $1 in
      --upstream) up=${2:?--upstream needs a segment}; shift 2 ;;
      --nat) kinds=$2; shift 2 ;;
      *) lab_fail "lab_host_behind $name: unknown argument '$1'" ;;
    esac
  done
  [ -n "$up" ] || lab_fail "lab_host_behind $name: --upstream is required"
  # shellcheck disable=SC2086
  set -- $kinds
  [ $# -le 3 ] || lab_fail "lab_host_behind $name: at most 3 NAT layers, got $#"
  seg=$up
  for kind in "$@"; do
    i=$((i + 1))
    lab_router "$name-nat$i" --upstream "$seg" --downstream "$name-lan$i" --nat "$kind"
    seg="$name-lan$i"
  done
  lab_host "$name" --on "$seg"
}

# lab_forward ROUTER --proto udp|tcp --port P --to NODE[:PORT]: a port forward (DNAT) from
# the router's upstream address to a node on one of its segments.
lab_forward() {
  local router=$1 proto=udp port="" to="" node dport addr seg
  shift || lab_fail "usage: lab_forward ROUTER --proto udp --port P --to NODE[:PORT]"
  while [ $# -gt 0 ]; do
    case $1 in
      --proto) proto=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      --to) to=$2; shift 2 ;;
      *) lab_fail "lab_forward $router: unknown argument '$1'" ;;
    esac
  done
  [ "${LAB_NODE_KIND[$router]:-}" = router ] || lab_fail "lab_forward: '$router' is not a router"
  [[ $port =~ ^[0-9]+$ ]] || lab_fail "lab_forward $router: --port '$port' is not a port"
  case $proto in udp | tcp) ;; *) lab_fail "lab_forward $router: --proto '$proto' is not udp or tcp" ;; esac
  node=${to%%:*}
  dport=$port
  [ "$to" = "$node" ] || dport=${to#*:}
  lab__require_node "$node"
  addr=""
  for seg in "${!LAB_SEG_GW[@]}"; do
    if [ "${LAB_SEG_GW[$seg]}" = "${LAB_ADDR[$router/$seg]:-}" ] && [ -n "${LAB_ADDR[$node/$seg]:-}" ]; then
      addr=${LAB_ADDR[$node/$seg]}
    fi
  done
  [ -n "$addr" ] || lab_fail "lab_forward $router: '$node' is not on a LAN of that router"
  ip netns exec "$(lab_ns "$router")" iptables -t nat -A PREROUTING \
    -i "${LAB_IFACE[$router/${LAB_UPSTREAM[$router]}]}" -p "$proto" --dport "$port" \
    -j DNAT --to-destination "$addr:$dport"
}

# lab_ip NODE [SEGMENT]: the node's address on SEGMENT (default: the first it joined; for a
# router, its upstream, i.e. public, side).
lab_ip() {
  local node=$1 seg=${2:-}
  lab__require_node "$node"
  [ -n "$seg" ] || seg=${LAB_UPSTREAM[$node]:-${LAB_FIRST_SEG[$node]}}
  [ -n "${LAB_ADDR[$node/$seg]:-}" ] || lab_fail "lab_ip: '$node' is not on segment '$seg'"
  echo "${LAB_ADDR[$node/$seg]}"
}

# lab_exec NODE CMD...: runs CMD inside the node's namespace. Bound it yourself (ping -W,
# timeout ...); anything still running at teardown is killed.
lab_exec() {
  local node=$1
  shift
  lab__require_node "$node"
  ip netns exec "$(lab_ns "$node")" "$@"
}

# lab_spawn NODE LABEL CMD...: starts CMD in the background inside NODE, output to
# $LAB_DIR/LABEL.out; teardown (or lab_stop LABEL) ends it.
lab_spawn() {
  local node=$1 label=$2
  shift 2
  lab__require_node "$node"
  ip netns exec "$(lab_ns "$node")" "$@" >>"$LAB_DIR/$label.out" 2>&1 &
  LAB_PID[$label]=$!
  disown "$!"  # no "Killed" job notices at teardown; the lab ends it by PID
}

# lab_stop LABEL: ends a spawned process or daemon (TERM, then KILL after 3 s).
lab_stop() {
  [ -n "${LAB_PID[$1]:-}" ] || lab_fail "lab_stop: nothing started as '$1'"
  lab__end_pid "${LAB_PID[$1]}"
  unset "LAB_PID[$1]"
}

# lab_tool NAME: path of a lab tool (lab-udp-probe, lab-udp-inject, lab-tcp-xfer).
lab_tool() {
  [ -x "$LAB_TOOLS/$1" ] || lab_fail "lab tool $1 not found in $LAB_TOOLS (build target lab-tools, or set LAB_TOOLS)"
  echo "$LAB_TOOLS/$1"
}

# ---- Waiting -----------------------------------------------------------------------------

# lab_wait_for [--timeout S] [--interval S] [--] CMD...: runs CMD until it succeeds or S
# seconds (default 10) pass. Returns 0/1 and leaves the time waited in LAB_WAITED_MS.
# Every try of CMD must itself be bounded (ping -c1 -W1, not plain ping).
lab_wait_for() {
  local timeout=10 interval=0.2 start deadline tries=0 max_tries
  while [ $# -gt 0 ]; do
    case $1 in
      --timeout) timeout=$2; shift 2 ;;
      --interval) interval=$2; shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || lab_fail "lab_wait_for: no command"
  start=$(lab_now_ms)
  deadline=$((start + ${timeout%.*} * 1000))
  max_tries=$((${timeout%.*} * 100 + 1))  # a second bound, should the clock misbehave
  while [ "$tries" -lt "$max_tries" ]; do
    tries=$((tries + 1))
    if "$@" >/dev/null 2>&1; then
      LAB_WAITED_MS=$(($(lab_now_ms) - start))
      return 0
    fi
    [ "$(lab_now_ms)" -lt "$deadline" ] || break
    sleep "$interval"
  done
  LAB_WAITED_MS=$(($(lab_now_ms) - start))
  return 1
}

# lab_ping NODE ADDR [WAIT]: one ping, waiting WAIT seconds (default 1, fractions allowed)
# for the reply. A handy lab_wait_for condition.
lab_ping() { lab_exec "$1" ping -c1 -W"${3:-1}" -q "$2" >/dev/null 2>&1; }

# lab_netns_file HOST FILE TEXT: writes TEXT to /etc/netns/<HOST's namespace>/FILE (hosts,
# resolv.conf), which HOST's commands see as /etc/FILE: `ip netns exec` mounts it over the
# machine's. Rewritten in place, so a command already running sees the new text (its
# mount keeps the inode). Teardown removes the directory, and /etc/netns once no lab uses
# it. Not from a subshell ($(...), a pipe): the teardown would not be registered.
lab_netns_file() {
  local host=$1 file=$2 dir
  lab__require_node "$host"
  dir=/etc/netns/$(lab_ns "$host")
  if [ -z "${LAB_NETNS_ETC[$host]:-}" ]; then
    mkdir -p "$dir" || lab_fail "cannot make $dir"
    lab_on_teardown "rm -rf '$dir'; rmdir --ignore-fail-on-non-empty /etc/netns 2>/dev/null || true"
    LAB_NETNS_ETC[$host]=1
  fi
  printf '%s' "$3" >"$dir/$file" || lab_fail "cannot write $dir/$file"
}

# lab_local_network HOST ADDR/PREFIX...: a network inside HOST that is not the overlay, as
# a Docker bridge or a LAN behind it: a veth pair in HOST's namespace, its end "docker0"
# holding each address (IPv6 ones without duplicate address detection), both ends up.
lab_local_network() {
  local host=$1 address
  shift
  lab_exec "$host" ip link add docker0 type veth peer name docker0p
  for address in "$@"; do
    if [[ $address == *:* ]]; then
      lab_exec "$host" ip addr add "$address" dev docker0 nodad
    else
      lab_exec "$host" ip addr add "$address" dev docker0
    fi
  done
  lab_exec "$host" ip link set docker0 up
  lab_exec "$host" ip link set docker0p up
}

# lab_container HOST NAME GATEWAY/PREFIX: a container behind HOST, as Docker or a CNI
# plugin makes one: a namespace NAME (a lab node) joined to HOST by a veth pair, HOST's end
# "c-NAME" holding GATEWAY/PREFIX (the bridge's address), the container's the next address
# with its default route via GATEWAY; HOST forwards packets (net.ipv4.ip_forward=1), as a
# Docker host does. lab_ip NAME is the container's address.
lab_container() {
  local host=$1 name=${2:-} spec=${3:-} gateway bits ns
  [ $# -eq 3 ] || lab_fail "usage: lab_container HOST NAME GATEWAY/PREFIX"
  lab__require_node "$host"
  [[ $spec =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.([0-9]+)/([0-9]+)$ ]] ||
    lab_fail "lab_container $name: '$spec' is not an IPv4 GATEWAY/PREFIX"
  gateway=${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
  bits=${BASH_REMATCH[3]}
  local address=${BASH_REMATCH[1]}.$((BASH_REMATCH[2] + 1)) link="c-$name"
  [ ${#link} -le 15 ] || lab_fail "lab_container: name '$name' is too long for a link name"
  lab__new_namespace "$name" host
  ns=$(lab_ns "$name")
  ip link add "$link" netns "$(lab_ns "$host")" type veth peer name eth0 netns "$ns" ||
    lab_fail "cannot link container '$name' to '$host'"
  ip -n "$(lab_ns "$host")" addr add "$gateway/$bits" dev "$link"
  ip -n "$(lab_ns "$host")" link set "$link" up
  ip -n "$ns" addr add "$address/$bits" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$gateway"
  ip netns exec "$(lab_ns "$host")" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
  LAB_ADDR[$name/$host-$name]=$address
  LAB_IFACE[$name/$host-$name]=eth0
  LAB_FIRST_SEG[$name]=$host-$name
}

# ---- Certificates ------------------------------------------------------------------------

# Certificate generation, LAB_CERT_VERSION: 1 (default: what every listed version reads),
# 2 (v2 CA and certificates, Nebula 1.10+), or "both" (a v1 CA, readable by 1.6.1, signing
# each host a v1 and a v2 certificate for one key, both in HOST.crt: a host migrating from
# v1 to v2). LAB_CERT_CURVE: 25519 (default) or P256 (needs a 1.10+ cert tool).
lab__cert_version() {
  case ${LAB_CERT_VERSION:-1} in 1 | 2 | both) echo "${LAB_CERT_VERSION:-1}" ;;
    *) lab_fail "LAB_CERT_VERSION '${LAB_CERT_VERSION}' is not 1, 2 or both" ;; esac
}
lab__cert_curve() {
  case ${LAB_CERT_CURVE:-25519} in 25519 | P256) echo "${LAB_CERT_CURVE:-25519}" ;;
    *) lab_fail "LAB_CERT_CURVE '${LAB_CERT_CURVE}' is not 25519 or P256" ;; esac
}

# The cert tool, LAB_CERT_TOOL: "flatnet" (flatnet-cert), or nebula / nebula-VERSION
# (that release's nebula-cert; default "nebula", i.e. 1.6.1, or nebula-1.11.1 when
# LAB_CERT_VERSION or LAB_CERT_CURVE asks for what 1.6.1 cannot make). A missing tool fails
# the test.
lab__cert_tool() {
  local tool=${LAB_CERT_TOOL:-} bin
  if [ -z "$tool" ]; then
    tool=nebula
    if [ "$(lab__cert_version)" != 1 ] || [ "$(lab__cert_curve)" != 25519 ]; then tool=nebula-1.11.1; fi
  fi
  if [ "$tool" = flatnet ]; then
    [ -x "$FLATNET_BIN/flatnet-cert" ] || lab_fail "flatnet-cert not found in $FLATNET_BIN (build target flatnet-cert)"
    echo "$FLATNET_BIN/flatnet-cert"
    return 0
  fi
  lab_impl_ok "$tool" && [ "$tool" != flatnet ] ||
    lab_fail "LAB_CERT_TOOL '$tool' is not one of $(lab_impl_names)"
  bin=$(lab_nebula_bin "$(lab_impl_version "$tool")" nebula-cert)
  [ -x "$bin" ] || lab_fail "nebula-cert $(lab_impl_version "$tool") not found at $bin (scripts/setup.sh installs it)"
  echo "$bin"
}

# Flags every `ca` of the cert tool gets: nebula-cert 1.10+ makes v2 CAs unless told
# otherwise, and the lab's certificates are v1 (what every listed version and flatnet read).
lab__cert_ca_flags() {
  local tool version
  tool=$(lab__cert_tool)
  version=$(lab__cert_version)
  [ "$version" = both ] && version=1
  [ "$(lab__cert_curve)" = 25519 ] || echo "-curve P256"
  [ "$tool" != "$FLATNET_BIN/flatnet-cert" ] || return 0
  if "$tool" ca -h 2>&1 | grep -q -- '-version'; then echo "-version $version"; fi
}

# lab_ca [--out BASENAME] [--name NAME] [--duration D]: a CA in $LAB_DIR/pki/BASENAME.crt
# and .key (default "ca", the one lab_config uses).
lab_ca() {
  local out=ca name="" duration=8760h
  while [ $# -gt 0 ]; do
    case $1 in
      --out) out=$2; shift 2 ;;
      --name) name=$2; shift 2 ;;
      --duration) duration=$2; shift 2 ;;
      *) lab_fail "lab_ca: unknown argument '$1'" ;;
    esac
  done
  # shellcheck disable=SC2046
  "$(lab__cert_tool)" ca $(lab__cert_ca_flags) -name "${name:-$LAB_NAME $out}" -duration "$duration" \
    -out-crt "$LAB_DIR/pki/$out.crt" -out-key "$LAB_DIR/pki/$out.key" >/dev/null ||
    lab_fail "lab_ca: could not create CA '$out'"
}

# lab_cert HOST OVERLAY/BITS [--ca BASENAME] [--duration D] [--groups G] [--subnets CIDRS]
# [--unsafe-networks CIDRS]: the host's cert and key in $LAB_DIR/pki/HOST.crt and .key,
# signed by that CA (default "ca"). -unsafe-networks is what 1.10+ cert tools (and
# flatnet-cert) call -subnets; 1.6.1's nebula-cert only knows -subnets.
lab_cert() {
  local host=$1 ip=${2:-} ca=ca sign_flags=()
  shift 2 || lab_fail "usage: lab_cert HOST OVERLAY/BITS [--ca NAME] [--duration D] [--groups G] [--subnets CIDRS] [--unsafe-networks CIDRS]"
  while [ $# -gt 0 ]; do
    case $1 in
      --ca) ca=$2; shift 2 ;;
      --duration | --groups | --subnets | --unsafe-networks) sign_flags+=("-${1#--}" "$2"); shift 2 ;;
      *) lab_fail "lab_cert $host: unknown argument '$1'" ;;
    esac
  done
  [[ $ip =~ ^[0-9.]+/[0-9]+$ ]] || lab_fail "lab_cert $host: '$ip' is not OVERLAY/BITS"
  rm -f "$LAB_DIR/pki/$host.crt" "$LAB_DIR/pki/$host.key" "$LAB_DIR/pki/$host.pub"
  if [ "$(lab__cert_version)" = both ]; then
    # One key, a v1 and a v2 certificate of it, in one file (v1 first).
    local tool v curve_flags=()
    tool=$(lab__cert_tool)
    [ "$(lab__cert_curve)" = 25519 ] || curve_flags=(-curve P256)
    "$tool" keygen "${curve_flags[@]}" -out-key "$LAB_DIR/pki/$host.key" -out-pub "$LAB_DIR/pki/$host.pub" \
      >/dev/null || lab_fail "lab_cert $host: keygen failed"
    for v in 1 2; do
      "$tool" sign -version "$v" -name "$host" -ip "$ip" "${sign_flags[@]}" \
        -ca-crt "$LAB_DIR/pki/$ca.crt" -ca-key "$LAB_DIR/pki/$ca.key" -in-pub "$LAB_DIR/pki/$host.pub" \
        -out-crt "$LAB_DIR/pki/$host.v$v.crt" >/dev/null || lab_fail "lab_cert $host: signing v$v failed"
    done
    cat "$LAB_DIR/pki/$host.v1.crt" "$LAB_DIR/pki/$host.v2.crt" >"$LAB_DIR/pki/$host.crt"
  else
    # v2 explicitly: a v1 CA (LAB_CERT_VERSION=both made it) signs v1 unless told.
    [ "$(lab__cert_version)" != 2 ] || sign_flags+=(-version 2)
    "$(lab__cert_tool)" sign -name "$host" -ip "$ip" "${sign_flags[@]}" \
      -ca-crt "$LAB_DIR/pki/$ca.crt" -ca-key "$LAB_DIR/pki/$ca.key" \
      -out-crt "$LAB_DIR/pki/$host.crt" -out-key "$LAB_DIR/pki/$host.key" >/dev/null ||
      lab_fail "lab_cert $host: signing failed"
  fi
  LAB_OVERLAY[$host]=${ip%/*}
}

# lab_v2_ca NAME: a v2 CA "ca" (what lab_config uses) named NAME, made by flatnet-cert;
# lab_v2_cert HOST NETWORKS: HOST's v2 certificate for NETWORKS ("10.0.0.1/24,fd00::1/64",
# IPv4 and IPv6, as many as needed; lab_cert takes one IPv4 network), signed by it.
# lab_overlay HOST is then the first network's address.
lab__flatnet_cert() {
  [ -x "$FLATNET_BIN/flatnet-cert" ] || lab_fail "flatnet-cert not found in $FLATNET_BIN (build target flatnet-cert)"
  "$FLATNET_BIN/flatnet-cert" "$@" >/dev/null
}
lab_v2_ca() {
  lab__flatnet_cert ca -version 2 -name "$1" -duration 8760h \
    -out-crt "$LAB_DIR/pki/ca.crt" -out-key "$LAB_DIR/pki/ca.key" || lab_fail "flatnet-cert ca failed"
}
lab_v2_cert() {
  lab__flatnet_cert sign -version 2 -name "$1" -networks "$2" -ca-crt "$LAB_DIR/pki/ca.crt" \
    -ca-key "$LAB_DIR/pki/ca.key" -out-crt "$LAB_DIR/pki/$1.crt" -out-key "$LAB_DIR/pki/$1.key" ||
    lab_fail "flatnet-cert sign $1 ($2) failed"
  LAB_OVERLAY[$1]=${2%%/*}
}

# lab_pki HOST=OVERLAY/BITS...: the CA "ca" and one cert per host.
lab_pki() {
  local spec
  lab_ca
  for spec in "$@"; do
    [[ $spec == *=* ]] || lab_fail "lab_pki: '$spec' is not HOST=OVERLAY/BITS"
    lab_cert "${spec%%=*}" "${spec#*=}"
  done
}

lab_overlay() {
  [ -n "${LAB_OVERLAY[$1]:-}" ] || lab_fail "no certificate made for '$1'"
  echo "${LAB_OVERLAY[$1]}"
}

# lab_fingerprint HOST: the fingerprint of HOST's cert (what pki.blocklist lists).
lab_fingerprint() {
  "$NEBULA_CERT" print -json -path "$LAB_DIR/pki/$1.crt" |
    sed -n 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/p'
}

# ---- Daemon configuration ----------------------------------------------------------------

# lab_config HOST [options]: writes $LAB_DIR/HOST.yml, a nebula config.yml both nebula and
# flatnet run with. Peers are lab host names.
#   --port N            listen port (default 4242; 0 = any)
#   --static PEER[:PORT] | --static OVERLAY=ADDR:PORT   static_host_map entry (repeatable;
#                       PEER uses the peer's first address and its configured port)
#   --lighthouse PEER   lighthouse.hosts entry plus its static_host_map entry (repeatable)
#   --lighthouse-at PEER=ADDR:PORT   the same, but PEER is reached at ADDR:PORT (a port
#                       forward in front of it, say), not at its own address
#   --am-lighthouse     this host is a lighthouse
#   --relay PEER        relay.relays entry (repeatable); --am-relay; --no-use-relays
#   --punchy            punchy.punch and punchy.respond
#   --cipher aes|chachapoly      (default aes)
#   --log-level LEVEL   (default info)
#   --blocklist FINGERPRINT      pki.blocklist entry (repeatable)
#   --ca BASENAME       CA file in $LAB_DIR/pki (default ca); --cert BASENAME (default HOST)
#   --mtu N (default 1300)   --routines N   --extra "YAML"  (appended verbatim)
#   --serve-dns PORT    (with --am-lighthouse) answer DNS for host names on PORT
#   --lighthouse-interval S   lighthouse.interval, how often members send the lighthouses
#                       their addresses (default 60; Nebula's own default is 10)
#   --unsafe-route CIDR=PEER   reach network CIDR through PEER (tun.unsafe_routes); PEER is
#                       a host's name (via its lab_overlay address) or an overlay address
#   --local-cidr CIDR   (on a gateway) also let any host in to CIDR, the unsafe network it
#                       routes for: an inbound rule with local_cidr. Nebula 1.10+ needs it
#                       (firewall.default_local_cidr_any became false: a rule without
#                       local_cidr only admits traffic to the host's own overlay address);
#                       1.6.1 ignores the key; flatnet follows 1.10+.
#   --local-cidr-out CIDR   (on a gateway) also let CIDR start connections out: an
#                       outbound rule with local_cidr, which 1.10+ needs for traffic the
#                       unsafe network itself starts (containers on a CNI bridge), since an
#                       outbound rule without local_cidr then covers only our own address
#   --routes-from-certs tun.routes_from_certs: true (flatnet's own key; nebula warns and
#                       ignores it)
# The tun device is named <prefix>t<index>: unique per host. `control.socket` is only read
# by flatnet; nebula ignores unknown keys.
lab_config() {
  local host=$1
  shift || lab_fail "usage: lab_config HOST [options]"
  lab__require_node "$host"
  local port=4242 am_lh=false am_relay=false use_relays=true punch=false cipher=aes
  local level=info ca=ca cert=$host mtu=1300 routines="" extra="" dns_port="" peer spec
  local lh_interval=60
  local statics=() lighthouses=() relays=() blocklist=() unsafe=() local_cidrs=()
  local local_cidrs_out=()
  local routes_from_certs=false
  while [ $# -gt 0 ]; do
    case $1 in
      --port) port=$2; shift 2 ;;
      --static) statics+=("$2"); shift 2 ;;
      --lighthouse) lighthouses+=("$2"); statics+=("$2"); shift 2 ;;
      --am-lighthouse) am_lh=true; shift ;;
      --relay) relays+=("$2"); shift 2 ;;
      --am-relay) am_relay=true; shift ;;
      --no-use-relays) use_relays=false; shift ;;
      --punchy) punch=true; shift ;;
      --cipher) cipher=$2; shift 2 ;;
      --log-level) level=$2; shift 2 ;;
      --blocklist) blocklist+=("$2"); shift 2 ;;
      --ca) ca=$2; shift 2 ;;
      --cert) cert=$2; shift 2 ;;
      --mtu) mtu=$2; shift 2 ;;
      --routines) routines=$2; shift 2 ;;
      --extra) extra=$2; shift 2 ;;
      --serve-dns) dns_port=$2; shift 2 ;;
      --lighthouse-interval) lh_interval=$2; shift 2 ;;
      --unsafe-route) unsafe+=("$2"); shift 2 ;;
      --local-cidr) local_cidrs+=("$2"); shift 2 ;;
      --local-cidr-out) local_cidrs_out+=("$2"); shift 2 ;;
      --routes-from-certs) routes_from_certs=true; shift ;;
      --lighthouse-at)
        [[ ${2:-} =~ ^([a-zA-Z0-9][a-zA-Z0-9-]*)=([0-9.]+:[0-9]+)$ ]] ||
          lab_fail "lab_config $host: --lighthouse-at '${2:-}' is not PEER=ADDR:PORT"
        [ -n "${LAB_OVERLAY[${BASH_REMATCH[1]}]:-}" ] ||
          lab_fail "lab_config $host: no certificate made for lighthouse '${BASH_REMATCH[1]}'"
        lighthouses+=("${BASH_REMATCH[1]}")
        statics+=("${LAB_OVERLAY[${BASH_REMATCH[1]}]}=${BASH_REMATCH[2]}")
        shift 2 ;;
      *) lab_fail "lab_config $host: unknown argument '$1'" ;;
    esac
  done
  case $cipher in aes | chachapoly) ;; *) lab_fail "lab_config $host: --cipher '$cipher' is not aes or chachapoly" ;; esac
  [[ $port =~ ^[0-9]+$ ]] || lab_fail "lab_config $host: --port '$port' is not a number"
  [[ $lh_interval =~ ^[0-9]+$ ]] || lab_fail "lab_config $host: --lighthouse-interval '$lh_interval' is not a number of seconds"
  [ -f "$LAB_DIR/pki/$cert.crt" ] || lab_fail "lab_config $host: no certificate $LAB_DIR/pki/$cert.crt (run lab_pki/lab_cert)"
  for peer in "${lighthouses[@]}" "${relays[@]}"; do
    [ -n "${LAB_OVERLAY[${peer%%:*}]:-}" ] || lab_fail "lab_config $host: no certificate made for peer '$peer'"
  done
  LAB_PORT[$host]=$port
  local f="$LAB_DIR/$host.yml" pki_dir="$LAB_DIR/pki"
  {
    echo "# Lab config for '$host' (lab $LAB_NAME); read by nebula and flatnet alike."
    echo "pki:"
    echo "  ca: $pki_dir/$ca.crt"
    echo "  cert: $pki_dir/$cert.crt"
    echo "  key: $pki_dir/$cert.key"
    if [ ${#blocklist[@]} -gt 0 ]; then
      echo "  blocklist:"
      for spec in "${blocklist[@]}"; do echo "    - $spec"; done
    fi
    echo "static_host_map:"
    for spec in "${statics[@]}"; do lab__static_entry "$host" "$spec"; done
    echo "lighthouse:"
    echo "  am_lighthouse: $am_lh"
    if [ -n "$dns_port" ]; then
      echo "  serve_dns: true"
      echo "  dns:"
      echo "    host: 0.0.0.0"
      echo "    port: $dns_port"
    fi
    echo "  interval: $lh_interval"
    echo "  hosts:"
    for peer in "${lighthouses[@]}"; do echo "    - \"$(lab_overlay "${peer%%:*}")\""; done
    echo "listen:"
    echo "  host: 0.0.0.0"
    echo "  port: $port"
    [ -z "$routines" ] || echo "routines: $routines"
    echo "punchy:"
    echo "  punch: $punch"
    echo "  respond: $punch"
    echo "relay:"
    echo "  am_relay: $am_relay"
    echo "  use_relays: $use_relays"
    echo "  relays:"
    for peer in "${relays[@]}"; do echo "    - \"$(lab_overlay "$peer")\""; done
    echo "cipher: $cipher"
    echo "tun:"
    echo "  disabled: false"
    echo "  dev: $(lab_tun "$host")"
    echo "  mtu: $mtu"
    [ "$routes_from_certs" = false ] || echo "  routes_from_certs: true"
    if [ ${#unsafe[@]} -gt 0 ]; then
      echo "  unsafe_routes:"
      for spec in "${unsafe[@]}"; do
        echo "    - route: ${spec%%=*}"
        if [[ ${spec#*=} == *:* || ${spec#*=} =~ ^[0-9.]+$ ]]; then
          echo "      via: ${spec#*=}"  # an overlay address given as such
        else
          echo "      via: $(lab_overlay "${spec#*=}")"
        fi
      done
    fi
    echo "logging:"
    echo "  level: $level"
    echo "  format: text"
    echo "firewall:"
    echo "  outbound:"
    echo "    - port: any"
    echo "      proto: any"
    echo "      host: any"
    for spec in "${local_cidrs_out[@]}"; do
      echo "    - port: any"
      echo "      proto: any"
      echo "      host: any"
      echo "      local_cidr: $spec"
    done
    echo "  inbound:"
    for proto in icmp tcp udp; do
      echo "    - port: any"
      echo "      proto: $proto"
      echo "      host: any"
    done
    for spec in "${local_cidrs[@]}"; do
      echo "    - port: any"
      echo "      proto: any"
      echo "      host: any"
      echo "      local_cidr: $spec"
    done
    echo "control:"
    echo "  socket: $LAB_DIR/$host.sock"
    [ -z "$extra" ] || echo "$extra"
  } >"$f"
}

# One static_host_map line from PEER[:PORT] or OVERLAY=ADDR:PORT.
lab__static_entry() {
  local host=$1 spec=$2 overlay underlay peer port
  if [[ $spec == *=* ]]; then
    overlay=${spec%%=*}
    underlay=${spec#*=}
  else
    peer=${spec%%:*}
    lab__require_node "$peer"
    port=${LAB_PORT[$peer]:-4242}
    [ "$spec" = "$peer" ] || port=${spec#*:}
    overlay=$(lab_overlay "$peer")
    underlay="$(lab_ip "$peer"):$port"
  fi
  echo "  \"$overlay\": [\"$underlay\"]"
}

# lab_tun HOST: the tun device name lab_config gives HOST.
lab_tun() { echo "${LAB_PREFIX}t${LAB_NODE_INDEX[$1]}"; }

# ---- Daemons -----------------------------------------------------------------------------

# lab_daemon_binary IMPL: the daemon binary of IMPL (flatnet, nebula, nebula-VERSION).
lab_daemon_binary() {
  case $1 in
    flatnet) echo "$FLATNET_BIN/flatnet" ;;
    *) lab_nebula_bin "$(lab_impl_version "$1")" nebula ;;
  esac
}

# lab_have IMPL: true when that implementation's binary exists.
lab_have() { [ -x "$(lab_daemon_binary "$1")" ]; }

# lab_require IMPL...: fails the test, naming the binary and how to get it, unless every
# IMPL's daemon binary exists. Interop labs call it first: a missing nebula is a failure,
# never a skip.
lab_require() {
  local impl bin
  for impl in "$@"; do
    bin=$(lab_daemon_binary "$impl")
    [ -x "$bin" ] && continue
    if [ "$impl" = flatnet ]; then
      lab_fail "flatnet not found at $bin (build target flatnet)"
    fi
    lab_fail "$impl: nebula $(lab_impl_version "$impl") not found at $bin (scripts/setup.sh installs it)"
  done
}

# lab_start_daemon HOST IMPL [CONFIG] [--no-wait] [--env NAME=VALUE]...: runs IMPL's daemon
# (flatnet, nebula, nebula-VERSION; see lab_impl_ok) with `-config CONFIG` (default
# $LAB_DIR/HOST.yml) inside HOST, logging to $LAB_DIR/HOST.log (appended across restarts),
# and waits up to 10 s for its tun device to come up. Fails with the log's tail if the
# daemon dies or its tun never appears. --env puts NAME=VALUE in the daemon's environment
# only (the fault lab preloads libfaketime that way).
lab_start_daemon() {
  local host=$1 impl=$2 config="" wait=1 bin tun env=()
  shift 2 || lab_fail "usage: lab_start_daemon HOST IMPL [CONFIG] [--no-wait] [--env NAME=VALUE]"
  while [ $# -gt 0 ]; do
    case $1 in
      --no-wait) wait=0; shift ;;
      --env)
        [[ ${2:-} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || lab_fail "lab_start_daemon $host: --env '${2:-}' is not NAME=VALUE"
        env+=("$2"); shift 2 ;;
      *) config=$1; shift ;;
    esac
  done
  lab__require_node "$host"
  config=${config:-$LAB_DIR/$host.yml}
  lab_require "$impl"
  bin=$(lab_daemon_binary "$impl")
  [ -f "$config" ] || lab_fail "config $config for '$host' does not exist (run lab_config)"
  if [ -n "${LAB_PID[daemon-$host]:-}" ] && lab__ours "${LAB_PID[daemon-$host]}"; then
    lab_fail "a daemon already runs on '$host' (lab_stop_daemon it first)"
  fi
  echo "=== lab: starting $impl on $host at $(date +%T.%N) ===" >>"$LAB_DIR/$host.log"
  ip netns exec "$(lab_ns "$host")" env "${env[@]}" "$bin" -config "$config" >>"$LAB_DIR/$host.log" 2>&1 &
  LAB_PID[daemon-$host]=$!
  disown "$!"
  echo "$impl" >"$LAB_DIR/$host.impl"
  [ "$wait" = 1 ] || return 0
  tun=$(sed -n 's/^  dev: *//p' "$config" | head -1)
  local pid=${LAB_PID[daemon-$host]} i
  for ((i = 0; i < 100; i++)); do  # 10 s
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LAB_DIR/$host.log" >&"$LAB_STDERR"
      lab_fail "$impl on '$host' exited at startup; log above ($LAB_DIR/$host.log)"
    fi
    if [ -z "$tun" ] || ip -n "$(lab_ns "$host")" link show "$tun" up >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$LAB_DIR/$host.log" >&"$LAB_STDERR"
  lab_fail "$impl on '$host' did not bring up its tun '$tun' within 10 s; log above"
}

# lab_daemon_pid HOST: PID of the daemon running on HOST.
lab_daemon_pid() { echo "${LAB_PID[daemon-$1]:?no daemon started on $1}"; }

# lab_daemon_alive HOST: true while HOST's daemon runs.
lab_daemon_alive() { lab__ours "${LAB_PID[daemon-$1]:-0}"; }

# lab_stop_daemon HOST [--kill]: TERM (or KILL at once) and wait, bounded.
lab_stop_daemon() {
  local host=$1 pid
  pid=${LAB_PID[daemon-$host]:-}
  [ -n "$pid" ] || lab_fail "lab_stop_daemon: no daemon started on '$host'"
  if [ "${2:-}" = --kill ] && lab__ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  lab__end_pid "$pid"
  unset "LAB_PID[daemon-$host]"
}

# lab_log_of HOST: path of HOST's daemon log.
lab_log_of() { echo "$LAB_DIR/$1.log"; }

# lab_artifact FILE: keeps FILE (a screenshot, a report) as the test's artifact, since the
# lab's temp dir goes at teardown: copies it to $LAB_ARTIFACTS/<lab name>/ (replacing the
# last run's) and prints the copy's path.
lab_artifact() {
  [ $# -eq 1 ] && [ -f "$1" ] || lab_fail "lab_artifact: '${1:-}' is not a file"
  local dir="$LAB_ARTIFACTS/$LAB_NAME"
  mkdir -p "$dir" && cp "$1" "$dir/" || lab_fail "lab_artifact: cannot copy $1 into $dir"
  echo "$dir/$(basename "$1")"
}

# lab_cpu_ticks PID: user+system CPU time of PID in clock ticks (for benchmarks).
lab_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
