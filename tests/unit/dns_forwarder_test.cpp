// Forwarder: a member's questions asked of the lighthouses. The query it sends, how it
// turns their replies into the asker's, which datagrams it refuses to believe, time-outs,
// and its bound on waiting questions.
#include "dns/forwarder.h"

#include <gtest/gtest.h>

#include <string>

#include "dns/dns_message.h"

namespace flatnet::dns {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

net::UdpAddr Addr(const char* ip, uint16_t port) { return net::UdpAddr::ParseIp(ip, port).value(); }

const net::UdpAddr kLighthouse1 = Addr("192.168.100.1", 53);
const net::UdpAddr kLighthouse2 = Addr("192.168.100.10", 53);
const net::UdpAddr kAsker = Addr("127.0.0.1", 40000);

// What the Responder hands over for "Member3.our-team." from the asker (id 0x1234, RD).
ForwardRequest Request(uint16_t type = kTypeA) {
  ForwardRequest r;
  r.request.id = 0x1234;
  r.request.flags = kFlagRd;
  r.request.qdcount = 1;
  r.question = {DnsName::FromDotted("Member3.our-team").value(), type, kClassIn};
  r.name = "member3";
  return r;
}

struct Parsed {
  DnsHeader header;
  DnsBody body;
};
Parsed Parse(ByteSpan datagram) {
  DnsHeader header = ParseHeader(datagram).value();
  return {header, ParseBody(datagram, header)};
}

// A lighthouse's reply to `query` (as nebula builds it): rcode and A records.
Bytes LighthouseReply(ByteSpan query, int rcode, std::vector<IpAddr> addresses = {},
                      uint32_t ttl = 3600, const char* answer_name = nullptr) {
  Parsed q = Parse(query);
  DnsMessage m;
  m.header.id = q.header.id;
  m.header.flags = kFlagQr;
  m.header.set_rcode(rcode);
  m.questions = q.body.questions;
  for (const IpAddr& a : addresses) {
    ByteSpan bytes = a.bytes();
    DnsName name =
        answer_name ? DnsName::FromDotted(answer_name).value() : q.body.questions[0].name;
    m.answers.push_back({name, uint16_t(a.is_v4() ? kTypeA : kTypeAaaa), kClassIn, ttl,
                         Bytes(bytes.begin(), bytes.end())});
  }
  return EncodeMessage(m).value();
}

class DnsForwarderTest : public ::testing::Test {
 protected:
  Forwarder Make(std::vector<net::UdpAddr> upstreams) {
    return Forwarder(std::move(upstreams), [this] { return next_id_++; }, kSecond);
  }
  uint16_t next_id_ = 7;
};

TEST_F(DnsForwarderTest, AsksForTheBareNameWithAFreshIdAndRelaysTheAnswer) {
  Forwarder f = Make({kLighthouse1});
  std::optional<Bytes> query = f.Begin(Request(), kAsker, 0);
  ASSERT_TRUE(query);
  Parsed q = Parse(*query);
  EXPECT_EQ(q.header.id, 7);
  EXPECT_FALSE(q.header.is_response());
  EXPECT_EQ(q.header.flags & kFlagRd, 0) << "a lighthouse is not asked to recurse";
  ASSERT_EQ(q.body.questions.size(), 1u);
  EXPECT_EQ(q.body.questions[0].name.ToText(), "member3.");
  EXPECT_EQ(q.body.questions[0].type, kTypeA);
  EXPECT_EQ(f.NextDeadline(), kSecond);

  std::optional<ForwardedReply> done =
      f.Answer(LighthouseReply(*query, kRcodeNoError, {ParseIpAddr("192.168.100.4").value()}, 120),
               kLighthouse1);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->asker, kAsker);
  EXPECT_EQ(done->response.outcome, Outcome::kAnswered);
  Parsed reply = Parse(done->response.datagram);
  EXPECT_EQ(reply.header.id, 0x1234) << "the asker's id";
  EXPECT_EQ(reply.header.flags, kFlagQr | kFlagRd);
  ASSERT_EQ(reply.body.questions.size(), 1u);
  EXPECT_EQ(reply.body.questions[0].name.ToText(), "Member3.our-team.") << "as asked";
  ASSERT_EQ(reply.body.answers.size(), 1u);
  EXPECT_EQ(reply.body.answers[0].name.ToText(), "Member3.our-team.");
  EXPECT_EQ(reply.body.answers[0].ttl, 120u) << "the lighthouse's TTL";
  EXPECT_EQ(IpAddr::FromBytes(reply.body.answers[0].rdata).ToString(), "192.168.100.4");
  EXPECT_EQ(f.pending(), 0u);
  EXPECT_FALSE(f.NextDeadline());
}

