#include "net/ip.h"

#include <charconv>

namespace flatnet::net {
namespace {

// Parses one octet of a dotted quad; false on anything Go's ParseIP would refuse.
bool ParseOctet(std::string_view text, uint8_t& out) {
  if (text.empty() || text.size() > 3) return false;
  if (text.size() > 1 && text[0] == '0') return false;  // "01" is ambiguous (octal?)
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + unsigned(c - '0');
  }
  if (value > 255) return false;
  out = uint8_t(value);
  return true;
}

}  // namespace

Result<Ipv4> Ipv4::Parse(std::string_view text) {
  uint8_t octets[4];
  size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    size_t end = i < 3 ? text.find('.', start) : text.size();
    if (end == std::string_view::npos || !ParseOctet(text.substr(start, end - start), octets[i])) {
      return Status::Error("invalid IPv4 address \"" + std::string(text) + "\"");
    }
    start = end + 1;
  }
  return FromOctets(octets[0], octets[1], octets[2], octets[3]);
}

std::string Ipv4::ToString() const {
  char buf[16];
  char* p = buf;
  for (int shift = 24; shift >= 0; shift -= 8) {
    p = std::to_chars(p, buf + sizeof(buf), (value_ >> shift) & 0xff).ptr;
    if (shift) *p++ = '.';
  }
  return std::string(buf, p);
}

Result<Ipv4Cidr> Ipv4Cidr::Parse(std::string_view text) {
  auto fail = [&] { return Status::Error("invalid CIDR \"" + std::string(text) + "\""); };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return fail();
  auto address = Ipv4::Parse(text.substr(0, slash));
  if (!address.ok()) return fail();
  std::string_view bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 2 || (bits.size() > 1 && bits[0] == '0')) return fail();
  int prefix_len = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return fail();
    prefix_len = prefix_len * 10 + (c - '0');
  }
  if (prefix_len > 32) return fail();
  return Ipv4Cidr(*address, prefix_len);
}

std::string Ipv4Cidr::ToString() const {
  return address_.ToString() + "/" + std::to_string(prefix_len_);
}

}  // namespace flatnet::net
