// The Noise CipherState (spec section 5.1): an optional key and a 64-bit nonce that counts
// the messages sent or received under it. Used inside the handshake (where every message
// has its own nonce) and by tests replaying Noise transport vectors.
//
// Nonce layout follows flynn/noise, the library of Nebula's peers (cipher_suite.go):
//   AESGCM      4 zero bytes || n as 64-bit BIG-endian
//   ChaChaPoly  4 zero bytes || n as 64-bit LITTLE-endian
// Nebula's data path does NOT use this class: it picks nonces from the packet counter, see
// tunnel_cipher.h.
//
// A CipherState is a small value (key bytes and a counter) so handshake states can be
// copied and rolled back; it builds its OpenSSL context per message, which is fine for the
// handful of messages a handshake has and is why the data path uses TunnelCipher instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/aead.h"

namespace flatnet::noise {

// "AESGCM" or "ChaChaPoly": the cipher's name inside a Noise protocol name.
std::string_view NoiseCipherName(crypto::CipherKind kind);

// The 12-byte AEAD nonce Noise uses for message number n under this cipher.
crypto::AeadNonce NoiseNonce(crypto::CipherKind kind, uint64_t n);

class CipherState {
 public:
  explicit CipherState(crypto::CipherKind kind) : kind_(kind) {}

  crypto::CipherKind kind() const { return kind_; }
  bool HasKey() const { return key_.has_value(); }
  // Sets the key and restarts the nonce at zero.
  void InitializeKey(const crypto::AeadKey& key);
  uint64_t nonce() const { return nonce_; }

  // With a key: appends ciphertext || tag of plaintext (ad authenticated, not sent) to out
  // and advances the nonce. Without a key: appends plaintext unchanged, as the spec says.
  Status EncryptWithAd(ByteSpan ad, ByteSpan plaintext, Bytes& out);
  // The reverse. On failure out and the nonce are left untouched.
  Status DecryptWithAd(ByteSpan ad, ByteSpan ciphertext, Bytes& out);

 private:
  // 2^64-1 is reserved by the spec (for rekeying); a state that reaches it is spent.
  static constexpr uint64_t kMaxNonce = ~uint64_t{0} - 1;

  crypto::CipherKind kind_;
  std::optional<crypto::AeadKey> key_;
  uint64_t nonce_ = 0;
};

}  // namespace flatnet::noise
