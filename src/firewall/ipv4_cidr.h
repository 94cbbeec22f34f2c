// Ipv4Cidr: an IPv4 network (address and prefix length) for rules, certificates' subnets
// and this host's own networks.
//
// Contract: addresses are host byte order; a parsed or constructed Ipv4Cidr always has its
// host bits cleared, so "10.1.2.3/8" and "10.0.0.0/8" are the same network (as Go's
// net.ParseCIDR, which Nebula uses, reads them). Parsing accepts only dotted-quad
// "a.b.c.d/n" with decimal octets without leading zeros and 0 <= n <= 32.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flatnet::firewall {

struct Ipv4Cidr {
  uint32_t network = 0;
  uint8_t prefix_length = 0;

  static Ipv4Cidr Of(uint32_t address, int prefix_length) {
    return Ipv4Cidr{address & MaskFor(prefix_length), uint8_t(prefix_length)};
  }
  static Ipv4Cidr Host(uint32_t address) { return Of(address, 32); }
  static uint32_t MaskFor(int prefix_length) {
    return prefix_length == 0 ? 0 : ~uint32_t(0) << (32 - prefix_length);
  }

  bool Contains(uint32_t address) const { return (address & MaskFor(prefix_length)) == network; }
  bool operator==(const Ipv4Cidr&) const = default;
};

std::optional<uint32_t> ParseIpv4Address(std::string_view text);
std::optional<Ipv4Cidr> ParseIpv4Cidr(std::string_view text);

std::string FormatIpv4(uint32_t address);     // "192.0.2.1"
std::string FormatIpv4Cidr(const Ipv4Cidr&);  // "192.0.2.0/24"

}  // namespace flatnet::firewall
