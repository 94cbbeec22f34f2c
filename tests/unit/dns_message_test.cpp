// The DNS message codec: header, question and record checks the way miekg/dns 1.1.48
// reads a query, and uncompressed encoding of replies.
#include "dns/dns_message.h"

#include <gtest/gtest.h>

#include "hex_for_tests.h"

#include <random>
#include <string>

namespace flatnet::dns {
namespace {

// What `dig host1.example` (BIND 9.18) sends: id 0x8a4f, RD and AD, one question, and an
// OPT record (UDP size 1232) with an 8-byte client COOKIE.
constexpr const char* kDigQuery =
    "8a4f 0120 0001 0000 0000 0001"
    " 05686f737431 076578616d706c65 00 0001 0001"
    " 00 0029 04d0 00000000 000c 000a 0008 0123456789abcdef";

TEST(DnsMessageTest, ParsesDigQuery) {
  Bytes q = FromHex(kDigQuery);
  auto header = ParseHeader(q);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->id, 0x8a4f);
  EXPECT_FALSE(header->is_response());
  EXPECT_EQ(header->opcode(), kOpcodeQuery);
  EXPECT_TRUE(header->flags & kFlagRd);
  EXPECT_TRUE(header->flags & kFlagAd);
  EXPECT_EQ(header->qdcount, 1);
  EXPECT_EQ(header->arcount, 1);

  DnsBody body = ParseBody(q, *header);
  ASSERT_TRUE(body.error.ok()) << body.error.message();
  ASSERT_EQ(body.questions.size(), 1u);
  EXPECT_EQ(body.questions[0].name.ToText(), "host1.example.");
  EXPECT_EQ(body.questions[0].type, kTypeA);
  EXPECT_EQ(body.questions[0].klass, kClassIn);
}

TEST(DnsMessageTest, HeaderNeedsTwelveBytes) {
  Bytes q = FromHex(kDigQuery);
  EXPECT_FALSE(ParseHeader(ByteSpan(q).first(11)));
  EXPECT_TRUE(ParseHeader(ByteSpan(q).first(12)));
  EXPECT_FALSE(ParseHeader(ByteSpan()));
}

TEST(DnsMessageTest, HeaderFieldAccessors) {
  DnsHeader h;
  h.flags = 0x2900;  // UPDATE, RD
  EXPECT_EQ(h.opcode(), 5);
  h.set_opcode(kOpcodeQuery);
  h.set_rcode(kRcodeRefused);
  EXPECT_EQ(h.flags, 0x0105);
  EXPECT_EQ(h.rcode(), kRcodeRefused);
}

TEST(DnsMessageTest, HeaderOnlyMessageHasNoQuestionsAndNoError) {
  Bytes q = FromHex("1234 0100 0001 0000 0000 0000");
  DnsBody body = ParseBody(q, *ParseHeader(q));
  EXPECT_TRUE(body.error.ok());
  EXPECT_TRUE(body.questions.empty());
}

TEST(DnsMessageTest, CutOffQuestionsReadAsMiekgReadsThem) {
  struct Case {
    const char* hex;
    bool ok;
    uint16_t type, klass;
  } cases[] = {
      {"1234 0100 0001 0000 0000 0000 016100", true, 0, 0},           // name only
      {"1234 0100 0001 0000 0000 0000 016100 00", false, 0, 0},       // half a type
      {"1234 0100 0001 0000 0000 0000 016100 0010", true, 16, 0},     // no class
      {"1234 0100 0001 0000 0000 0000 016100 0010 00", true, 16, 0},  // half a class
      {"1234 0100 0001 0000 0000 0000 016100 0010 0003", true, 16, 3},
  };
  for (const Case& c : cases) {
    Bytes q = FromHex(c.hex);
    DnsBody body = ParseBody(q, *ParseHeader(q));
    EXPECT_EQ(body.error.ok(), c.ok) << c.hex << ": " << body.error.message();
    if (!c.ok) continue;
    ASSERT_EQ(body.questions.size(), 1u) << c.hex;
    EXPECT_EQ(body.questions[0].type, c.type) << c.hex;
    EXPECT_EQ(body.questions[0].klass, c.klass) << c.hex;
  }
}

TEST(DnsMessageTest, SecondQuestionMustBeThere) {
  Bytes q = FromHex("1234 0100 0002 0000 0000 0000 016100 0001 0001");
  DnsBody body = ParseBody(q, *ParseHeader(q));
  EXPECT_FALSE(body.error.ok());
  EXPECT_EQ(body.questions.size(), 1u) << "the first question is kept for the FORMERR echo";
}

TEST(DnsMessageTest, ChecksRecordsAfterTheQuestion) {
  const std::string question = "016100 0001 0001";
  struct Case {
    const char* what;
    std::string counts;  // qd an ns ar
    std::string records;
    bool ok;
  } cases[] = {
      {"OPT without options", "0001 0000 0000 0001", "00 0029 04d0 00000000 0000", true},
      {"OPT with a cookie", "0001 0000 0000 0001",
       "00 0029 04d0 00000000 000c 000a 0008 0123456789abcdef", true},
      {"OPT option overflowing the record", "0001 0000 0000 0001",
       "00 0029 04d0 00000000 0004 000a 0008", false},
      {"OPT with half an option header", "0001 0000 0000 0001", "00 0029 04d0 00000000 0002 000a",
       false},
      {"rdata length past the end", "0001 0000 0000 0001", "00 0029 04d0 00000000 0028", false},
      {"fixed fields cut off", "0001 0000 0000 0001", "00 0029 04d0 0000", false},
      {"A with 3 bytes", "0001 0000 0000 0001", "00 0001 0001 00000000 0003 010203", false},
      {"A with 4 bytes in authority", "0001 0000 0001 0000", "00 0001 0001 00000000 0004 01020304",
       true},
      {"AAAA with 4 bytes", "0001 0000 0000 0001", "00 001c 0001 00000000 0004 00000000", false},
      {"AAAA with 16 bytes", "0001 0000 0000 0001",
       "00 001c 0001 00000000 0010 00000000000000000000000000000000", true},
      {"SOA with no rdata (compressed owner)", "0001 0001 0000 0000",
       "c00c 0006 0001 00000000 0000", true},
      {"record with a pointer loop", "0001 0001 0000 0000", "c013 0006 0001 00000000 0000", false},
      {"counted record absent at the end", "0001 0000 0000 0002", "", true},
      {"trailing bytes after everything", "0001 0000 0000 0000", "67617262616765", true},
      {"record with a half name", "0001 0000 0000 0001", "03 6162", false},
  };
  for (const Case& c : cases) {
    Bytes q = FromHex("1234 0100 " + c.counts + question + c.records);
    DnsBody body = ParseBody(q, *ParseHeader(q));
    EXPECT_EQ(body.error.ok(), c.ok) << c.what << ": " << body.error.message();
    EXPECT_EQ(body.questions.size(), 1u) << c.what;
  }
}

TEST(DnsMessageTest, ErrorsNameSectionAndOffset) {
  Bytes q =
      FromHex("1234 0100 0001 0000 0000 0001 016100 0001 0001 00 0001 0001 00000000 0003 010203");
  DnsBody body = ParseBody(q, *ParseHeader(q));
  ASSERT_FALSE(body.error.ok());
  EXPECT_NE(body.error.message().find("additional record at offset 19"), std::string::npos)
      << body.error.message();
}

TEST(DnsMessageTest, EncodesReplyUncompressed) {
  DnsMessage m;
  m.header.id = 0x8a4f;
  m.header.flags = kFlagQr | kFlagRd;
  DnsName name = DnsName::FromDotted("host1.example").value();
  m.questions.push_back({name, kTypeA, kClassIn});
  m.answers.push_back({name, kTypeA, kClassIn, 3600, {192, 168, 100, 2}});
  auto bytes = EncodeMessage(m);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(ToHex(*bytes), ToHex(FromHex("8a4f 8100 0001 0001 0000 0000"
                                         " 05686f737431 076578616d706c65 00 0001 0001"
                                         " 05686f737431 076578616d706c65 00 0001 0001"
                                         " 00000e10 0004 c0a86402")));
}

TEST(DnsMessageTest, EncodedMessageParsesBack) {
  DnsMessage m;
  m.header.id = 7;
  m.questions.push_back({DnsName::FromDotted("a.b.c").value(), kTypeTxt, kClassIn});
  Bytes q = EncodeMessage(m).value();
  auto header = ParseHeader(q);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->id, 7);
  EXPECT_EQ(header->qdcount, 1);
  DnsBody body = ParseBody(q, *header);
  ASSERT_TRUE(body.error.ok());
  EXPECT_EQ(body.questions[0].name.ToText(), "a.b.c.");
  EXPECT_EQ(body.questions[0].type, kTypeTxt);
}

