#include "crypto/p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <memory>
#include <string>

namespace flatnet::crypto {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

constexpr const char* kGroupName = "prime256v1";

// The order n of P-256's base point, big-endian.
constexpr uint8_t kOrder[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

// 1 <= d < n, compared without branching on the secret's bytes.
bool ScalarInRange(ByteSpan d) {
  int less = 0, decided = 0;
  uint8_t any = 0;
  for (size_t i = 0; i < 32; ++i) {
    int lt = d[i]<kOrder[i], gt = d[i]> kOrder[i];
    less |= lt & ~decided;
    decided |= lt | gt;
    any |= d[i];
  }
  return less && any != 0;
}

Status CheckPrivate(ByteSpan private_key) {
  if (private_key.size() != kP256PrivateKeySize)
    return Status::Error("P256 private key must be 32 bytes, got " +
                         std::to_string(private_key.size()));
  if (!ScalarInRange(private_key))
    return Status::Error("P256 private key is not a valid scalar (zero or not below the order)");
  return Status::Ok();
}

Status CheckPublicShape(ByteSpan public_key) {
  if (public_key.size() != kP256PublicKeySize || public_key[0] != 0x04)
    return Status::Error("P256 public key must be a 65-byte uncompressed point (0x04||X||Y), got " +
                         std::to_string(public_key.size()) + " bytes");
  return Status::Ok();
}

// Builds an EVP_PKEY from a private scalar and/or an encoded public point. OpenSSL decodes
// the point and refuses one that is not on the curve.
Owned<EVP_PKEY> Import(ByteSpan private_key, ByteSpan public_key) {
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0) != 1)
    return nullptr;
  Owned<BIGNUM> d;
  int selection = EVP_PKEY_PUBLIC_KEY;
  if (!private_key.empty()) {
    d.reset(BN_bin2bn(private_key.data(), int(private_key.size()), nullptr));
    if (!d) return nullptr;
    BN_set_flags(d.get(), BN_FLG_CONSTTIME);
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1) return nullptr;
    selection = EVP_PKEY_KEYPAIR;
  }
  if (!public_key.empty() &&
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_key.data(),
                                       public_key.size()) != 1)
    return nullptr;
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1) return nullptr;
  return Owned<EVP_PKEY>(key);
}

Result<Bytes> PrivateBytes(const EVP_PKEY* key) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1)
    return Status::Error("OpenSSL did not export the P256 private key");
  Owned<BIGNUM> d(raw);
  Bytes out(kP256PrivateKeySize);
  if (BN_bn2binpad(d.get(), out.data(), int(out.size())) != int(out.size()))
    return Status::Error("OpenSSL exported an oversized P256 private key");
  return out;
}

Result<Bytes> PublicBytes(const EVP_PKEY* key) {
  Bytes out(kP256PublicKeySize);
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) !=
          1 ||
      len != kP256PublicKeySize || out[0] != 0x04)
    return Status::Error("OpenSSL did not export an uncompressed P256 public key");
  return out;
}

}  // namespace

Result<P256KeyPair> GenerateP256KeyPair() {
  Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Status::Error("OpenSSL could not generate a P256 key");
  auto priv = PrivateBytes(key.get());
  if (!priv.ok()) return priv.status();
  auto pub = PublicBytes(key.get());
  if (!pub.ok()) return pub.status();
  return P256KeyPair{std::move(*priv), std::move(*pub)};
}

Result<Bytes> P256PublicKeyFromPrivate(ByteSpan private_key) {
  if (Status s = CheckPrivate(private_key); !s.ok()) return s;
  // OpenSSL 3.0's EVP import does not derive the public half, so multiply by hand with the
  // (not deprecated) EC_POINT API; OpenSSL picks its constant-time ladder for the scalar.
  Owned<EC_GROUP> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  Owned<EC_POINT> point(group ? EC_POINT_new(group.get()) : nullptr);
  Owned<BN_CTX> bn_ctx(BN_CTX_new());
  Owned<BIGNUM> d(BN_bin2bn(private_key.data(), int(private_key.size()), nullptr));
  if (!point || !bn_ctx || !d) return Status::Error("OpenSSL is out of memory");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  Bytes out(kP256PublicKeySize);
  if (EC_POINT_mul(group.get(), point.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), bn_ctx.get()) != kP256PublicKeySize)
    return Status::Error("OpenSSL could not derive the P256 public key");
  return out;
}

