// Signing, signature checks, expiry and key matching of Certificate (see certificate.h).
#include "cert/certificate.h"

#include <algorithm>

#include "crypto/hash.h"
#include "crypto/x25519.h"

namespace flatnet::cert {

std::string Certificate::Fingerprint() const { return ToHex(crypto::Sha256(Marshal())); }

bool Certificate::CheckSignature(ByteSpan ed25519_public_key) const {
  crypto::Ed25519PublicKey key;
  if (ed25519_public_key.size() != key.size()) return false;
  std::copy(ed25519_public_key.begin(), ed25519_public_key.end(), key.begin());
  return crypto::Ed25519Verify(key, MarshalDetails(), signature);
}

bool Certificate::Expired(int64_t now) const { return not_before > now || not_after < now; }

Status Certificate::VerifyPrivateKey(ByteSpan private_key) const {
  const Status mismatch = Status::Error("public key in cert and private key supplied don't match");
  if (is_ca) {
    crypto::Ed25519PrivateKey key;
    if (private_key.size() != key.size()) {
      return Status::Error("key was not 64 bytes, is invalid ed25519 private key");
    }
    // Go's ed25519 keys carry their public half in the last 32 bytes.
    ByteSpan stated_public = private_key.subspan(32);
    if (!std::equal(stated_public.begin(), stated_public.end(), public_key.begin(),
                    public_key.end())) {
      return mismatch;
    }
    return Status::Ok();
  }
  crypto::X25519Key key;
  if (private_key.size() != key.size()) {
    return Status::Error("bad scalar length: " + std::to_string(private_key.size()) +
                         ", expected 32");
  }
  std::copy(private_key.begin(), private_key.end(), key.begin());
  crypto::X25519Key derived;
  if (!crypto::X25519PublicFromPrivate(key, derived)) {
    return Status::Error("invalid X25519 private key");
  }
  if (!std::equal(derived.begin(), derived.end(), public_key.begin(), public_key.end())) {
    return mismatch;
  }
  return Status::Ok();
}

Status Certificate::Sign(const crypto::Ed25519PrivateKey& ca_key) {
  if (!crypto::Ed25519KeyIsConsistent(ca_key)) {
    return Status::Error("ed25519 private key is corrupt: its seed does not match its public half");
  }
  crypto::Ed25519Signature sig;
  if (!crypto::Ed25519Sign(ca_key, MarshalDetails(), sig)) {
    return Status::Error("ed25519 signing failed");
  }
  signature.assign(sig.begin(), sig.end());
  return Status::Ok();
}

bool Certificate::HasGroup(std::string_view group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

}  // namespace flatnet::cert
