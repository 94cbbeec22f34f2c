// Noise IX with Nebula's P256 DH (certificates of curve P256): every byte against vectors made
// by Nebula 1.11.1's own noiseutil.DHP256 with flynn/noise v1.1.0
// (data/noise/p256_ix_vector/generate.sh), plus handshakes between two flatnet states.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "crypto/p256.h"
#include "hex_for_tests.h"
#include "noise/dh.h"
#include "noise/handshake_state.h"

namespace flatnet::noise {
namespace {

using Fields = std::map<std::string, std::string>;

std::vector<Fields> LoadP256Vectors() {
  const char* dir = std::getenv("FLATNET_TEST_DATA");
  std::string path = std::string(dir ? dir : "tests/unit/data") + "/noise/p256_ix_vectors.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<Fields> out;
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    if (key == "protocol_name") out.emplace_back();
    if (!out.empty()) out.back()[key] = line.substr(eq + 1);
  }
  return out;
}

DhKeyPair P256FromPrivateHex(const std::string& hex) {
  Bytes priv = FromHex(hex);
  auto pub = crypto::P256PublicKeyFromPrivate(priv);
  EXPECT_TRUE(pub.ok()) << pub.status().message();
  return DhKeyPair(priv, pub.ok() ? *pub : Bytes{});
}

DhKeyPair MustGenerate() {
  auto pair = DhGenerate(DhKind::kP256);
  EXPECT_TRUE(pair.ok()) << pair.status().message();
  return pair.ok() ? *pair : DhKeyPair{};
}

TEST(NoiseP256, ProtocolNamesAreNebulas) {
  EXPECT_EQ(ProtocolName(PatternIX(), crypto::CipherKind::kAes256Gcm, DhKind::kP256),
            "Noise_IX_P256_AESGCM_SHA256");
  EXPECT_EQ(ProtocolName(PatternIX(), crypto::CipherKind::kChaCha20Poly1305, DhKind::kP256),
            "Noise_IX_P256_ChaChaPoly_SHA256");
  EXPECT_EQ(ProtocolName(PatternIX(), crypto::CipherKind::kAes256Gcm),
            "Noise_IX_25519_AESGCM_SHA256");
  EXPECT_EQ(DhPublicKeySize(DhKind::kP256), 65u);
}

TEST(NoiseP256, MatchesNebulaAndFlynnByteForByte) {
  std::vector<Fields> vectors = LoadP256Vectors();
  ASSERT_EQ(vectors.size(), 2u);
  for (Fields& v : vectors) {
    SCOPED_TRACE(v["protocol_name"]);
    HandshakeOptions i, r;
    i.cipher = r.cipher = v["protocol_name"].find("AESGCM") != std::string::npos
                              ? crypto::CipherKind::kAes256Gcm
                              : crypto::CipherKind::kChaCha20Poly1305;
    i.dh = r.dh = DhKind::kP256;
    r.role = Role::kResponder;
    i.static_keys = P256FromPrivateHex(v["init_static"]);
    r.static_keys = P256FromPrivateHex(v["resp_static"]);
    i.ephemeral = P256FromPrivateHex(v["init_ephemeral"]);
    r.ephemeral = P256FromPrivateHex(v["resp_ephemeral"]);
    EXPECT_EQ(ProtocolName(PatternIX(), i.cipher, DhKind::kP256), v["protocol_name"]);
    auto initiator = HandshakeState::Create(i);
    auto responder = HandshakeState::Create(r);
    ASSERT_TRUE(initiator.ok()) << initiator.status().message();
    ASSERT_TRUE(responder.ok()) << responder.status().message();

    Bytes m1;
    ASSERT_TRUE(initiator->WriteMessage(FromHex(v["payload1"]), m1).ok());
    EXPECT_EQ(ToHex(m1), v["msg1"]);
    auto p1 = responder->ReadMessage(m1);
    ASSERT_TRUE(p1.ok()) << p1.status().message();
    EXPECT_EQ(ToHex(*p1), v["payload1"]);

    Bytes m2;
    ASSERT_TRUE(responder->WriteMessage(FromHex(v["payload2"]), m2).ok());
    EXPECT_EQ(ToHex(m2), v["msg2"]);
    auto p2 = initiator->ReadMessage(m2);
    ASSERT_TRUE(p2.ok()) << p2.status().message();
    EXPECT_EQ(ToHex(*p2), v["payload2"]);

    EXPECT_EQ(ToHex(initiator->HandshakeHash()), v["handshake_hash"]);
    auto ik = initiator->Split();
    auto rk = responder->Split();
    ASSERT_TRUE(ik.ok() && rk.ok());
    EXPECT_EQ(ToHex(ik->send), v["key_i2r"]);
    EXPECT_EQ(ToHex(ik->receive), v["key_r2i"]);
    EXPECT_EQ(ToHex(rk->receive), v["key_i2r"]);
    EXPECT_EQ(ToHex(rk->send), v["key_r2i"]);
  }
}

class P256Handshake : public ::testing::Test {
 protected:
  void SetUp() override {
    auto i = HandshakeState::Create(crypto::CipherKind::kAes256Gcm, Role::kInitiator, DhKind::kP256,
                                    initiator_keys_);
    auto r = HandshakeState::Create(crypto::CipherKind::kAes256Gcm, Role::kResponder, DhKind::kP256,
                                    responder_keys_);
    ASSERT_TRUE(i.ok()) << i.status().message();
    ASSERT_TRUE(r.ok()) << r.status().message();
    initiator_.emplace(std::move(*i));
    responder_.emplace(std::move(*r));
  }
  DhKeyPair initiator_keys_ = MustGenerate();
  DhKeyPair responder_keys_ = MustGenerate();
  std::optional<HandshakeState> initiator_, responder_;
};

TEST_F(P256Handshake, CompletesWithMatchingKeysAndNebulasMessageSizes) {
  const Bytes cert1(100, 1), cert2(120, 2);
  Bytes m1, m2;
  ASSERT_TRUE(initiator_->WriteMessage(cert1, m1).ok());
  EXPECT_EQ(m1.size(), 65u + 65u + cert1.size());  // e, s and payload in clear
  auto p1 = responder_->ReadMessage(m1);
  ASSERT_TRUE(p1.ok()) << p1.status().message();
  EXPECT_EQ(*p1, cert1);
  EXPECT_EQ(*responder_->PeerStatic(), initiator_keys_.public_key);

  ASSERT_TRUE(responder_->WriteMessage(cert2, m2).ok());
  EXPECT_EQ(m2.size(), 65u + (65u + 16u) + cert2.size() + 16u);
  auto p2 = initiator_->ReadMessage(m2);
  ASSERT_TRUE(p2.ok()) << p2.status().message();
  EXPECT_EQ(*p2, cert2);
  EXPECT_EQ(*initiator_->PeerStatic(), responder_keys_.public_key);

  ASSERT_TRUE(initiator_->Complete() && responder_->Complete());
  EXPECT_EQ(initiator_->HandshakeHash(), responder_->HandshakeHash());
  auto ik = initiator_->Split();
  auto rk = responder_->Split();
  ASSERT_TRUE(ik.ok() && rk.ok());
  EXPECT_EQ(ik->send, rk->receive);
  EXPECT_EQ(ik->receive, rk->send);
  EXPECT_NE(ik->send, ik->receive);
  EXPECT_EQ(initiator_->dh(), DhKind::kP256);
}

TEST_F(P256Handshake, OffCurveEphemeralIsRefusedAndTheGenuineMessageStillReads) {
  Bytes m1, m2;
  ASSERT_TRUE(initiator_->WriteMessage({}, m1).ok());
  ASSERT_TRUE(responder_->ReadMessage(m1).ok());
  ASSERT_TRUE(responder_->WriteMessage({}, m2).ok());
  Bytes forged = m2;
  forged[64] ^= 1;  // last byte of the responder's ephemeral Y: no longer on the curve
  auto bad = initiator_->ReadMessage(forged);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ee"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(initiator_->Complete());
  EXPECT_TRUE(initiator_->ReadMessage(m2).ok());
}

TEST_F(P256Handshake, TruncatedMessagesAreRefused) {
  Bytes m1;
  ASSERT_TRUE(initiator_->WriteMessage({}, m1).ok());
  for (size_t n : {size_t(0), size_t(32), size_t(64), size_t(65 + 32), size_t(129)}) {
    EXPECT_FALSE(responder_->ReadMessage(ByteSpan(m1.data(), n)).ok()) << n;
  }
  EXPECT_TRUE(responder_->ReadMessage(m1).ok());
}

TEST(NoiseP256Mismatch, Curve25519PeerCannotCompleteWithP256) {
  auto i = HandshakeState::Create(crypto::CipherKind::kAes256Gcm, Role::kInitiator,
                                  DhKind::kCurve25519, DhKeyPair(crypto::X25519Generate()));
  auto r = HandshakeState::Create(crypto::CipherKind::kAes256Gcm, Role::kResponder, DhKind::kP256,
                                  MustGenerate());
  ASSERT_TRUE(i.ok() && r.ok());
  Bytes m1;
  ASSERT_TRUE(i->WriteMessage(Bytes(80, 7), m1).ok());
  // 64 key bytes + 80 payload read as two 65-byte P256 "keys" and a 14-byte payload (stage 1
  // has no DH), but they are not points on the curve, so the responder cannot write stage 2.
  auto read = r->ReadMessage(m1);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->size(), 14u);
  Bytes m2;
  EXPECT_FALSE(r->WriteMessage({}, m2).ok());
}

TEST(NoiseP256Keys, WrongSizedKeysAreRefusedUpFront) {
  DhKeyPair x25519(crypto::X25519Generate());
  auto s = HandshakeState::Create(crypto::CipherKind::kAes256Gcm, Role::kInitiator, DhKind::kP256,
                                  x25519);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("P256 key pair"), std::string::npos) << s.status().message();
  DhKeyPair p256 = MustGenerate();
  EXPECT_FALSE(HandshakeState::Create(crypto::CipherKind::kAes256Gcm, Role::kInitiator,
                                      DhKind::kCurve25519, p256)
                   .ok());
  EXPECT_FALSE(HandshakeState::Create(crypto::CipherKind::kAes256Gcm, Role::kInitiator,
                                      DhKind::kP256, DhKeyPair{})
                   .ok());
}

}  // namespace
}  // namespace flatnet::noise
