#include "config/ip_address.h"

#include <algorithm>
#include <charconv>

namespace flatnet::config {

std::optional<IpAddr> ParseIp(std::string_view text) {
  auto ip = ParseIpAddr(text);
  if (!ip.ok()) return std::nullopt;
  return ip->Unmap();
}

std::optional<IpPrefix> ParseNetwork(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto prefix = ParseIpPrefix(text);
  if (!prefix.ok()) return std::nullopt;
  // Go's ParseCIDR keeps an IPv4-mapped address IPv6-sized; a /N there counts 128 bits.
  if (prefix->addr().Is4In6()) {
    if (prefix->bits() < 96) return std::nullopt;
    return IpPrefix::From(prefix->addr().Unmap(), prefix->bits() - 96).Masked();
  }
  return prefix->Masked();
}

bool Covers(const IpPrefix& outer, const IpPrefix& inner) {
  return inner.bits() >= outer.bits() && outer.Contains(inner.addr());
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
  result.ip = ParseIp(result.host);
  if (!result.ip && result.host.find(':') != std::string::npos) {
    return Status::Error("\"" + result.host + "\" is not an IPv6 address");
  }
  return result;
}

}  // namespace flatnet::config
