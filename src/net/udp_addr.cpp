#include "net/udp_addr.h"

#include <arpa/inet.h>

#include <charconv>

namespace flatnet::net {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

Result<uint16_t> ParsePort(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  bool digits_only = !text.empty() && text.size() <= 5;
  for (char c : text) digits_only = digits_only && c >= '0' && c <= '9';
  if (digits_only) std::from_chars(text.data(), text.data() + text.size(), value);
  if (!digits_only || value > 65535) {
    return Status::Error("invalid port \"" + std::string(text) + "\" in address \"" +
                         std::string(whole) + "\" (want 0-65535)");
  }
  return uint16_t(value);
}

}  // namespace

UdpAddr::UdpAddr(const IpAddr& ip, uint16_t port) : ip_(ip.bytes16()), port_(port) {}

bool UdpAddr::is_v4() const { return std::memcmp(ip_.data(), kMappedPrefix, 12) == 0; }

uint32_t UdpAddr::v4() const { return LoadBig32(ip_.data() + 12); }

bool UdpAddr::is_unspecified() const { return is_v4() ? v4() == 0 : ip_ == Bytes16{}; }

Result<UdpAddr> UdpAddr::ParseIp(std::string_view text, uint16_t port) {
  if (text.find(':') == std::string_view::npos) {
    auto v4 = ParseIpAddr(text);
    if (!v4.ok()) return Status::Error("invalid IP address \"" + std::string(text) + "\"");
    return UdpAddr(*v4, port);
  }
  if (text.find('%') != std::string_view::npos) {
    return Status::Error("IPv6 zones are not supported in \"" + std::string(text) + "\"");
  }
  std::string copy(text);  // inet_pton needs a terminated string
  Bytes16 bytes;
  if (inet_pton(AF_INET6, copy.c_str(), bytes.data()) != 1) {
    return Status::Error("invalid IP address \"" + copy + "\"");
  }
  return UdpAddr(bytes, port);
}

Result<UdpAddr> UdpAddr::Parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Status::Error("missing ']' in address \"" + std::string(text) + "\"");
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::Error("missing port in address \"" + std::string(text) + "\"");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::Error("missing port in address \"" + std::string(text) + "\"");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Status::Error("too many colons in address \"" + std::string(text) +
                           "\" (write IPv6 as [addr]:port)");
    }
  }
  auto port_value = ParsePort(port, text);
  if (!port_value.ok()) return port_value.status();
  auto addr = ParseIp(host, *port_value);
  if (!addr.ok()) return addr.status().Wrap("in address \"" + std::string(text) + "\"");
  return addr;
}

std::optional<UdpAddr> UdpAddr::FromSockaddr(const sockaddr* sa, socklen_t len) {
  if (sa->sa_family == AF_INET && len >= socklen_t(sizeof(sockaddr_in))) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return UdpAddr(IpAddr::V4(ntohl(in->sin_addr.s_addr)), ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= socklen_t(sizeof(sockaddr_in6))) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    Bytes16 bytes;
    std::memcpy(bytes.data(), &in6->sin6_addr, 16);
    return UdpAddr(bytes, ntohs(in6->sin6_port));
  }
  return std::nullopt;
}

socklen_t UdpAddr::ToSockaddr(int family, sockaddr_storage* out) const {
  std::memset(out, 0, sizeof(sockaddr_in6));
  if (family == AF_INET) {
    if (!is_v4()) return 0;
    auto* in = reinterpret_cast<sockaddr_in*>(out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port_);
    std::memcpy(&in->sin_addr, ip_.data() + 12, 4);
    return sizeof(sockaddr_in);
  }
  if (family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port_);
    std::memcpy(&in6->sin6_addr, ip_.data(), 16);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

std::string UdpAddr::IpString() const { return ip().ToString(); }

std::string UdpAddr::ToString() const {
  std::string port = std::to_string(port_);
  return is_v4() ? IpString() + ":" + port : "[" + IpString() + "]:" + port;
}

}  // namespace flatnet::net
