// Responder: every reply compared byte for byte with what the real nebula 1.6.1
// lighthouse (serve_dns) answered to the same query, captured in a lab run: hosts a
// (192.168.100.2, groups laptop and ssh) and b (192.168.100.3) had tunnels to the
// lighthouse 192.168.100.1/24; queries came from 127.0.0.1.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <string>

#include "dns/dns_message.h"
#include "dns/responder.h"
#include "hex_for_tests.h"

namespace flatnet::dns {
namespace {

// Certificate a as the lab's nebula-cert made it.
CertDetails CertA() {
  CertDetails d;
  d.name = "a";
  d.ips = {"192.168.100.2/24"};
  d.groups = {"laptop", "ssh"};
  d.not_before = 1795335749;  // 2026-11-22 08:22:29 UTC
  d.not_after = 1826871748;
  d.public_key = FromHex("8accab3fa0d18d08d2b66f8c601b22153c616fcc21b5ba817d923f9da879d355");
  d.issuer = "601ed48d858711cc7b4a77e166f2443f21ca39c3fdecbaf95d55314536899205";
  return d;
}

class DnsResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // nebula prints certificate times in the local zone; the lab ran in UTC.
    setenv("TZ", "UTC", 1);
    tzset();
  }

  ResponderOptions Options() {
    ResponderOptions o;
    o.addresses_for_name = [this](std::string_view name) -> std::vector<IpAddr> {
      looked_up.emplace_back(name);
      if (name == "a") return {Ip("192.168.100.2")};
      if (name == "b") return {Ip("192.168.100.3")};
      if (name == "c") return {Ip("192.168.100.4"), Ip("fd00:100::4"), Ip("fd00:100::44")};
      if (name == "d") return {Ip("fd00:100::5")};
      return {};
    };
    o.cert_for_ip = [](const IpAddr& ip) -> std::optional<CertDetails> {
      if (ip == Ip("192.168.100.2")) return CertA();
      return std::nullopt;
    };
    o.vpn_networks = {ParseIpPrefix("192.168.100.1/24").value()};
    o.own_name = "lh";
    o.own_addresses = {Ip("192.168.100.1"), Ip("fd00:100::1")};
    o.logger = log::Logger([this](std::string_view line) { log_lines.emplace_back(line); });
    log::Options log_options;
    log_options.level = log::Level::kDebug;
    log_options.disable_timestamp = true;
    o.logger.Configure(log_options);
    return o;
  }

  static net::UdpAddr From(const char* ip) { return net::UdpAddr::ParseIp(ip, 40000).value(); }
  static IpAddr Ip(const char* text) { return ParseIpAddr(text).value(); }

  std::vector<std::string> looked_up;
  std::vector<std::string> log_lines;
};

// Replies captured from nebula 1.6.1's lighthouse. Nebula 1.11 (#1668) answers NXDOMAIN
// where 1.6.1 sent an empty NOERROR for a query naming no known host: those rows say
// `nxdomain`, and their expected rcode is 3, the rest of the bytes as captured.
struct NebulaCase {
  const char* what;
  const char* query;
  const char* nebula_reply;  // "" when nebula sent nothing
  bool nxdomain = false;
};

