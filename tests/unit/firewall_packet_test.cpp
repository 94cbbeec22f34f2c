// ParsePacket: what the firewall sees of an IP packet, and which packets it refuses.
#include <gtest/gtest.h>

#include <random>

#include "firewall/packet.h"
#include "firewall/verdict.h"

using namespace flatnet;
using namespace flatnet::firewall;

namespace {

constexpr uint32_t kPeer = 0xc0a86402;  // 192.168.100.2
constexpr uint32_t kMe = 0xc0a86401;    // 192.168.100.1

// An IPv4 packet from source to destination with `payload` after a header of
// header_words * 4 bytes.
Bytes Ipv4(uint8_t protocol, uint32_t source, uint32_t destination, Bytes payload,
           uint16_t flags_and_offset = 0, int header_words = 5) {
  Bytes packet(size_t(header_words) * 4, 0);
  packet[0] = uint8_t(0x40 | header_words);
  StoreBig16(&packet[2], uint16_t(packet.size() + payload.size()));
  StoreBig16(&packet[6], flags_and_offset);
  packet[8] = 64;
  packet[9] = protocol;
  StoreBig32(&packet[12], source);
  StoreBig32(&packet[16], destination);
  packet.insert(packet.end(), payload.begin(), payload.end());
  return packet;
}

Bytes Ports(uint16_t source, uint16_t destination, size_t extra = 16) {
  Bytes bytes(4 + extra, 0xaa);
  StoreBig16(&bytes[0], source);
  StoreBig16(&bytes[2], destination);
  return bytes;
}

}  // namespace

TEST(FirewallPacket, IncomingTcpIsOrientedFromThisHost) {
  Bytes bytes = Ipv4(kProtoTcp, kPeer, kMe, Ports(40000, 22));
  Packet packet;
  ASSERT_EQ(ParsePacket(bytes, /*incoming=*/true, &packet), Verdict::kAllow);
  EXPECT_EQ(packet.remote_ip, IpAddr::V4(kPeer));
  EXPECT_EQ(packet.local_ip, IpAddr::V4(kMe));
  EXPECT_EQ(packet.remote_port, 40000);
  EXPECT_EQ(packet.local_port, 22);
  EXPECT_EQ(packet.protocol, kProtoTcp);
  EXPECT_FALSE(packet.fragment);
  EXPECT_EQ(packet.RulePort(true), 22);
}

TEST(FirewallPacket, OutgoingUdpIsOrientedFromThisHost) {
  Bytes bytes = Ipv4(kProtoUdp, kMe, kPeer, Ports(5353, 53));
  Packet packet;
  ASSERT_EQ(ParsePacket(bytes, /*incoming=*/false, &packet), Verdict::kAllow);
  EXPECT_EQ(packet.local_ip, IpAddr::V4(kMe));
  EXPECT_EQ(packet.remote_ip, IpAddr::V4(kPeer));
  EXPECT_EQ(packet.local_port, 5353);
  EXPECT_EQ(packet.remote_port, 53);
  EXPECT_EQ(packet.protocol, kProtoUdp);
  EXPECT_EQ(packet.RulePort(false), 53);
}

TEST(FirewallPacket, RequestAndReplyAreTheSameFlow) {
  Packet request, reply;
  ASSERT_EQ(ParsePacket(Ipv4(kProtoTcp, kMe, kPeer, Ports(40000, 80)), false, &request),
            Verdict::kAllow);
  ASSERT_EQ(ParsePacket(Ipv4(kProtoTcp, kPeer, kMe, Ports(80, 40000)), true, &reply),
            Verdict::kAllow);
  EXPECT_EQ(request, reply);
}

