// NIST P-256 through OpenSSL 3: ECDSA for P256 CA keys (certificate signatures) and ECDH for
// P256 host keys (the Noise handshake's DH when the certificate curve is P256).
//
// Encodings are Nebula's (Go's crypto/ecdh and crypto/ecdsa):
// - a private key is the 32-byte big-endian scalar d, 1 <= d < n;
// - a public key is the 65-byte uncompressed point 0x04 || X || Y (compressed points and
//   the point at infinity are refused, as Go's ecdh.P256().NewPublicKey refuses them);
// - a signature is ASN.1 DER SEQUENCE { r INTEGER, s INTEGER } over SHA-256(message);
// - the ECDH result is the shared point's X coordinate, 32 bytes.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/status.h"

namespace flatnet::crypto {

inline constexpr size_t kP256PrivateKeySize = 32;  // big-endian scalar
inline constexpr size_t kP256PublicKeySize = 65;   // uncompressed point 0x04||X||Y

struct P256KeyPair {
  Bytes private_key;
  Bytes public_key;
};

Result<P256KeyPair> GenerateP256KeyPair();
// d·G of a 32-byte scalar; an error for the wrong size, zero, or a scalar >= n.
Result<Bytes> P256PublicKeyFromPrivate(ByteSpan private_key);
// Signs SHA-256(message); the DER signature may be high-s or low-s (Go's SignASN1 does not
// normalize either, and Nebula accepts both).
Result<Bytes> EcdsaP256Sign(ByteSpan private_key, ByteSpan message);
// True only for a strict-DER signature of SHA-256(message) by public_key.
bool EcdsaP256Verify(ByteSpan public_key, ByteSpan message, ByteSpan der_signature);
// Nebula's p256.Swap: (r, s) -> (r, n - s), the other signature that verifies for the same
// message and key. Needs strict DER with 0 < r and 0 < s < n. Swapping twice gives the input.
Result<Bytes> EcdsaP256SwapSignature(ByteSpan der_signature);
// The 32-byte X coordinate of d·Q; an error for a bad scalar or a point not on the curve.
Result<Bytes> P256Ecdh(ByteSpan private_key, ByteSpan peer_public_key);

}  // namespace flatnet::crypto
