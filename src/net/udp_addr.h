// UdpAddr: an underlay endpoint, IPv4 or IPv6 address plus port.
//
// Contract: the address is always held as 16 bytes, with IPv4 in its IPv4-mapped form
// (::ffff:a.b.c.d), so "1.2.3.4:80" and "[::ffff:1.2.3.4]:80" are the same UdpAddr: equal,
// same hash, same text. This is what a dual-stack socket reports for IPv4 peers, and it
// is how Nebula keeps its addresses, so a peer is one key in every map however it arrived.
// ToString matches Go's net.JoinHostPort(ip.String(), port): "1.2.3.4:4242", "[::1]:4242",
// IPv6 written as RFC 5952 (lowercase, longest zero run as "::").
// Parse takes literals only; names go through Resolve (resolve.h).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/ip_prefix.h"
#include "base/status.h"

namespace flatnet::net {

class UdpAddr {
 public:
  using Bytes16 = std::array<uint8_t, 16>;

  // The unspecified address "[::]:0".
  UdpAddr() = default;
  // IPv4 is kept IPv4-mapped; an invalid `ip` is ::.
  UdpAddr(const IpAddr& ip, uint16_t port);
  // An IPv4-mapped `ip` becomes the IPv4 address it maps.
  UdpAddr(const Bytes16& ip, uint16_t port) : ip_(ip), port_(port) {}

  // "1.2.3.4:4242" or "[2001:db8::1]:4242". Errors quote the text and say what is wrong.
  static Result<UdpAddr> Parse(std::string_view text);
  // Parses just the address part ("1.2.3.4", "::1"), for listen.host and friends.
  static Result<UdpAddr> ParseIp(std::string_view text, uint16_t port);
  // AF_INET or AF_INET6 (mapped or not); nullopt for any other family or a short length.
  static std::optional<UdpAddr> FromSockaddr(const sockaddr* sa, socklen_t len);

  bool is_v4() const;
  // The IPv4 address in host order; meaningful only when is_v4().
  uint32_t v4() const;
  const Bytes16& bytes() const { return ip_; }
  // The address as base's IpAddr: IPv4 for an IPv4(-mapped) address, else IPv6.
  IpAddr ip() const { return is_v4() ? IpAddr::FromBytes(ByteSpan(ip_.data() + 12, 4)) : IpAddr::V6(ip_); }
  uint16_t port() const { return port_; }
  void set_port(uint16_t port) { port_ = port; }
  bool is_unspecified() const;  // :: or 0.0.0.0

  // Fills `out` for a socket of `family`: AF_INET needs an IPv4 address; AF_INET6 takes
  // both (IPv4 as mapped). Returns the sockaddr length, or 0 if it cannot be expressed.
  socklen_t ToSockaddr(int family, sockaddr_storage* out) const;

  std::string IpString() const;
  std::string ToString() const;

  bool operator==(const UdpAddr& other) const { return port_ == other.port_ && ip_ == other.ip_; }
  size_t Hash() const {
    uint64_t hi, lo;
    std::memcpy(&hi, ip_.data(), 8);
    std::memcpy(&lo, ip_.data() + 8, 8);
    uint64_t h = (hi * 0x9E3779B97F4A7C15ull) ^ (lo + port_) * 0xC2B2AE3D27D4EB4Full;
    return size_t(h ^ (h >> 29));
  }

 private:
  Bytes16 ip_{};
  uint16_t port_ = 0;
};

}  // namespace flatnet::net

template <>
struct std::hash<flatnet::net::UdpAddr> {
  size_t operator()(const flatnet::net::UdpAddr& a) const noexcept { return a.Hash(); }
};
