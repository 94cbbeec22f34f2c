// TunnelCipher: the AEAD of an established Nebula tunnel, one key per direction.
//
// Nebula's data path (noise.go EncryptDanger/DecryptDanger, inside.go, outside.go) does not
// use Noise's counting CipherState: packets may arrive out of order, so every packet names
// its nonce in its header's message counter. The nonce is
//   4 zero bytes || message counter as 64-bit integer
// big-endian for AES-GCM and LITTLE-endian for ChaCha20-Poly1305 (nebula 1.6.1 main.go sets
// noiseEndianness per cipher; a real nebula peer drops chachapoly packets otherwise), and the
// associated data is the packet's 16-byte header. A sealed packet is
//   header (16) || ciphertext || tag (16).
// The counter must never repeat under one key; the caller (the tunnel) owns it, and checks
// received counters against its replay window before and after Open.
//
// Seal and Open allocate nothing and reuse the keyed OpenSSL contexts. Not thread-safe:
// give each worker thread its own TunnelCipher built from the same SessionKeys.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "crypto/aead.h"
#include "noise/session_keys.h"

namespace flatnet::noise {

// The nonce Nebula uses for the packet with this message counter.
crypto::AeadNonce TunnelNonce(crypto::CipherKind cipher, uint64_t counter);

class TunnelCipher {
 public:
  static constexpr size_t kTagSize = crypto::kAeadTagSize;

  explicit TunnelCipher(const SessionKeys& keys);
  TunnelCipher(const TunnelCipher&) = delete;
  TunnelCipher& operator=(const TunnelCipher&) = delete;

  // False if OpenSSL could not set up a context; then Seal and Open always fail.
  bool valid() const { return send_.valid() && receive_.valid(); }
  crypto::CipherKind cipher() const { return send_.kind(); }

  // Writes ciphertext || tag (plaintext.size() + 16 bytes) to out, which may alias
  // plaintext exactly. Returns the bytes written, or -1.
  long Seal(uint64_t counter, ByteSpan header_ad, ByteSpan plaintext, uint8_t* out) {
    return send_.Seal(TunnelNonce(send_.kind(), counter), header_ad, plaintext, out);
  }
  // Writes the plaintext of ciphertext || tag to out (may alias sealed). Returns its length,
  // or -1 when the packet is too short or fails authentication.
  long Open(uint64_t counter, ByteSpan header_ad, ByteSpan sealed, uint8_t* out) {
    return receive_.Open(TunnelNonce(receive_.kind(), counter), header_ad, sealed, out);
  }

 private:
  crypto::Aead send_;
  crypto::Aead receive_;
};

inline crypto::AeadNonce TunnelNonce(crypto::CipherKind cipher, uint64_t counter) {
  crypto::AeadNonce nonce{};
  if (cipher == crypto::CipherKind::kAes256Gcm) {
    StoreBig64(nonce.data() + 4, counter);
  } else {
    for (int i = 0; i < 8; ++i) nonce[4 + i] = uint8_t(counter >> (8 * i));
  }
  return nonce;
}

}  // namespace flatnet::noise