TEST(FirewallPacket, IcmpIsTrackedByItsIdentifierAsInNebula111) {
  Packet request;
  // Echo request: type 8, code 0, checksum 0x1234, identifier 0x0007, sequence 1.
  Bytes echo = Ipv4(kProtoIcmp, kMe, kPeer, Bytes{8, 0, 0x12, 0x34, 0, 7, 0, 1});
  ASSERT_EQ(ParsePacket(echo, false, &request), Verdict::kAllow);
  EXPECT_EQ(request.protocol, kProtoIcmp);
  EXPECT_EQ(request.local_port, 0);
  EXPECT_EQ(request.remote_port, 7);
  // The reply (type 0, same identifier) coming back is the same flow.
  Packet reply;
  ASSERT_EQ(
      ParsePacket(Ipv4(kProtoIcmp, kPeer, kMe, Bytes{0, 0, 0x1a, 0x34, 0, 7, 0, 1}), true, &reply),
      Verdict::kAllow);
  EXPECT_EQ(request, reply);
  // Another ping (identifier 8) is another flow.
  Packet other;
  ASSERT_EQ(ParsePacket(Ipv4(kProtoIcmp, kMe, kPeer, Bytes{8, 0, 0, 0, 0, 8, 0, 1}), false, &other),
            Verdict::kAllow);
  EXPECT_NE(request, other);

  // Nebula needs the identifier's 6 bytes: 5 are too short.
  Packet packet;
  EXPECT_EQ(ParsePacket(Ipv4(kProtoIcmp, kPeer, kMe, Bytes{8, 0, 0, 0, 0}), true, &packet),
            Verdict::kDropTooShort);
  EXPECT_EQ(ParsePacket(Ipv4(kProtoIcmp, kPeer, kMe, Bytes{}), true, &packet),
            Verdict::kDropTooShort);
  EXPECT_EQ(ParsePacket(Ipv4(kProtoIcmp, kPeer, kMe, Bytes{3, 13, 0, 0, 0, 0}), true, &packet),
            Verdict::kAllow);
}

TEST(FirewallPacket, PortsAreReadAfterIpOptions) {
  Bytes bytes = Ipv4(kProtoTcp, kPeer, kMe, Ports(1234, 443), 0, /*header_words=*/7);
  Packet packet;
  ASSERT_EQ(ParsePacket(bytes, true, &packet), Verdict::kAllow);
  EXPECT_EQ(packet.remote_port, 1234);
  EXPECT_EQ(packet.local_port, 443);
}

TEST(FirewallPacket, FirstFragmentCarriesPortsLaterFragmentsDoNot) {
  Packet packet;
  // More-fragments set, offset 0: the first fragment has the TCP header.
  Bytes first = Ipv4(kProtoTcp, kPeer, kMe, Ports(1234, 443), 0x2000);
  ASSERT_EQ(ParsePacket(first, true, &packet), Verdict::kAllow);
  EXPECT_FALSE(packet.fragment);
  EXPECT_EQ(packet.local_port, 443);

  // Offset 185 (1480 bytes): no transport header, so no ports, and no port bytes needed.
  Bytes later = Ipv4(kProtoTcp, kPeer, kMe, Bytes{}, 0x2000 | 185);
  ASSERT_EQ(ParsePacket(later, true, &packet), Verdict::kAllow);
  EXPECT_TRUE(packet.fragment);
  EXPECT_EQ(packet.protocol, kProtoTcp);
  EXPECT_EQ(packet.local_port, 0);
  EXPECT_EQ(packet.remote_port, 0);

  // The last fragment has more-fragments clear but a non-zero offset.
  Bytes last = Ipv4(kProtoUdp, kPeer, kMe, Ports(1, 2), 370);
  ASSERT_EQ(ParsePacket(last, true, &packet), Verdict::kAllow);
  EXPECT_TRUE(packet.fragment);
  EXPECT_EQ(packet.local_port, 0);

  // Don't-fragment alone is not a fragment.
  Bytes df = Ipv4(kProtoUdp, kPeer, kMe, Ports(1, 2), 0x4000);
  ASSERT_EQ(ParsePacket(df, true, &packet), Verdict::kAllow);
  EXPECT_FALSE(packet.fragment);
  EXPECT_EQ(packet.local_port, 2);
}

TEST(FirewallPacket, OtherProtocolsReadTheFirstFourBytesAsPortsLikeNebula) {
  Bytes gre = Ipv4(47, kPeer, kMe, Bytes{0x00, 0x00, 0x08, 0x00});
  Packet packet;
  ASSERT_EQ(ParsePacket(gre, true, &packet), Verdict::kAllow);
  EXPECT_EQ(packet.protocol, 47);
  EXPECT_EQ(packet.local_port, 0x0800);
  EXPECT_EQ(ParsePacket(Ipv4(47, kPeer, kMe, Bytes{0, 0, 8}), true, &packet),
            Verdict::kDropTooShort);
}

