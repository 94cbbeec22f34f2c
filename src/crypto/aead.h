// AEAD ciphers of Nebula's tunnels: AES-256-GCM and ChaCha20-Poly1305, 32-byte keys,
// 12-byte nonces, 16-byte tags.
//
// An Aead owns one OpenSSL cipher context per direction it is made for (AeadUse), with the
// key already loaded, so sealing a packet costs no allocation and no key schedule: build it
// once per tunnel.
// Not thread-safe: one Aead per thread (workers each hold their own copy).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "base/bytes.h"

namespace flatnet::crypto {

enum class CipherKind { kAes256Gcm, kChaCha20Poly1305 };

constexpr size_t kAeadKeySize = 32;
constexpr size_t kAeadNonceSize = 12;
constexpr size_t kAeadTagSize = 16;

using AeadKey = std::array<uint8_t, kAeadKeySize>;
using AeadNonce = std::array<uint8_t, kAeadNonceSize>;

// Which directions an Aead keys a context for. A tunnel's cipher only ever seals with its
// send key and opens with its receive key: keying one context each instead of two halves
// what every tunnel holds (an AES-256-GCM context is about a kilobyte in OpenSSL 3, and a
// lighthouse keeps 50,000 tunnels).
enum class AeadUse { kSealAndOpen, kSealOnly, kOpenOnly };

class Aead {
 public:
  Aead(CipherKind kind, const AeadKey& key, AeadUse use = AeadUse::kSealAndOpen);
  ~Aead();
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  CipherKind kind() const { return kind_; }
  // Every context its AeadUse asked for was made (a direction not asked for always fails).
  bool valid() const { return valid_; }

  // Writes ciphertext || tag to out (out.size() >= plaintext.size() + 16; out may alias
  // plaintext exactly). Returns the bytes written, or -1 on failure.
  long Seal(const AeadNonce& nonce, ByteSpan ad, ByteSpan plaintext, uint8_t* out);
  // Opens ciphertext || tag into out (may alias the input). Returns the plaintext length,
  // or -1 when authentication fails.
  long Open(const AeadNonce& nonce, ByteSpan ad, ByteSpan sealed, uint8_t* out);

 private:
  CipherKind kind_;
  struct Ctx;
  Ctx* seal_ctx_ = nullptr;
  Ctx* open_ctx_ = nullptr;
  bool valid_ = false;
};

}  // namespace flatnet::crypto
