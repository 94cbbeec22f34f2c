# shellcheck shell=bash
# cni.sh — flatnet-cni run in a lab host exactly as a container runtime runs it: the
# command and the container in CNI_* variables of an otherwise clean environment, the
# network config on stdin, the result or error JSON on stdout. Containers are
# lab_bare_container namespaces. Source it after netlab.sh.
#
#   lab_cni_config FILE NAME CERT DATADIR [FIELDS]
#       writes a network config to FILE: cniVersion 1.0.0, name NAME, type flatnet-cni,
#       cert CERT, dataDir DATADIR, and FIELDS (more JSON members: '"mtu":1300').
#   lab_cni HOST COMMAND CONTAINER CONFIG
#       runs $FLATNET_BIN/flatnet-cni inside HOST with CNI_COMMAND=COMMAND,
#       CNI_CONTAINERID=container-CONTAINER, CNI_NETNS=$(lab_netns_path CONTAINER),
#       CNI_IFNAME=eth0 and CNI_PATH=$FLATNET_BIN, CONFIG on stdin; prints its stdout and
#       returns its exit status.
#   lab_cni_add HOST CONTAINER CONFIG
#       ADD, failing the test on an error result; keeps the result in
#       $LAB_DIR/cni-CONTAINER.json and records the address it gave, so lab_ip CONTAINER
#       prints it (not from a subshell, or the record is lost).
#   lab_cni_del HOST CONTAINER CONFIG
#       DEL of a container lab_cni_add added, checked as a user would: the host end of its
#       veth (ADD's result names it) and the container's eth0 are gone, and its address is
#       free in the plugin's IPAM state (no dataDir/NAME/ADDRESS file).

lab_cni_config() {
  [ $# -ge 4 ] || lab_fail "usage: lab_cni_config FILE NAME CERT DATADIR [FIELDS]"
  echo "{\"cniVersion\":\"1.0.0\",\"name\":\"$2\",\"type\":\"flatnet-cni\",\"cert\":\"$3\",\"dataDir\":\"$4\"${5:+,$5}}" >"$1"
}

lab_cni() {
  local host=$1 command=$2 container=$3 config=$4 plugin=$FLATNET_BIN/flatnet-cni
  [ -x "$plugin" ] || lab_fail "flatnet-cni not found in $FLATNET_BIN (build target flatnet-cni)"
  lab_exec "$host" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$command" \
    CNI_CONTAINERID="container-$container" CNI_NETNS="$(lab_netns_path "$container")" \
    CNI_IFNAME=eth0 CNI_PATH="$FLATNET_BIN" "$plugin" <"$config"
}

lab_cni_add() {
  local host=$1 container=$2 config=$3 result=$LAB_DIR/cni-$2.json address
  lab_cni "$host" ADD "$container" "$config" >"$result" ||
    lab_fail "ADD of $container on $host failed: $(cat "$result")"
  address=$(jq -r '.ips[0].address // empty' "$result" | cut -d/ -f1)
  [ -n "$address" ] || lab_fail "ADD of $container on $host gave no address: $(cat "$result")"
  lab_node_address "$container" "$address"
}

lab_cni_del() {
  local host=$1 container=$2 config=$3 result=$LAB_DIR/cni-$2.json out host_end address state
  [ -f "$result" ] || lab_fail "lab_cni_del: $container was not added with lab_cni_add"
  host_end=$(jq -r '.interfaces[1].name' "$result")
  address=$(jq -r '.ips[0].address' "$result" | cut -d/ -f1)
  state="$(jq -r .dataDir "$config")/$(jq -r .name "$config")"
  [ -f "$state/$address" ] || lab_fail "before DEL, $container's address $address is not held in $state"
  lab_exec "$host" ip link show "$host_end" >/dev/null 2>&1 || lab_fail "before DEL, $host has no $host_end for $container"
  out=$(lab_cni "$host" DEL "$container" "$config") || lab_fail "DEL of $container on $host failed: $out"
  ! lab_exec "$host" ip link show "$host_end" >/dev/null 2>&1 || lab_fail "DEL of $container left $host_end on $host"
  ! lab_exec "$container" ip link show eth0 >/dev/null 2>&1 || lab_fail "DEL left $container's eth0"
  [ ! -e "$state/$address" ] || lab_fail "DEL of $container did not release $address ($state/$address is still there)"
}
