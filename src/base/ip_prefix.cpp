#include "base/ip_prefix.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

namespace flatnet {
namespace {

constexpr std::array<uint8_t, 12> kV4InV6Prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Go's strconv.Quote for the ASCII part; other bytes are kept as they are.
std::string Quote(std::string_view text) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

Status AddrError(std::string_view in, std::string_view message, std::string_view at = {}) {
  std::string text = "ParseAddr(" + Quote(in) + "): " + std::string(message);
  if (!at.empty()) text += " (at " + Quote(at) + ")";
  return Status::Error(text);
}

// Dotted decimal in in[off, end) into fields[0..3]; `in` is the whole input, for messages.
Status ParseV4Fields(std::string_view in, size_t off, size_t end, uint8_t* fields) {
  std::string_view s = in.substr(off, end - off);
  int value = 0, position = 0, digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits == 1 && value == 0) {
        return AddrError(in, "IPv4 field has octet with leading zero");
      }
      value = value * 10 + (c - '0');
      ++digits;
      if (value > 255) return AddrError(in, "IPv4 field has value >255");
    } else if (c == '.') {
      if (i == 0 || i == s.size() - 1 || s[i - 1] == '.') {
        return AddrError(in, "IPv4 field must have at least one digit", s.substr(i));
      }
      if (position == 3) return AddrError(in, "IPv4 address too long");
      fields[position++] = uint8_t(value);
      value = 0;
      digits = 0;
    } else {
      return AddrError(in, "unexpected character", s.substr(i));
    }
  }
  if (position < 3) return AddrError(in, "IPv4 address too short");
  fields[3] = uint8_t(value);
  return Status::Ok();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// IPv6 text (no zone) into 16 bytes, with netip's checks and messages.
Status ParseV6(std::string_view in, std::string_view s, std::array<uint8_t, 16>* out) {
  std::array<uint8_t, 16> ip{};
  int ellipsis = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) {
      *out = ip;
      return Status::Ok();
    }
  }
  size_t i = 0;
  while (i < 16) {
    size_t off = 0;
    uint32_t acc = 0;
    for (; off < s.size(); ++off) {
      int d = HexDigit(s[off]);
      if (d < 0) break;
      acc = acc << 4 | uint32_t(d);
      if (off > 3) return AddrError(in, "each group must have 4 or less digits", s);
      if (acc > 0xffff) return AddrError(in, "IPv6 field has value >=2^16", s);
    }
    if (off == 0) {
      return AddrError(in, "each colon-separated field must have at least one digit", s);
    }
    if (off < s.size() && s[off] == '.') {
      if (ellipsis < 0 && i != 12) {
        return AddrError(in, "embedded IPv4 address must replace the final 2 fields of the address",
                         s);
      }
      if (i + 4 > 16) {
        return AddrError(
            in, "too many hex fields to fit an embedded IPv4 at the end of the address", s);
      }
      // s is a suffix of the address part of `in`, which starts at 0 (zones are cut earlier).
      size_t end = s.data() - in.data() + s.size();
      Status v4 = ParseV4Fields(in, end - s.size(), end, ip.data() + i);
      if (!v4.ok()) return v4;
      s = {};
      i += 4;
      break;
    }
    ip[i] = uint8_t(acc >> 8);
    ip[i + 1] = uint8_t(acc);
    i += 2;
    s.remove_prefix(off);
    if (s.empty()) break;
    if (s[0] != ':') return AddrError(in, "unexpected character, want colon", s);
    if (s.size() == 1) return AddrError(in, "colon must be followed by more characters", s);
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) return AddrError(in, "multiple :: in address", s);
      ellipsis = int(i);
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return AddrError(in, "trailing garbage after address", s);
  if (i < 16) {
    if (ellipsis < 0) return AddrError(in, "address string too short");
    size_t n = 16 - i;
    for (int j = int(i) - 1; j >= ellipsis; --j) ip[size_t(j) + n] = ip[size_t(j)];
    for (size_t j = size_t(ellipsis) + n; j-- > size_t(ellipsis);) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return AddrError(in, "the :: must expand to at least one field of zeros");
  }
  *out = ip;
  return Status::Ok();
}

