#include "firewall/ipv4_cidr.h"

namespace flatnet::firewall {

namespace {

// Parses a decimal number in [0, max] with no sign, no leading zeros and at most 3 digits.
std::optional<int> ParseSmallDecimal(std::string_view text, int max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

}  // namespace

std::optional<uint32_t> ParseIpv4Address(std::string_view text) {
  uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    size_t dot = text.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;
    std::optional<int> octet = ParseSmallDecimal(text.substr(0, dot), 255);
    if (!octet) return std::nullopt;
    address = address << 8 | uint32_t(*octet);
    text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  }
  return address;
}

std::optional<Ipv4Cidr> ParseIpv4Cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<uint32_t> address = ParseIpv4Address(text.substr(0, slash));
  std::optional<int> length = ParseSmallDecimal(text.substr(slash + 1), 32);
  if (!address || !length) return std::nullopt;
  return Ipv4Cidr::Of(*address, *length);
}

std::string FormatIpv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string(address >> 16 & 0xff) + "." +
         std::to_string(address >> 8 & 0xff) + "." + std::to_string(address & 0xff);
}

std::string FormatIpv4Cidr(const Ipv4Cidr& cidr) {
  return FormatIpv4(cidr.network) + "/" + std::to_string(cidr.prefix_length);
}

}  // namespace flatnet::firewall
