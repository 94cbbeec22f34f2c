// SocketAddress: an IPv4 or IPv6 address with a port, as the socket calls take it.
//
// Contract: a default-constructed SocketAddress is empty() (family AF_UNSPEC). Equality and
// hashing look at family, address bytes, port (and IPv6 scope), never at padding, so an
// address read from recvfrom() finds the session keyed by the same client. ToString() is
// "192.0.2.1:4242" or "[2001:db8::1]:4242", the form LISTEN and TARGET are written in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "forward/platform.h"

namespace flatnet::forward {

class SocketAddress {
 public:
  SocketAddress();

  // An IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1", no brackets) literal; nullopt otherwise.
  static std::optional<SocketAddress> FromIpLiteral(std::string_view ip, uint16_t port);
  // Copies what a socket call returned; empty() if the family is neither IPv4 nor IPv6.
  static SocketAddress FromSockaddr(const sockaddr* address, socklen_t length);

  bool empty() const { return family() == AF_UNSPEC; }
  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  void set_port(uint16_t port);
  // The address alone: "192.0.2.1", "2001:db8::1".
  std::string IpString() const;
  std::string ToString() const;

  const sockaddr* raw() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t raw_length() const { return length_; }

  friend bool operator==(const SocketAddress& a, const SocketAddress& b);
  friend bool operator!=(const SocketAddress& a, const SocketAddress& b) { return !(a == b); }
  size_t Hash() const;

 private:
  sockaddr_storage storage_;
  socklen_t length_ = 0;
};

struct SocketAddressHash {
  size_t operator()(const SocketAddress& address) const { return address.Hash(); }
};

}  // namespace flatnet::forward
