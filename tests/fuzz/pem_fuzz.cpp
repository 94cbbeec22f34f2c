// PEM files a user or a config points flatnet at: certificates, CA bundles and key files
// (pki.ca / pki.cert / pki.key, nebula-cert's -ca-crt, -ca-key, -in-pub ...), through the
// public parse entry points of src/cert.
//
// Input: the file's text; every parser gets it. Whatever parses must format back to PEM
// that parses to the same value.
// (Thin on purpose: src/cert is being rewritten for v2 certificates; adapt the calls here.)
#include <cstdint>
#include <string_view>

#include "cert/ca_pool.h"
#include "cert/key_pem.h"
#include "cert/pem.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

namespace {

template <typename Key>
void CheckKey(const Result<Key>& parsed, std::string (*format)(const Key&),
              Result<Key> (*parse)(std::string_view, std::string_view*)) {
  if (!parsed.ok()) return;
  auto again = parse(format(*parsed), nullptr);
  if (!again.ok() || *again != *parsed) fuzz::Fail("a parsed key does not survive re-formatting");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string_view rest;
  if (auto cert = cert::ParseCertificatePem(text, &rest); cert.ok()) {
    if (rest.size() > text.size()) fuzz::Fail("rest is longer than the input");
    auto again = cert::ParseCertificatePem(cert->MarshalToPem());
    if (!again.ok() || again->Marshal() != cert->Marshal())
      fuzz::Fail("a PEM certificate does not survive re-formatting");
  }
  (void)cert::ParseCertificatesPem(text);
  (void)cert::CaPool::FromPem(text);
  (void)cert::MissingPemMessage(text);
  if (auto block = cert::DecodePem(text); block) (void)cert::EncodePem(block->type, block->bytes);

  CheckKey(cert::ParseX25519PrivateKeyPem(text), &cert::FormatX25519PrivateKeyPem,
           &cert::ParseX25519PrivateKeyPem);
  CheckKey(cert::ParseX25519PublicKeyPem(text), &cert::FormatX25519PublicKeyPem,
           &cert::ParseX25519PublicKeyPem);
  CheckKey(cert::ParseEd25519PrivateKeyPem(text), &cert::FormatEd25519PrivateKeyPem,
           &cert::ParseEd25519PrivateKeyPem);
  CheckKey(cert::ParseEd25519PublicKeyPem(text), &cert::FormatEd25519PublicKeyPem,
           &cert::ParseEd25519PublicKeyPem);
  return 0;
}
