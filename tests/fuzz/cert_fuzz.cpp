// Certificates as raw protobuf (what a handshake carries, and what nebula-cert print and the
// CA pool read after PEM), through the public parse entry points of src/cert and back out
// through everything that prints or re-marshals one.
//
// Input: byte 0 picks the entry, the rest is the certificate bytes:
//   0  ParseCertificate
//   1  ParseCertificateWithPublicKey with host1's key (the handshake's recombine step)
//   2  RecombineAndValidate against the test CA (the whole handshake check)
// A certificate that parses must re-marshal to bytes that parse to the same certificate.
// (Thin on purpose: src/cert is being rewritten for v2 certificates; adapt the calls here.)
#include <cstdint>

#include "cert/certificate_format.h"
#include "cert/recombine.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

namespace {

void Exercise(const cert::Certificate& cert) {
  (void)cert::CertificateText(cert);
  (void)cert::CertificateJson(cert);
  (void)cert.Fingerprint();
  (void)cert.MarshalToPem();
  Bytes raw = cert.Marshal();
  auto again = cert::ParseCertificate(raw);
  if (!again.ok())
    fuzz::Fail("a parsed certificate does not parse after re-marshalling: " +
               again.status().message());
  if (again->Marshal() != raw) fuzz::Fail("re-marshalling a certificate is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool setup = (fuzz::SilenceLogs(), fuzz::TestPki(), true);
  (void)setup;
  if (size < 1) return 0;
  ByteSpan raw(data + 1, size - 1);
  const fuzz::Pki& pki = fuzz::TestPki();
  ByteSpan key(pki.host1_keys.public_key.data(), pki.host1_keys.public_key.size());
  switch (data[0] % 3) {
    case 0:
      if (auto cert = cert::ParseCertificate(raw); cert.ok()) Exercise(*cert);
      break;
    case 1:
      if (auto cert = cert::ParseCertificateWithPublicKey(raw, key); cert.ok()) Exercise(*cert);
      break;
    default:
      if (auto cert = cert::RecombineAndValidate(raw, key, pki.pool, pki.now); cert.ok()) {
        if (cert->ips.empty()) fuzz::Fail("a validated certificate has no overlay IP");
        Exercise(*cert);
      }
      break;
  }
  return 0;
}
