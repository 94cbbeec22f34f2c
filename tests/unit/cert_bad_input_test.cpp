// Bad certificates, keys and PEM: each is refused with a message saying what is wrong,
// and nothing crashes.
#include <gtest/gtest.h>

#include <string>

#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "cert/pem.h"
#include "cert/protobuf_wire.h"
#include "crypto/ed25519.h"
#include "crypto/random.h"

namespace flatnet::cert {
namespace {

Certificate SampleCert() {
  Certificate c;
  c.name = "sample";
  c.networks = {IpPrefix::From(IpAddr::V4(0x0a000001), 24)};
  c.groups = {"g"};
  c.not_before = 1000;
  c.not_after = 2000;
  c.public_key.assign(32, 9);
  c.issuer = std::string(64, 'a');
  c.signature.assign(64, 1);
  return c;
}

Bytes Without(Bytes b, size_t tail) {
  b.resize(b.size() - tail);
  return b;
}

TEST(PemBadInput, EmptyGarbageAndTruncated) {
  EXPECT_EQ(ParseCertificatePem("").status().message(),
            "input did not contain a valid PEM encoded block");
  EXPECT_EQ(ParseCertificatePem("hello world\n").status().message(),
            "input did not contain a valid PEM encoded block");
  std::string pem = SampleCert().MarshalToPem();
  std::string truncated = pem.substr(0, pem.size() / 2);
  EXPECT_EQ(ParseCertificatePem(truncated).status().message(),
            "input did not contain a valid PEM encoded block (truncated or corrupt PEM)");
  std::string no_end = pem.substr(0, pem.find("-----END"));
  EXPECT_FALSE(ParseCertificatePem(no_end).ok());
  std::string bad_base64 = pem;
  bad_base64[30] = '*';
  EXPECT_FALSE(ParseCertificatePem(bad_base64).ok());
  std::string mismatched_end = pem;
  mismatched_end.replace(mismatched_end.find("END NEBULA CERTIFICATE"), 22,
                         "END NEBULA CERTIFICATX");
  EXPECT_FALSE(ParseCertificatePem(mismatched_end).ok());
}

TEST(PemBadInput, LeadingTextAndCrlfAreAcceptedAsGoDoes) {
  Certificate c = SampleCert();
  std::string pem = c.MarshalToPem();
  Result<Certificate> parsed = ParseCertificatePem("some comment\n" + pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->Marshal(), c.Marshal());

  std::string crlf;
  for (char ch : pem) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  parsed = ParseCertificatePem(crlf);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->Marshal(), c.Marshal());
}

TEST(PemBadInput, WrongBannerNamesWhatWasFound) {
  crypto::X25519Key key{};
  Result<Certificate> c = ParseCertificatePem(FormatX25519PublicKeyPem(key));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "bytes did not contain a proper certificate banner (found \"NEBULA X25519 "
            "PUBLIC KEY\")");
  Result<crypto::X25519Key> k = ParseX25519PrivateKeyPem(SampleCert().MarshalToPem());
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().message(),
            "bytes did not contain a proper nebula X25519 private key banner (found \"NEBULA "
            "CERTIFICATE\")");
  // An Ed25519 CA key where a host key belongs, and the other way round.
  crypto::Ed25519KeyPair ca = crypto::Ed25519Generate();
  EXPECT_FALSE(ParseX25519PrivateKeyPem(FormatEd25519PrivateKeyPem(ca.private_key)).ok());
  EXPECT_FALSE(ParseEd25519PrivateKeyPem(FormatX25519PrivateKeyPem(key)).ok());
  EXPECT_FALSE(ParseEd25519PublicKeyPem(FormatX25519PublicKeyPem(key)).ok());
}

TEST(PemBadInput, WrongKeySizes) {
  Bytes short_key(31, 1);
  EXPECT_EQ(
      ParseX25519PrivateKeyPem(EncodePem(kX25519PrivateKeyBanner, short_key)).status().message(),
      "key was not 32 bytes, is invalid X25519 private key (has 31)");
  EXPECT_EQ(
      ParseX25519PublicKeyPem(EncodePem(kX25519PublicKeyBanner, Bytes(33, 1))).status().message(),
      "key was not 32 bytes, is invalid X25519 public key (has 33)");
  EXPECT_EQ(ParseEd25519PrivateKeyPem(EncodePem(kEd25519PrivateKeyBanner, Bytes(32, 1)))
                .status()
                .message(),
            "key was not 64 bytes, is invalid ed25519 private key (has 32)");
  EXPECT_EQ(
      ParseEd25519PublicKeyPem(EncodePem(kEd25519PublicKeyBanner, Bytes(64, 1))).status().message(),
      "key was not 32 bytes, is invalid ed25519 public key (has 64)");
}