TEST(DnsMessageTest, TxtRdataIsLengthPrefixedStrings) {
  auto rdata = EncodeTxtRdata({"IsCA false", "", std::string(255, 'g')});
  ASSERT_TRUE(rdata.ok());
  ASSERT_EQ(rdata->size(), 11u + 1u + 256u);
  EXPECT_EQ((*rdata)[0], 10);
  EXPECT_EQ((*rdata)[11], 0);
  EXPECT_EQ((*rdata)[12], 255);
  EXPECT_FALSE(EncodeTxtRdata({std::string(256, 'g')}).ok());
}

TEST(DnsMessageTest, OversizedMessageIsAnError) {
  DnsMessage m;
  DnsName name = DnsName::FromDotted("x").value();
  for (int i = 0; i < 300; ++i) {
    m.answers.push_back({name, kTypeTxt, kClassIn, 0, Bytes(250, 'a')});
  }
  EXPECT_FALSE(EncodeMessage(m).ok());
}

TEST(DnsMessageTest, RandomAndMutatedInputNeverBreaksTheParser) {
  // Not a proof, but the bounds: every byte of a real query flipped to every value, and
  // random datagrams, must parse or fail cleanly (run under ASan for overreads).
  Bytes q = FromHex(kDigQuery);
  size_t parsed = 0, failed = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    for (int v = 0; v < 256; ++v) {
      Bytes m = q;
      m[i] = uint8_t(v);
      auto header = ParseHeader(m);
      ASSERT_TRUE(header);
      DnsBody body = ParseBody(m, *header);
      (body.error.ok() ? parsed : failed)++;
      EXPECT_LE(body.questions.size(), m.size());
    }
  }
  EXPECT_GT(parsed, 0u);
  EXPECT_GT(failed, 0u);
  std::mt19937 rng(42);
  for (int n = 0; n < 20000; ++n) {
    Bytes m(12 + rng() % 100);
    for (auto& b : m) b = uint8_t(rng());
    // Small counts so the sections get read at all.
    m[4] = 0, m[5] = uint8_t(rng() % 3), m[7] = uint8_t(rng() % 3), m[11] = uint8_t(rng() % 3);
    DnsBody body = ParseBody(m, *ParseHeader(m));
    EXPECT_LE(body.questions.size(), 2u);
  }
}

}  // namespace
}  // namespace flatnet::dns
