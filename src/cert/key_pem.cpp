#include "cert/key_pem.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>

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

// Every Nebula key banner and what it says about the key.
struct BannerInfo {
  std::string_view banner;
  Curve curve;
  bool is_ca_key;
  bool is_private;
  bool is_encrypted;
  std::string_view what;  // for errors: "P256 private key"
};

constexpr BannerInfo kBanners[] = {
    {kX25519PrivateKeyBanner, Curve::kCurve25519, false, true, false, "X25519 private key"},
    {kX25519PublicKeyBanner, Curve::kCurve25519, false, false, false, "X25519 public key"},
    {kP256PrivateKeyBanner, Curve::kP256, false, true, false, "P256 private key"},
    {kP256PublicKeyBanner, Curve::kP256, false, false, false, "P256 public key"},
    {kEd25519PrivateKeyBanner, Curve::kCurve25519, true, true, false, "Ed25519 private key"},
    {kEd25519PublicKeyBanner, Curve::kCurve25519, true, false, false, "Ed25519 public key"},
    {kEcdsaP256PrivateKeyBanner, Curve::kP256, true, true, false, "ECDSA P256 private key"},
    {kEcdsaP256PublicKeyBanner, Curve::kP256, true, false, false, "ECDSA P256 public key"},
    {kEncryptedEd25519PrivateKeyBanner, Curve::kCurve25519, true, true, true,
     "encrypted Ed25519 private key"},
    {kEncryptedEcdsaP256PrivateKeyBanner, Curve::kP256, true, true, true,
     "encrypted ECDSA P256 private key"},
};

const BannerInfo* FindBanner(std::string_view banner) {
  for (const BannerInfo& b : kBanners)
    if (b.banner == banner) return &b;
  return nullptr;
}

const BannerInfo& BannerFor(Curve curve, bool is_ca_key, bool is_private, bool is_encrypted) {
  for (const BannerInfo& b : kBanners)
    if (b.curve == curve && b.is_ca_key == is_ca_key && b.is_private == is_private &&
        b.is_encrypted == is_encrypted)
      return b;
  return kBanners[0];  // unreachable: the table covers every combination used below
}

Status CheckSize(size_t size, size_t expected, std::string_view what) {
  if (size == expected) return Status::Ok();
  return Status::Error("key was not " + std::to_string(expected) + " bytes, is invalid " +
                       std::string(what) + " (has " + std::to_string(size) + ")");
}

// The first block's banner info, or an error naming what was found.
Result<std::pair<const BannerInfo*, PemBlock>> DecodeKeyBlock(std::string_view pem,
                                                              std::string_view* rest,
                                                              bool want_private) {
  std::string_view after;
  std::optional<PemBlock> block = DecodePem(pem, &after);
  if (rest) *rest = after;
  if (!block) return Status::Error(MissingPemMessage(pem));
  const BannerInfo* info = FindBanner(block->type);
  if (!info || info->is_private != want_private) {
    return Status::Error(std::string("bytes did not contain a proper nebula ") +
                         (want_private ? "private" : "public") + " key banner (found \"" +
                         block->type + "\")");
  }
  return std::make_pair(info, std::move(*block));
}

}  // namespace

size_t PrivateKeySize(Curve curve, bool is_ca_key) {
  return curve == Curve::kCurve25519 && is_ca_key ? 64 : 32;
}
size_t PublicKeySize(Curve curve, bool is_ca_key) { return curve == Curve::kP256 ? 65 : 32; }

Result<PrivateKey> ParsePrivateKeyPem(std::string_view pem, std::string_view* rest) {
  auto decoded = DecodeKeyBlock(pem, rest, true);
  if (!decoded.ok()) return decoded.status();
  auto& [info, block] = *decoded;
  PrivateKey key;
  key.curve = info->curve;
  key.is_ca_key = info->is_ca_key;
  key.is_encrypted = info->is_encrypted;
  if (info->is_encrypted) {
    auto data = ParseEncryptedKeyData(block.bytes);
    if (!data.ok()) return data.status().Wrap(std::string(info->what));
    key.encrypted = std::move(*data);
    return key;
  }
  if (Status s =
          CheckSize(block.bytes.size(), PrivateKeySize(key.curve, key.is_ca_key), info->what);
      !s.ok())
    return s;
  key.key = std::move(block.bytes);
  return key;
}

Result<PrivateKey> DecryptPrivateKey(const PrivateKey& key, ByteSpan passphrase) {
  if (!key.is_encrypted) return key;
  auto raw = DecryptKeyData(key.encrypted, passphrase);
  if (!raw.ok()) return raw.status();
  const BannerInfo& plain = BannerFor(key.curve, key.is_ca_key, true, false);
  if (Status s = CheckSize(raw->size(), PrivateKeySize(key.curve, key.is_ca_key), plain.what);
      !s.ok())
    return s.Wrap("decrypted key");
  PrivateKey out;
  out.curve = key.curve;
  out.is_ca_key = key.is_ca_key;
  out.key = std::move(*raw);
  return out;
}

std::string FormatPrivateKeyPem(Curve curve, bool is_ca_key, ByteSpan key) {
  return EncodePem(BannerFor(curve, is_ca_key, true, false).banner, key);
}

Result<std::string> FormatEncryptedPrivateKeyPem(Curve curve, ByteSpan ca_key, ByteSpan passphrase,
                                                 const crypto::Argon2idParams& params) {
  const BannerInfo& plain = BannerFor(curve, true, true, false);
  if (Status s = CheckSize(ca_key.size(), PrivateKeySize(curve, true), plain.what); !s.ok())
    return s;
  auto data = EncryptKeyData(ca_key, passphrase, params);
  if (!data.ok()) return data.status();
  return EncodePem(BannerFor(curve, true, true, true).banner, SerializeEncryptedKeyData(*data));
}

Result<PublicKey> ParsePublicKeyPem(std::string_view pem, std::string_view* rest) {
  auto decoded = DecodeKeyBlock(pem, rest, false);
  if (!decoded.ok()) return decoded.status();
  auto& [info, block] = *decoded;
  if (Status s =
          CheckSize(block.bytes.size(), PublicKeySize(info->curve, info->is_ca_key), info->what);
      !s.ok())
    return s;
  return PublicKey{info->curve, info->is_ca_key, std::move(block.bytes)};
}

std::string FormatPublicKeyPem(Curve curve, bool is_ca_key, ByteSpan key) {
  return EncodePem(BannerFor(curve, is_ca_key, false, false).banner, key);
}

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
