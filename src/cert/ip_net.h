// An IPv4 address with a mask: how a certificate lists its overlay addresses ("ips") and the
// networks it may route ("subnets"), and how a CA limits both.
//
// Values are in host byte order (10.1.2.3 is 0x0a010203) because the certificate's protobuf
// stores each as a uint32 with the first octet most significant. Text forms follow Go's
// net package, which nebula-cert prints and parses: "10.1.2.3/24", and for a mask that is
// not a prefix, "10.1.2.3/ff00ff00".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flatnet::cert {

struct Ipv4Net {
  uint32_t ip = 0;
  uint32_t mask = 0;

  bool operator==(const Ipv4Net&) const = default;

  // The address with its host bits cleared: 10.1.2.3/24 -> 10.1.2.0/24.
  Ipv4Net Network() const { return Ipv4Net{ip & mask, mask}; }
  bool Contains(uint32_t address) const { return (address & mask) == (ip & mask); }
  // Prefix length of the mask, or -1 if its one bits are not contiguous from the top.
  int PrefixLength() const;
  std::string ToString() const;
};

std::string FormatIpv4(uint32_t address);

// A CIDR such as "10.1.2.3/24", keeping the host part as written (Network() drops it).
// Accepts what Go's net.ParseCIDR accepts for IPv4: four decimal octets without leading
// zeros, a decimal prefix length 0..32. Errors: `invalid CIDR address: TEXT`, or
// `can only be ipv4, have TEXT` for an IPv6 CIDR.
Result<Ipv4Net> ParseIpv4Cidr(std::string_view text);

// Nebula's rule for "this net lies within one of the CA's nets": the CA net contains the
// address, and no byte of the CA's mask exceeds the same byte of this net's mask.
bool NetWithin(const Ipv4Net& net, const Ipv4Net& ca_net);

}  // namespace flatnet::cert
