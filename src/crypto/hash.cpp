#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace flatnet::crypto {

Sha256Digest Sha256(ByteSpan data) { return Sha256(data, ByteSpan()); }

Sha256Digest Sha256(ByteSpan first, ByteSpan second) {
  Sha256Digest out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, first.data(), first.size());
  EVP_DigestUpdate(ctx, second.data(), second.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

Sha256Digest HmacSha256(ByteSpan key, ByteSpan data) {
  Sha256Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), data.data(), data.size(), out.data(), &len);
  return out;
}

}  // namespace flatnet::crypto
