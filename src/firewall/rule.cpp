#include "firewall/rule.h"

#include <string_view>

namespace flatnet::firewall {

namespace {

constexpr uint32_t kMaxPort = 65535;

std::string Quote(const std::string& value) { return "\"" + value + "\""; }

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Decimal digits only; nullopt for anything else (signs, spaces, empty). Values above 65535
// are returned so the caller can say "out of range" rather than "not a number".
std::optional<uint32_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + uint32_t(c - '0');
  }
  return value;
}

bool IsLowercaseHexFingerprint(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ToLowerAscii(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return text;
}

// cidr / local_cidr: "" (absent) or "any" (nullopt inside), or an IPv4 or IPv6 CIDR as
// netip.ParsePrefix reads it (Nebula's parser).
Result<std::optional<IpPrefix>> ParseOptionalCidr(const std::string& key,
                                                  const std::string& value) {
  if (value.empty() || value == "any") return std::optional<IpPrefix>();
  Result<IpPrefix> cidr = ParseIpPrefix(value);
  if (cidr.ok()) return std::optional<IpPrefix>(*cidr);
  return Status::Error(key + " " + Quote(value) + " is not a CIDR like 192.168.100.0/24 (or any)");
}

Result<uint8_t> ParseProtocol(const std::string& value) {
  if (value == "any") return kProtoAny;
  if (value == "tcp") return kProtoTcp;
  if (value == "udp") return kProtoUdp;
  if (value == "icmp") return kProtoIcmp;
  if (value.empty()) return Status::Error("proto is missing; use any, tcp, udp or icmp");
  return Status::Error("proto " + Quote(value) + " is not one of any, tcp, udp, icmp");
}

// Nebula's "any" shortcut (FirewallRule.isAny): no peer selector at all, or one that
// admits everyone, makes the whole rule do so.
bool SelectsEveryPeer(const config::FirewallRule& text) {
  if (text.host.empty() && text.groups.empty() && text.cidr.empty()) return true;
  if (text.host == "any" || text.cidr == "any") return true;
  for (const std::string& group : text.groups) {
    if (group == "any") return true;
  }
  return false;
}

}  // namespace

bool PortMatch::Matches(const Packet& packet, bool incoming) const {
  // ICMP's and ICMPv6's "ports" (the echo identifier) only tell flows apart; rules never
  // filter on them.
  if (IsIcmp(packet.protocol)) return kind == Kind::kAny;
  switch (kind) {
    case Kind::kAny:
      return true;
    case Kind::kFragment:
      return packet.fragment;
    case Kind::kRange: {
      if (packet.fragment) return false;
      const uint16_t port = packet.RulePort(incoming);
      return port >= first && port <= last;
    }
  }
  return false;
}

bool Rule::MatchesIssuer(const PeerIdentity& peer) const {
  if (ca_sha.empty() && ca_name.empty()) return true;
  // A rule naming both is satisfied by either, as Nebula files it under both.
  if (!ca_sha.empty() && ca_sha == peer.issuer) return true;
  if (!ca_name.empty() && ca_name == peer.ca_name) return true;
  return false;
}

bool Rule::MatchesSelectors(const Packet& packet, const PeerIdentity& peer) const {
  if (any_peer) return true;
  if (!groups.empty()) {
    bool has_all = true;
    for (const std::string& group : groups) {
      if (!peer.HasGroup(group)) {
        has_all = false;
        break;
      }
    }
    if (has_all) return true;
  }
  if (!host.empty() && host == peer.name) return true;
  if (cidr && cidr->Contains(packet.remote_ip)) return true;
  return false;
}

bool Rule::MatchesLocal(const Packet& packet) const {
  if (local_any) return true;
  for (const IpPrefix& network : local_networks) {
    if (network.Contains(packet.local_ip)) return true;
  }
  return false;
}

bool Rule::Matches(const Packet& packet, bool incoming, const PeerIdentity& peer) const {
  // "icmp" is ICMP and ICMPv6 alike, as Nebula files both under one table.
  const bool protocol_matches = protocol == kProtoAny || protocol == packet.protocol ||
                                (protocol == kProtoIcmp && IsIcmp(packet.protocol));
  if (!protocol_matches) return false;
  return port.Matches(packet, incoming) && MatchesIssuer(peer) && MatchesSelectors(packet, peer) &&
         MatchesLocal(packet);
}

