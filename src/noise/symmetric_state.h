// The Noise SymmetricState (spec section 5.2): the chaining key ck, the handshake hash h and
// the CipherState every handshake message is encrypted with. A value type, so a handshake can
// work on a copy and keep it only if a message authenticates.
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "noise/cipher_state.h"

namespace flatnet::noise {

// The two keys Split() derives. Named by direction so neither side can mix them up: the
// initiator sends with initiator_to_responder, the responder receives with it.
struct SplitKeys {
  crypto::AeadKey initiator_to_responder;
  crypto::AeadKey responder_to_initiator;
};

class SymmetricState {
 public:
  // InitializeSymmetric: h = the protocol name zero-padded to 32 bytes, or its SHA-256 when
  // longer; ck = h; no key yet.
  SymmetricState(std::string_view protocol_name, crypto::CipherKind kind);

  // h = SHA-256(h || data)
  void MixHash(ByteSpan data);
  // ck, k = HKDF(ck, input_key_material); the cipher restarts at nonce 0 with k.
  void MixKey(ByteSpan input_key_material);
  // Appends the (encrypted, once there is a key) plaintext to out, then mixes what was
  // appended into h. The handshake hash is the associated data.
  Status EncryptAndHash(ByteSpan plaintext, Bytes& out);
  // The reverse; on failure nothing changes.
  Status DecryptAndHash(ByteSpan ciphertext, Bytes& out);
  // The two transport keys: HKDF(ck, empty).
  SplitKeys Split() const;

  bool HasKey() const { return cipher_.HasKey(); }
  // h: after the last handshake message, a value both peers share and nobody else knows.
  const crypto::Sha256Digest& handshake_hash() const { return h_; }

 private:
  crypto::Sha256Digest ck_{};
  crypto::Sha256Digest h_{};
  CipherState cipher_;
};

}  // namespace flatnet::noise