TEST(CertBadInput, VerifyPrivateKeyOfTheWrongKind) {
  Certificate host = SampleCert();
  EXPECT_EQ(host.VerifyPrivateKey(Curve::kCurve25519, Bytes(64, 1)).message(),
            "bad scalar length: 64, expected 32");
  Certificate ca = SampleCert();
  ca.is_ca = true;
  EXPECT_EQ(ca.VerifyPrivateKey(Curve::kCurve25519, Bytes(32, 1)).message(),
            "key was not 64 bytes, is invalid ed25519 private key");
}

TEST(CertBadInput, MalformedProtobuf) {
  EXPECT_EQ(ParseCertificateV1({}).status().message(), "certificate is empty (nil byte array)");
  // Every truncation inside a field is refused; none may crash or read past the end. (Cutting
  // the whole 66-byte signature field off leaves a well-formed, unsigned certificate.)
  Certificate unsigned_cert = SampleCert();
  unsigned_cert.signature.clear();
  Bytes details_only = unsigned_cert.Marshal();
  for (size_t cut = 1; cut < details_only.size(); ++cut) {
    EXPECT_FALSE(ParseCertificateV1(Without(details_only, cut)).ok()) << "cut " << cut;
  }
  Bytes signed_cert = SampleCert().Marshal();
  for (size_t cut = 1; cut < 66; ++cut) {
    EXPECT_FALSE(ParseCertificateV1(Without(signed_cert, cut)).ok()) << "cut " << cut;
  }
  EXPECT_TRUE(ParseCertificateV1(Without(signed_cert, 66)).ok());
  EXPECT_EQ(ParseCertificateV1(Bytes{0x12, 0x00}).status().message(), "encoded Details was nil");
  EXPECT_TRUE(ParseCertificateV1(Bytes{0x0a, 0x7f})
                  .status()
                  .message()
                  .starts_with("certificate protobuf is malformed: field 1 is truncated"));
  EXPECT_EQ(ParseCertificateV1(Bytes{0x00, 0x01}).status().message(),
            "certificate protobuf is malformed: invalid field number 0");
  Bytes group_wire = {0x0b};  // field 1, wire type 3 (start group)
  EXPECT_FALSE(ParseCertificateV1(group_wire).ok());
  Bytes long_varint = {0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  EXPECT_FALSE(ParseCertificateV1(long_varint).ok());
}

TEST(CertBadInput, StructurallyInvalidDetails) {
  Certificate c = SampleCert();
  c.public_key.clear();
  EXPECT_EQ(ParseCertificateV1(c.Marshal()).status().message(), "invalid public key");
  c = SampleCert();
  c.networks.clear();
  EXPECT_EQ(ParseCertificateV1(c.Marshal()).status().message(),
            "non-CA certificates must contain exactly one network");
  c.networks = {IpPrefix::From(IpAddr::V4(0), 8)};
  EXPECT_EQ(ParseCertificateV1(c.Marshal()).status().message(),
            "non-CA certificates must not use the zero address as a network: 0.0.0.0/8");
  c = SampleCert();
  c.curve = Curve(7);
  EXPECT_EQ(ParseCertificateV1(c.Marshal()).status().message(), "unknown curve 7");

  ProtoWriter details;
  std::vector<uint32_t> odd = {0x0a000001, 0xffffff00, 0x0a000002};
  details.PackedVarintField(2, odd);
  details.LengthDelimitedField(7, Bytes(32, 1));
  ProtoWriter cert;
  cert.LengthDelimitedField(1, details.bytes());
  EXPECT_EQ(ParseCertificateV1(cert.bytes()).status().message(),
            "encoded IPs should be in pairs, an odd number was found");

  ProtoWriter subnets;
  subnets.PackedVarintField(3, odd);
  subnets.LengthDelimitedField(7, Bytes(32, 1));
  ProtoWriter cert2;
  cert2.LengthDelimitedField(1, subnets.bytes());
  EXPECT_EQ(ParseCertificateV1(cert2.bytes()).status().message(),
            "encoded Subnets should be in pairs, an odd number was found");

  ProtoWriter bad_name;
  bad_name.LengthDelimitedField(1, std::string_view("bad\xff"));
  bad_name.LengthDelimitedField(7, Bytes(32, 1));
  ProtoWriter cert3;
  cert3.LengthDelimitedField(1, bad_name.bytes());
  EXPECT_EQ(ParseCertificateV1(cert3.bytes()).status().message(),
            "certificate protobuf is malformed: name is not valid UTF-8");
}

TEST(CertBadInput, UnknownFieldsAreDroppedSoTheSignatureNoLongerMatches) {
  // A protobuf parser keeps going past fields it does not know, and Nebula re-marshals
  // without them: a certificate with extra fields is readable but cannot verify.
  Certificate c = SampleCert();
  Bytes raw = c.Marshal();
  Bytes extended = raw;
  extended.insert(extended.end(), {0x98, 0x06, 0x01});  // field 99, varint 1
  Result<Certificate> parsed = ParseCertificateV1(extended);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->Marshal(), raw);
}

