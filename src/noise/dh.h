// The Noise DH functions Nebula's handshake uses, chosen by the certificate's curve
// (Nebula 1.11.1 pki.go newCipherSuite):
//
//   kind         name in the protocol name   public key on the wire        DH output
//   kCurve25519  "25519"                     32 bytes                      32 bytes
//   kP256        "P256"                      65 bytes, 0x04 || X || Y      32 bytes, the X
//                                                                          coordinate
//
// P256 is Nebula's noiseutil.DHP256 (Go's crypto/ecdh): its DHLen, which flynn/noise uses
// as the size of e and s in handshake messages, is the 65-byte uncompressed point, while the
// DH output that MixKey takes is 32 bytes. So "Noise_IX_P256_AESGCM_SHA256" is not the
// standard Noise P-256 of the spec (which has none); it is what Nebula speaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/x25519.h"

namespace flatnet::noise {

enum class DhKind : uint8_t { kCurve25519, kP256 };

// A DH key pair in its wire encoding: X25519 32/32 bytes, P256 a 32-byte scalar and the
// 65-byte uncompressed point (crypto/p256.h).
struct DhKeyPair {
  Bytes private_key;
  Bytes public_key;

  DhKeyPair() = default;
  DhKeyPair(Bytes private_key, Bytes public_key)
      : private_key(std::move(private_key)), public_key(std::move(public_key)) {}
  // The existing Curve25519 callers pass their X25519 key pair as they are.
  DhKeyPair(const crypto::X25519KeyPair& pair)  // NOLINT: implicit by design
      : private_key(pair.private_key.begin(), pair.private_key.end()),
        public_key(pair.public_key.begin(), pair.public_key.end()) {}
};

// "25519" or "P256", as in "Noise_IX_<name>_AESGCM_SHA256".
std::string_view DhName(DhKind kind);
// Bytes of a public key in a handshake message (the 'e' and 's' tokens, before encryption).
size_t DhPublicKeySize(DhKind kind);
size_t DhPrivateKeySize(DhKind kind);

Result<DhKeyPair> DhGenerate(DhKind kind);
// The 32-byte shared secret. Fails on keys of the wrong size, a P256 point not on the curve,
// or an X25519 low-order peer key (all-zero result).
Result<Bytes> DhShared(DhKind kind, const DhKeyPair& ours, ByteSpan peer_public);

}  // namespace flatnet::noise
