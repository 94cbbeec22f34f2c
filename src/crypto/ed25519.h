// Ed25519 signatures (RFC 8032) through OpenSSL EVP: CA keys sign certificates.
//
// Keys use Go's crypto/ed25519 layout, which Nebula's key files hold: a private key is
// 64 bytes, the 32-byte seed followed by the 32-byte public key.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace flatnet::crypto {

using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519PrivateKey = std::array<uint8_t, 64>;  // seed || public key
using Ed25519Signature = std::array<uint8_t, 64>;

struct Ed25519KeyPair {
  Ed25519PrivateKey private_key;
  Ed25519PublicKey public_key;
};

Ed25519KeyPair Ed25519Generate();
// False if the key's seed does not derive its stated public half.
bool Ed25519KeyIsConsistent(const Ed25519PrivateKey& private_key);
bool Ed25519Sign(const Ed25519PrivateKey& private_key, ByteSpan message, Ed25519Signature& out);
bool Ed25519Verify(const Ed25519PublicKey& public_key, ByteSpan message, ByteSpan signature);

}  // namespace flatnet::crypto