TEST_F(DnsForwarderTest, BelievesOnlyTheUpstreamsOnce) {
  Forwarder f = Make({kLighthouse1, kLighthouse2});
  Bytes query = *f.Begin(Request(), kAsker, 0);
  const std::vector<IpAddr> liar = {ParseIpAddr("192.0.2.66").value()};
  // From an address that was not asked, or the right address on another port.
  EXPECT_FALSE(f.Answer(LighthouseReply(query, kRcodeNoError, liar), Addr("192.168.100.9", 53)));
  EXPECT_FALSE(f.Answer(LighthouseReply(query, kRcodeNoError, liar), Addr("192.168.100.1", 5353)));
  // Another id.
  Bytes other_id = LighthouseReply(query, kRcodeNoError, liar);
  other_id[1] ^= 1;
  EXPECT_FALSE(f.Answer(other_id, kLighthouse1));
  // Not a response.
  EXPECT_FALSE(f.Answer(query, kLighthouse1));
  // Another question.
  DnsMessage wrong;
  wrong.header.id = Parse(query).header.id;
  wrong.header.flags = kFlagQr;
  wrong.questions.push_back({DnsName::FromDotted("member4").value(), kTypeA, kClassIn});
  EXPECT_FALSE(f.Answer(EncodeMessage(wrong).value(), kLighthouse1));
  // An upstream counts once: a second NXDOMAIN from lighthouse 1 does not finish it.
  EXPECT_FALSE(f.Answer(LighthouseReply(query, kRcodeNxDomain), kLighthouse1));
  EXPECT_FALSE(f.Answer(LighthouseReply(query, kRcodeNxDomain), kLighthouse1));
  EXPECT_EQ(f.pending(), 1u);
  // Answers for another name or of another type are left out.
  Bytes mixed = LighthouseReply(query, kRcodeNoError, liar, 3600, "member4");
  std::optional<ForwardedReply> done = f.Answer(mixed, kLighthouse2);
  ASSERT_TRUE(done) << "lighthouse 2 replied: both have";
  EXPECT_EQ(done->response.outcome, Outcome::kUnanswered) << "NODATA beats NXDOMAIN";
  EXPECT_TRUE(Parse(done->response.datagram).body.answers.empty());
}

