// An invite: what a new member pastes into `flatnet join`. It names where the CA side
// answers joins, pins the CA (the SHA-256 fingerprint of its certificate, as `flatnet-cert
// print` shows it), and carries a one-time id and secret; the CA side keeps the rest
// (name, address, groups) in its inventory (inventory.h), so the text stays short:
//
//     flatnet-invite:AQAAAABnT...   (about 120 characters for an IPv4 join address)
//
// Layout before base64url (no padding): version 1 (1 byte), expiry (unix seconds, 8 bytes
// big-endian), CA fingerprint (32), id (8), secret (16), join address length (1) and text
// ("203.0.113.2:4243"), then the first 4 bytes of SHA-256 over all of it, so a truncated or
// mistyped paste is reported as such rather than as a wrong secret.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flatnet::onboard {

inline constexpr std::string_view kInvitePrefix = "flatnet-invite:";

struct Invite {
  int64_t expires = 0;                    // unix seconds
  std::array<uint8_t, 32> ca_fingerprint{};
  std::array<uint8_t, 8> id{};
  std::array<uint8_t, 16> secret{};
  std::string join_address;               // HOST:PORT of `flatnet-cert serve`

  std::string IdHex() const;
  std::string FingerprintHex() const;
};

// A fresh id and secret from the system's random source.
Invite NewInvite(int64_t expires, const std::string& ca_fingerprint_hex,
                 std::string join_address);

std::string EncodeInvite(const Invite& invite);
// Errors, one line each: "not a flatnet invite (it starts with flatnet-invite:)", "the
// invite is damaged: copy all of it again", "the invite is from a newer flatnet (version
// N)".
Result<Invite> DecodeInvite(std::string_view text);

// The secret as the CA side stores it: hex SHA-256, so the inventory file does not hold
// a usable secret.
std::string SecretDigestHex(const std::array<uint8_t, 16>& secret);

// Base64url without padding (RFC 4648 section 5), and back (nullopt-like error on bad input).
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);
// Lowercase hex, and back.
Result<std::string> FromHex(std::string_view hex);

}  // namespace flatnet::onboard