// ParseIpAddr, telling whether the refused input was only refused for its zone.
Result<IpAddr> ParseAddrText(std::string_view s, bool* zone_present) {
  *zone_present = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      std::array<uint8_t, 4> fields{};
      Status st = ParseV4Fields(s, 0, s.size(), fields.data());
      if (!st.ok()) return st;
      return IpAddr::V4(fields);
    }
    if (s[i] == ':') {
      std::string_view address = s;
      size_t percent = s.find('%');
      if (percent != std::string_view::npos) {
        if (percent + 1 == s.size()) return AddrError(s, "zone must be a non-empty string");
        address = s.substr(0, percent);
      }
      std::array<uint8_t, 16> bytes{};
      Status st = ParseV6(s, address, &bytes);
      if (!st.ok()) return st;
      if (percent != std::string_view::npos) {
        *zone_present = true;
        return AddrError(s, "IPv6 zones are not supported");
      }
      return IpAddr::V6(bytes);
    }
    if (s[i] == '%') return AddrError(s, "missing IPv6 address");
  }
  return AddrError(s, "unable to parse IP");
}

void AppendDecimal(std::string* out, uint8_t value) { *out += std::to_string(value); }

void AppendV4(std::string* out, const uint8_t* b) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *out += '.';
    AppendDecimal(out, b[i]);
  }
}

void AppendHex16(std::string* out, uint16_t value) {
  char text[8];
  std::snprintf(text, sizeof(text), "%x", value);
  *out += text;
}

}  // namespace

IpAddr IpAddr::V4(uint32_t host_order) {
  std::array<uint8_t, 4> b;
  StoreBig32(b.data(), host_order);
  return V4(b);
}

IpAddr IpAddr::V4(const std::array<uint8_t, 4>& bytes) {
  IpAddr a;
  a.family_ = Family::kV4;
  std::copy(kV4InV6Prefix.begin(), kV4InV6Prefix.end(), a.bytes_.begin());
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin() + 12);
  return a;
}

IpAddr IpAddr::V6(const std::array<uint8_t, 16>& bytes) {
  IpAddr a;
  a.family_ = Family::kV6;
  a.bytes_ = bytes;
  return a;
}

IpAddr IpAddr::FromBytes(ByteSpan bytes) {
  if (bytes.size() == 4) return V4({bytes[0], bytes[1], bytes[2], bytes[3]});
  if (bytes.size() == 16) {
    std::array<uint8_t, 16> b;
    std::copy(bytes.begin(), bytes.end(), b.begin());
    return V6(b);
  }
  return IpAddr();
}

int IpAddr::bit_length() const { return is_v4() ? 32 : is_v6() ? 128 : 0; }

uint32_t IpAddr::v4() const { return is_v4() ? LoadBig32(bytes_.data() + 12) : 0; }

ByteSpan IpAddr::bytes() const {
  if (is_v4()) return ByteSpan(bytes_.data() + 12, 4);
  if (is_v6()) return ByteSpan(bytes_.data(), 16);
  return {};
}

bool IpAddr::Is4In6() const {
  return is_v6() && std::equal(kV4InV6Prefix.begin(), kV4InV6Prefix.end(), bytes_.begin());
}

IpAddr IpAddr::Unmap() const {
  if (!Is4In6()) return *this;
  IpAddr a = *this;
  a.family_ = Family::kV4;
  return a;
}

bool IpAddr::IsUnspecified() const {
  if (is_v4()) return v4() == 0;
  if (is_v6()) return std::all_of(bytes_.begin(), bytes_.end(), [](uint8_t b) { return b == 0; });
  return false;
}

std::string IpAddr::ToString() const {
  std::string out;
  if (is_v4()) {
    AppendV4(&out, bytes_.data() + 12);
    return out;
  }
  if (!is_v6()) return "invalid IP";
  if (Is4In6()) {
    out = "::ffff:";
    AppendV4(&out, bytes_.data() + 12);
    return out;
  }
  auto group = [&](int i) {
    return uint16_t(bytes_[size_t(2 * i)] << 8 | bytes_[size_t(2 * i + 1)]);
  };
  // The longest run of two or more zero groups, the first one on a tie.
  int zero_start = -1, zero_end = -1;
  for (int i = 0; i < 8; ++i) {
    int j = i;
    while (j < 8 && group(j) == 0) ++j;
    if (j - i >= 2 && j - i > zero_end - zero_start) {
      zero_start = i;
      zero_end = j;
    }
  }
  for (int i = 0; i < 8; ++i) {
    if (i == zero_start) {
      out += "::";
      i = zero_end;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ':';
    }
    AppendHex16(&out, group(i));
  }
  return out;
}

std::strong_ordering IpAddr::operator<=>(const IpAddr& other) const {
  if (auto c = bit_length() <=> other.bit_length(); c != 0) return c;
  return bytes_ <=> other.bytes_;
}

