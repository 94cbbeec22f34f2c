// Rule: one validated firewall rule, ready to match packets.
//
// Contract: ParseRule turns the text of one config.yml rule into a Rule or an error that
// names the offending key and value (the caller adds which table, rule and line). Matching
// is Nebula 1.11.1's (firewall.go, examples/config.yml):
//
//   proto AND port AND (no CA given OR ca_sha OR ca_name)
//         AND (any OR host OR all of groups OR cidr) AND local_cidr
//
// - port: "any" or "0" is any port; "N"; "N-M" (a range starting at 0 is any, as in
//   Nebula); "fragment" matches second and later fragments, which carry no port. The port
//   checked is the packet's destination port (local port coming in, remote going out).
//   "code" is Nebula's synonym of port. An icmp rule needs no port and ignores one (Nebula
//   1.11: ICMP has no ports), and an ICMP packet is matched only by rules whose port is any,
//   whatever their proto. "icmp" is ICMP and ICMPv6 both (Nebula 1.11.1 files them in one
//   table), so one rule admits ping over either family.
// - host "any", a group named "any", cidr "any", or a rule naming none of host, groups and
//   cidr matches every peer (Nebula's shortcut), whatever else the rule lists.
// - cidr matches the packet's remote address, local_cidr its local address, each only
//   addresses of its own family (an IPv6 cidr never matches an IPv4 packet). local_cidr
//   "any" is every address. Without local_cidr a rule takes RuleDefaults: every local
//   address, unless this host's certificate has unsafe networks and
//   firewall.default_local_cidr_any is false (Nebula 1.10+), when only the certificate's own
//   overlay networks match, so traffic to an unsafe route needs a rule naming it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "base/status.h"
#include "config/firewall_rule.h"
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

struct RuleDefaults {
  bool local_any = true;
  std::vector<IpPrefix> overlay_networks;  // what a rule without local_cidr matches when
                                           // local_any is false

  // Nebula's rule for the default: any when the certificate has no unsafe networks or
  // firewall.default_local_cidr_any is true.
  static RuleDefaults For(std::vector<IpPrefix> overlay_networks, bool has_unsafe_networks,
                          bool default_local_cidr_any) {
    return RuleDefaults{!has_unsafe_networks || default_local_cidr_any,
                        std::move(overlay_networks)};
  }
};

struct Rule {
  uint8_t protocol = kProtoAny;  // kProtoAny, kProtoTcp, kProtoUdp or kProtoIcmp (and v6)
  PortMatch port;
  bool any_peer = false;  // a selector said "any": host, groups and cidrs need not match
  std::string host;
  std::vector<std::string> groups;      // all must be in the peer's groups
  std::optional<IpPrefix> cidr;         // the remote address is in it (same family only)
  bool local_any = true;                // local_cidr "any", or the default that is any
  std::vector<IpPrefix> local_networks;  // otherwise: the local address is in one
  std::string ca_name;
  std::string ca_sha;  // lowercase hex

  // proto and port are the caller's concern when it indexes rules by protocol; Matches
  // checks everything.
  bool Matches(const Packet& packet, bool incoming, const PeerIdentity& peer) const;
  bool MatchesIssuer(const PeerIdentity& peer) const;
  bool MatchesSelectors(const Packet& packet, const PeerIdentity& peer) const;
  bool MatchesLocal(const Packet& packet) const;
};

Result<Rule> ParseRule(const config::FirewallRule& text, const RuleDefaults& defaults = {});

// Parses a rule's port or code value ("any", "0", "80", "200-901", "fragment"); `key`
// names it in the error ("port" or "code").
Result<PortMatch> ParsePortMatch(const std::string& key, const std::string& value);

}  // namespace flatnet::firewall
