// Ipv4 and Ipv4Cidr: overlay addresses (a certificate's ip/mask, tun routes, firewall cidrs).
//
// Contract: Ipv4 holds an IPv4 address as a host-order uint32, so comparisons, masks and
// hashing are plain integer operations on the packet path. Parse accepts only canonical
// dotted quads ("10.1.2.3": four decimal octets, no leading zeros, like Go's net.ParseIP)
// and returns an error that quotes the input. Ipv4Cidr keeps the address as written
// ("192.168.100.5/24" stays .5; network() gives .0), because a certificate's ip/mask names
// both the host and its network.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flatnet::net {

class Ipv4 {
 public:
  constexpr Ipv4() = default;
  constexpr explicit Ipv4(uint32_t host_order) : value_(host_order) {}
  static constexpr Ipv4 FromOctets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return Ipv4(uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d);
  }
  static Result<Ipv4> Parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  constexpr bool is_unspecified() const { return value_ == 0; }
  std::string ToString() const;

  constexpr auto operator<=>(const Ipv4&) const = default;

 private:
  uint32_t value_ = 0;
};

class Ipv4Cidr {
 public:
  constexpr Ipv4Cidr() = default;
  // prefix_len should be 0..32; Parse is the checked way in. One outside that range (a
  // caller's bug, e.g. a certificate mask that is not a prefix, PrefixLength() -1) is kept
  // as /32, the narrowest network, so it never widens a check and never shifts by 32+.
  constexpr Ipv4Cidr(Ipv4 address, int prefix_len)
      : address_(address), prefix_len_(prefix_len >= 0 && prefix_len <= 32 ? prefix_len : 32) {}
  // "10.0.0.0/8". A bare address without "/n" is an error: a route needs a prefix.
  static Result<Ipv4Cidr> Parse(std::string_view text);

  constexpr Ipv4 address() const { return address_; }
  constexpr int prefix_len() const { return prefix_len_; }
  constexpr uint32_t mask() const {
    return prefix_len_ <= 0    ? 0
           : prefix_len_ >= 32 ? ~uint32_t(0)
                               : ~uint32_t(0) << (32 - prefix_len_);
  }
  constexpr Ipv4 network() const { return Ipv4(address_.value() & mask()); }
  constexpr bool Contains(Ipv4 ip) const { return (ip.value() & mask()) == network().value(); }
  // True when every address of `inner` is inside this network.
  constexpr bool Contains(const Ipv4Cidr& inner) const {
    return inner.prefix_len_ >= prefix_len_ && Contains(inner.address_);
  }
  // As written: "192.168.100.5/24".
  std::string ToString() const;

  constexpr bool operator==(const Ipv4Cidr&) const = default;

 private:
  Ipv4 address_;
  int prefix_len_ = 0;
};

}  // namespace flatnet::net

template <>
struct std::hash<flatnet::net::Ipv4> {
  size_t operator()(flatnet::net::Ipv4 ip) const noexcept {
    // Multiplicative mix: overlay addresses differ mostly in their low bits.
    return size_t(ip.value()) * 0x9E3779B97F4A7C15ull >> 16;
  }
};
