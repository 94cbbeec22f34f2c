// Addresses as config.yml writes them: IPs (overlay and underlay), CIDRs and "host:port".
//
// Contract: parsing follows Go's net package as nebula uses it: ParseIP accepts dotted IPv4
// (no leading zeros) and IPv6 text; an IPv4-mapped IPv6 address is the IPv4 address.
// A CIDR is masked to its network ("10.1.2.3/8" -> 10.0.0.0/8), as net.ParseCIDR does.
// HostPort keeps the host as written (a name is resolved later, by the caller) and fills
// `ip` when the host is an IP literal. Parse functions return nullopt / an error; no throws.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flatnet::config {

struct IpAddress {
  bool is_v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses bytes[0..3]

  static std::optional<IpAddress> Parse(std::string_view text);
  static IpAddress V4(uint32_t host_order);

  bool is_v4() const { return !is_v6; }
  uint32_t v4() const;  // host byte order; only for IPv4
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

struct IpNetwork {
  IpAddress address;  // the network address (host bits cleared)
  int prefix_length = 0;

  static std::optional<IpNetwork> Parse(std::string_view text);

  bool Contains(const IpAddress& ip) const;
  // True when every address of `other` is inside this network.
  bool Covers(const IpNetwork& other) const;
  std::string ToString() const;
  bool operator==(const IpNetwork&) const = default;
};

struct HostPort {
  std::string text;  // as written, e.g. "lighthouse.example.com:4242"
  std::string host;  // "lighthouse.example.com", "192.0.2.1", "2001:db8::1"
  uint16_t port = 0;
  std::optional<IpAddress> ip;  // set when host is an IP literal

  // Accepts "host:port" and "[ipv6]:port", port 0-65535. The error says what is wrong.
  static Result<HostPort> Parse(std::string_view text);
};

}  // namespace flatnet::config
