// PEM files a user or a config points flatnet at: certificates of both versions, CA bundles
// and key files of every kind and curve, plain and encrypted (pki.ca / pki.cert / pki.key,
// nebula-cert's -ca-crt, -ca-key, -in-pub ...), through the public parse entry points of
// src/cert.
//
// Input: the file's text; every parser gets it. Whatever parses must format back to PEM
// that parses to the same value. An encrypted CA key is decrypted with the test keys'
// passphrase ("correct horse", tests/unit/data/keys) only when its Argon2 cost is small
// (kMaxFuzzArgon2*): the parser itself allows nebula-cert's default of 2 GiB, which is the
// point of the key file format but would make a fuzz input cost seconds and GiB.
#include <cstdint>
#include <string_view>

#include "cert/ca_pool.h"
#include "cert/key_pem.h"
#include "cert/pem.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

namespace {

constexpr uint32_t kMaxFuzzArgon2MemoryKiB = 8 * 1024;
constexpr uint32_t kMaxFuzzArgon2Work = 16 * 1024;  // memory KiB x iterations
constexpr uint32_t kMaxFuzzArgon2Parallelism = 4;

ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

void CheckPrivateKey(const cert::PrivateKey& key) {
  if (key.is_encrypted) {
    const crypto::Argon2idParams& p = key.encrypted.argon2;
    if (p.memory_kib > kMaxFuzzArgon2MemoryKiB || p.parallelism > kMaxFuzzArgon2Parallelism ||
        uint64_t(p.memory_kib) * p.iterations > kMaxFuzzArgon2Work)
      return;
    auto plain = cert::DecryptPrivateKey(key, AsBytes("correct horse"));
    if (!plain.ok()) return;
    if (plain->is_encrypted) fuzz::Fail("a decrypted key is still marked encrypted");
    if (plain->key.size() != cert::PrivateKeySize(plain->curve, plain->is_ca_key))
      fuzz::Fail("a decrypted key has the wrong size");
    // Re-encrypted with the cheapest parameters the format allows, it decrypts to itself.
    crypto::Argon2idParams cheap{.memory_kib = 8, .iterations = 1, .parallelism = 1};
    auto pem = cert::FormatEncryptedPrivateKeyPem(plain->curve, plain->key, AsBytes("pw"), cheap);
    if (!pem.ok()) fuzz::Fail("re-encrypting a key failed: " + pem.status().message());
    auto reparsed = cert::ParsePrivateKeyPem(*pem);
    if (!reparsed.ok()) fuzz::Fail("a re-encrypted key does not parse");
    auto again = cert::DecryptPrivateKey(*reparsed, AsBytes("pw"));
    if (!again.ok() || again->key != plain->key || again->curve != plain->curve)
      fuzz::Fail("a re-encrypted key does not decrypt to itself");
    return;
  }
  if (key.key.size() != cert::PrivateKeySize(key.curve, key.is_ca_key))
    fuzz::Fail("a parsed private key has the wrong size");
  auto again =
      cert::ParsePrivateKeyPem(cert::FormatPrivateKeyPem(key.curve, key.is_ca_key, key.key));
  if (!again.ok() || again->key != key.key || again->curve != key.curve ||
      again->is_ca_key != key.is_ca_key || again->is_encrypted)
    fuzz::Fail("a parsed private key does not survive re-formatting");
}

void CheckPublicKey(const cert::PublicKey& key) {
  auto again = cert::ParsePublicKeyPem(cert::FormatPublicKeyPem(key.curve, key.is_ca_key, key.key));
  if (!again.ok() || again->key != key.key || again->curve != key.curve ||
      again->is_ca_key != key.is_ca_key)
    fuzz::Fail("a parsed public key does not survive re-formatting");
}

template <typename Key>
void CheckKey(const Result<Key>& parsed, std::string (*format)(const Key&),
              Result<Key> (*parse)(std::string_view, std::string_view*)) {
  if (!parsed.ok()) return;
  auto again = parse(format(*parsed), nullptr);
  if (!again.ok() || *again != *parsed) fuzz::Fail("a parsed key does not survive re-formatting");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool setup = (fuzz::SilenceLogs(), true);
  (void)setup;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string_view rest;
  if (auto cert = cert::ParseCertificatePem(text, &rest); cert.ok()) {
    if (rest.size() > text.size()) fuzz::Fail("rest is longer than the input");
    auto again = cert::ParseCertificatePem(cert->MarshalToPem());
    if (!again.ok() || again->Marshal() != cert->Marshal())
      fuzz::Fail("a PEM certificate does not survive re-formatting");
  }
  (void)cert::ParseCertificatesPem(text);
  if (auto pool = cert::CaPool::FromPem(text); pool.ok()) {
    (void)pool->ExpiredCas(0);
    (void)pool->Fingerprints();
  }
  (void)cert::MissingPemMessage(text);
  (void)cert::IsBlank(text);
  if (auto block = cert::DecodePem(text); block) {
    auto again = cert::DecodePem(cert::EncodePem(block->type, block->bytes));
    if (!again || again->type != block->type || again->bytes != block->bytes)
      fuzz::Fail("a PEM block does not survive re-encoding");
  }

  if (auto key = cert::ParsePrivateKeyPem(text); key.ok()) CheckPrivateKey(*key);
  if (auto key = cert::ParsePublicKeyPem(text); key.ok()) CheckPublicKey(*key);
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