Result<PortMatch> ParsePortMatch(const std::string& key, const std::string& value) {
  PortMatch match;
  if (value == "any") return match;
  if (value == "fragment") {
    match.kind = PortMatch::Kind::kFragment;
    return match;
  }
  const std::string not_a_port = key + " " + Quote(value) + " is not a port or range";
  const std::string out_of_range = key + " " + Quote(value) + " is out of range 0-65535";

  size_t dash = value.find('-');
  std::string_view text(value);
  std::optional<uint32_t> first =
      ParseDecimal(TrimSpaces(dash == std::string::npos ? text : text.substr(0, dash)));
  std::optional<uint32_t> last =
      dash == std::string::npos ? first : ParseDecimal(TrimSpaces(text.substr(dash + 1)));
  if (!first || !last) return Status::Error(not_a_port);
  if (*first > kMaxPort || *last > kMaxPort) return Status::Error(out_of_range);
  if (*first > *last) {
    return Status::Error(key + " range " + Quote(value) + " starts after it ends");
  }
  // Port 0, or a range from 0, is Nebula's spelling of "any".
  if (*first == 0) return match;
  match.kind = PortMatch::Kind::kRange;
  match.first = uint16_t(*first);
  match.last = uint16_t(*last);
  return match;
}

Result<Rule> ParseRule(const config::FirewallRule& text, const RuleDefaults& defaults) {
  Rule rule;

  if (!text.port.empty() && !text.code.empty()) {
    return Status::Error("only one of port or code may be given (port " + Quote(text.port) +
                         ", code " + Quote(text.code) + ")");
  }
  Result<uint8_t> protocol = ParseProtocol(text.proto);
  if (!protocol.ok()) return protocol.status();
  rule.protocol = *protocol;

  // ICMP has no ports: Nebula 1.11 takes an icmp rule's port (or code) as any, unread.
  if (rule.protocol != kProtoIcmp) {
    if (text.port.empty() && text.code.empty()) {
      return Status::Error("port is missing; use any, a number, a range like 200-901, or fragment");
    }
    Result<PortMatch> port =
        text.code.empty() ? ParsePortMatch("port", text.port) : ParsePortMatch("code", text.code);
    if (!port.ok()) return port.status();
    rule.port = *port;
  }

  if (text.host.empty() && text.groups.empty() && text.cidr.empty() && text.local_cidr.empty() &&
      text.ca_name.empty() && text.ca_sha.empty()) {
    return Status::Error(
        "needs at least one of host, group, groups, cidr, local_cidr, ca_name or ca_sha");
  }

  for (size_t i = 0; i < text.groups.size(); ++i) {
    if (text.groups[i].empty()) {
      return Status::Error("group name " + std::to_string(i + 1) + " is empty");
    }
  }
  rule.host = text.host;
  rule.groups = text.groups;

  Result<std::optional<IpPrefix>> cidr = ParseOptionalCidr("cidr", text.cidr);
  if (!cidr.ok()) return cidr.status();
  rule.cidr = *cidr;
  Result<std::optional<IpPrefix>> local_cidr = ParseOptionalCidr("local_cidr", text.local_cidr);
  if (!local_cidr.ok()) return local_cidr.status();
  if (text.local_cidr.empty()) {
    rule.local_any = defaults.local_any;
    if (!rule.local_any) rule.local_networks = defaults.overlay_networks;
  } else if (text.local_cidr == "any") {
    rule.local_any = true;
  } else {
    rule.local_any = false;
    rule.local_networks.push_back(**local_cidr);
  }

  rule.ca_name = text.ca_name;
  if (!text.ca_sha.empty()) {
    rule.ca_sha = ToLowerAscii(text.ca_sha);
    if (!IsLowercaseHexFingerprint(rule.ca_sha)) {
      return Status::Error("ca_sha " + Quote(text.ca_sha) +
                           " is not a CA fingerprint (64 hex digits, as nebula-cert print "
                           "shows)");
    }
  }

  rule.any_peer = SelectsEveryPeer(text);
  return rule;
}

}  // namespace flatnet::firewall
