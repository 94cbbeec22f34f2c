// The Noise IX handshake as Nebula runs it: two HandshakeStates exchange the stage-1 and
// stage-2 packets (16-byte header + Noise message carrying a NebulaHandshake with a
// certificate-sized Cert), and every kind of bad message fails cleanly without spoiling the
// handshake in progress.
#include <gtest/gtest.h>

#include <string>

#include "crypto/random.h"
#include "crypto/x25519.h"
#include "noise/handshake_state.h"
#include "wire/header.h"
#include "wire/messages.h"

using namespace flatnet;
using namespace flatnet::noise;
using crypto::CipherKind;

namespace {

constexpr size_t kCertSize = 310;  // a Nebula host certificate without its key is ~250-350

Bytes RandomBytes(size_t n) {
  Bytes b(n);
  crypto::RandomBytes(b);
  return b;
}

Bytes HandshakePayload(uint32_t initiator_index, uint32_t responder_index, const Bytes& cert) {
  nebula::NebulaHandshake hs;
  hs.mutable_details()->set_initiatorindex(initiator_index);
  hs.mutable_details()->set_responderindex(responder_index);
  hs.mutable_details()->set_time(1700000000123456789ull);
  hs.mutable_details()->set_cert(cert.data(), cert.size());
  return wire::EncodeMessage(hs);
}

Bytes NebulaPacket(uint32_t remote_index, uint64_t counter, HandshakeState& writer,
                   const Bytes& payload) {
  wire::Header h;
  h.type = wire::MessageType::kHandshake;
  h.subtype = wire::MessageSubType::kIxPsk0;
  h.remote_index = remote_index;
  h.message_counter = counter;
  Bytes packet(wire::kHeaderSize);
  wire::EncodeHeader(h, packet.data());
  Status s = writer.WriteMessage(payload, packet);
  EXPECT_TRUE(s.ok()) << s.message();
  return packet;
}

class IxHandshake : public ::testing::TestWithParam<CipherKind> {
 protected:
  crypto::X25519KeyPair initiator_keys_ = crypto::X25519Generate();
  crypto::X25519KeyPair responder_keys_ = crypto::X25519Generate();
  HandshakeState initiator_{GetParam(), Role::kInitiator, initiator_keys_};
  HandshakeState responder_{GetParam(), Role::kResponder, responder_keys_};

