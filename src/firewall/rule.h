// Rule: one validated firewall rule, ready to match packets.
//
// Contract: ParseRule turns the text of one config.yml rule into a Rule or an error that
// names the offending key and value (the caller adds which table, rule and line). Matching
// is Nebula's (firewall.go, examples/config.yml):
//
//   proto AND port AND (no CA given OR ca_sha OR ca_name)
//         AND (any OR host OR all of groups OR cidr OR local_cidr)
//
// - port: "any" or "0" is any port; "N"; "N-M" (a range starting at 0 is any, as in
//   Nebula); "fragment" matches second and later fragments, which carry no port. The port
//   checked is the packet's destination port (local port coming in, remote going out).
//   "code" is Nebula's synonym of port for ICMP; ICMP packets have port 0, so only "any"
//   matches them, exactly as in Nebula.
// - host "any", a group named "any", or a cidr/local_cidr containing 0.0.0.0 make the rule
//   match every peer (Nebula's shortcut), whatever else the rule lists.
// - cidr matches the packet's remote address, local_cidr its local address (Nebula 1.7's
//   local_cidr, an alternative like host or groups).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/firewall_rule.h"
#include "net/ip.h"
#include "firewall/packet.h"
#include "firewall/peer_identity.h"

namespace flatnet::firewall {

struct PortMatch {
  enum class Kind : uint8_t { kAny, kFragment, kRange };
  Kind kind = Kind::kAny;
  uint16_t first = 0;
  uint16_t last = 0;

  bool Matches(const Packet& packet, bool incoming) const;
};

struct Rule {
  uint8_t protocol = kProtoAny;  // kProtoAny, kProtoTcp, kProtoUdp or kProtoIcmp
  PortMatch port;
  bool any_peer = false;  // a selector said "any": host, groups and cidrs need not match
  std::string host;
  std::vector<std::string> groups;  // all must be in the peer's groups
  std::optional<net::Ipv4Cidr> cidr;
  std::optional<net::Ipv4Cidr> local_cidr;
  std::string ca_name;
  std::string ca_sha;  // lowercase hex

  // proto and port are the caller's concern when it indexes rules by protocol; Matches
  // checks everything.
  bool Matches(const Packet& packet, bool incoming, const PeerIdentity& peer) const;
  bool MatchesIssuer(const PeerIdentity& peer) const;
  bool MatchesSelectors(const Packet& packet, const PeerIdentity& peer) const;
};

Result<Rule> ParseRule(const config::FirewallRule& text);

// Parses a rule's port or code value ("any", "0", "80", "200-901", "fragment"); `key`
// names it in the error ("port" or "code").
Result<PortMatch> ParsePortMatch(const std::string& key, const std::string& value);

}  // namespace flatnet::firewall
