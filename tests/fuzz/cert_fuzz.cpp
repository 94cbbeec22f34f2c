// Certificates in their wire form (v1 protobuf, v2 ASN.1 DER): what a handshake carries, and
// what nebula-cert print, the CA pool and pki.cert read after PEM, through the public parse
// entry points of src/cert and back out through everything that prints or re-marshals one.
//
// Input: byte 0 picks version, entry and key, the rest is the certificate bytes:
//   bit 0       version: 0 v1, 1 v2
//   bits 1-2    entry (mod 3): 0 ParseCertificate; 1 ParseCertificateWithPublicKey (the
//               handshake's recombine step); 2 RecombineAndVerify against the test pool
//   bit 3       the public key put in: the peer's X25519 key, or a P256 one (keys/p256_host.pub)
// A certificate that parses must re-marshal to bytes that parse to the same certificate.
#include <cstdint>

#include "cert/certificate_format.h"
#include "cert/key_pem.h"
#include "cert/recombine.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

namespace {

const Bytes& P256HostKey() {
  static const Bytes key = [] {
    std::string path = std::string(FLATNET_FUZZ_DATA) + "/../keys/p256_host.pub";
    std::ifstream in(path, std::ios::binary);
    if (!in) fuzz::Fail("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = cert::ParsePublicKeyPem(text.str());
    if (!parsed.ok() || parsed->curve != cert::Curve::kP256) fuzz::Fail(path + ": not a P256 key");
    return parsed->key;
  }();
  return key;
}

void Exercise(const cert::Certificate& cert) {
  (void)cert::CertificateText(cert);
  (void)cert::CertificateJson(cert);
  (void)cert.Fingerprint();
  (void)cert.AlternateFingerprint();
  (void)cert.MarshalToPem();
  (void)cert.MarshalForHandshakes();
  (void)cert.Expired(fuzz::TestPki().now);
  (void)fuzz::TestPki().pool.Verify(cert, fuzz::TestPki().now);
  (void)mesh::OverlayIpOf(cert);
  Bytes raw = cert.Marshal();
  auto again = cert::ParseCertificate(cert.version, raw);
  if (!again.ok())
    fuzz::Fail("a parsed certificate does not parse after re-marshalling: " +
               again.status().message());
  if (again->Marshal() != raw) fuzz::Fail("re-marshalling a certificate is not stable");
  if (again->Fingerprint() != cert.Fingerprint()) fuzz::Fail("the fingerprint changed");
  // What nebula-cert sign does to a certificate it is given: validate (v2 sorts), re-sign.
  cert::Certificate copy = cert;
  (void)copy.Validate();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool setup = (fuzz::SilenceLogs(), fuzz::TestPki(), P256HostKey(), true);
  (void)setup;
  if (size < 1) return 0;
  ByteSpan raw(data + 1, size - 1);
  const fuzz::Pki& pki = fuzz::TestPki();
  cert::Version version = (data[0] & 1) ? cert::Version::kV2 : cert::Version::kV1;
  bool p256 = data[0] & 8;
  ByteSpan key = p256 ? ByteSpan(P256HostKey())
                      : ByteSpan(pki.peer_keys.public_key.data(), pki.peer_keys.public_key.size());
  cert::Curve curve = p256 ? cert::Curve::kP256 : cert::Curve::kCurve25519;
  switch (((data[0] >> 1) & 3) % 3) {
    case 0:
      if (auto cert = cert::ParseCertificate(version, raw); cert.ok()) Exercise(*cert);
      break;
    case 1:
      if (auto cert = cert::ParseCertificateWithPublicKey(version, raw, key, curve); cert.ok())
        Exercise(*cert);
      break;
    default:
      if (auto cert = cert::RecombineAndVerify(version, raw, key, curve, pki.pool, pki.now);
          cert.ok())
        Exercise(*cert);
      break;
  }
  return 0;
}
