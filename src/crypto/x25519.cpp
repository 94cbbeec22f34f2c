#include "crypto/x25519.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

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

namespace {
bool Derive(EVP_PKEY* ours_raw, const X25519Key& peer_public, X25519Key& shared) {
  Pkey ours(ours_raw);
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

// Imports a key pair without recomputing the public half from the private one.
EVP_PKEY* ImportPair(const X25519KeyPair& pair) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  X25519KeyPair copy = pair;  // OSSL_PARAM wants non-const buffers
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, copy.private_key.data(), 32),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy.public_key.data(), 32),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params) != 1) return nullptr;
  return key;
}
}  // namespace

bool X25519Shared(const X25519Key& private_key, const X25519Key& peer_public, X25519Key& shared) {
  EVP_PKEY* ours = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), 32);
  return ours && Derive(ours, peer_public, shared);
}

bool X25519Shared(const X25519KeyPair& ours, const X25519Key& peer_public, X25519Key& shared) {
  EVP_PKEY* key = ImportPair(ours);
  return key && Derive(key, peer_public, shared);
}

}  // namespace flatnet::crypto
