// Nebula's key files: PEM blocks whose banner names the key type and whose body is the raw
// key (or, for an encrypted CA key, the RawNebulaEncryptedData of cert/encrypted_key.h).
//
//   banner                                    curve       kind           raw size
//   NEBULA X25519 PRIVATE/PUBLIC KEY          Curve25519  host (ECDH)    32 / 32
//   NEBULA P256 PRIVATE/PUBLIC KEY            P256        host (ECDH)    32 / 65
//   NEBULA ED25519 PRIVATE/PUBLIC KEY         Curve25519  CA (signing)   64 / 32
//   NEBULA ECDSA P256 PRIVATE/PUBLIC KEY      P256        CA (signing)   32 / 65
//   NEBULA ED25519 ENCRYPTED PRIVATE KEY      Curve25519  CA, encrypted  64 once decrypted
//   NEBULA ECDSA P256 ENCRYPTED PRIVATE KEY   P256        CA, encrypted  32 once decrypted
//
// An Ed25519 private key is Go's seed || public layout; P256 keys are crypto/p256.h's
// encodings (32-byte scalar, 65-byte uncompressed point). Like Nebula, parsers check banner
// and size only; whether a P256 scalar or point is valid is for crypto/p256.h to say.
//
// Parsers read the first PEM block of their input and fail, with Nebula's wording plus the
// banner actually found, on a missing block, a wrong banner or a wrong size. *rest (if given)
// receives the text after the block.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "cert/curve.h"
#include "cert/encrypted_key.h"
#include "crypto/argon2.h"
#include "crypto/ed25519.h"
#include "crypto/x25519.h"

namespace flatnet::cert {

inline constexpr std::string_view kX25519PrivateKeyBanner = "NEBULA X25519 PRIVATE KEY";
inline constexpr std::string_view kX25519PublicKeyBanner = "NEBULA X25519 PUBLIC KEY";
inline constexpr std::string_view kEd25519PrivateKeyBanner = "NEBULA ED25519 PRIVATE KEY";
inline constexpr std::string_view kEd25519PublicKeyBanner = "NEBULA ED25519 PUBLIC KEY";
inline constexpr std::string_view kP256PrivateKeyBanner = "NEBULA P256 PRIVATE KEY";
inline constexpr std::string_view kP256PublicKeyBanner = "NEBULA P256 PUBLIC KEY";
inline constexpr std::string_view kEcdsaP256PrivateKeyBanner = "NEBULA ECDSA P256 PRIVATE KEY";
inline constexpr std::string_view kEcdsaP256PublicKeyBanner = "NEBULA ECDSA P256 PUBLIC KEY";
inline constexpr std::string_view kEncryptedEd25519PrivateKeyBanner =
    "NEBULA ED25519 ENCRYPTED PRIVATE KEY";
inline constexpr std::string_view kEncryptedEcdsaP256PrivateKeyBanner =
    "NEBULA ECDSA P256 ENCRYPTED PRIVATE KEY";

// Raw sizes by curve and kind (the table above).
size_t PrivateKeySize(Curve curve, bool is_ca_key);
size_t PublicKeySize(Curve curve, bool is_ca_key);

// Any of the private key files above.
struct PrivateKey {
  Curve curve = Curve::kCurve25519;
  bool is_ca_key = false;      // a signing key (Ed25519, ECDSA P256), not a host's ECDH key
  bool is_encrypted = false;   // then `key` is empty until DecryptPrivateKey
  Bytes key;                   // the raw key, PrivateKeySize(curve, is_ca_key) bytes
  EncryptedKeyData encrypted;  // when is_encrypted: parsed and validated, not yet decrypted
};

// Parses the first PEM block as any private key. An encrypted one is fully checked (format,
// Argon2 parameters within kMaxArgon2MemoryKiB) without a passphrase.
Result<PrivateKey> ParsePrivateKeyPem(std::string_view pem, std::string_view* rest = nullptr);
// The decrypted key (is_encrypted false, key set); a plain key is returned as it is. A wrong
// passphrase gives "invalid passphrase or corrupt private key".
Result<PrivateKey> DecryptPrivateKey(const PrivateKey& key, ByteSpan passphrase);
// The plain PEM of any kind; the caller passes a key of PrivateKeySize(curve, is_ca_key).
std::string FormatPrivateKeyPem(Curve curve, bool is_ca_key, ByteSpan key);
// An encrypted CA key file as nebula-cert ca -encrypt writes it (Nebula encrypts only CA keys).
Result<std::string> FormatEncryptedPrivateKeyPem(Curve curve, ByteSpan ca_key, ByteSpan passphrase,
                                                 const crypto::Argon2idParams& params);

// Any of the public key files above.
struct PublicKey {
  Curve curve = Curve::kCurve25519;
  bool is_ca_key = false;
  Bytes key;  // PublicKeySize(curve, is_ca_key) bytes
};
Result<PublicKey> ParsePublicKeyPem(std::string_view pem, std::string_view* rest = nullptr);
std::string FormatPublicKeyPem(Curve curve, bool is_ca_key, ByteSpan key);

// The single-kind forms (Curve25519), kept for callers that accept only that kind.

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
