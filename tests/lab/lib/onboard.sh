# shellcheck shell=bash
# onboard.sh — what the onboarding labs (bundle_nebula_test.sh, join_test.sh) share. Source
# it after netlab.sh, once the lab's lighthouse host exists.
#
# onboard_team_yml FILE LH [TEAM-SECTION]: writes a team.yml (docs/onboarding.md) for the
# lab's team: lighthouse LH (192.168.100.1 at its first address, port 4242), the members'
# tun named <prefix>tm and their status socket in the lab's directory (flatnet's
# control.socket; nebula ignores it), outbound anything and inbound ICMP. TEAM-SECTION is the body of the
# `team:` section as written, lines indented two spaces (default "  name: lab-team").
onboard_team_yml() {
  local file=$1 lh=$2 team=${3:-"  name: lab-team"}
  cat >"$file" <<YAML
team:
$team
static_host_map:
  "192.168.100.1": ["$(lab_ip "$lh"):4242"]
lighthouse:
  hosts: ["192.168.100.1"]
  interval: 60
listen:
  host: 0.0.0.0
  port: 4242
punchy:
  punch: true
tun:
  dev: ${LAB_PREFIX}tm
control:
  socket: $LAB_DIR/member.sock
firewall:
  outbound:
    - {port: any, proto: any, host: any}
  inbound:
    - {port: any, proto: icmp, host: any}
YAML
}
