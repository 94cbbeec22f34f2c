// Signing, signature checks, fingerprints, expiry and key matching of Certificate
// (certificate.h), for both curves.
#include "cert/certificate.h"

#include <algorithm>

#include "cert/certificate_wire.h"
#include "cert/der.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/p256.h"
#include "crypto/x25519.h"

namespace flatnet::cert {
namespace {

bool SameBytes(ByteSpan a, ByteSpan b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// The s of a DER ECDSA signature without leading zero bytes, or nullopt if it is not one.
std::optional<ByteSpan> SignatureS(ByteSpan signature) {
  der::Reader top(signature);
  der::Element seq, r, s;
  if (!top.Read(der::kSequence, "signature", &seq).ok() || !top.empty()) return std::nullopt;
  der::Reader inner(seq.contents);
  if (!inner.Read(der::kInteger, "r", &r).ok() || !inner.Read(der::kInteger, "s", &s).ok() ||
      !inner.empty()) {
    return std::nullopt;
  }
  ByteSpan value = s.contents;
  while (!value.empty() && value[0] == 0) value = value.subspan(1);
  return value;
}

// Of a signature and its swapped form, the one with the smaller s (Nebula's p256.Normalize).
Result<Bytes> LowS(Bytes signature) {
  Result<Bytes> swapped = crypto::EcdsaP256SwapSignature(signature);
  if (!swapped.ok()) return swapped.status();
  std::optional<ByteSpan> a = SignatureS(signature), b = SignatureS(*swapped);
  if (!a || !b) return Status::Error("P256 signature is not DER");
  bool swapped_is_lower =
      b->size() < a->size() ||
      (b->size() == a->size() &&
       std::lexicographical_compare(b->begin(), b->end(), a->begin(), a->end()));
  return swapped_is_lower ? std::move(*swapped) : std::move(signature);
}

std::string FingerprintWith(const Certificate& c, ByteSpan signature) {
  if (c.version == Version::kV1) {
    Certificate copy = c;
    copy.signature.assign(signature.begin(), signature.end());
    return ToHex(crypto::Sha256(wire::V1Certificate(copy, true)));
  }
  Bytes hashed = wire::V2SignedBytes(c);
  hashed.insert(hashed.end(), signature.begin(), signature.end());
  return ToHex(crypto::Sha256(hashed));
}

}  // namespace

Bytes Certificate::MarshalForSigning() const {
  return version == Version::kV1 ? wire::V1Details(*this, true) : wire::V2SignedBytes(*this);
}

Bytes Certificate::Marshal() const {
  return version == Version::kV1 ? wire::V1Certificate(*this, true)
                                 : wire::V2Certificate(*this, false);
}

Bytes Certificate::MarshalForHandshakes() const {
  return version == Version::kV1 ? wire::V1Certificate(*this, false)
                                 : wire::V2Certificate(*this, true);
}

std::string Certificate::Fingerprint() const { return FingerprintWith(*this, signature); }

std::string Certificate::AlternateFingerprint() const {
  if (curve != Curve::kP256) return "";
  Result<Bytes> swapped = crypto::EcdsaP256SwapSignature(signature);
  if (!swapped.ok()) return "";
  return FingerprintWith(*this, *swapped);
}

bool Certificate::CheckSignature(ByteSpan ca_public_key) const {
  Bytes signed_bytes = MarshalForSigning();
  switch (curve) {
    case Curve::kCurve25519: {
      crypto::Ed25519PublicKey key;
      if (ca_public_key.size() != key.size()) return false;
      std::copy(ca_public_key.begin(), ca_public_key.end(), key.begin());
      return crypto::Ed25519Verify(key, signed_bytes, signature);
    }
    case Curve::kP256:
      return crypto::EcdsaP256Verify(ca_public_key, signed_bytes, signature);
  }
  return false;
}

bool Certificate::Expired(int64_t now) const { return not_before > now || not_after < now; }

Status Certificate::VerifyPrivateKey(Curve key_curve, ByteSpan private_key) const {
  const bool v1 = version == Version::kV1;
  const Status mismatch =
      Status::Error(v1 ? "public key in cert and private key supplied don't match"
                       : "public key and private key are not a pair");
  const Status invalid = Status::Error("invalid private key");
  if (key_curve != curve) {
    return Status::Error(v1 ? "curve in cert and private key supplied don't match"
                            : "public key does not match private key curve");
  }
  if (curve == Curve::kP256) {
    // Go's ecdh.P256().NewPrivateKey words, which v1 passes on.
    Result<Bytes> derived = crypto::P256PublicKeyFromPrivate(private_key);
    if (!derived.ok()) {
      if (!v1) return invalid;
      std::string why = private_key.size() != crypto::kP256PrivateKeySize
                            ? "crypto/ecdh: invalid private key size"
                            : "crypto/ecdh: invalid private key";
      return Status::Error(is_ca ? "cannot parse private key as P256: " + why : why);
    }
    return SameBytes(*derived, public_key) ? Status::Ok() : mismatch;
  }
  if (is_ca) {
    if (private_key.size() != crypto::Ed25519PrivateKey().size()) {
      return v1 ? Status::Error("key was not 64 bytes, is invalid ed25519 private key") : invalid;
    }
    // Go's ed25519 keys carry their public half in the last 32 bytes.
    return SameBytes(private_key.subspan(32), public_key) ? Status::Ok() : mismatch;
  }
  crypto::X25519Key key;
  if (private_key.size() != key.size()) {
    return v1 ? Status::Error("bad scalar length: " + std::to_string(private_key.size()) +
                              ", expected 32")
              : invalid;
  }
  std::copy(private_key.begin(), private_key.end(), key.begin());
  crypto::X25519Key derived;
  if (!crypto::X25519PublicFromPrivate(key, derived)) return invalid;
  return SameBytes(derived, public_key) ? Status::Ok() : mismatch;
}

Status Certificate::Validate() {
  return version == Version::kV1 ? wire::V1Validate(*this) : wire::V2Validate(this);
}

Status Certificate::Sign(Curve key_curve, ByteSpan ca_private_key) {
  if (key_curve != curve) {
    return Status::Error("curve in cert and private key supplied don't match");
  }
  if (version != Version::kV1 && version != Version::kV2) {
    return Status::Error("unknown cert version " + std::to_string(int(version)));
  }
  if (version == Version::kV2 && (name.empty() || name.size() > kMaxNameLength)) {
    // Nebula would sign it, but no Nebula could read it back.
    return Status::Error("v2 certificate names must be 1 to " + std::to_string(kMaxNameLength) +
                         " bytes, have " + std::to_string(name.size()));
  }
  if (Status s = Validate(); !s.ok()) return s;
  raw_details = version == Version::kV2 ? wire::V2Details(*this) : Bytes();
  Bytes signed_bytes = MarshalForSigning();

  if (curve == Curve::kCurve25519) {
    crypto::Ed25519PrivateKey key;
    if (ca_private_key.size() != key.size()) {
      return Status::Error("key was not 64 bytes, is invalid ed25519 private key");
    }
    std::copy(ca_private_key.begin(), ca_private_key.end(), key.begin());
    if (!crypto::Ed25519KeyIsConsistent(key)) {
      return Status::Error(
          "ed25519 private key is corrupt: its seed does not match its public half");
    }
    crypto::Ed25519Signature sig;
    if (!crypto::Ed25519Sign(key, signed_bytes, sig))
      return Status::Error("ed25519 signing failed");
    signature.assign(sig.begin(), sig.end());
    return Status::Ok();
  }
  Result<Bytes> sig = crypto::EcdsaP256Sign(ca_private_key, signed_bytes);
  if (!sig.ok()) return sig.status();
  Result<Bytes> low = LowS(std::move(*sig));
  if (!low.ok()) return low.status();
  signature = std::move(*low);
  return Status::Ok();
}

bool Certificate::HasGroup(std::string_view group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

const IpPrefix* Certificate::FirstV4Network() const {
  for (const IpPrefix& n : networks) {
    if (n.is_v4()) return &n;
  }
  return nullptr;
}

}  // namespace flatnet::cert
