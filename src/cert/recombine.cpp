#include "cert/recombine.h"

namespace flatnet::cert {

Result<Certificate> Recombine(Version version, ByteSpan raw, ByteSpan public_key, Curve curve) {
  if (public_key.empty()) return Status::Error("no peer static key was present");
  if (raw.empty()) return Status::Error("provided payload was empty");
  Result<Certificate> cert = ParseCertificateWithPublicKey(version, raw, public_key, curve);
  if (!cert.ok()) return cert;
  if (cert->curve != curve) {
    return Status::Error("certificate curve " + std::string(CurveName(cert->curve)) +
                         " does not match expected " + std::string(CurveName(curve)));
  }
  return cert;
}

Result<Certificate> RecombineAndVerify(Version version, ByteSpan raw, ByteSpan public_key,
                                       Curve curve, const CaPool& pool, int64_t now) {
  if (public_key.empty()) return Status::Error("no peer static key was present");
  if (raw.empty()) return Status::Error("provided payload was empty");
  Result<Certificate> cert = Recombine(version, raw, public_key, curve);
  if (!cert.ok()) return cert.status().Wrap("error unmarshaling cert");
  Status verified = pool.Verify(*cert, now);
  if (!verified.ok()) return verified.Wrap("certificate validation failed");
  return cert;
}

}  // namespace flatnet::cert
