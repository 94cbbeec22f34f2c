#include "cert/recombine.h"

namespace flatnet::cert {

Result<Certificate> RecombineAndValidate(ByteSpan raw_without_key, ByteSpan peer_static_public_key,
                                         const CaPool& pool, int64_t now) {
  if (peer_static_public_key.empty()) return Status::Error("no peer static key was present");
  if (raw_without_key.empty()) return Status::Error("provided payload was empty");
  Result<Certificate> cert = ParseCertificateWithPublicKey(raw_without_key, peer_static_public_key);
  if (!cert.ok()) return cert.status().Wrap("error unmarshaling cert");
  Status verified = pool.Verify(*cert, now);
  if (!verified.ok()) return verified.Wrap("certificate validation failed");
  return cert;
}

}  // namespace flatnet::cert
