#include "crypto/aead.h"

#include <openssl/evp.h>

namespace flatnet::crypto {

// EVP_CIPHER_CTX is opaque; wrapping it keeps OpenSSL's headers out of aead.h.
struct Aead::Ctx {
  EVP_CIPHER_CTX* evp;
};

namespace {
const EVP_CIPHER* CipherFor(CipherKind kind) {
  return kind == CipherKind::kAes256Gcm ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
}
}  // namespace

Aead::Aead(CipherKind kind, const AeadKey& key, AeadUse use) : kind_(kind) {
  for (auto* slot : {&seal_ctx_, &open_ctx_}) {
    const bool encrypt = slot == &seal_ctx_;
    if ((encrypt && use == AeadUse::kOpenOnly) || (!encrypt && use == AeadUse::kSealOnly))
      continue;
    EVP_CIPHER_CTX* evp = EVP_CIPHER_CTX_new();
    if (!evp || EVP_CipherInit_ex(evp, CipherFor(kind), nullptr, nullptr, nullptr, encrypt) != 1 ||
        EVP_CIPHER_CTX_ctrl(evp, EVP_CTRL_AEAD_SET_IVLEN, kAeadNonceSize, nullptr) != 1 ||
        EVP_CipherInit_ex(evp, nullptr, nullptr, key.data(), nullptr, encrypt) != 1) {
      EVP_CIPHER_CTX_free(evp);
      continue;
    }
    *slot = new Ctx{evp};
  }
  valid_ = (use == AeadUse::kOpenOnly || seal_ctx_) && (use == AeadUse::kSealOnly || open_ctx_);
}

Aead::~Aead() {
  for (Ctx* c : {seal_ctx_, open_ctx_}) {
    if (c) {
      EVP_CIPHER_CTX_free(c->evp);
      delete c;
    }
  }
}

long Aead::Seal(const AeadNonce& nonce, ByteSpan ad, ByteSpan plaintext, uint8_t* out) {
  if (!seal_ctx_) return -1;
  EVP_CIPHER_CTX* c = seal_ctx_->evp;
  int len = 0, total = 0;
  if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1) return -1;
  if (!ad.empty() && EVP_EncryptUpdate(c, nullptr, &len, ad.data(), int(ad.size())) != 1)
    return -1;
  if (EVP_EncryptUpdate(c, out, &len, plaintext.data(), int(plaintext.size())) != 1) return -1;
  total = len;
  if (EVP_EncryptFinal_ex(c, out + total, &len) != 1) return -1;
  total += len;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, kAeadTagSize, out + total) != 1) return -1;
  return total + long(kAeadTagSize);
}

long Aead::Open(const AeadNonce& nonce, ByteSpan ad, ByteSpan sealed, uint8_t* out) {
  if (!open_ctx_ || sealed.size() < kAeadTagSize) return -1;
  EVP_CIPHER_CTX* c = open_ctx_->evp;
  size_t body = sealed.size() - kAeadTagSize;
  int len = 0, total = 0;
  // The tag is read before the body is decrypted in place over it, since out may alias.
  uint8_t tag[kAeadTagSize];
  for (size_t i = 0; i < kAeadTagSize; ++i) tag[i] = sealed[body + i];
  if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1) return -1;
  if (!ad.empty() && EVP_DecryptUpdate(c, nullptr, &len, ad.data(), int(ad.size())) != 1)
    return -1;
  if (EVP_DecryptUpdate(c, out, &len, sealed.data(), int(body)) != 1) return -1;
  total = len;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, kAeadTagSize, tag) != 1) return -1;
  if (EVP_DecryptFinal_ex(c, out + total, &len) != 1) return -1;
  return total + len;
}

}  // namespace flatnet::crypto
