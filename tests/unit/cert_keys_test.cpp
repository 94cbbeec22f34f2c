// Nebula 1.11.1's key files in flatnet: every banner (X25519/P256 host keys, Ed25519/ECDSA
// P256 CA keys, encrypted CA keys), files made by the real nebula-cert, round trips, and
// refusals of bad input.
#include <gtest/gtest.h>

#include <string>

#include "cert/encrypted_key.h"
#include "cert/key_pem.h"
#include "cert/pem.h"
#include "cert/protobuf_wire.h"
#include "crypto/argon2.h"
#include "crypto/ed25519.h"
#include "crypto/p256.h"
#include "crypto/random.h"
#include "crypto/x25519.h"
#include "hex_for_tests.h"
#include "keys_test_data.h"

namespace flatnet::cert {
namespace {

const Bytes kPassphrase = {'c', 'o', 'r', 'r', 'e', 'c', 't', ' ', 'h', 'o', 'r', 's', 'e'};
// Small enough to keep the tests quick; the real default is 2 GiB.
constexpr crypto::Argon2idParams kFast{.memory_kib = 1024, .iterations = 1, .parallelism = 2};

Bytes RandomKey(size_t n) {
  Bytes b(n);
  crypto::RandomBytes(b);
  return b;
}

TEST(Argon2id, LibargonReferenceVector) {
  // argon2's own test suite: t=2, m=2^16, p=1, "password", "somesalt", 32 bytes.
  std::string pw = "password", salt = "somesalt";
  auto key = crypto::Argon2idDeriveKey(
      ByteSpan(reinterpret_cast<const uint8_t*>(pw.data()), pw.size()),
      ByteSpan(reinterpret_cast<const uint8_t*>(salt.data()), salt.size()),
      {.memory_kib = 1 << 16, .iterations = 2, .parallelism = 1}, 32);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(ToHex(*key), "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");
}

TEST(Argon2id, RefusesWhatLibargonCannotDo) {
  Bytes salt(16, 1);
  EXPECT_FALSE(
      crypto::Argon2idDeriveKey({}, salt, {.memory_kib = 8, .iterations = 0, .parallelism = 1}, 32)
          .ok());
  auto low = crypto::Argon2idDeriveKey({}, salt,
                                       {.memory_kib = 15, .iterations = 1, .parallelism = 2}, 32);
  ASSERT_FALSE(low.ok());
  EXPECT_NE(low.status().message().find("8 KiB per lane"), std::string::npos);
  EXPECT_FALSE(crypto::Argon2idDeriveKey({}, Bytes(4, 1), kFast, 32).ok());
}

TEST(KeyFiles, NebulaP256HostKeyAndPublicKey) {
  auto key = ParsePrivateKeyPem(ReadKeysData("p256_host.key"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->curve, Curve::kP256);
  EXPECT_FALSE(key->is_ca_key);
  EXPECT_FALSE(key->is_encrypted);
  ASSERT_EQ(key->key.size(), 32u);
  auto pub = ParsePublicKeyPem(ReadKeysData("p256_host.pub"));
  ASSERT_TRUE(pub.ok()) << pub.status().message();
  EXPECT_EQ(pub->curve, Curve::kP256);
  EXPECT_FALSE(pub->is_ca_key);
  auto derived = crypto::P256PublicKeyFromPrivate(key->key);
  ASSERT_TRUE(derived.ok()) << derived.status().message();
  EXPECT_EQ(*derived, pub->key);
  // Formatting gives back nebula-cert's exact files.
  EXPECT_EQ(FormatPrivateKeyPem(Curve::kP256, false, key->key), ReadKeysData("p256_host.key"));
  EXPECT_EQ(FormatPublicKeyPem(Curve::kP256, false, pub->key), ReadKeysData("p256_host.pub"));
}

TEST(KeyFiles, NebulaX25519HostKeyThroughTheGenericParser) {
  auto key = ParsePrivateKeyPem(ReadKeysData("x25519_host.key"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->curve, Curve::kCurve25519);
  EXPECT_FALSE(key->is_ca_key);
  auto pub = ParsePublicKeyPem(ReadKeysData("x25519_host.pub"));
  ASSERT_TRUE(pub.ok());
  crypto::X25519Key priv, derived;
  std::copy(key->key.begin(), key->key.end(), priv.begin());
  ASSERT_TRUE(crypto::X25519PublicFromPrivate(priv, derived));
  EXPECT_EQ(Bytes(derived.begin(), derived.end()), pub->key);
  EXPECT_EQ(FormatPrivateKeyPem(Curve::kCurve25519, false, key->key),
            ReadKeysData("x25519_host.key"));
}

TEST(KeyFiles, NebulaP256CaKeyMatchesItsCertificate) {
  auto key = ParsePrivateKeyPem(ReadKeysData("p256_ca.key"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->curve, Curve::kP256);
  EXPECT_TRUE(key->is_ca_key);
  EXPECT_FALSE(key->is_encrypted);
  auto derived = crypto::P256PublicKeyFromPrivate(key->key);
  ASSERT_TRUE(derived.ok());
  EXPECT_EQ(*derived, PrintedPublicKey(ReadKeysData("p256_ca.print.json")));
  EXPECT_EQ(FormatPrivateKeyPem(Curve::kP256, true, key->key), ReadKeysData("p256_ca.key"));
}

TEST(KeyFiles, NebulaEncryptedEd25519CaKeyDecrypts) {
  auto key = ParsePrivateKeyPem(ReadKeysData("enc_ed25519_ca.key"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->curve, Curve::kCurve25519);
  EXPECT_TRUE(key->is_ca_key);
  EXPECT_TRUE(key->is_encrypted);
  EXPECT_TRUE(key->key.empty());
  EXPECT_EQ(key->encrypted.argon2.memory_kib, 8192u);
  EXPECT_EQ(key->encrypted.argon2.parallelism, 2u);
  EXPECT_EQ(key->encrypted.argon2.iterations, 2u);
  EXPECT_EQ(key->encrypted.salt.size(), 32u);

  auto plain = DecryptPrivateKey(*key, kPassphrase);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_FALSE(plain->is_encrypted);
  ASSERT_EQ(plain->key.size(), 64u);
  crypto::Ed25519PrivateKey ed;
  std::copy(plain->key.begin(), plain->key.end(), ed.begin());
  EXPECT_TRUE(crypto::Ed25519KeyIsConsistent(ed));
  EXPECT_EQ(Bytes(plain->key.begin() + 32, plain->key.end()),
            PrintedPublicKey(ReadKeysData("enc_ed25519_ca.print.json")));
}

TEST(KeyFiles, NebulaEncryptedP256CaKeyDecryptsWithOddArgonParameters) {
  auto key = ParsePrivateKeyPem(ReadKeysData("enc_p256_ca.key"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->curve, Curve::kP256);
  EXPECT_TRUE(key->is_ca_key);
  EXPECT_TRUE(key->is_encrypted);
  EXPECT_EQ(key->encrypted.argon2.memory_kib, 1001u);  // not a multiple of 4 * 3
  EXPECT_EQ(key->encrypted.argon2.parallelism, 3u);
  auto plain = DecryptPrivateKey(*key, kPassphrase);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_EQ(plain->key.size(), 32u);
  EXPECT_EQ(*crypto::P256PublicKeyFromPrivate(plain->key),
            PrintedPublicKey(ReadKeysData("enc_p256_ca.print.json")));
}

TEST(KeyFiles, WrongPassphraseIsNamed) {
  auto key = ParsePrivateKeyPem(ReadKeysData("enc_p256_ca.key"));
  ASSERT_TRUE(key.ok());
  Bytes wrong = kPassphrase;
  wrong.back() ^= 1;
  auto plain = DecryptPrivateKey(*key, wrong);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().message(), "invalid passphrase or corrupt private key");
  EXPECT_FALSE(DecryptPrivateKey(*key, {}).ok());
}

TEST(KeyFiles, EncryptedBodyReserializesToNebulasBytes) {
  for (const char* name : {"enc_ed25519_ca.key", "enc_p256_ca.key"}) {
    auto block = DecodePem(ReadKeysData(name));
    ASSERT_TRUE(block);
    auto data = ParseEncryptedKeyData(block->bytes);
    ASSERT_TRUE(data.ok()) << data.status().message();
    EXPECT_EQ(ToHex(SerializeEncryptedKeyData(*data)), ToHex(block->bytes)) << name;
  }
}

TEST(KeyFiles, EveryKindRoundTrips) {
  for (Curve curve : {Curve::kCurve25519, Curve::kP256}) {
    for (bool ca : {false, true}) {
      Bytes priv = RandomKey(PrivateKeySize(curve, ca));
      Bytes pub = RandomKey(PublicKeySize(curve, ca));
      auto k = ParsePrivateKeyPem(FormatPrivateKeyPem(curve, ca, priv));
      ASSERT_TRUE(k.ok()) << k.status().message();
      EXPECT_EQ(k->curve, curve);
      EXPECT_EQ(k->is_ca_key, ca);
      EXPECT_FALSE(k->is_encrypted);
      EXPECT_EQ(k->key, priv);
      auto p = ParsePublicKeyPem(FormatPublicKeyPem(curve, ca, pub));
      ASSERT_TRUE(p.ok()) << p.status().message();
      EXPECT_EQ(p->curve, curve);
      EXPECT_EQ(p->is_ca_key, ca);
      EXPECT_EQ(p->key, pub);
    }
  }
  EXPECT_EQ(FormatPrivateKeyPem(Curve::kP256, true, Bytes(32)).substr(0, 41),
            "-----BEGIN NEBULA ECDSA P256 PRIVATE KEY-");
  EXPECT_EQ(FormatPublicKeyPem(Curve::kP256, false, Bytes(65)).substr(0, 33),
            "-----BEGIN NEBULA P256 PUBLIC KEY");
}

TEST(KeyFiles, EncryptedRoundTripForBothCurves) {
  for (Curve curve : {Curve::kCurve25519, Curve::kP256}) {
    Bytes raw = RandomKey(PrivateKeySize(curve, true));
    auto pem = FormatEncryptedPrivateKeyPem(curve, raw, kPassphrase, kFast);
    ASSERT_TRUE(pem.ok()) << pem.status().message();
    EXPECT_EQ(DecodePem(*pem)->type, curve == Curve::kP256 ? kEncryptedEcdsaP256PrivateKeyBanner
                                                           : kEncryptedEd25519PrivateKeyBanner);
    auto key = ParsePrivateKeyPem(*pem);
    ASSERT_TRUE(key.ok()) << key.status().message();
    EXPECT_TRUE(key->is_encrypted);
    EXPECT_EQ(key->curve, curve);
    EXPECT_EQ(key->encrypted.argon2.memory_kib, kFast.memory_kib);
    auto plain = DecryptPrivateKey(*key, kPassphrase);
    ASSERT_TRUE(plain.ok()) << plain.status().message();
    EXPECT_EQ(plain->key, raw);
    // Fresh salt and nonce each time.
    EXPECT_NE(*FormatEncryptedPrivateKeyPem(curve, raw, kPassphrase, kFast), *pem);
  }
  // Only CA keys of the right size are encrypted.
  EXPECT_FALSE(
      FormatEncryptedPrivateKeyPem(Curve::kCurve25519, Bytes(32), kPassphrase, kFast).ok());
}

// ---- bad input ----

TEST(KeyFilesBadInput, WrongBannerNamesWhatWasFound) {
  auto as_private = ParsePrivateKeyPem(ReadKeysData("p256_host.pub"));
  ASSERT_FALSE(as_private.ok());
  EXPECT_EQ(as_private.status().message(),
            "bytes did not contain a proper nebula private key banner (found \"NEBULA P256 PUBLIC "
            "KEY\")");
  EXPECT_FALSE(ParsePublicKeyPem(ReadKeysData("p256_host.key")).ok());
  EXPECT_FALSE(ParsePrivateKeyPem(EncodePem("NEBULA CERTIFICATE V2", Bytes(32))).ok());
  EXPECT_FALSE(ParsePrivateKeyPem(EncodePem("NEBULA P384 PRIVATE KEY", Bytes(32))).ok());
  EXPECT_EQ(ParsePrivateKeyPem("").status().message(),
            "input did not contain a valid PEM encoded block");
  // The single-kind parsers still refuse the other curve.
  EXPECT_FALSE(ParseX25519PrivateKeyPem(ReadKeysData("p256_host.key")).ok());
  EXPECT_FALSE(ParseEd25519PrivateKeyPem(ReadKeysData("p256_ca.key")).ok());
}

TEST(KeyFilesBadInput, WrongSizes) {
  auto p = ParsePrivateKeyPem(EncodePem(kP256PrivateKeyBanner, Bytes(31)));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "key was not 32 bytes, is invalid P256 private key (has 31)");
  EXPECT_FALSE(ParsePrivateKeyPem(EncodePem(kEd25519PrivateKeyBanner, Bytes(32))).ok());
  EXPECT_FALSE(ParsePrivateKeyPem(EncodePem(kEcdsaP256PrivateKeyBanner, Bytes(64))).ok());
  EXPECT_FALSE(ParsePrivateKeyPem(EncodePem(kX25519PrivateKeyBanner, Bytes(33))).ok());
  auto pub = ParsePublicKeyPem(EncodePem(kP256PublicKeyBanner, Bytes(33)));
  ASSERT_FALSE(pub.ok());
  EXPECT_EQ(pub.status().message(), "key was not 65 bytes, is invalid P256 public key (has 33)");
  EXPECT_FALSE(ParsePublicKeyPem(EncodePem(kEcdsaP256PublicKeyBanner, Bytes(32))).ok());
  EXPECT_FALSE(ParsePublicKeyPem(EncodePem(kEd25519PublicKeyBanner, Bytes(65))).ok());
}

// A valid encrypted key's body, to be damaged by the tests below.
EncryptedKeyData Sample() {
  auto data = EncryptKeyData(RandomKey(32), kPassphrase, kFast);
  EXPECT_TRUE(data.ok()) << data.status().message();
  return *data;
}

std::string Pem(const EncryptedKeyData& d) {
  return EncodePem(kEncryptedEcdsaP256PrivateKeyBanner, SerializeEncryptedKeyData(d));
}

std::string ParseError(const std::string& pem) {
  auto key = ParsePrivateKeyPem(pem);
  return key.ok() ? "(parsed)" : key.status().message();
}

TEST(KeyFilesBadInput, TruncatedOrGarbledEncryptedBlob) {
  Bytes body = SerializeEncryptedKeyData(Sample());
  // Every truncation fails to parse or to decrypt, never crashes.
  for (size_t n = 0; n < body.size(); ++n) {
    auto key = ParsePrivateKeyPem(
        EncodePem(kEncryptedEcdsaP256PrivateKeyBanner, ByteSpan(body.data(), n)));
    if (key.ok()) {
      EXPECT_FALSE(DecryptPrivateKey(*key, kPassphrase).ok()) << n;
    }
  }
  EXPECT_EQ(ParseError(EncodePem(kEncryptedEd25519PrivateKeyBanner, Bytes{})),
            "encrypted Ed25519 private key: encrypted private key is empty (nil byte array)");
  // A flipped bit in the sealed key is caught by the GCM tag.
  EncryptedKeyData d = Sample();
  d.ciphertext[20] ^= 0x40;
  auto key = ParsePrivateKeyPem(Pem(d));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(DecryptPrivateKey(*key, kPassphrase).status().message(),
            "invalid passphrase or corrupt private key");
  // Random garbage as the body.
  for (int i = 0; i < 200; ++i) {
    auto garbage =
        ParsePrivateKeyPem(EncodePem(kEncryptedEcdsaP256PrivateKeyBanner, RandomKey(1 + i % 90)));
    if (garbage.ok()) {
      EXPECT_FALSE(DecryptPrivateKey(*garbage, kPassphrase).ok());
    }
  }
}

TEST(KeyFilesBadInput, EachEncryptedFieldIsChecked) {
  auto with = [](auto change) {
    EncryptedKeyData d = Sample();
    change(d);
    return ParseError(Pem(d));
  };
  const std::string p = "encrypted ECDSA P256 private key: ";
  EXPECT_EQ(with([](EncryptedKeyData& d) { d.algorithm = "AES-128-CBC"; }),
            p + "unsupported encryption algorithm: AES-128-CBC");
  EXPECT_EQ(with([](EncryptedKeyData& d) { d.argon2_version = 0x10; }),
            p + "incompatible Argon2 version: 16");
  EXPECT_EQ(with([](EncryptedKeyData& d) { d.salt.clear(); }),
            p + "salt must be set in argon2Parameters");
  EXPECT_EQ(with([](EncryptedKeyData& d) { d.salt.resize(15); }),
            p + "salt must be at least 128  bits");
  EXPECT_EQ(with([](EncryptedKeyData& d) { d.ciphertext.resize(12); }),
            p + "invalid ciphertext blob - blob shorter than nonce length");
  EXPECT_NE(with([](EncryptedKeyData& d) { d.argon2.iterations = 0; }).find("Iterations"),
            std::string::npos);
  EXPECT_NE(with([](EncryptedKeyData& d) { d.argon2.parallelism = 256; }).find("Parallelism"),
            std::string::npos);
  EXPECT_NE(with([](EncryptedKeyData& d) { d.argon2.memory_kib = 0; }).find("Memory"),
            std::string::npos);
  // No metadata at all.
  ProtoWriter only_ciphertext;
  only_ciphertext.LengthDelimitedField(2, Bytes(40, 1));
  EXPECT_EQ(ParseError(EncodePem(kEncryptedEcdsaP256PrivateKeyBanner, only_ciphertext.bytes())),
            p + "encoded EncryptionMetadata was nil");
}

TEST(KeyFilesBadInput, AbsurdArgonParametersAreRefusedBeforeAnyWork) {
  // 4 TiB of memory and 2^32-1 passes: refused at parse time, so no allocation and no prompt.
  EncryptedKeyData d = Sample();
  d.argon2.memory_kib = UINT32_MAX;
  d.argon2.iterations = UINT32_MAX;
  std::string err = ParseError(Pem(d));
  EXPECT_NE(err.find("more than flatnet allows (2097152 KiB"), std::string::npos) << err;
  d.argon2.memory_kib = kMaxArgon2MemoryKiB + 1;
  EXPECT_NE(ParseError(Pem(d)).find("more than flatnet allows"), std::string::npos);
  // The bound itself (nebula-cert's default) is accepted: such files must open.
  EXPECT_TRUE(ValidateArgon2Params(kNebulaDefaultArgon2).ok());
  // Below what libargon2 can derive (Go would silently raise it).
  d.argon2 = {.memory_kib = 7, .iterations = 1, .parallelism = 1};
  EXPECT_NE(ParseError(Pem(d)).find("8 KiB per lane"), std::string::npos);
  // The writer refuses what the reader would.
  EXPECT_FALSE(
      EncryptKeyData(RandomKey(32), kPassphrase,
                     {.memory_kib = kMaxArgon2MemoryKiB + 1, .iterations = 1, .parallelism = 1})
          .ok());
}

TEST(KeyFilesBadInput, DecryptedKeyOfTheWrongSize) {
  // Correctly encrypted, but 31 bytes inside an ECDSA P256 banner.
  auto d = EncryptKeyData(RandomKey(31), kPassphrase, kFast);
  ASSERT_TRUE(d.ok());
  auto key = ParsePrivateKeyPem(Pem(*d));
  ASSERT_TRUE(key.ok()) << key.status().message();
  auto plain = DecryptPrivateKey(*key, kPassphrase);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().message(),
            "decrypted key: key was not 32 bytes, is invalid ECDSA P256 private key (has 31)");
}

}  // namespace
}  // namespace flatnet::cert