const NebulaCase kNebulaCases[] = {
    {"A for a, as dig sends it (RD, AD, OPT with a cookie)",
     "123401200001000000000001 0161000001000100002904d000000000000c000a00080001020304050607",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"A for a, RD only", "123401000001000000000000 01610000010001",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    // 1.11: the lighthouse's own name is answered (1.6.1: an empty NOERROR).
    {"A for the lighthouse's own name", "123401200001000000000000 026c680000010001",
     "123481000001000100000000 026c680000010001026c68000001000100000e100004c0a86401"},
    {"AAAA for the lighthouse's own name", "123401200001000000000000 026c6800001c0001",
     "123481000001000100000000 026c6800001c0001026c6800001c000100000e100010"
     "fd000100000000000000000000000001"},
    {"A for an unknown name: NXDOMAIN", "123401200001000000000000 066e6f737563680000010001",
     "123481000001000000000000 066e6f737563680000010001", true},
    // NODATA: the host exists, without an address of that family.
    {"AAAA for an IPv4-only host: NOERROR, no answer", "123401200001000000000000 016100001c0001",
     "123481000001000000000000 016100001c0001"},
    {"A for an IPv6-only host: NOERROR, no answer", "123401200001000000000000 01640000010001",
     "123481000001000000000000 01640000010001"},
    {"AAAA for a dual-stack host: its first IPv6 address",
     "123401200001000000000000 016300001c0001",
     "123481000001000100000000 016300001c0001016300001c000100000e100010"
     "fd000100000000000000000000000004"},
    {"A for a dual-stack host", "123401200001000000000000 01630000010001",
     "123481000001000100000000 016300000100010163000001000100000e100004c0a86404"},
    {"ANY: no answer, NXDOMAIN in 1.11 (only A and AAAA find a name)",
     "123401200001000000000000 01610000ff0001", "123481000001000000000000 01610000ff0001", true},
    {"A in class CH: answered in class IN", "123401200001000000000000 01610000010003",
     "123481000001000100000000 016100000100030161000001000100000e100004c0a86402"},
    {"TXT for a host's overlay IP",
     "123401200001000000000000 03313932033136380331303001320000100001",
     "123481000001000100000000 0331393203313638033130300132000010000103313932033136380"
     "33130300132000010000100000e10012c074e616d653a2061174970733a205b3139322e3136382e3"
     "130302e322f32345d0a5375626e657473205b5d1347726f757073205b6c6170746f70207373685d2"
     "74e6f744265666f726520323032362d31312d32322030383a32323a3239202b30303030205554432"
     "64e6f74414674657220323032372d31312d32322030383a32323a3238202b30303030205554434a5"
     "075626c69634b6579203861636361623366613064313864303864326236366638633630316232323"
     "13533633631366663633231623562613831376439323366396461383739643335350a49734341206"
     "6616c736547497373756572203630316564343864383538373131636337623461373765313636663"
     "2343433663231636133396333666465636261663935643535333134353336383939323035"},
    // 1.11 takes the literal whole (netip.ParseAddr): neither names a host of the map.
    {"TXT for an IPv4-mapped IPv6 literal: not the IPv4 host",
     "123401200001000000000000 0a3a3a666666663a313932033136380331303001320000100001",
     "123481000001000000000000 0a3a3a666666663a313932033136380331303001320000100001", true},
    {"TXT for an IPv6 literal: the whole address, not its last 4 bytes",
     "123401200001000000000000 0f666538303a3a633061383a363430320000100001",
     "123481000001000000000000 0f666538303a3a633061383a363430320000100001", true},
    {"TXT for an IP without a tunnel",
     "123401200001000000000000 03313932033136380331303001310000100001",
     "123481000001000000000000 03313932033136380331303001310000100001", true},
    {"TXT for an IP with a leading zero (not an IP to Go)",
     "123401200001000000000000 0331393203313638033130300230320000100001",
     "123481000001000000000000 0331393203313638033130300230320000100001", true},
    {"two questions: FORMERR", "123401200002000000000000 0161000001000101610000010001",
     "123481210000000000000000"},
    {"no question: FORMERR", "123401200000000000000000", "123481210000000000000000"},
    {"only a header: REFUSED", "123401200001000000000000", "123481050000000000000000"},
    {"question without type and class: type 0 class 0", "123401200001000000000000 016100",
     "123481000001000000000000 01610000000000", true},
    {"question without class: answered", "123401200001000000000000 0161000001",
     "123481000001000100000000 016100000100000161000001000100000e100004c0a86402"},
    {"question with half a class: answered", "123401200001000000000000 016100000100",
     "123481000001000100000000 016100000100000161000001000100000e100004c0a86402"},
    {"opcode STATUS: NOTIMP", "123411000001000000000000 01610000010001",
     "123491040000000000000000"},
    {"opcode NOTIFY: NOERROR, RD not copied", "123421000001000000000000 01610000010001",
     "1234a0000001000000000000 01610000010001"},
    {"opcode UPDATE: NOTIMP with RD kept", "123429000001000000000000 01610000010001",
     "1234a9040000000000000000"},
    {"a response: no reply", "123481000001000000000000 01610000010001", ""},
    {"Z bit set: answered, Z cleared", "123401400001000000000000 01610000010001",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"rcode in the query: ignored", "123401030001000000000000 01610000010001",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"TC in the query: not copied", "123403000001000000000000 01610000010001",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"pointer loop in the question: FORMERR", "123401200001000000000000 c00c00010001",
     "123481210000000000000000"},
    {"pointer into the header: a name made of header bytes",
     "016101200001000000000000 c00000010001", "016181000001000000000000 016101200000010001", true},
    {"forward pointer: accepted", "123401200001000000000000 c01200010001016100",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"label then pointer: accepted", "123401200001000000000000 0161c0140001000100",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"label type 0x40: FORMERR", "123401200001000000000000 41610000010001",
     "123481210000000000000000"},
    {"label past the end: FORMERR", "123401200001000000000000 056162", "123481210000000000000000"},
    {"arcount 1 with no record: accepted", "123401200001000000000001 01610000010001",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"arcount 3: FORMERR", "123401200001000000000003 01610000010001", "123481210000000000000000"},
    {"an SOA in the answer section (NOTIFY-style): accepted",
     "123401200001000100000000 01610000010001c00c00060001000000000000",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"one authority record: accepted",
     "123401200001000000010000 01610000010001000001000100000000000401020304",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"nscount 2: FORMERR", "123401200001000000020000 01610000010001", "123481210000000000000000"},
    {"OPT option overflowing: FORMERR with the question",
     "123401200001000000000001 0161000001000100002904d0000000000004000a0008",
     "123481210001000000000000 01610000010001"},
    {"OPT rdlength past the end: FORMERR with the question",
     "123401200001000000000001 0161000001000100002904d0000000000028",
     "123481210001000000000000 01610000010001"},
    {"A record of 3 bytes in additional: FORMERR with the question",
     "123401200001000000000001 016100000100010000010001000000000003010203",
     "123481210001000000000000 01610000010001"},
    {"bytes after the question: ignored", "123401200001000000000000 0161000001000167617262616765",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"11 bytes: no reply", "1234012000010000000000", ""},
    {"a name nebula escapes (a@b): not looked up", "123401200001000000000000 036140620000010001",
     "123481000001000000000000 036140620000010001", true},
    {"half a type: FORMERR", "123401200001000000000000 01610000", "123481210000000000000000"},
    {"OPT without options: accepted",
     "123401200001000000000001 0161000001000100002904d0000000000000",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"AAAA record in additional: accepted",
     "123401200001000000000001 0161000001000100001c00010000000000100000000000000000000"
     "0000000000000",
     "123481000001000100000000 016100000100010161000001000100000e100004c0a86402"},
    {"AAAA record of 4 bytes: FORMERR with the question",
     "123401200001000000000001 0161000001000100001c000100000000000400000000",
     "123481210001000000000000 01610000010001"},
    {"A for b", "123401200001000000000000 01620000010001",
     "123481000001000100000000 016200000100010162000001000100000e100004c0a86403"},
    {"A for the root: not looked up", "123401200001000000000000 0000010001",
     "123481000001000000000000 0000010001", true},
};

// The outcome a reply stands for, read from nebula's own reply.
Outcome ExpectedOutcome(const Bytes& query, const Bytes& reply) {
  if (reply.empty())
    return (query.size() >= 3 && query[2] & 0x80) ? Outcome::kIgnored : Outcome::kMalformed;
  switch (reply[3] & 0xF) {
    case kRcodeNoError:
      return (reply[6] | reply[7]) ? Outcome::kAnswered : Outcome::kUnanswered;
    case kRcodeNxDomain:
      return Outcome::kNoSuchName;
    case kRcodeNotImp:
      return Outcome::kNotImplemented;
    default:
      return Outcome::kMalformed;
  }
}

TEST_F(DnsResponderTest, RepliesAsNebulaDoes) {
  Responder responder(Options());
  for (const NebulaCase& c : kNebulaCases) {
    Bytes query = FromHex(c.query);
    Bytes expected = FromHex(c.nebula_reply);
    if (c.nxdomain) expected[3] = uint8_t((expected[3] & 0xf0) | 3);
    Response r = responder.Respond(query, From("127.0.0.1"));
    EXPECT_TRUE(r.error.ok()) << c.what;
    EXPECT_EQ(ToHex(r.datagram), ToHex(expected)) << c.what;
    EXPECT_EQ(r.outcome, ExpectedOutcome(query, expected)) << c.what;
  }
}

TEST_F(DnsResponderTest, AnswersOtherSpellingsOfANameUnlikeNebula) {
  // nebula matches case-sensitively and answers "A." with nothing; flatnet looks up "a"
  // and answers with the name as asked.
  Responder responder(Options());
  Response r = responder.Respond(FromHex("1234 0120 0001 0000 0000 0000 014100 0001 0001"),
                                 From("127.0.0.1"));
  EXPECT_EQ(r.outcome, Outcome::kAnswered);
  EXPECT_EQ(ToHex(r.datagram), ToHex(FromHex("1234 8100 0001 0001 0000 0000 014100 0001 0001"
                                             " 014100 0001 0001 00000e10 0004 c0a86402")));
  ASSERT_EQ(looked_up.size(), 1u);
  EXPECT_EQ(looked_up[0], "a");
}

TEST_F(DnsResponderTest, LooksUpMultiLabelNamesWithoutTrailingDot) {
  Responder responder(Options());
  responder.Respond(FromHex("1234 0100 0001 0000 0000 0000 05486f737431 074578616d706c65 00"
                            " 0001 0001"),
                    From("127.0.0.1"));
  ASSERT_EQ(looked_up.size(), 1u);
  EXPECT_EQ(looked_up[0], "host1.example");
}

TEST_F(DnsResponderTest, NamesNebulaWouldEscapeAreNotLookedUp) {
  Responder responder(Options());
  // "a@b", "a b", a label holding a dot, a byte outside ASCII, and the root.
  for (const char* name : {"03614062", "03612062", "03612e62", "0261c8", ""}) {
    Bytes q = FromHex(std::string("1234 0100 0001 0000 0000 0000 ") + name + "00 0001 0001");
    Response r = responder.Respond(q, From("127.0.0.1"));
    EXPECT_EQ(r.outcome, Outcome::kNoSuchName) << name;
  }
  EXPECT_TRUE(looked_up.empty());
}

TEST_F(DnsResponderTest, TxtOnlyForLoopbackAndTheVpnNetworks) {
  Responder responder(Options());
  const Bytes query =
      FromHex("1234 0120 0001 0000 0000 0000 03313932033136380331303001320000100001");
  struct From_ {
    const char* ip;
    bool answered;
  } askers[] = {
      {"127.0.0.1", true},
      {"::ffff:127.0.0.1", true},  // an IPv4 asker on a dual-stack socket
      {"192.168.100.2", true},     // over the tunnel
      {"192.168.100.254", true},
      {"192.168.101.2", false},
      {"203.0.113.2", false},  // the underlay (checked against nebula in the lab)
      {"127.0.0.2", false},
      {"::1", false},  // nebula compares the text to "127.0.0.1"
      {"fd00:100::7", false},  // not in an IPv6 network of ours (we have none here)
  };
  for (const auto& asker : askers) {
    Response r = responder.Respond(query, From(asker.ip));
    EXPECT_EQ(r.outcome, asker.answered ? Outcome::kAnswered : Outcome::kUnanswered) << asker.ip;
    EXPECT_FALSE(r.datagram.empty()) << "refused askers still get an empty NOERROR";
  }
  ResponderOptions v6 = Options();
  v6.vpn_networks.push_back(ParseIpPrefix("fd00:100::1/64").value());
  EXPECT_EQ(Responder(v6).Respond(query, From("fd00:100::7")).outcome, Outcome::kAnswered);
  EXPECT_EQ(Responder(v6).Respond(query, From("fd00:101::7")).outcome, Outcome::kUnanswered);
  ResponderOptions no_network = Options();
  no_network.vpn_networks.clear();
  Responder loopback_only(no_network);
  EXPECT_EQ(loopback_only.Respond(query, From("192.168.100.2")).outcome, Outcome::kUnanswered);
  EXPECT_EQ(loopback_only.Respond(query, From("127.0.0.1")).outcome, Outcome::kAnswered);
}

// Nebula 1.11 #1635: its TXT handler cut the trailing dot off the name without checking its
// length, and panicked on an empty (root) or one-byte name. flatnet's TXT and A paths take
// such names as unknown: NXDOMAIN (1.11) with the question, no lookup of anything.
TEST_F(DnsResponderTest, ShortAndEmptyNamesGetAnEmptyAnswerAndLookNothingUp) {
  ResponderOptions o = Options();
  std::vector<IpAddr> certs_looked_up;
  o.cert_for_ip = [&certs_looked_up](const IpAddr& ip) -> std::optional<CertDetails> {
    certs_looked_up.push_back(ip);
    return std::nullopt;
  };
  Responder responder(o);
  // The root name (a lone 0), then "0." and "1." (one byte each): TXT from loopback,
  // where TXT is answered, and A.
  for (const char* name : {"00", "013000", "013100"}) {
    for (const char* type : {"0010", "0001"}) {
      const std::string question = std::string(name) + type + "0001";
      Response r = responder.Respond(FromHex("1234 0100 0001 0000 0000 0000 " + question),
                                     From("127.0.0.1"));
      EXPECT_TRUE(r.error.ok()) << name << " " << type;
      EXPECT_EQ(r.outcome, Outcome::kNoSuchName) << name << " " << type;
      EXPECT_EQ(ToHex(r.datagram), ToHex(FromHex("1234 8103 0001 0000 0000 0000 " + question)))
          << name << " " << type;
    }
  }
  EXPECT_TRUE(certs_looked_up.empty());
  // Only the one-byte names are names nebula could hold; the root is never looked up.
  EXPECT_EQ(looked_up, (std::vector<std::string>{"0", "1"}));
  // A question cut off inside its name, or with no name byte at all, is FORMERR.
  for (const char* cut : {"", "01", "0161"}) {
    Response r = responder.Respond(FromHex(std::string("1234 0100 0001 0000 0000 0000 ") + cut),
                                   From("127.0.0.1"));
    EXPECT_EQ(r.outcome, Outcome::kMalformed) << cut;
  }
}

TEST_F(DnsResponderTest, LogsNebulasDebugLines) {
  Responder responder(Options());
  responder.Respond(FromHex("1234 0100 0001 0000 0000 0000 01610000010001"), From("127.0.0.1"));
  responder.Respond(FromHex("1234 0100 0001 0000 0000 0000 03313932033136380331303001320000100001"),
                    From("127.0.0.1"));
  ASSERT_EQ(log_lines.size(), 2u);
  EXPECT_EQ(log_lines[0], "level=debug msg=\"Query for A a.\"\n");
  EXPECT_EQ(log_lines[1], "level=debug msg=\"Query for TXT 192.168.100.2.\"\n");
}

TEST_F(DnsResponderTest, LongestNameIsEchoedAndOneMoreIsFormErr) {
  auto query = [](int last_label) {
    Bytes q = FromHex("1234 0120 0001 0000 0000 0000");
    for (int i = 0; i < 3; ++i) {
      q.push_back(63);
      q.insert(q.end(), 63, 'x');
    }
    q.push_back(uint8_t(last_label));
    q.insert(q.end(), last_label, 'x');
    q.insert(q.end(), {0, 0, 1, 0, 1});
    return q;
  };
  Responder responder(Options());
  Bytes longest = query(61);
  Response r = responder.Respond(longest, From("127.0.0.1"));
  EXPECT_EQ(r.outcome, Outcome::kNoSuchName);
  Bytes expected = longest;
  expected[2] = 0x81, expected[3] = 0x03;  // as nebula: QR|RD, AD dropped; 1.11's NXDOMAIN
  EXPECT_EQ(ToHex(r.datagram), ToHex(expected));
  r = responder.Respond(query(62), From("127.0.0.1"));
  EXPECT_EQ(ToHex(r.datagram), "123481210000000000000000");
}

TEST_F(DnsResponderTest, CutToMaxQuerySizeAnOversizedQueryIsFormErrAsInNebula) {
  // 610 bytes: a question and an OPT record with a 576-byte option. miekg reads 512 of
  // them, so the OPT overflows and nebula answers FORMERR with the question.
  Bytes q = FromHex(
      "1234 0120 0001 0000 0000 0001 01610000010001 00 0029 04d0 00000000 0244"
      " fde9 0240");
  q.resize(610, 0);
  ASSERT_TRUE(ParseBody(q, *ParseHeader(q)).error.ok()) << "whole, it is well formed";
  Responder responder(Options());
  Response r = responder.Respond(ByteSpan(q).first(512), From("127.0.0.1"));
  EXPECT_EQ(r.outcome, Outcome::kMalformed);
  EXPECT_EQ(ToHex(r.datagram), "12348121000100000000000001610000010001");
}

TEST_F(DnsResponderTest, WithoutLookupsNothingIsAnswered) {
  ResponderOptions o = Options();
  o.addresses_for_name = nullptr;
  o.cert_for_ip = nullptr;
  Responder responder(o);
  EXPECT_EQ(
      responder.Respond(FromHex("1234 0100 0001 0000 0000 0000 01610000010001"), From("127.0.0.1"))
          .outcome,
      Outcome::kNoSuchName);
  EXPECT_EQ(
      responder
          .Respond(FromHex("1234 0100 0001 0000 0000 0000 03313932033136380331303001320000100001"),
                   From("127.0.0.1"))
          .outcome,
      Outcome::kNoSuchName);
  // The lighthouse's own name needs no lookup.
  EXPECT_EQ(responder.Respond(FromHex("1234 0100 0001 0000 0000 0000 026c680000010001"),
                              From("127.0.0.1"))
                .outcome,
            Outcome::kAnswered);
}

}  // namespace
}  // namespace flatnet::dns
