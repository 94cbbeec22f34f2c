#include "noise/cipher_state.h"

namespace flatnet::noise {

std::string_view NoiseCipherName(crypto::CipherKind kind) {
  return kind == crypto::CipherKind::kAes256Gcm ? "AESGCM" : "ChaChaPoly";
}

crypto::AeadNonce NoiseNonce(crypto::CipherKind kind, uint64_t n) {
  crypto::AeadNonce nonce{};
  if (kind == crypto::CipherKind::kAes256Gcm) {
    StoreBig64(nonce.data() + 4, n);
  } else {
    for (int i = 0; i < 8; ++i) nonce[4 + i] = uint8_t(n >> (8 * i));
  }
  return nonce;
}

void CipherState::InitializeKey(const crypto::AeadKey& key) {
  key_ = key;
  nonce_ = 0;
}

Status CipherState::EncryptWithAd(ByteSpan ad, ByteSpan plaintext, Bytes& out) {
  if (!key_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return Status::Ok();
  }
  if (nonce_ > kMaxNonce) return Status::Error("cipher state has used up its nonces");
  crypto::Aead aead(kind_, *key_);
  const size_t start = out.size();
  out.resize(start + plaintext.size() + crypto::kAeadTagSize);
  long n = aead.Seal(NoiseNonce(kind_, nonce_), ad, plaintext, out.data() + start);
  if (n < 0) {
    out.resize(start);
    return Status::Error("encryption failed inside OpenSSL");
  }
  ++nonce_;
  return Status::Ok();
}

Status CipherState::DecryptWithAd(ByteSpan ad, ByteSpan ciphertext, Bytes& out) {
  if (!key_) {
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    return Status::Ok();
  }
  if (nonce_ > kMaxNonce) return Status::Error("cipher state has used up its nonces");
  if (ciphertext.size() < crypto::kAeadTagSize) {
    return Status::Error("ciphertext of " + std::to_string(ciphertext.size()) +
                         " bytes is shorter than the 16-byte tag");
  }
  crypto::Aead aead(kind_, *key_);
  const size_t start = out.size();
  out.resize(start + ciphertext.size() - crypto::kAeadTagSize);
  long n = aead.Open(NoiseNonce(kind_, nonce_), ad, ciphertext, out.data() + start);
  if (n < 0) {
    out.resize(start);
    return Status::Error("authentication failed (wrong key or tampered message)");
  }
  ++nonce_;
  return Status::Ok();
}

}  // namespace flatnet::noise