IpPrefix IpPrefix::From(IpAddr addr, int bits) {
  IpPrefix p;
  if (!addr.valid() || bits < 0 || bits > addr.bit_length()) return p;
  p.addr_ = addr;
  p.bits_ = bits;
  return p;
}

IpPrefix IpPrefix::Masked() const {
  if (!valid()) return IpPrefix();
  std::array<uint8_t, 16> b = addr_.bytes16();
  int offset = addr_.is_v4() ? 96 : 0;
  for (int bit = offset + bits_; bit < 128; ++bit)
    b[size_t(bit / 8)] &= uint8_t(~(0x80 >> (bit % 8)));
  IpAddr masked = addr_.is_v4() ? IpAddr::V4({b[12], b[13], b[14], b[15]}) : IpAddr::V6(b);
  return From(masked, bits_);
}

bool IpPrefix::Contains(const IpAddr& ip) const {
  if (!valid() || ip.family() != addr_.family()) return false;
  // Whole bytes first, then the partial one: the firewall asks this for every packet.
  const uint8_t* a = addr_.bytes16().data() + (addr_.is_v4() ? 12 : 0);
  const uint8_t* b = ip.bytes16().data() + (addr_.is_v4() ? 12 : 0);
  const size_t whole = size_t(bits_ / 8);
  if (std::memcmp(a, b, whole) != 0) return false;
  const int rest = bits_ % 8;
  if (rest == 0) return true;
  const uint8_t mask = uint8_t(0xff << (8 - rest));
  return ((a[whole] ^ b[whole]) & mask) == 0;
}

bool IpPrefix::Overlaps(const IpPrefix& other) const {
  if (!valid() || !other.valid() || addr_.family() != other.addr_.family()) return false;
  int min_bits = std::min(bits_, other.bits_);
  return From(addr_, min_bits).Contains(other.addr_);
}

uint32_t IpPrefix::V4Mask() const {
  if (!is_v4() || bits_ == 0) return 0;
  return ~uint32_t(0) << (32 - bits_);
}

std::string IpPrefix::ToString() const {
  if (!valid()) return "invalid Prefix";
  return addr_.ToString() + "/" + std::to_string(bits_);
}

std::strong_ordering IpPrefix::operator<=>(const IpPrefix& other) const {
  if (auto c = addr_ <=> other.addr_; c != 0) return c;
  return bits_ <=> other.bits_;
}

Result<IpAddr> ParseIpAddr(std::string_view text) {
  bool zone = false;
  return ParseAddrText(text, &zone);
}

Result<IpPrefix> ParseIpPrefix(std::string_view text) {
  auto fail = [&](const std::string& message) {
    return Status::Error("netip.ParsePrefix(" + Quote(text) + "): " + message);
  };
  size_t slash = text.rfind('/');
  if (slash == std::string_view::npos) return fail("no '/'");
  bool zone = false;
  Result<IpAddr> addr = ParseAddrText(text.substr(0, slash), &zone);
  if (zone) return fail("IPv6 zones cannot be present in a prefix");
  if (!addr.ok()) return fail(addr.status().message());
  std::string_view bits_text = text.substr(slash + 1);
  std::string bad_bits = "bad bits after slash: " + Quote(bits_text);
  if (bits_text.empty() || (bits_text.size() > 1 && (bits_text[0] < '1' || bits_text[0] > '9'))) {
    return fail(bad_bits);
  }
  for (char c : bits_text) {
    if (c < '0' || c > '9') return fail(bad_bits);
  }
  // strconv.Atoi fails (bad bits) beyond int64; anything else too large is out of range.
  constexpr std::string_view kInt64Max = "9223372036854775807";
  if (bits_text.size() > kInt64Max.size() ||
      (bits_text.size() == kInt64Max.size() && bits_text > kInt64Max)) {
    return fail(bad_bits);
  }
  if (bits_text.size() > 3 || std::stoi(std::string(bits_text)) > addr->bit_length()) {
    return fail("prefix length out of range");
  }
  return IpPrefix::From(*addr, std::stoi(std::string(bits_text)));
}

int V4MaskBits(uint32_t mask) {
  int ones = 0;
  while (ones < 32 && (mask & (uint32_t(1) << (31 - ones)))) ++ones;
  uint32_t canonical = ones == 0 ? 0 : ~uint32_t(0) << (32 - ones);
  return canonical == mask ? ones : -1;
}

}  // namespace flatnet
