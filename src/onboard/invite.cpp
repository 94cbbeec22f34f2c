#include "onboard/invite.h"

#include <cstring>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace flatnet::onboard {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kChecksum = 4;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

ByteSpan Span(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

template <size_t N>
std::string HexOf(const std::array<uint8_t, N>& bytes) {
  return ToHex(ByteSpan(bytes.data(), bytes.size()));
}

}  // namespace

std::string Invite::IdHex() const { return HexOf(id); }
std::string Invite::FingerprintHex() const { return HexOf(ca_fingerprint); }

Invite NewInvite(int64_t expires, const std::string& ca_fingerprint_hex,
                 std::string join_address) {
  Invite invite;
  invite.expires = expires;
  Result<std::string> fp = FromHex(ca_fingerprint_hex);
  if (fp.ok() && fp->size() == invite.ca_fingerprint.size()) {
    std::memcpy(invite.ca_fingerprint.data(), fp->data(), fp->size());
  }
  crypto::RandomBytes(MutableByteSpan(invite.id.data(), invite.id.size()));
  crypto::RandomBytes(MutableByteSpan(invite.secret.data(), invite.secret.size()));
  invite.join_address = std::move(join_address);
  return invite;
}

std::string EncodeInvite(const Invite& invite) {
  std::string raw;
  raw.push_back(char(kVersion));
  uint8_t expires[8];
  StoreBig64(expires, uint64_t(invite.expires));
  raw.append(reinterpret_cast<const char*>(expires), 8);
  raw.append(reinterpret_cast<const char*>(invite.ca_fingerprint.data()), 32);
  raw.append(reinterpret_cast<const char*>(invite.id.data()), 8);
  raw.append(reinterpret_cast<const char*>(invite.secret.data()), 16);
  raw.push_back(char(std::min<size_t>(invite.join_address.size(), 255)));
  raw.append(invite.join_address.substr(0, 255));
  crypto::Sha256Digest sum = crypto::Sha256(Span(raw));
  raw.append(reinterpret_cast<const char*>(sum.data()), kChecksum);
  return std::string(kInvitePrefix) + Base64UrlEncode(raw);
}

Result<Invite> DecodeInvite(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (!text.starts_with(kInvitePrefix)) {
    return Status::Error("not a flatnet invite (it starts with " + std::string(kInvitePrefix) +
                         ")");
  }
  const Status damaged = Status::Error("the invite is damaged: copy all of it again");
  Result<std::string> raw = Base64UrlDecode(text.substr(kInvitePrefix.size()));
  if (!raw.ok() || raw->size() < 1 + 8 + 32 + 8 + 16 + 1 + kChecksum) return damaged;
  const std::string& r = *raw;
  crypto::Sha256Digest sum = crypto::Sha256(Span(std::string_view(r).substr(0, r.size() - kChecksum)));
  if (std::memcmp(sum.data(), r.data() + r.size() - kChecksum, kChecksum) != 0) return damaged;
  if (uint8_t(r[0]) != kVersion) {
    return Status::Error("the invite is from a newer flatnet (version " +
                         std::to_string(uint8_t(r[0])) + ")");
  }
  Invite invite;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(r.data()) + 1;
  invite.expires = int64_t(LoadBig64(p));
  p += 8;
  std::memcpy(invite.ca_fingerprint.data(), p, 32);
  p += 32;
  std::memcpy(invite.id.data(), p, 8);
  p += 8;
  std::memcpy(invite.secret.data(), p, 16);
  p += 16;
  size_t address_length = *p++;
  size_t used = size_t(p - reinterpret_cast<const uint8_t*>(r.data()));
  if (used + address_length + kChecksum != r.size()) return damaged;
  invite.join_address.assign(reinterpret_cast<const char*>(p), address_length);
  return invite;
}

std::string SecretDigestHex(const std::array<uint8_t, 16>& secret) {
  crypto::Sha256Digest d = crypto::Sha256(ByteSpan(secret.data(), secret.size()));
  return ToHex(ByteSpan(d.data(), d.size()));
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 63]);
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const char* at = std::strchr(kAlphabet, c);
    if (c == '\0' || at == nullptr) return Status::Error("not base64url");
    buffer = (buffer << 6) | uint32_t(at - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((buffer >> bits) & 0xff));
    }
  }
  if (bits >= 6 || (buffer & ((1u << bits) - 1)) != 0) return Status::Error("not base64url");
  return out;
}

Result<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::Error("odd number of hex digits");
  std::string out;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::Error("not hex");
    out.push_back(char(hi << 4 | lo));
  }
  return out;
}

}  // namespace flatnet::onboard
