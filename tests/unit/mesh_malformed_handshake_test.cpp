// Nebula 1.11's malformed-handshake fixes (#1601, #1756), checked against flatnet: stage 1
// and stage 2 datagrams whose keys have the wrong length, whose certificate names another
// curve (a key of the other curve's length), or whose payload carries a zero index are
// refused and counted, leave no tunnel and get no answer; the genuine handshake still works.
#include <gtest/gtest.h>

#include "mesh/handshake_manager.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"
#include "noise/handshake_state.h"
#include "wire/messages.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

constexpr const char* kAddrA = "192.0.2.1:4242";
constexpr const char* kAddrB = "192.0.2.2:4242";

ByteSpan Span(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

Bytes WithHeader(uint64_t counter, uint32_t remote_index, const Bytes& noise_message) {
  Bytes out(wire::kHeaderSize + noise_message.size());
  wire::Header header;
  header.type = wire::MessageType::kHandshake;
  header.subtype = wire::MessageSubType::kIxPsk0;
  header.remote_index = remote_index;
  header.message_counter = counter;
  wire::EncodeHeader(header, out.data());
  std::copy(noise_message.begin(), noise_message.end(), out.begin() + wire::kHeaderSize);
  return out;
}

// A stage 1 from `member` (its real keys) with the given initiator index and certificate bytes.
Bytes Stage1(const TestHost& member, uint32_t initiator_index, const Bytes& cert_bytes) {
  noise::HandshakeState state(crypto::CipherKind::kAes256Gcm, noise::Role::kInitiator, member.keys);
  nebula::NebulaHandshake message;
  auto* details = message.mutable_details();
  details->set_initiatorindex(initiator_index);
  details->set_time(uint64_t(std::time(nullptr)) * 1'000'000'000);
  details->set_cert(cert_bytes.data(), cert_bytes.size());
  Bytes noise_message;
  EXPECT_TRUE(state.WriteMessage(wire::EncodeMessage(message), noise_message).ok());
  return WithHeader(1, 0, noise_message);
}

struct Pair {
  TestCa ca = MakeTestCa();
  TestHost a_host = MakeTestHost(ca, "a", "10.9.0.1/24");
  TestHost b_host = MakeTestHost(ca, "b", "10.9.0.2/24");
  std::unique_ptr<TestNode> a = TestNode::Create(MeshConfig(
      ca, a_host, "static_host_map:\n  \"10.9.0.2\": [\"" + std::string(kAddrB) + "\"]\n"));
  std::unique_ptr<TestNode> b = TestNode::Create(MeshConfig(ca, b_host, ""));

  // What b does with a datagram from a: it must refuse it without a trace.
  void ExpectBRefuses(const Bytes& datagram, const char* what) {
    uint64_t dropped = b->Counter("handshakes_dropped");
    b->node->handshakes().HandlePacket(Addr(kAddrA), Span(datagram), Node::NowNs());
    EXPECT_TRUE(b->Take().empty()) << what;
    EXPECT_EQ(b->Counter("handshakes_dropped"), dropped + 1) << what;
    EXPECT_TRUE(b->node->host_map().Current()->by_vpn_ip.empty()) << what;
  }
  // A genuine handshake a -> b completes afterwards.
  void ExpectGenuineHandshakeWorks() {
    b->node->handshakes().HandlePacket(
        Addr(kAddrA), Span(Stage1(a_host, 0x51, a_host.cert.MarshalForHandshakes())),
        Node::NowNs());
    EXPECT_NE(b->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.1")), nullptr);
  }
};

}  // namespace

TEST(MeshMalformedHandshake, Stage1WithKeysCutShortIsRefused) {
  Pair p;
  ASSERT_TRUE(p.a && p.b);
  Bytes genuine = Stage1(p.a_host, 0x51, p.a_host.cert.MarshalForHandshakes());
  // IX's first message is the ephemeral key (32 bytes), then the static key (32), then the
  // payload: cut inside each key, and right after them.
  for (size_t noise_length :
       {size_t(0), size_t(1), size_t(31), size_t(32), size_t(33), size_t(63), size_t(64)}) {
    Bytes cut(genuine.begin(), genuine.begin() + long(wire::kHeaderSize + noise_length));
    p.ExpectBRefuses(cut, ("noise message of " + std::to_string(noise_length) + " bytes").c_str());
  }
  p.ExpectGenuineHandshakeWorks();
}

TEST(MeshMalformedHandshake, Stage1WithACertificateOfTheOtherCurveIsRefused) {
  Pair p;
  ASSERT_TRUE(p.a && p.b);
  // The CA signs a's certificate claiming P256, with a P256-sized (65-byte) public key; our
  // curve is 25519, whose keys are 32 bytes.
  cert::Certificate other = p.a_host.cert;
  other.curve = cert::Curve::kP256;
  other.public_key.assign(65, 0x04);
  crypto::Ed25519Signature signature;
  ASSERT_TRUE(crypto::Ed25519Sign(p.ca.key, other.MarshalForSigning(), signature));
  other.signature.assign(signature.begin(), signature.end());
  p.ExpectBRefuses(Stage1(p.a_host, 0x51, other.MarshalForHandshakes()), "P256 certificate");
  EXPECT_NE(p.b->log->find("Invalid certificate from host"), std::string::npos);
  // And one carrying a public key of a wrong length for its own curve.
  cert::Certificate odd = p.a_host.cert;
  odd.public_key.assign(31, 0x01);
  ASSERT_TRUE(crypto::Ed25519Sign(p.ca.key, odd.MarshalForSigning(), signature));
  odd.signature.assign(signature.begin(), signature.end());
  // Sent with its key (a handshake's certificate has none): the Noise static key takes its
  // place, and the CA's signature over the 31-byte key no longer holds.
  p.ExpectBRefuses(Stage1(p.a_host, 0x51, odd.Marshal()), "31-byte key in the certificate");
  p.ExpectGenuineHandshakeWorks();
}

// Nebula #1756: a payload can decode with only a time in it, and so an index of 0.
TEST(MeshMalformedHandshake, Stage1WithAZeroInitiatorIndexIsRefused) {
  Pair p;
  ASSERT_TRUE(p.a && p.b);
  p.ExpectBRefuses(Stage1(p.a_host, 0, p.a_host.cert.MarshalForHandshakes()), "index 0");
  EXPECT_NE(p.b->log->find("zero initiator index"), std::string::npos) << *p.b->log;
  p.ExpectGenuineHandshakeWorks();
}

TEST(MeshMalformedHandshake, Stage2WithAZeroResponderIndexMakesNoTunnel) {
  Pair p;
  ASSERT_TRUE(p.a && p.b);
  p.a->node->handshakes().Initiate(Ip("10.9.0.2"), Node::NowNs());
  std::vector<Sent> sent = p.a->Take();
  ASSERT_EQ(sent.size(), 1u);
  // b's answer, written by hand with responder index 0.
  noise::HandshakeState responder(crypto::CipherKind::kAes256Gcm, noise::Role::kResponder,
                                  p.b_host.keys);
  auto read = responder.ReadMessage(Span(sent[0].datagram).subspan(wire::kHeaderSize));
  ASSERT_TRUE(read.ok()) << read.status().message();
  auto stage1 = wire::DecodeHandshake(*read);
  ASSERT_TRUE(stage1.ok());
  nebula::NebulaHandshake answer;
  auto* details = answer.mutable_details();
  details->set_initiatorindex(stage1->details().initiatorindex());
  details->set_responderindex(0);
  details->set_time(uint64_t(std::time(nullptr)) * 1'000'000'000);
  Bytes cert = p.b_host.cert.MarshalForHandshakes();
  details->set_cert(cert.data(), cert.size());
  Bytes noise_message;
  ASSERT_TRUE(responder.WriteMessage(wire::EncodeMessage(answer), noise_message).ok());
  uint64_t dropped = p.a->Counter("handshakes_dropped");
  p.a->node->handshakes().HandlePacket(
      Addr(kAddrB), Span(WithHeader(2, stage1->details().initiatorindex(), noise_message)),
      Node::NowNs());
  EXPECT_EQ(p.a->Counter("handshakes_dropped"), dropped + 1);
  EXPECT_EQ(p.a->node->host_map().Current()->FindByVpnIp(Ip("10.9.0.2")), nullptr);
  EXPECT_NE(p.a->log->find("zero responder index"), std::string::npos) << *p.a->log;
}
