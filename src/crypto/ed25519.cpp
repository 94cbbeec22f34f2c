#include "crypto/ed25519.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "crypto/random.h"

namespace flatnet::crypto {
namespace {
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

bool PublicFromSeed(const uint8_t* seed, Ed25519PublicKey& public_key) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, 32));
  if (!key) return false;
  size_t len = public_key.size();
  return EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &len) == 1 && len == 32;
}
}  // namespace

Ed25519KeyPair Ed25519Generate() {
  Ed25519KeyPair pair;
  RandomBytes(MutableByteSpan(pair.private_key.data(), 32));
  PublicFromSeed(pair.private_key.data(), pair.public_key);
  std::copy(pair.public_key.begin(), pair.public_key.end(), pair.private_key.begin() + 32);
  return pair;
}

bool Ed25519KeyIsConsistent(const Ed25519PrivateKey& private_key) {
  Ed25519PublicKey derived;
  return PublicFromSeed(private_key.data(), derived) &&
         std::equal(derived.begin(), derived.end(), private_key.begin() + 32);
}

bool Ed25519Sign(const Ed25519PrivateKey& private_key, ByteSpan message, Ed25519Signature& out) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, private_key.data(), 32));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
    return false;
  size_t len = out.size();
  return EVP_DigestSign(ctx.get(), out.data(), &len, message.data(), message.size()) == 1 &&
         len == 64;
}

bool Ed25519Verify(const Ed25519PublicKey& public_key, ByteSpan message, ByteSpan signature) {
  if (signature.size() != 64) return false;
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), 32));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

}  // namespace flatnet::crypto
