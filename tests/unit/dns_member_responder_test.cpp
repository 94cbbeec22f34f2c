// Responder with a MemberScope: a member's resolver (names.*). What a user checks with
// `getent hosts` or dig against it: its own name, a known peer bare and under the domain,
// names it must ask the lighthouses about, names that are not its to answer (REFUSED), and
// askers and queries it drops.
#include <gtest/gtest.h>

#include <string>

#include "dns/dns_message.h"
#include "dns/responder.h"

namespace flatnet::dns {
namespace {

IpAddr Ip(const char* text) { return ParseIpAddr(text).value(); }
net::UdpAddr From(const char* ip) { return net::UdpAddr::ParseIp(ip, 40000).value(); }

Bytes Query(const char* name, uint16_t type, uint16_t id = 0x1234) {
  DnsMessage m;
  m.header.id = id;
  m.header.flags = kFlagRd;
  m.questions.push_back({DnsName::FromDotted(name).value(), type, kClassIn});
  return EncodeMessage(m).value();
}

struct Parsed {
  DnsHeader header;
  DnsBody body;
};
Parsed Parse(const Bytes& reply) {
  DnsHeader header = ParseHeader(reply).value();
  return {header, ParseBody(reply, header)};
}

std::string WithDot(std::string name) { return name.ends_with('.') ? name : name + "."; }

// The addresses of a reply's answers, as text.
std::vector<std::string> Addresses(const Parsed& p) {
  std::vector<std::string> out;
  for (const DnsRecord& r : p.body.answers)
    out.push_back(IpAddr::FromBytes(r.rdata).ToString());
  return out;
}

ResponderOptions MemberOptions(std::string domain, bool forward) {
  ResponderOptions o;
  o.own_name = "member1";
  o.own_addresses = {Ip("192.168.100.2"), Ip("fd00:100::2")};
  o.vpn_networks = {ParseIpPrefix("192.168.100.2/24").value(),
                    ParseIpPrefix("fd00:100::2/64").value()};
  o.addresses_for_name = [](std::string_view name) -> std::vector<IpAddr> {
    if (name == "member2") return {Ip("192.168.100.3")};
    if (name == "lh.example") return {Ip("192.168.100.1")};  // a certificate name with a dot
    return {};
  };
  o.member = MemberScope{std::move(domain), forward};
  o.logger = log::Logger([](std::string_view) {});
  return o;
}

TEST(DnsMemberResponder, AnswersItsOwnNameAndAKnownPeerBareAndUnderTheDomain) {
  Responder r(MemberOptions("our-team", true));
  const net::UdpAddr local = From("127.0.0.1");
  Response own = r.Respond(Query("member1", kTypeA), local);
  ASSERT_EQ(own.outcome, Outcome::kAnswered);
  EXPECT_EQ(Addresses(Parse(own.datagram)), std::vector<std::string>{"192.168.100.2"});
  Response own6 = r.Respond(Query("member1.our-team", kTypeAaaa), local);
  EXPECT_EQ(Addresses(Parse(own6.datagram)), std::vector<std::string>{"fd00:100::2"});

  for (const char* name : {"member2", "member2.our-team", "Member2.OUR-team."}) {
    Response peer = r.Respond(Query(name, kTypeA), local);
    ASSERT_EQ(peer.outcome, Outcome::kAnswered) << name;
    Parsed p = Parse(peer.datagram);
    EXPECT_EQ(Addresses(p), std::vector<std::string>{"192.168.100.3"}) << name;
    EXPECT_EQ(p.header.id, 0x1234);
    EXPECT_EQ(p.header.flags, kFlagQr | kFlagRd) << "NOERROR, RD copied, not authoritative";
    // The answer carries the name as asked.
    EXPECT_EQ(p.body.answers[0].name.ToText(), WithDot(name));
    EXPECT_EQ(p.body.answers[0].ttl, kAnswerTtl);
  }
  // A certificate name holding a dot is a known name, bare or under the domain.
  EXPECT_EQ(r.Respond(Query("lh.example", kTypeA), local).outcome, Outcome::kAnswered);
  EXPECT_EQ(r.Respond(Query("lh.example.our-team", kTypeA), local).outcome, Outcome::kAnswered);
}

TEST(DnsMemberResponder, AKnownPeerWithoutAnAddressOfTheFamilyIsNodata) {
  Responder r(MemberOptions("our-team", true));
  Response reply = r.Respond(Query("member2.our-team", kTypeAaaa), From("127.0.0.1"));
  ASSERT_EQ(reply.outcome, Outcome::kUnanswered);
  Parsed p = Parse(reply.datagram);
  EXPECT_EQ(p.header.rcode(), kRcodeNoError);
  EXPECT_TRUE(p.body.answers.empty());
  // The domain itself exists, without addresses: NODATA, never NXDOMAIN for the whole zone.
  Response apex = r.Respond(Query("our-team", kTypeA), From("127.0.0.1"));
  EXPECT_EQ(apex.outcome, Outcome::kUnanswered);
  EXPECT_EQ(Parse(apex.datagram).header.rcode(), kRcodeNoError);
}

TEST(DnsMemberResponder, UnknownNamesOfOursAreForwardedWithoutTheDomain) {
  Responder r(MemberOptions("our-team", true));
  const Bytes query = Query("Member3.our-team", kTypeA, 0x4321);
  Response reply = r.Respond(query, From("192.168.100.2"));
  ASSERT_EQ(reply.outcome, Outcome::kForward);
  EXPECT_TRUE(reply.datagram.empty()) << "the server answers once the lighthouses have";
  ASSERT_TRUE(reply.forward);
  EXPECT_EQ(reply.forward->name, "member3");
  EXPECT_EQ(reply.forward->request.id, 0x4321);
  EXPECT_EQ(reply.forward->question.name.ToText(), "Member3.our-team.");
  EXPECT_EQ(reply.forward->question.type, kTypeA);

  Response bare = r.Respond(Query("member3", kTypeAaaa), From("127.0.0.1"));
  ASSERT_EQ(bare.outcome, Outcome::kForward);
  EXPECT_EQ(bare.forward->name, "member3");
  Response dotted = r.Respond(Query("a.b.our-team", kTypeA), From("127.0.0.1"));
  ASSERT_EQ(dotted.outcome, Outcome::kForward);
  EXPECT_EQ(dotted.forward->name, "a.b");
  // Only A and AAAA are asked about; other types of an unknown name of ours: NXDOMAIN.
  Response mx = r.Respond(Query("member3.our-team", 15), From("127.0.0.1"));
  EXPECT_EQ(mx.outcome, Outcome::kNoSuchName);
  EXPECT_EQ(Parse(mx.datagram).header.rcode(), kRcodeNxDomain);
}

TEST(DnsMemberResponder, WithoutLighthousesAnUnknownNameOfOursIsNxdomain) {
  Responder r(MemberOptions("our-team", false));
  for (const char* name : {"member3", "member3.our-team"}) {
    Response reply = r.Respond(Query(name, kTypeA), From("127.0.0.1"));
    EXPECT_EQ(reply.outcome, Outcome::kNoSuchName) << name;
    EXPECT_EQ(Parse(reply.datagram).header.rcode(), kRcodeNxDomain) << name;
  }
}

TEST(DnsMemberResponder, NamesOutsideTheDomainAreRefusedAndNeverForwarded) {
  for (std::string domain : {"our-team", ""}) {
    Responder r(MemberOptions(domain, true));
    for (const char* name : {"www.example.com", "member2.other-team", "192.168.100.3", "."}) {
      Response reply = r.Respond(Query(name, kTypeA), From("127.0.0.1"));
      ASSERT_EQ(reply.outcome, Outcome::kRefused) << name << " domain " << domain;
      Parsed p = Parse(reply.datagram);
      EXPECT_EQ(p.header.rcode(), kRcodeRefused);
      ASSERT_EQ(p.body.questions.size(), 1u) << "the question is echoed";
      EXPECT_TRUE(p.body.answers.empty());
    }
    // TXT for an overlay address (the lighthouse's certificate query) is not a member's.
    EXPECT_EQ(r.Respond(Query("192.168.100.3", kTypeTxt), From("127.0.0.1")).outcome,
              Outcome::kRefused);
  }
  // Without a domain, a single label is still ours: asked about.
  Responder bare(MemberOptions("", true));
  EXPECT_EQ(bare.Respond(Query("member3", kTypeA), From("127.0.0.1")).outcome, Outcome::kForward);
}

TEST(DnsMemberResponder, AskersOutsideLoopbackAndTheOverlayAreDroppedUnread) {
  Responder r(MemberOptions("our-team", true));
  for (const char* asker : {"127.0.0.1", "127.0.0.53", "::1", "192.168.100.9", "fd00:100::9"})
    EXPECT_EQ(r.Respond(Query("member2", kTypeA), From(asker)).outcome, Outcome::kAnswered)
        << asker;
  for (const char* asker : {"198.51.100.7", "10.0.0.1", "2001:db8::1", "::ffff:198.51.100.7"}) {
    Response reply = r.Respond(Query("member2", kTypeA), From(asker));
    EXPECT_EQ(reply.outcome, Outcome::kStranger) << asker;
    EXPECT_TRUE(reply.datagram.empty()) << asker;
  }
  // The lighthouse's rules answer anyone, as nebula does.
  ResponderOptions lighthouse = MemberOptions("", false);
  lighthouse.member.reset();
  EXPECT_EQ(Responder(lighthouse).Respond(Query("member2", kTypeA), From("198.51.100.7")).outcome,
            Outcome::kAnswered);
}

TEST(DnsMemberResponder, MalformedQueriesAreCountedAsSuchAndNeverForwarded) {
  Responder r(MemberOptions("our-team", true));
  const net::UdpAddr local = From("127.0.0.1");
  // Shorter than a header: no reply at all.
  Response short_one = r.Respond(Bytes{0x12, 0x34, 0x01}, local);
  EXPECT_EQ(short_one.outcome, Outcome::kMalformed);
  EXPECT_TRUE(short_one.datagram.empty());
  // A pointer loop in the name: FORMERR, as the lighthouse answers.
  Bytes loop = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
                0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01};
  Response formerr = r.Respond(loop, local);
  EXPECT_EQ(formerr.outcome, Outcome::kMalformed);
  EXPECT_EQ(Parse(formerr.datagram).header.rcode(), kRcodeFormErr);
  EXPECT_FALSE(formerr.forward);
  // A response (QR set) is not a question.
  Bytes response = Query("member3", kTypeA);
  response[2] |= 0x80;
  EXPECT_EQ(r.Respond(response, local).outcome, Outcome::kIgnored);
}

}  // namespace
}  // namespace flatnet::dns
