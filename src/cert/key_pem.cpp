#include "cert/key_pem.h"

#include <algorithm>
#include <array>
#include <optional>

#include "cert/pem.h"

namespace flatnet::cert {
namespace {

// What a key parser needs to say in its errors: "nebula X25519 private key".
struct KeyKind {
  std::string_view banner;
  std::string_view description;
  std::string_view invalid_what;  // "X25519 private key", "ed25519 public key"
};

template <size_t N>
Result<std::array<uint8_t, N>> ParseKey(std::string_view pem, std::string_view* rest,
                                        const KeyKind& kind) {
  std::string_view after;
  std::optional<PemBlock> block = DecodePem(pem, &after);
  if (rest) *rest = after;
  if (!block) return Status::Error(MissingPemMessage(pem));
  if (block->type != kind.banner) {
    return Status::Error("bytes did not contain a proper " + std::string(kind.description) +
                         " banner (found \"" + block->type + "\")");
  }
  if (block->bytes.size() != N) {
    return Status::Error("key was not " + std::to_string(N) + " bytes, is invalid " +
                         std::string(kind.invalid_what) + " (has " +
                         std::to_string(block->bytes.size()) + ")");
  }
  std::array<uint8_t, N> key;
  std::copy(block->bytes.begin(), block->bytes.end(), key.begin());
  return key;
}

constexpr KeyKind kX25519Private{kX25519PrivateKeyBanner, "nebula X25519 private key",
                                 "X25519 private key"};
constexpr KeyKind kX25519Public{kX25519PublicKeyBanner, "nebula X25519 public key",
                                "X25519 public key"};
constexpr KeyKind kEd25519Private{kEd25519PrivateKeyBanner, "nebula Ed25519 private key",
                                  "ed25519 private key"};
constexpr KeyKind kEd25519Public{kEd25519PublicKeyBanner, "nebula Ed25519 public key",
                                 "ed25519 public key"};

}  // namespace

std::string FormatX25519PrivateKeyPem(const crypto::X25519Key& key) {
  return EncodePem(kX25519PrivateKeyBanner, key);
}
std::string FormatX25519PublicKeyPem(const crypto::X25519Key& key) {
  return EncodePem(kX25519PublicKeyBanner, key);
}
std::string FormatEd25519PrivateKeyPem(const crypto::Ed25519PrivateKey& key) {
  return EncodePem(kEd25519PrivateKeyBanner, key);
}
std::string FormatEd25519PublicKeyPem(const crypto::Ed25519PublicKey& key) {
  return EncodePem(kEd25519PublicKeyBanner, key);
}

Result<crypto::X25519Key> ParseX25519PrivateKeyPem(std::string_view pem, std::string_view* rest) {
  return ParseKey<32>(pem, rest, kX25519Private);
}
Result<crypto::X25519Key> ParseX25519PublicKeyPem(std::string_view pem, std::string_view* rest) {
  return ParseKey<32>(pem, rest, kX25519Public);
}
Result<crypto::Ed25519PrivateKey> ParseEd25519PrivateKeyPem(std::string_view pem,
                                                            std::string_view* rest) {
  return ParseKey<64>(pem, rest, kEd25519Private);
}
Result<crypto::Ed25519PublicKey> ParseEd25519PublicKeyPem(std::string_view pem,
                                                          std::string_view* rest) {
  return ParseKey<32>(pem, rest, kEd25519Public);
}

}  // namespace flatnet::cert
