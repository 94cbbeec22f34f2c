// Addresses as config.yml writes them: IPs (overlay and underlay), CIDRs and "host:port",
// parsed into base's IpAddr / IpPrefix (base/ip_prefix.h), the one address type of flatnet.
//
// Contract: parsing follows Go's net package as nebula's config uses it, which differs from
// netip's in two ways, so these are config's own entry points rather than ParseIpAddr /
// ParseIpPrefix: an IPv4-mapped IPv6 address is the IPv4 address (net.ParseIP + To4), and a
// CIDR is masked to its network ("10.1.2.3/8" -> 10.0.0.0/8, as net.ParseCIDR does; an
// IPv4-mapped "::ffff:10.0.0.0/104" is 10.0.0.0/8). HostPort keeps the host as written (a
// name is resolved later, by the caller) and fills `ip` when the host is an IP literal.
// Parse functions return nullopt / an error; no throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ip_prefix.h"
#include "base/status.h"

namespace flatnet::config {

// net.ParseIP: "10.1.2.3", "fd00::1"; "::ffff:10.1.2.3" is IPv4. No zones.
std::optional<IpAddr> ParseIp(std::string_view text);
// net.ParseCIDR: the network, host bits cleared. A bare address is not a CIDR.
std::optional<IpPrefix> ParseNetwork(std::string_view text);
// True when every address of `inner` is inside `outer` (same family).
bool Covers(const IpPrefix& outer, const IpPrefix& inner);

struct HostPort {
  std::string text;  // as written, e.g. "lighthouse.example.com:4242"
  std::string host;  // "lighthouse.example.com", "192.0.2.1", "2001:db8::1"
  uint16_t port = 0;
  std::optional<IpAddr> ip;  // set when host is an IP literal

  // Accepts "host:port" and "[ipv6]:port", port 0-65535. The error says what is wrong.
  static Result<HostPort> Parse(std::string_view text);
};

}  // namespace flatnet::config
