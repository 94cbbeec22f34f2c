#include "crypto/x25519.h"

#include <openssl/evp.h>

#include <memory>

#include "crypto/random.h"

namespace flatnet::crypto {
namespace {
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
}  // namespace

bool X25519PublicFromPrivate(const X25519Key& private_key, X25519Key& public_key) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), 32));
  if (!key) return false;
  size_t len = public_key.size();
  return EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &len) == 1 && len == 32;
}

X25519KeyPair X25519Generate() {
  X25519KeyPair pair;
  // Any 32 random bytes are a valid X25519 private key (clamping happens in the DH).
  RandomBytes(pair.private_key);
  X25519PublicFromPrivate(pair.private_key, pair.public_key);
  return pair;
}

bool X25519Shared(const X25519Key& private_key, const X25519Key& peer_public, X25519Key& shared) {
  Pkey ours(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), 32));
  Pkey theirs(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), 32));
  if (!ours || !theirs) return false;
  PkeyCtx ctx(EVP_PKEY_CTX_new(ours.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), theirs.get()) != 1)
    return false;
  size_t len = shared.size();
  // OpenSSL itself fails the derive when the result is all zeros.
  return EVP_PKEY_derive(ctx.get(), shared.data(), &len) == 1 && len == 32;
}

}  // namespace flatnet::crypto