TEST(CertBadInput, UnpackedRepeatedIpsAreAccepted) {
  ProtoWriter details;
  details.VarintField(2, 0x0a000001);
  details.VarintField(2, 0xffffff00);
  details.LengthDelimitedField(7, Bytes(32, 1));
  ProtoWriter cert;
  cert.LengthDelimitedField(1, details.bytes());
  Result<Certificate> parsed = ParseCertificateV1(cert.bytes());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->networks.size(), 1u);
  EXPECT_EQ(parsed->networks[0].ToString(), "10.0.0.1/24");
}

TEST(CertBadInput, RandomBytesNeverCrashAndWhatParsesIsStable) {
  Bytes buf(200);
  int parsed_count = 0;
  for (int round = 0; round < 3000; ++round) {
    size_t length = crypto::RandomUint32() % buf.size();
    crypto::RandomBytes(MutableByteSpan(buf.data(), length));
    // Mostly start like a real certificate (Details, then a Name), to get past the first byte.
    if (length > 2 && round % 2 == 0) {
      buf[0] = 0x0a;
      buf[1] = uint8_t(length - 2);
      buf[2] = 0x0a;
    }
    ByteSpan input(buf.data(), length);
    Result<Certificate> c = ParseCertificateV1(input);
    if (c.ok()) {
      ++parsed_count;
      // Whatever parses must re-marshal to something that parses to the same certificate.
      Result<Certificate> again = ParseCertificateV1(c->Marshal());
      ASSERT_TRUE(again.ok()) << again.status().message();
      EXPECT_EQ(again->Marshal(), c->Marshal());
    } else {
      EXPECT_FALSE(c.status().message().empty());
    }
    std::string text = "-----BEGIN NEBULA CERTIFICATE-----\n" + Base64Encode(input) +
                       "\n-----END NEBULA CERTIFICATE-----\n";
    EXPECT_EQ(ParseCertificatesPem(text).ok(), c.ok());
  }
  RecordProperty("parsed", parsed_count);
}

TEST(CertBadInput, NonContiguousMaskBecomesSlashZeroAsInNebula) {
  // Nebula 1.11 reads an (ip, mask) pair through Go's IPMask.Size(), which gives 0 for a mask
  // whose one bits are not contiguous; re-marshaling then writes mask 0, so such a certificate
  // reads but its signature (made over the original mask) no longer verifies.
  ProtoWriter details;
  std::vector<uint32_t> pair = {0x0a010203, 0xff00ff00};
  details.PackedVarintField(2, pair);
  details.LengthDelimitedField(7, Bytes(32, 1));
  ProtoWriter cert;
  cert.LengthDelimitedField(1, details.bytes());
  Result<Certificate> parsed = ParseCertificateV1(cert.bytes());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->networks.size(), 1u);
  EXPECT_EQ(parsed->networks[0].ToString(), "10.1.2.3/0");
  EXPECT_NE(parsed->Marshal(), cert.bytes());
}

TEST(CertBadInput, HandshakeBytesMustNotCarryAPublicKey) {
  Certificate c = SampleCert();
  EXPECT_EQ(
      ParseCertificateWithPublicKey(Version::kV1, c.Marshal(), Bytes(32, 2), Curve::kCurve25519)
          .status()
          .message(),
      "certificate has unexpected pubkey present");
  Result<Certificate> ok = ParseCertificateWithPublicKey(Version::kV1, c.MarshalForHandshakes(),
                                                         Bytes(32, 2), Curve::kCurve25519);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->public_key, Bytes(32, 2));
}

}  // namespace
}  // namespace flatnet::cert
