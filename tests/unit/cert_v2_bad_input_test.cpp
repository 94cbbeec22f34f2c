// The DER codec and v2 certificates against bad input: every malformed length, tag, size and
// missing field is refused with a message saying what is wrong, and nothing crashes. What
// Nebula accepts (unsorted networks, fields after the issuer) is accepted and re-marshals to
// the same bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "cert/certificate.h"
#include "cert/der.h"
#include "crypto/ed25519.h"
#include "crypto/random.h"

namespace flatnet::cert {
namespace {

Status ReadOne(const Bytes& input, uint8_t tag = der::kOctetString) {
  der::Reader r(input);
  der::Element e;
  return r.Read(tag, "field", &e);
}

TEST(DerBadInput, LengthsAndTags) {
  EXPECT_TRUE(ReadOne({0x04, 0x01, 0xaa}).ok());
  EXPECT_EQ(ReadOne({}).message(), "field: missing");
  EXPECT_EQ(ReadOne({0x04}).message(), "field: truncated before its length");
  EXPECT_EQ(ReadOne({0x04, 0x03, 0x01}).message(),
            "field: length 3 runs past the end (1 bytes left)");
  EXPECT_EQ(ReadOne({0x04, 0x80, 0x00, 0x00}).message(), "field: indefinite lengths are not DER");
  EXPECT_EQ(ReadOne({0x04, 0x81, 0x05, 1, 2, 3, 4, 5}).message(), "field: length is not minimal");
  Bytes padded = {0x04, 0x82, 0x00, 0x80};
  padded.resize(4 + 128);
  EXPECT_EQ(ReadOne(padded).message(), "field: length is not minimal");
  EXPECT_EQ(ReadOne({0x04, 0x85, 1, 0, 0, 0, 0}).message(), "field: length is too large");
  // A 4-byte length that would overflow any size computation.
  EXPECT_EQ(ReadOne({0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0}).message(),
            "field: length 4294967295 runs past the end (1 bytes left)");
  EXPECT_EQ(ReadOne({0x04, 0x82, 0x01}).message(), "field: truncated inside its length");
  EXPECT_EQ(ReadOne({0x1f, 0x81, 0x01, 0x00}, 0x1f).message(),
            "field: high tag numbers are not supported");
  EXPECT_EQ(ReadOne({0x0c, 0x00}).message(), "field: expected tag 0x04, found 0x0c");

  Bytes long_form = {0x04, 0x81, 0x80};
  long_form.resize(3 + 128, 7);
  der::Reader r(long_form);
  der::Element e;
  ASSERT_TRUE(r.Read(der::kOctetString, "field", &e).ok());
  EXPECT_EQ(e.contents.size(), 128u);
  EXPECT_EQ(e.encoded.size(), long_form.size());
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(der::Encode(der::kOctetString, Bytes(128, 7)), long_form);
  EXPECT_EQ(der::Encode(der::kOctetString, Bytes(300, 7)).size(), 4u + 300u);
}

TEST(DerBadInput, Integers) {
  for (int64_t v : {int64_t(0), int64_t(1), int64_t(127), int64_t(128), int64_t(-1), int64_t(-128),
                    int64_t(-129), int64_t(1'800'000'000), std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    Bytes encoded = der::EncodeInt64(v);
    int64_t back = 0;
    ASSERT_TRUE(der::DecodeInt64(encoded, "n", &back).ok()) << v;
    EXPECT_EQ(back, v);
  }
  EXPECT_EQ(der::EncodeInt64(128), (Bytes{0x00, 0x80}));
  EXPECT_EQ(der::EncodeInt64(-129), (Bytes{0xff, 0x7f}));
  int64_t out = 0;
  EXPECT_EQ(der::DecodeInt64({}, "n", &out).message(), "n: empty integer");
  EXPECT_EQ(der::DecodeInt64(Bytes{0x00, 0x01}, "n", &out).message(),
            "n: integer is not minimally encoded");
  EXPECT_EQ(der::DecodeInt64(Bytes{0xff, 0x80}, "n", &out).message(),
            "n: integer is not minimally encoded");
  EXPECT_EQ(der::DecodeInt64(Bytes{0x01, 0, 0, 0, 0, 0, 0, 0, 0}, "n", &out).message(),
            "n: integer does not fit 64 bits");
}

// v2 certificates assembled field by field, so each test can break exactly one thing.
constexpr uint8_t kDetails = 0xa0, kCurve = 0x81, kPublicKey = 0x82, kSignature = 0x83;
constexpr uint8_t kName = 0x80, kNetworks = 0xa1, kUnsafe = 0xa2, kGroups = 0xa3, kIsCa = 0x84,
                  kNotBefore = 0x85, kNotAfter = 0x86, kIssuer = 0x87;

Bytes Network(std::initializer_list<uint8_t> bytes) {
  return der::Encode(der::kOctetString, Bytes(bytes));
}

struct Parts {
  Bytes name = der::Encode(kName, Bytes{'h', 'o', 's', 't'});
  Bytes networks = der::Encode(kNetworks, Network({10, 0, 0, 1, 24}));
  Bytes unsafe;
  Bytes groups;
  Bytes is_ca;
  Bytes not_before = der::Encode(kNotBefore, der::EncodeInt64(1000));
  Bytes not_after = der::Encode(kNotAfter, der::EncodeInt64(2000));
  Bytes issuer = der::Encode(kIssuer, Bytes(32, 0xab));
  Bytes extra;  // after the issuer
  Bytes curve;
  Bytes public_key = der::Encode(kPublicKey, Bytes(32, 9));
  Bytes signature = der::Encode(kSignature, Bytes(64, 1));
  Bytes after_signature;

  Bytes Details() const {
    Bytes d;
    for (const Bytes* b :
         {&name, &networks, &unsafe, &groups, &is_ca, &not_before, &not_after, &issuer, &extra}) {
      d.insert(d.end(), b->begin(), b->end());
    }
    return der::Encode(kDetails, d);
  }
  Bytes Build() const {
    Bytes body = Details();
    for (const Bytes* b : {&curve, &public_key, &signature, &after_signature}) {
      body.insert(body.end(), b->begin(), b->end());
    }
    return der::Encode(der::kSequence, body);
  }
};

std::string ParseError(const Parts& p) {
  Result<Certificate> c = ParseCertificateV2(p.Build());
  return c.ok() ? "parsed" : c.status().message();
}

TEST(CertV2BadInput, TheBaselineParsesAndRemarshals) {
  Parts p;
  Result<Certificate> c = ParseCertificateV2(p.Build());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "host");
  EXPECT_EQ(c->networks[0].ToString(), "10.0.0.1/24");
  EXPECT_EQ(c->issuer, ToHex(Bytes(32, 0xab)));
  EXPECT_EQ(c->Marshal(), p.Build());
}

TEST(CertV2BadInput, EnvelopeAndSize) {
  EXPECT_EQ(ParseCertificateV2({}).status().message(), "bad wire format: certificate is empty");
  Parts p;
  Bytes raw = p.Build();
  Bytes trailing = raw;
  trailing.push_back(0);
  EXPECT_EQ(ParseCertificateV2(trailing).status().message(),
            "bad wire format: bytes after the certificate");
  Bytes wrong_tag = raw;
  wrong_tag[0] = 0x31;
  EXPECT_EQ(ParseCertificateV2(wrong_tag).status().message(),
            "bad wire format: certificate: expected tag 0x30, found 0x31");
  EXPECT_EQ(ParseCertificateV2(Bytes{0x30, 0x00}).status().message(),
            "bad wire format: certificate is an empty sequence");
  for (size_t cut = 1; cut < raw.size(); ++cut) {
    Bytes shorter(raw.begin(), raw.end() - long(cut));
    EXPECT_FALSE(ParseCertificateV2(shorter).ok()) << "cut " << cut;
  }
  p.after_signature = der::Encode(0x84, Bytes{1});
  EXPECT_EQ(ParseError(p), "bad wire format: bytes after the signature");

  // Over 65,536 bytes: refused before anything is read, even if well-formed.
  Parts big;
  big.extra = der::Encode(0x88, Bytes(kMaxCertificateSize, 0));
  EXPECT_EQ(ParseError(big), "bad wire format: certificate is " +
                                 std::to_string(big.Build().size()) + " bytes, more than 65536");
}

TEST(CertV2BadInput, MissingOrEmptyFields) {
  Parts p;
  p.name.clear();
  EXPECT_EQ(ParseError(p), "bad wire format: name: expected tag 0x80, found 0xa1");
  p = Parts();
  p.name = der::Encode(kName, Bytes{});
  EXPECT_EQ(ParseError(p), "bad wire format: name is empty");
  p.name = der::Encode(kName, Bytes(254, 'a'));
  EXPECT_EQ(ParseError(p), "bad wire format: name is 254 bytes, more than 253");
  p.name = der::Encode(kName, Bytes(253, 'a'));
  EXPECT_EQ(ParseError(p), "parsed");
  p = Parts();
  p.not_before.clear();
  EXPECT_EQ(ParseError(p), "bad wire format: notBefore: expected tag 0x85, found 0x86");
  p = Parts();
  p.not_after.clear();
  EXPECT_EQ(ParseError(p), "bad wire format: notAfter: expected tag 0x86, found 0x87");
  p = Parts();
  p.not_after = der::Encode(kNotAfter, Bytes{0x00, 0x05});
  EXPECT_EQ(ParseError(p), "bad wire format: notAfter: integer is not minimally encoded");
  p = Parts();
  p.public_key.clear();
  EXPECT_EQ(ParseError(p), "bad wire format: public key is missing");
  p.public_key = der::Encode(kPublicKey, Bytes{});
  EXPECT_EQ(ParseError(p), "bad wire format: public key is missing");
  p = Parts();
  p.signature.clear();
  EXPECT_EQ(ParseError(p), "bad wire format: signature: missing");
  p.signature = der::Encode(kSignature, Bytes{});
  EXPECT_EQ(ParseError(p), "bad wire format: signature is empty");
  p = Parts();
  p.is_ca = der::Encode(kIsCa, Bytes{0xff, 0xff});
  EXPECT_EQ(ParseError(p), "bad wire format: isCA is not one byte");
  p = Parts();
  p.curve = der::Encode(kCurve, Bytes{2});
  EXPECT_EQ(ParseError(p), "bad wire format: unknown curve 2");
  p.curve = der::Encode(kCurve, Bytes{1, 0});
  EXPECT_EQ(ParseError(p), "bad wire format: curve is not one byte");
  // Found by der_fuzz: the default written out parsed, and re-marshalled without it.
  p.curve = der::Encode(kCurve, Bytes{0});
  EXPECT_EQ(ParseError(p),
            "bad wire format: curve 0 (CURVE25519) is written out; DER leaves the default out");
  p = Parts();
  p.groups = der::Encode(kGroups, der::Encode(der::kUtf8String, Bytes{}));
  EXPECT_EQ(ParseError(p), "bad wire format: a group is empty");
  p.groups = der::Encode(kGroups, der::Encode(der::kOctetString, Bytes{'g'}));
  EXPECT_EQ(ParseError(p), "bad wire format: group: expected tag 0x0c, found 0x04");
}

TEST(CertV2BadInput, NetworksOfTheWrongSizeOrPrefix) {
  Parts p;
  p.networks = der::Encode(kNetworks, Network({10, 0, 0, 1, 24, 0}));
  EXPECT_EQ(ParseError(p), "bad wire format: networks: a network is 6 bytes, not 5 or 17");
  p.networks = der::Encode(kNetworks, Bytes{0x04, 0x00});
  EXPECT_EQ(ParseError(p), "bad wire format: networks: a network is 0 bytes, not 5 or 17");
  p.networks = der::Encode(kNetworks, der::Encode(der::kOctetString, Bytes(18, 1)));
  EXPECT_EQ(ParseError(p), "bad wire format: networks: a network is 18 bytes, not 5 or 17");
  p.networks = der::Encode(kNetworks, Network({10, 0, 0, 1, 33}));
  EXPECT_EQ(ParseError(p), "invalid network: invalid Prefix");
  p.networks = der::Encode(kNetworks, Network({24}));  // no address bytes at all
  EXPECT_EQ(ParseError(p), "invalid network: invalid Prefix");
  p.networks = der::Encode(kNetworks, Network({0, 0, 0, 0, 8}));
  EXPECT_EQ(ParseError(p),
            "non-CA certificates must not use the zero address as a network: "
            "0.0.0.0/8");
  p.networks =
      der::Encode(kNetworks, Network({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1, 120}));
  EXPECT_EQ(ParseError(p), "4in6 networks are not allowed: ::ffff:10.0.0.1/120");
  Bytes two = Network({10, 0, 0, 1, 24});
  Bytes again = Network({10, 0, 0, 1, 24});
  two.insert(two.end(), again.begin(), again.end());
  p.networks = der::Encode(kNetworks, two);
  EXPECT_EQ(ParseError(p), "duplicate network detected: 10.0.0.1/24");
  p.networks.clear();
  EXPECT_EQ(ParseError(p), "non-CA certificate must contain at least 1 network");
  p.networks = der::Encode(kNetworks, Bytes{});  // present but empty
  EXPECT_EQ(ParseError(p), "non-CA certificate must contain at least 1 network");

  p = Parts();
  p.unsafe = der::Encode(kUnsafe, Network({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64}));
  EXPECT_EQ(ParseError(p), "IPv6 unsafe networks require an IPv6 address assignment: fd00::/64");
  p.unsafe = der::Encode(kUnsafe, Network({192, 168, 0, 0, 40}));
  EXPECT_EQ(ParseError(p), "invalid unsafe network: invalid Prefix");
}

TEST(CertV2BadInput, WhatNebulaAcceptsIsKeptByteForByte) {
  // Networks out of order: Nebula sorts its copy but keeps the signed bytes.
  Parts p;
  Bytes two = Network({10, 0, 0, 9, 24});
  Bytes first = Network({10, 0, 0, 1, 24});
  two.insert(two.end(), first.begin(), first.end());
  p.networks = der::Encode(kNetworks, two);
  // A field added after 1.11 (after the issuer): signed, so kept.
  p.extra = der::Encode(0x88, Bytes{1, 2, 3});
  p.is_ca.clear();
  crypto::Ed25519KeyPair ca = crypto::Ed25519Generate();
  Bytes details = p.Details();
  Bytes signed_bytes = details;
  signed_bytes.push_back(0);  // Curve25519
  signed_bytes.insert(signed_bytes.end(), 32, 9);
  crypto::Ed25519Signature sig;
  ASSERT_TRUE(crypto::Ed25519Sign(ca.private_key, signed_bytes, sig));
  p.signature = der::Encode(kSignature, Bytes(sig.begin(), sig.end()));

  Result<Certificate> c = ParseCertificateV2(p.Build());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->networks[0].ToString(), "10.0.0.1/24");  // sorted
  EXPECT_EQ(c->networks[1].ToString(), "10.0.0.9/24");
  EXPECT_EQ(c->Marshal(), p.Build());
  EXPECT_EQ(c->raw_details, details);
  EXPECT_TRUE(c->CheckSignature(ca.public_key));
  // isCA written as 0x01 instead of 0xff is still true and still kept.
  p.is_ca = der::Encode(kIsCa, Bytes{0x01});
  p.networks.clear();
  p.issuer.clear();
  Result<Certificate> ca_cert = ParseCertificateV2(p.Build());
  ASSERT_TRUE(ca_cert.ok()) << ca_cert.status().message();
  EXPECT_TRUE(ca_cert->is_ca);
  EXPECT_EQ(ca_cert->Marshal(), p.Build());
}

TEST(CertV2BadInput, HandshakeFormLeavesOutCurveAndKey) {
  Parts p;
  p.curve = der::Encode(kCurve, Bytes{1});
  p.public_key = der::Encode(kPublicKey, Bytes(65, 4));
  Result<Certificate> c = ParseCertificateV2(p.Build());
  ASSERT_TRUE(c.ok()) << c.status().message();
  Bytes handshake = c->MarshalForHandshakes();
  EXPECT_LT(handshake.size(), p.Build().size() - 65);
  // Without a key from outside, the handshake form has none.
  EXPECT_EQ(ParseCertificateV2(handshake).status().message(),
            "bad wire format: public key is missing");
  Result<Certificate> back =
      ParseCertificateWithPublicKey(Version::kV2, handshake, c->public_key, Curve::kP256);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->curve, Curve::kP256);  // the handshake's curve fills the default
  EXPECT_EQ(back->Marshal(), p.Build());
  EXPECT_EQ(ParseCertificateWithPublicKey(Version::kV2, p.Build(), c->public_key, Curve::kP256)
                .status()
                .message(),
            "certificate has unexpected pubkey present");
}

TEST(CertV2BadInput, RandomBytesNeverCrashAndWhatParsesIsStable) {
  Parts p;
  Bytes base = p.Build();
  int parsed = 0;
  for (int round = 0; round < 4000; ++round) {
    Bytes input = base;
    // Flip a few bytes of a real certificate, so parsing gets deep before it fails.
    int flips = 1 + int(crypto::RandomUint32() % 3);
    for (int i = 0; i < flips; ++i) {
      input[crypto::RandomUint32() % input.size()] = uint8_t(crypto::RandomUint32());
    }
    Result<Certificate> c = ParseCertificateV2(input);
    if (!c.ok()) {
      EXPECT_FALSE(c.status().message().empty());
      continue;
    }
    ++parsed;
    EXPECT_EQ(c->Marshal(), input);
    Result<Certificate> again = ParseCertificateV2(c->Marshal());
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(again->Fingerprint(), c->Fingerprint());
  }
  RecordProperty("parsed", parsed);
}

}  // namespace
}  // namespace flatnet::cert
