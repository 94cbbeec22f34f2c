// A member's config.yml, made from the team's template (team.yml on the CA's side): the
// same file for a member running flatnet (`flatnet join`) and one running stock Nebula
// (`flatnet-cert bundle`).
//
// team.yml is a Nebula config.yml without `pki.ca`/`cert`/`key`: what every member shares
// (static_host_map and lighthouse.hosts naming the team's lighthouses, punchy, relay.relays,
// the firewall defaults, pki.blocklist, ...), plus an optional flatnet-only `team:` section
// read by the CA side and dropped from members' files:
//
//     team:
//       name: our-team              # shown by join; default: the CA's name
//       network: 192.168.100.0/24   # where `invite` picks the next free address
//       join: 203.0.113.2:4243      # where `flatnet-cert serve` answers joins
//
// Rendering checks what a member cannot do without — at least one lighthouse in
// lighthouse.hosts, each with an underlay address in static_host_map, and
// lighthouse.am_lighthouse not true — then sets pki.ca/cert/key to the paths given, adds
// `extra_blocklist` to pki.blocklist, and emits YAML every Nebula since 1.6 reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "base/status.h"

namespace flatnet::onboard {

struct TeamTemplate {
  std::string path;  // named in errors
  std::string text;  // the file's YAML
  // From the `team:` section (empty/nullopt when absent).
  std::string name;
  std::optional<IpPrefix> network;
  std::string join_address;
  // lighthouse.hosts, as written.
  std::vector<std::string> lighthouses;
};

// Parses and checks team.yml. Errors name the file and key: "team.yml: lighthouse.hosts:
// the team needs at least one lighthouse".
Result<TeamTemplate> LoadTeamTemplate(const std::string& path);
Result<TeamTemplate> ParseTeamTemplate(const std::string& path, const std::string& text);

struct MemberPki {
  std::string ca;    // "ca.crt" or "/etc/flatnet/ca.crt"
  std::string cert;  // "host.crt"
  std::string key;   // "host.key"
};

// The member's config.yml: a comment line naming `member` and the template, then the YAML.
Result<std::string> RenderMemberConfig(const TeamTemplate& team, const std::string& member,
                                       const MemberPki& pki,
                                       const std::vector<std::string>& extra_blocklist);

}  // namespace flatnet::onboard
