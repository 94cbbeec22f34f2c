// X25519 Diffie-Hellman (RFC 7748) through OpenSSL EVP: the host keys of certificates and
// the ephemeral and static keys of the Noise handshake.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace flatnet::crypto {

using X25519Key = std::array<uint8_t, 32>;

struct X25519KeyPair {
  X25519Key private_key;
  X25519Key public_key;
};

X25519KeyPair X25519Generate();
// Derives the public key of a 32-byte private key; false if OpenSSL rejects it.
bool X25519PublicFromPrivate(const X25519Key& private_key, X25519Key& public_key);
// Shared secret of our private key and their public key. False on failure, including an
// all-zero result (a low-order peer key), which the Noise handshake must refuse.
bool X25519Shared(const X25519Key& private_key, const X25519Key& peer_public, X25519Key& shared);
// The same with our whole key pair: given the public half, OpenSSL need not derive it again,
// which halves the cost (one scalar multiplication instead of two). The handshake's path.
bool X25519Shared(const X25519KeyPair& ours, const X25519Key& peer_public, X25519Key& shared);

}  // namespace flatnet::crypto