Result<Bytes> EcdsaP256Sign(ByteSpan private_key, ByteSpan message) {
  if (Status s = CheckPrivate(private_key); !s.ok()) return s;
  Owned<EVP_PKEY> key = Import(private_key, {});
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
    return Status::Error("OpenSSL refused the P256 signing key");
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1)
    return Status::Error("OpenSSL could not size the P256 signature");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1)
    return Status::Error("OpenSSL could not sign with the P256 key");
  sig.resize(len);
  return sig;
}

bool EcdsaP256Verify(ByteSpan public_key, ByteSpan message, ByteSpan der_signature) {
  if (!CheckPublicShape(public_key).ok() || der_signature.empty()) return false;
  Owned<EVP_PKEY> key = Import({}, public_key);
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!key || !ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
    return false;
  // OpenSSL re-encodes the parsed signature and refuses it unless the bytes are the same,
  // so only strict DER verifies (as with Go's VerifyASN1).
  return EVP_DigestVerify(ctx.get(), der_signature.data(), der_signature.size(), message.data(),
                          message.size()) == 1;
}

Result<Bytes> EcdsaP256SwapSignature(ByteSpan der_signature) {
  const Status bad = Status::Error("P256 signature is not a strict DER SEQUENCE of two INTEGERs");
  const uint8_t* p = der_signature.data();
  Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, long(der_signature.size())));
  if (!sig || p != der_signature.data() + der_signature.size()) return bad;
  // The template decoder accepts some BER; insist the input is the canonical encoding.
  unsigned char* canonical = nullptr;
  int canonical_len = i2d_ECDSA_SIG(sig.get(), &canonical);
  bool strict = canonical_len == int(der_signature.size()) &&
                std::equal(der_signature.begin(), der_signature.end(), canonical);
  OPENSSL_free(canonical);
  if (!strict) return bad;

  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  Owned<BIGNUM> n(BN_bin2bn(kOrder, sizeof kOrder, nullptr));
  Owned<BIGNUM> swapped_s(BN_new());
  Owned<BIGNUM> r_copy(BN_dup(r));
  if (!n || !swapped_s || !r_copy) return Status::Error("OpenSSL is out of memory");
  if (BN_is_negative(r) || BN_is_zero(r) || BN_is_negative(s) || BN_is_zero(s) ||
      BN_cmp(s, n.get()) >= 0)
    return Status::Error("P256 signature has r or s out of range");
  if (BN_sub(swapped_s.get(), n.get(), s) != 1) return Status::Error("OpenSSL failed n - s");
  Owned<ECDSA_SIG> out(ECDSA_SIG_new());
  if (!out || ECDSA_SIG_set0(out.get(), r_copy.get(), swapped_s.get()) != 1)
    return Status::Error("OpenSSL is out of memory");
  r_copy.release();  // now owned by out
  swapped_s.release();
  int len = i2d_ECDSA_SIG(out.get(), nullptr);
  if (len <= 0) return Status::Error("OpenSSL could not encode the swapped signature");
  Bytes der(size_t(len), 0);
  unsigned char* w = der.data();
  if (i2d_ECDSA_SIG(out.get(), &w) != len)
    return Status::Error("OpenSSL could not encode the swapped signature");
  return der;
}

Result<Bytes> P256Ecdh(ByteSpan private_key, ByteSpan peer_public_key) {
  if (Status s = CheckPrivate(private_key); !s.ok()) return s;
  if (Status s = CheckPublicShape(peer_public_key); !s.ok()) return s.Wrap("P256 ECDH peer");
  Owned<EVP_PKEY> ours = Import(private_key, {});
  if (!ours) return Status::Error("OpenSSL refused the P256 private key");
  Owned<EVP_PKEY> theirs = Import({}, peer_public_key);
  if (!theirs) return Status::Error("P256 ECDH peer public key is not a point on the curve");
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ours.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), theirs.get(), 0) != 1)
    return Status::Error("OpenSSL refused the P256 ECDH keys");
  Bytes shared(32);
  size_t len = shared.size();
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1 || len != shared.size())
    return Status::Error("P256 ECDH failed");
  return shared;
}

}  // namespace flatnet::crypto