TEST(FirewallPacket, ShortPacketsAreRefused) {
  Packet packet;
  EXPECT_EQ(ParsePacket(ByteSpan(), true, &packet), Verdict::kDropTooShort);
  Bytes full = Ipv4(kProtoTcp, kPeer, kMe, Ports(1, 2, 0));
  EXPECT_EQ(ParsePacket(ByteSpan(full).first(19), true, &packet), Verdict::kDropTooShort);
  // IP header complete but only 3 of the 4 port bytes.
  EXPECT_EQ(ParsePacket(ByteSpan(full).first(23), true, &packet), Verdict::kDropTooShort);
  EXPECT_EQ(ParsePacket(ByteSpan(full).first(24), true, &packet), Verdict::kAllow);
  // Header length claims 60 bytes of header in a 40-byte packet.
  Bytes lying = Ipv4(kProtoIcmp, kPeer, kMe, Bytes(20, 0));
  lying[0] = 0x4f;
  EXPECT_EQ(ParsePacket(lying, true, &packet), Verdict::kDropTooShort);
}

TEST(FirewallPacket, VersionsOtherThanFourAndSixAreRefused) {
  Packet packet;
  for (uint8_t version : {0, 1, 5, 7, 15}) {
    Bytes bytes = Ipv4(kProtoUdp, kPeer, kMe, Ports(1, 2, 40));
    bytes[0] = uint8_t(version << 4 | 5);
    EXPECT_EQ(ParsePacket(bytes, true, &packet), Verdict::kDropIpVersion) << int(version);
  }
}

TEST(FirewallPacket, HeaderLengthBelowFiveWordsIsRefused) {
  Bytes bytes = Ipv4(kProtoUdp, kPeer, kMe, Ports(1, 2));
  Packet packet;
  for (uint8_t words = 0; words < 5; ++words) {
    bytes[0] = uint8_t(0x40 | words);
    EXPECT_EQ(ParsePacket(bytes, true, &packet), Verdict::kDropBadHeaderLength) << int(words);
  }
}

TEST(FirewallPacket, RandomGarbageNeverReadsOutOfBoundsAndOnlyIpPasses) {
  std::mt19937 random(12345);
  Packet packet;
  for (int i = 0; i < 200000; ++i) {
    // Exact-size heap buffers so a sanitizer build catches any read past the end.
    Bytes bytes(random() % 64);
    for (uint8_t& b : bytes) b = uint8_t(random());
    if (i % 4 == 0 && !bytes.empty()) bytes[0] = uint8_t(0x40 | (bytes[0] & 0x0f));
    if (i % 4 == 1 && !bytes.empty()) bytes[0] = uint8_t(0x60 | (bytes[0] & 0x0f));
    Verdict verdict = ParsePacket(bytes, i % 3 == 0, &packet);
    if (verdict == Verdict::kAllow && bytes[0] >> 4 == 6) {
      ASSERT_GE(bytes.size(), 40u);
    } else if (verdict == Verdict::kAllow) {
      ASSERT_GE(bytes.size(), 20u);
      ASSERT_EQ(bytes[0] >> 4, 4);
      const size_t header = size_t(bytes[0] & 0x0f) * 4;
      ASSERT_GE(header, 20u);
      ASSERT_LE(header, bytes.size());
    }
  }
}

TEST(FirewallVerdict, NamesAreStableForMetrics) {
  EXPECT_STREQ(VerdictName(Verdict::kAllow), "allow");
  EXPECT_STREQ(VerdictName(Verdict::kDropTooShort), "too_short");
  EXPECT_STREQ(VerdictName(Verdict::kDropIpv6Headers), "ipv6_headers");
  EXPECT_STREQ(VerdictName(Verdict::kDropIpVersion), "ip_version");
  EXPECT_STREQ(VerdictName(Verdict::kDropBadHeaderLength), "bad_header_length");
  EXPECT_STREQ(VerdictName(Verdict::kDropRemoteIp), "remote_ip");
  EXPECT_STREQ(VerdictName(Verdict::kDropLocalIp), "local_ip");
  EXPECT_STREQ(VerdictName(Verdict::kDropNoRule), "no_rule");
  EXPECT_EQ(kVerdictCount, 8u);
}
