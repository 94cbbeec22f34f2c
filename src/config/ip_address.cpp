#include "config/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace flatnet::config {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string copy(text);
  IpAddress ip;
  if (copy.find(':') == std::string::npos) {
    // glibc's inet_pton rejects leading zeros and short forms, like Go's ParseIP.
    if (inet_pton(AF_INET, copy.c_str(), ip.bytes.data()) != 1) return std::nullopt;
    return ip;
  }
  if (inet_pton(AF_INET6, copy.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMappedPrefix, kMappedPrefix + 12, ip.bytes.begin())) {
    IpAddress v4;
    std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
    return v4;
  }
  ip.is_v6 = true;
  return ip;
}

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress ip;
  for (int i = 0; i < 4; ++i) ip.bytes[i] = uint8_t(host_order >> (24 - 8 * i));
  return ip;
}

uint32_t IpAddress::v4() const {
  return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof(buffer));
  return buffer;
}

namespace {

int BitCount(const IpAddress& ip) { return ip.is_v6 ? 128 : 32; }

bool SamePrefix(const IpAddress& a, const IpAddress& b, int bits) {
  for (int i = 0; i < bits / 8; ++i) {
    if (a.bytes[i] != b.bytes[i]) return false;
  }
  if (bits % 8 == 0) return true;
  uint8_t mask = uint8_t(0xff << (8 - bits % 8));
  return (a.bytes[bits / 8] & mask) == (b.bytes[bits / 8] & mask);
}

}  // namespace

std::optional<IpNetwork> IpNetwork::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = IpAddress::Parse(text.substr(0, slash));
  std::string_view digits = text.substr(slash + 1);
  // Go's ParseCIDR keeps an IPv4-mapped address IPv6-sized; a /N there counts 128 bits.
  bool mapped_v6 = ip && ip->is_v4() && text.substr(0, slash).find(':') != std::string_view::npos;
  int length = -1;
  if (!ip || digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (mapped_v6) {
    if (length < 96 || length > 128) return std::nullopt;
    length -= 96;
  }
  if (length < 0 || length > BitCount(*ip)) return std::nullopt;
  IpNetwork network;
  network.prefix_length = length;
  network.address.is_v6 = ip->is_v6;
  for (int bit = 0; bit < length; ++bit) {
    uint8_t mask = uint8_t(0x80 >> (bit % 8));
    network.address.bytes[bit / 8] |= ip->bytes[bit / 8] & mask;
  }
  return network;
}

bool IpNetwork::Contains(const IpAddress& ip) const {
  return ip.is_v6 == address.is_v6 && SamePrefix(ip, address, prefix_length);
}

bool IpNetwork::Covers(const IpNetwork& other) const {
  return other.prefix_length >= prefix_length && Contains(other.address);
}

std::string IpNetwork::ToString() const {
  return address.ToString() + "/" + std::to_string(prefix_length);
}

Result<HostPort> HostPort::Parse(std::string_view text) {
  HostPort result;
  result.text = std::string(text);
  std::string_view port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Status::Error("missing ']' in address");
    if (close + 1 >= text.size() || text[close + 1] != ':') return Status::Error("missing port");
    result.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Status::Error("missing port");
    if (text.find(':') != colon) {
      return Status::Error("too many colons in address (write IPv6 as [addr]:port)");
    }
    result.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (result.host.empty()) return Status::Error("missing host");
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Status::Error("\"" + std::string(port_text) + "\" is not a port number (0-65535)");
  }
  result.port = static_cast<uint16_t>(port);
  result.ip = IpAddress::Parse(result.host);
  if (!result.ip && result.host.find(':') != std::string::npos) {
    return Status::Error("\"" + result.host + "\" is not an IPv6 address");
  }
  return result;
}

}  // namespace flatnet::config
