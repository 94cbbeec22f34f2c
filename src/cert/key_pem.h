// Nebula's key files: PEM blocks whose banner names the key type and whose body is the raw
// key. X25519 keys (hosts) are 32 bytes; an Ed25519 private key (CAs) is 64 bytes, Go's
// seed || public layout, and an Ed25519 public key 32 bytes.
//
// Parsers read the first PEM block of their input and fail, with Nebula's wording plus the
// banner actually found, on a missing block, a wrong banner or a wrong size. *rest (if given)
// receives the text after the block.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/ed25519.h"
#include "crypto/x25519.h"

namespace flatnet::cert {

inline constexpr std::string_view kX25519PrivateKeyBanner = "NEBULA X25519 PRIVATE KEY";
inline constexpr std::string_view kX25519PublicKeyBanner = "NEBULA X25519 PUBLIC KEY";
inline constexpr std::string_view kEd25519PrivateKeyBanner = "NEBULA ED25519 PRIVATE KEY";
inline constexpr std::string_view kEd25519PublicKeyBanner = "NEBULA ED25519 PUBLIC KEY";

std::string FormatX25519PrivateKeyPem(const crypto::X25519Key& key);
std::string FormatX25519PublicKeyPem(const crypto::X25519Key& key);
std::string FormatEd25519PrivateKeyPem(const crypto::Ed25519PrivateKey& key);
std::string FormatEd25519PublicKeyPem(const crypto::Ed25519PublicKey& key);

Result<crypto::X25519Key> ParseX25519PrivateKeyPem(std::string_view pem,
                                                   std::string_view* rest = nullptr);
Result<crypto::X25519Key> ParseX25519PublicKeyPem(std::string_view pem,
                                                  std::string_view* rest = nullptr);
Result<crypto::Ed25519PrivateKey> ParseEd25519PrivateKeyPem(std::string_view pem,
                                                            std::string_view* rest = nullptr);
Result<crypto::Ed25519PublicKey> ParseEd25519PublicKeyPem(std::string_view pem,
                                                          std::string_view* rest = nullptr);

}  // namespace flatnet::cert