  // Runs message 1 to the responder and returns message 2 (not yet read by the initiator).
  Bytes RunToMessage2() {
    Bytes m1, m2;
    EXPECT_TRUE(initiator_.WriteMessage(Bytes(kCertSize, 1), m1).ok());
    EXPECT_TRUE(responder_.ReadMessage(m1).ok());
    EXPECT_TRUE(responder_.WriteMessage(Bytes(kCertSize, 2), m2).ok());
    return m2;
  }
};

INSTANTIATE_TEST_SUITE_P(BothCiphers, IxHandshake,
                         ::testing::Values(CipherKind::kAes256Gcm, CipherKind::kChaCha20Poly1305),
                         [](const auto& info) {
                           return info.param == CipherKind::kAes256Gcm ? "AesGcm" : "ChaChaPoly";
                         });

TEST_P(IxHandshake, NebulaStagesCarryIndexesCertificatesAndAgreeOnKeys) {
  const Bytes initiator_cert = RandomBytes(kCertSize), responder_cert = RandomBytes(kCertSize);

  // Stage 1: header counter 1, remote index 0; the header is not part of the Noise message.
  const Bytes stage1 = NebulaPacket(0, 1, initiator_, HandshakePayload(0x1234, 0, initiator_cert));
  EXPECT_EQ(ToHex(ByteSpan(stage1).first(16)), "10000000000000000000000000000001");
  Result<wire::Header> h1 = wire::ParseHeader(stage1);
  ASSERT_TRUE(h1.ok());
  EXPECT_EQ(h1->message_counter, 1u);
  Result<Bytes> p1 = responder_.ReadMessage(ByteSpan(stage1).subspan(wire::kHeaderSize));
  ASSERT_TRUE(p1.ok()) << p1.status().message();
  Result<nebula::NebulaHandshake> hs1 = wire::DecodeHandshake(*p1);
  ASSERT_TRUE(hs1.ok()) << hs1.status().message();
  EXPECT_EQ(hs1->details().initiatorindex(), 0x1234u);
  EXPECT_EQ(hs1->details().cert(), std::string(initiator_cert.begin(), initiator_cert.end()));
  ASSERT_TRUE(responder_.PeerStatic().has_value());
  EXPECT_EQ(*responder_.PeerStatic(),
            Bytes(initiator_keys_.public_key.begin(), initiator_keys_.public_key.end()));
  EXPECT_FALSE(responder_.Complete());

  // Stage 2: remote index = the initiator's index, counter 2.
  const Bytes stage2 =
      NebulaPacket(0x1234, 2, responder_, HandshakePayload(0x1234, 0xabcd, responder_cert));
  EXPECT_TRUE(responder_.Complete());
  EXPECT_EQ(ToHex(ByteSpan(stage2).first(16)), "10000000000012340000000000000002");
  Result<Bytes> p2 = initiator_.ReadMessage(ByteSpan(stage2).subspan(wire::kHeaderSize));
  ASSERT_TRUE(p2.ok()) << p2.status().message();
  Result<nebula::NebulaHandshake> hs2 = wire::DecodeHandshake(*p2);
  ASSERT_TRUE(hs2.ok());
  EXPECT_EQ(hs2->details().initiatorindex(), 0x1234u);
  EXPECT_EQ(hs2->details().responderindex(), 0xabcdu);
  EXPECT_EQ(hs2->details().cert(), std::string(responder_cert.begin(), responder_cert.end()));
  ASSERT_TRUE(initiator_.PeerStatic().has_value());
  EXPECT_EQ(*initiator_.PeerStatic(),
            Bytes(responder_keys_.public_key.begin(), responder_keys_.public_key.end()));

  ASSERT_TRUE(initiator_.Complete());
  EXPECT_EQ(initiator_.HandshakeHash(), responder_.HandshakeHash());
  Result<SessionKeys> ik = initiator_.Split(), rk = responder_.Split();
  ASSERT_TRUE(ik.ok() && rk.ok());
  EXPECT_EQ(ik->send, rk->receive);
  EXPECT_EQ(ik->receive, rk->send);
  EXPECT_NE(ik->send, ik->receive);
  EXPECT_EQ(ik->cipher, GetParam());
}

TEST_P(IxHandshake, MessageSizesAndWhatTravelsInClear) {
  const Bytes p1 = RandomBytes(kCertSize), p2 = RandomBytes(kCertSize);
  Bytes m1, m2;
  ASSERT_TRUE(initiator_.WriteMessage(p1, m1).ok());
  // e || s || payload, all clear: IX's first message has no key yet.
  ASSERT_EQ(m1.size(), 32 + 32 + kCertSize);
  EXPECT_EQ(Bytes(m1.begin() + 32, m1.begin() + 64),
            Bytes(initiator_keys_.public_key.begin(), initiator_keys_.public_key.end()));
  EXPECT_EQ(Bytes(m1.begin() + 64, m1.end()), p1);
  ASSERT_TRUE(responder_.ReadMessage(m1).ok());
  ASSERT_TRUE(responder_.WriteMessage(p2, m2).ok());
  // e || encrypted s (32 + tag) || encrypted payload (+ tag).
  ASSERT_EQ(m2.size(), 32 + 48 + kCertSize + 16);
  EXPECT_EQ(std::search(m2.begin(), m2.end(), p2.begin(), p2.begin() + 32), m2.end());
  EXPECT_EQ(std::search(m2.begin(), m2.end(), responder_keys_.public_key.begin(),
                        responder_keys_.public_key.end()),
            m2.end());
}

TEST_P(IxHandshake, EveryTamperedByteOfMessage2FailsAndTheGenuineOneStillWorks) {
  const Bytes m2 = RunToMessage2();
  for (size_t i = 0; i < m2.size(); ++i) {
    Bytes forged = m2;
    forged[i] ^= 0x01;
    Result<Bytes> r = initiator_.ReadMessage(forged);
    ASSERT_FALSE(r.ok()) << "flipped byte " << i << " was accepted";
    EXPECT_NE(r.status().message().find("noise: handshake message 2"), std::string::npos)
        << r.status().message();
    ASSERT_FALSE(initiator_.Complete());
  }
  Result<Bytes> genuine = initiator_.ReadMessage(m2);
  ASSERT_TRUE(genuine.ok()) << genuine.status().message();
  EXPECT_EQ(*genuine, Bytes(kCertSize, 2));
  EXPECT_TRUE(initiator_.Complete());
}

TEST_P(IxHandshake, TamperedMessage1IsCaughtWhenTheInitiatorReadsTheAnswer) {
  // Message 1 has no MAC (no key exists yet), but everything in it is hashed: a responder
  // fed a modified one derives keys the initiator does not share, so message 2 fails.
  Bytes m1;
  ASSERT_TRUE(initiator_.WriteMessage(Bytes(kCertSize, 1), m1).ok());
  for (size_t flip : {size_t{5}, size_t{40}, size_t{64 + 100}}) {
    HandshakeState initiator = initiator_;
    HandshakeState responder(GetParam(), Role::kResponder, responder_keys_);
    Bytes forged = m1, m2;
    forged[flip] ^= 0x80;
    ASSERT_TRUE(responder.ReadMessage(forged).ok());
    ASSERT_TRUE(responder.WriteMessage(Bytes(10, 2), m2).ok());
    EXPECT_FALSE(initiator.ReadMessage(m2).ok()) << "flip at " << flip;
  }
}

TEST_P(IxHandshake, TruncatedMessagesFailWithAClearError) {
  Bytes m1;
  ASSERT_TRUE(initiator_.WriteMessage(Bytes(kCertSize, 1), m1).ok());
  for (size_t len = 0; len < 64; ++len) {
    Result<Bytes> r = responder_.ReadMessage(ByteSpan(m1).first(len));
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_NE(r.status().message().find("too short"), std::string::npos) << r.status().message();
  }
  ASSERT_TRUE(responder_.ReadMessage(m1).ok());
  Bytes m2;
  ASSERT_TRUE(responder_.WriteMessage(Bytes(kCertSize, 2), m2).ok());
  for (size_t len = 0; len < m2.size(); ++len) {
    ASSERT_FALSE(initiator_.ReadMessage(ByteSpan(m2).first(len)).ok()) << len;
  }
  EXPECT_TRUE(initiator_.ReadMessage(m2).ok());
}

TEST_P(IxHandshake, StaticKeyNotMatchingItsPrivateHalfFails) {
  // The initiator announces a public key it does not own: the responder's se/es DH results
  // differ from the initiator's, so the initiator cannot open message 2.
  crypto::X25519KeyPair impostor = initiator_keys_;
  impostor.public_key = crypto::X25519Generate().public_key;
  HandshakeState initiator(GetParam(), Role::kInitiator, impostor);
  Bytes m1, m2;
  ASSERT_TRUE(initiator.WriteMessage({}, m1).ok());
  ASSERT_TRUE(responder_.ReadMessage(m1).ok());
  ASSERT_TRUE(responder_.WriteMessage({}, m2).ok());
  Result<Bytes> r = initiator.ReadMessage(m2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("static key"), std::string::npos) << r.status().message();
}

TEST_P(IxHandshake, PeersWithDifferentCiphersDoNotComplete) {
  CipherKind other =
      GetParam() == CipherKind::kAes256Gcm ? CipherKind::kChaCha20Poly1305 : CipherKind::kAes256Gcm;
  HandshakeState responder(other, Role::kResponder, responder_keys_);
  Bytes m1, m2;
  ASSERT_TRUE(initiator_.WriteMessage({}, m1).ok());
  ASSERT_TRUE(responder.ReadMessage(m1).ok());
  ASSERT_TRUE(responder.WriteMessage({}, m2).ok());
  EXPECT_FALSE(initiator_.ReadMessage(m2).ok());
}

TEST_P(IxHandshake, LowOrderEphemeralKeysAreRefused) {
  Bytes m1;
  ASSERT_TRUE(initiator_.WriteMessage({}, m1).ok());
  std::fill(m1.begin(), m1.begin() + 32, 0);     // e = 0, a point of small order
  ASSERT_TRUE(responder_.ReadMessage(m1).ok());  // message 1 performs no DH
  Bytes m2;
  Status s = responder_.WriteMessage({}, m2);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Diffie-Hellman ee"), std::string::npos) << s.message();
  EXPECT_TRUE(m2.empty());
  EXPECT_FALSE(responder_.Complete());

  HandshakeState initiator(GetParam(), Role::kInitiator, initiator_keys_);
  HandshakeState responder(GetParam(), Role::kResponder, responder_keys_);
  Bytes n1, n2;
  ASSERT_TRUE(initiator.WriteMessage({}, n1).ok());
  ASSERT_TRUE(responder.ReadMessage(n1).ok());
  ASSERT_TRUE(responder.WriteMessage({}, n2).ok());
  std::fill(n2.begin(), n2.begin() + 32, 0);
  Result<Bytes> r = initiator.ReadMessage(n2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Diffie-Hellman ee"), std::string::npos)
      << r.status().message();
}

TEST_P(IxHandshake, OutOfTurnCallsAndEarlySplitAreErrors) {
  Bytes out = {9};
  EXPECT_FALSE(responder_.WriteMessage({}, out).ok());
  EXPECT_EQ(out, Bytes{9});
  EXPECT_FALSE(initiator_.ReadMessage(Bytes(100, 0)).ok());
  EXPECT_FALSE(initiator_.Split().ok());
  EXPECT_FALSE(initiator_.PeerStatic().has_value());

  Bytes m2 = RunToMessage2();
  ASSERT_TRUE(initiator_.ReadMessage(m2).ok());
  Bytes more;
  Status s = initiator_.WriteMessage({}, more);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("already complete"), std::string::npos) << s.message();
  EXPECT_FALSE(responder_.ReadMessage(m2).ok());
}

TEST_P(IxHandshake, PayloadLimitIsNoises65535Bytes) {
  Bytes out;
  Status s = initiator_.WriteMessage(Bytes(kMaxPayloadSize + 1), out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("65536"), std::string::npos) << s.message();
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(initiator_.MyTurnToWrite());
  EXPECT_TRUE(initiator_.WriteMessage(Bytes(kMaxPayloadSize), out).ok());
}

TEST_P(IxHandshake, EveryHandshakeUsesFreshEphemeralKeysAndSessionKeys) {
  auto run = [&](Bytes& m1) {
    HandshakeState i(GetParam(), Role::kInitiator, initiator_keys_);
    HandshakeState r(GetParam(), Role::kResponder, responder_keys_);
    Bytes m2;
    EXPECT_TRUE(i.WriteMessage({}, m1).ok());
    EXPECT_TRUE(r.ReadMessage(m1).ok());
    EXPECT_TRUE(r.WriteMessage({}, m2).ok());
    EXPECT_TRUE(i.ReadMessage(m2).ok());
    return i.Split()->send;
  };
  Bytes a, b;
  crypto::AeadKey ka = run(a), kb = run(b);
  EXPECT_NE(Bytes(a.begin(), a.begin() + 32), Bytes(b.begin(), b.begin() + 32));
  EXPECT_NE(ka, kb);
}

TEST(HandshakeOptions, PatternNeedingTheResponderKeyInAdvanceRequiresIt) {
  HandshakeOptions o;
  o.pattern = &PatternIK();
  o.static_keys = crypto::X25519Generate();
  Result<HandshakeState> hs = HandshakeState::Create(o);
  ASSERT_FALSE(hs.ok());
  EXPECT_NE(hs.status().message().find("IK"), std::string::npos) << hs.status().message();
}

TEST(HandshakeOptions, IkWithTheWrongExpectedResponderKeyFailsAtTheResponder) {
  HandshakeOptions i, r;
  i.pattern = r.pattern = &PatternIK();
  i.static_keys = crypto::X25519Generate();
  r.role = Role::kResponder;
  r.static_keys = crypto::X25519Generate();
  i.remote_static = DhKeyPair(crypto::X25519Generate()).public_key;  // not the responder's
  Result<HandshakeState> initiator = HandshakeState::Create(i);
  Result<HandshakeState> responder = HandshakeState::Create(r);
  ASSERT_TRUE(initiator.ok() && responder.ok());
  Bytes m1;
  ASSERT_TRUE(initiator->WriteMessage({}, m1).ok());
  Result<Bytes> read = responder->ReadMessage(m1);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("static key"), std::string::npos)
      << read.status().message();
}

}  // namespace
