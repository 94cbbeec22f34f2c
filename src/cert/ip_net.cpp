#include "cert/ip_net.h"

#include <cstdio>

namespace flatnet::cert {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Four dot-separated decimal octets, each 0..255 without leading zeros (Go has refused
// "010.0.0.1" since 1.17, because other parsers read it as octal).
bool ParseIpv4(std::string_view text, uint32_t* out) {
  uint32_t address = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (text.empty() || text.front() != '.') return false;
      text.remove_prefix(1);
    }
    size_t digits = 0;
    while (digits < text.size() && IsDigit(text[digits])) ++digits;
    if (digits == 0 || digits > 3 || (digits > 1 && text.front() == '0')) return false;
    uint32_t value = 0;
    for (size_t i = 0; i < digits; ++i) value = value * 10 + uint32_t(text[i] - '0');
    if (value > 255) return false;
    address = address << 8 | value;
    text.remove_prefix(digits);
  }
  if (!text.empty()) return false;
  *out = address;
  return true;
}

}  // namespace

int Ipv4Net::PrefixLength() const {
  int ones = 0;
  while (ones < 32 && (mask & (uint32_t(1) << (31 - ones)))) ++ones;
  uint32_t canonical = ones == 0 ? 0 : ~uint32_t(0) << (32 - ones);
  return canonical == mask ? ones : -1;
}

std::string FormatIpv4(uint32_t address) {
  char text[16];
  std::snprintf(text, sizeof(text), "%u.%u.%u.%u", address >> 24, (address >> 16) & 255,
                (address >> 8) & 255, address & 255);
  return text;
}

std::string Ipv4Net::ToString() const {
  int prefix = PrefixLength();
  if (prefix >= 0) return FormatIpv4(ip) + "/" + std::to_string(prefix);
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", mask);
  return FormatIpv4(ip) + "/" + hex;
}

Result<Ipv4Net> ParseIpv4Cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash != std::string_view::npos &&
      text.substr(0, slash).find(':') != std::string_view::npos) {
    return Status::Error("can only be ipv4, have " + std::string(text));
  }
  Status invalid = Status::Error("invalid CIDR address: " + std::string(text));
  if (slash == std::string_view::npos) return invalid;
  uint32_t address = 0;
  if (!ParseIpv4(text.substr(0, slash), &address)) return invalid;
  std::string_view length_text = text.substr(slash + 1);
  if (length_text.empty()) return invalid;
  uint32_t length = 0;
  for (char c : length_text) {
    if (!IsDigit(c)) return invalid;
    length = length * 10 + uint32_t(c - '0');
    if (length > 32) return invalid;
  }
  uint32_t mask = length == 0 ? 0 : ~uint32_t(0) << (32 - length);
  return Ipv4Net{address, mask};
}

bool NetWithin(const Ipv4Net& net, const Ipv4Net& ca_net) {
  if (!ca_net.Contains(net.ip)) return false;
  // Byte by byte, as Nebula compares masks; for prefix masks this means "no wider than".
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (((ca_net.mask >> shift) & 255) > ((net.mask >> shift) & 255)) return false;
  }
  return true;
}

}  // namespace flatnet::cert