TEST_F(DnsForwarderTest, AnAnswerFromAnyLighthouseWinsAndEmptyRepliesAreCombined) {
  {
    Forwarder f = Make({kLighthouse1, kLighthouse2});
    Bytes query = *f.Begin(Request(), kAsker, 0);
    EXPECT_FALSE(f.Answer(LighthouseReply(query, kRcodeNxDomain), kLighthouse1));
    const std::vector<IpAddr> found = {ParseIpAddr("192.168.100.4").value()};
    auto done = f.Answer(LighthouseReply(query, kRcodeNoError, found), kLighthouse2);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->response.outcome, Outcome::kAnswered);
  }
  {
    Forwarder f = Make({kLighthouse1, kLighthouse2});
    Bytes query = *f.Begin(Request(), kAsker, 0);
    EXPECT_FALSE(f.Answer(LighthouseReply(query, kRcodeNxDomain), kLighthouse1));
    auto done = f.Answer(LighthouseReply(query, kRcodeNxDomain), kLighthouse2);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->response.outcome, Outcome::kNoSuchName);
    EXPECT_EQ(Parse(done->response.datagram).header.rcode(), kRcodeNxDomain);
  }
  {
    // REFUSED (a lighthouse without serve_dns behind that port would not even say that).
    Forwarder f = Make({kLighthouse1});
    Bytes query = *f.Begin(Request(), kAsker, 0);
    auto done = f.Answer(LighthouseReply(query, kRcodeRefused), kLighthouse1);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->response.outcome, Outcome::kFailed);
    EXPECT_EQ(Parse(done->response.datagram).header.rcode(), kRcodeServFail);
  }
}

TEST_F(DnsForwarderTest, AaaaQuestionsTakeOnlyIpv6Answers) {
  Forwarder f = Make({kLighthouse1});
  Bytes query = *f.Begin(Request(kTypeAaaa), kAsker, 0);
  EXPECT_EQ(Parse(query).body.questions[0].type, kTypeAaaa);
  auto done = f.Answer(
      LighthouseReply(query, kRcodeNoError, {ParseIpAddr("fd00:100::4").value()}), kLighthouse1);
  ASSERT_TRUE(done);
  Parsed reply = Parse(done->response.datagram);
  ASSERT_EQ(reply.body.answers.size(), 1u);
  EXPECT_EQ(reply.body.answers[0].type, kTypeAaaa);
  EXPECT_EQ(IpAddr::FromBytes(reply.body.answers[0].rdata).ToString(), "fd00:100::4");
}

TEST_F(DnsForwarderTest, SilentLighthousesTimeOut) {
  Forwarder f = Make({kLighthouse1, kLighthouse2});
  Bytes first = *f.Begin(Request(), kAsker, 0);
  Bytes second = *f.Begin(Request(), Addr("127.0.0.1", 40001), kSecond / 2);
  EXPECT_NE(Parse(first).header.id, Parse(second).header.id);
  EXPECT_FALSE(f.Answer(LighthouseReply(second, kRcodeNxDomain), kLighthouse1));
  EXPECT_TRUE(f.Expire(kSecond - 1).empty());
  std::vector<ForwardedReply> expired = f.Expire(kSecond);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].asker, kAsker);
  EXPECT_EQ(expired[0].response.outcome, Outcome::kFailed) << "nobody answered: SERVFAIL";
  EXPECT_EQ(f.NextDeadline(), kSecond + kSecond / 2);
  expired = f.Expire(2 * kSecond);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].response.outcome, Outcome::kNoSuchName)
      << "one lighthouse said NXDOMAIN, the other never answered";
  EXPECT_EQ(f.pending(), 0u);
}

TEST_F(DnsForwarderTest, WaitingQuestionsAreBoundedAndIdsNeverCollide) {
  // The generator gives each id three times; the forwarder asks again until one is free.
  uint16_t n = 0;
  Forwarder g(std::vector<net::UdpAddr>{kLighthouse1}, [&n] { return uint16_t(n++ / 3); }, kSecond);
  for (size_t i = 0; i < kMaxPending; ++i) ASSERT_TRUE(g.Begin(Request(), kAsker, 0)) << i;
  EXPECT_FALSE(g.Begin(Request(), kAsker, 0)) << "full";
  EXPECT_EQ(g.pending(), kMaxPending);
  Response failed = Forwarder::Failed(Request());
  EXPECT_EQ(failed.outcome, Outcome::kFailed);
  Parsed p = Parse(failed.datagram);
  EXPECT_EQ(p.header.id, 0x1234);
  EXPECT_EQ(p.header.rcode(), kRcodeServFail);
}

}  // namespace
}  // namespace flatnet::dns
