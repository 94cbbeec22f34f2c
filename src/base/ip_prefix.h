// IP addresses and prefixes for IPv4 and IPv6, with the semantics of Go's net/netip, because
// Nebula's certificates (networks, unsafe networks), config and CLI are written in its terms
// and flatnet must parse, compare and print them the same way.
//
// IpAddr: an IPv4 or IPv6 address, or the invalid (zero) address. IPv6 addresses keep their
// 16 bytes as given: ::ffff:1.2.3.4 is an IPv6 address (Is4In6), not the IPv4 1.2.3.4 (Unmap
// makes it one). No zones: flatnet has no use for them, and ParseIpAddr refuses them.
// Ordering is netip's Addr.Compare: invalid < IPv4 < IPv6, then by bytes.
//
// IpPrefix: an address and a prefix length, the address kept as written (10.1.2.3/24 keeps
// its host bits; Masked() drops them), like netip.Prefix. A prefix whose length exceeds its
// family's bit length is invalid, as netip.PrefixFrom makes it; ToString() then says
// "invalid Prefix". Ordering is Nebula's (address first, then length).
//
// Text forms are netip's: "10.1.2.3", "fd00::1" (RFC 5952: lowercase, the longest run of two or
// more zero groups as "::"), "::ffff:10.1.2.3"; errors quote netip's messages, e.g.
// `ParseAddr("1.2.3"): IPv4 address too short`, `netip.ParsePrefix("1.2.3.4/33"): prefix
// length out of range`.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace flatnet {

class IpAddr {
 public:
  enum class Family : uint8_t { kInvalid = 0, kV4 = 4, kV6 = 6 };

  IpAddr() = default;  // the invalid address
  // From a host-order value: 10.1.2.3 is 0x0a010203.
  static IpAddr V4(uint32_t host_order);
  static IpAddr V4(const std::array<uint8_t, 4>& bytes);
  static IpAddr V6(const std::array<uint8_t, 16>& bytes);
  // 4 bytes -> IPv4, 16 bytes -> IPv6, anything else -> invalid.
  static IpAddr FromBytes(ByteSpan bytes);

  Family family() const { return family_; }
  bool valid() const { return family_ != Family::kInvalid; }
  bool is_v4() const { return family_ == Family::kV4; }
  bool is_v6() const { return family_ == Family::kV6; }
  // 32, 128, or 0 for the invalid address.
  int bit_length() const;
  // The IPv4 address in host order; 0 unless is_v4().
  uint32_t v4() const;
  // The address's own bytes: 4 for IPv4, 16 for IPv6, none for invalid.
  ByteSpan bytes() const;
  // Always 16 bytes; IPv4 as its IPv4-mapped form ::ffff:a.b.c.d.
  const std::array<uint8_t, 16>& bytes16() const { return bytes_; }

  bool Is4In6() const;
  // An IPv4-mapped IPv6 address as IPv4; any other address unchanged.
  IpAddr Unmap() const;
  // 0.0.0.0 or ::.
  bool IsUnspecified() const;

  std::string ToString() const;  // "invalid IP" for the invalid address, as Go prints it

  bool operator==(const IpAddr& other) const = default;
  std::strong_ordering operator<=>(const IpAddr& other) const;

  // For hash maps keyed by address (the host map, per packet): the 16 bytes mixed as two
  // words, no allocation. IPv4 and its mapped IPv6 form share the bytes but not the family,
  // so they are unequal keys that merely share a bucket.
  size_t Hash() const {
    uint64_t hi, lo;
    std::memcpy(&hi, bytes_.data(), 8);
    std::memcpy(&lo, bytes_.data() + 8, 8);
    uint64_t h = (hi ^ uint64_t(family_)) * 0x9E3779B97F4A7C15ull ^ lo * 0xC2B2AE3D27D4EB4Full;
    return size_t(h ^ (h >> 29));
  }

 private:
  Family family_ = Family::kInvalid;
  std::array<uint8_t, 16> bytes_{};  // IPv4 as ::ffff:a.b.c.d
};

class IpPrefix {
 public:
  IpPrefix() = default;  // invalid
  // netip.PrefixFrom: invalid unless 0 <= bits <= addr.bit_length() and addr is valid.
  static IpPrefix From(IpAddr addr, int bits);

  bool valid() const { return bits_ >= 0; }
  const IpAddr& addr() const { return addr_; }
  int bits() const { return bits_; }  // -1 when invalid
  bool is_v4() const { return valid() && addr_.is_v4(); }
  bool is_v6() const { return valid() && addr_.is_v6(); }

  // The address with its host bits cleared: 10.1.2.3/24 -> 10.1.2.0/24.
  IpPrefix Masked() const;
  // True if `ip` is of the same family and its first bits() bits equal the prefix's.
  bool Contains(const IpAddr& ip) const;
  // True if the two prefixes share any address (same family only).
  bool Overlaps(const IpPrefix& other) const;
  // For IPv4 prefixes: the netmask in host order (/24 -> 0xffffff00).
  uint32_t V4Mask() const;

  std::string ToString() const;  // "10.1.2.3/24", or "invalid Prefix"

  bool operator==(const IpPrefix& other) const = default;
  // Address first, then prefix length (Nebula's comparePrefix).
  std::strong_ordering operator<=>(const IpPrefix& other) const;

 private:
  IpAddr addr_;
  int bits_ = -1;
};

// netip.ParseAddr, without zones.
Result<IpAddr> ParseIpAddr(std::string_view text);
// netip.ParsePrefix: "addr/bits", bits decimal without sign or leading zeros.
Result<IpPrefix> ParseIpPrefix(std::string_view text);

// Length of a contiguous IPv4 netmask (0xffffff00 -> 24), or -1 if its one bits are not
// contiguous from the top (Go's net.IPMask.Size() returns 0, 0 then).
int V4MaskBits(uint32_t mask);

}  // namespace flatnet

template <>
struct std::hash<flatnet::IpAddr> {
  size_t operator()(const flatnet::IpAddr& ip) const noexcept { return ip.Hash(); }
};
