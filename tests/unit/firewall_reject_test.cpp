// The packets firewall.*_action: reject answers with (Nebula 1.11.1's iputil reject): TCP RST
// and ICMP administratively prohibited, byte for byte, with valid checksums; over IPv6 a
// TCP RST and ICMPv6 administratively prohibited (type 1 code 1) with pseudo-header
// checksums.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/bytes.h"
#include "firewall/reject.h"
#include "hex_for_tests.h"

using namespace flatnet;
using namespace flatnet::firewall;

namespace {

// A TCP segment from 192.168.100.2:40000 to 192.168.100.1:80.
Bytes Tcp(uint8_t flags, uint32_t seq, uint32_t ack, size_t payload = 0) {
  Bytes packet(40 + payload, 0);
  packet[0] = 0x45;
  StoreBig16(&packet[2], uint16_t(packet.size()));
  packet[8] = 64;
  packet[9] = 6;
  StoreBig32(&packet[12], 0xc0a86402);
  StoreBig32(&packet[16], 0xc0a86401);
  StoreBig16(&packet[20], 40000);
  StoreBig16(&packet[22], 80);
  StoreBig32(&packet[24], seq);
  StoreBig32(&packet[28], ack);
  packet[32] = 0x50;
  packet[33] = flags;
  return packet;
}

Bytes Reject(const Bytes& refused) {
  Bytes out(kMaxRejectSize + 16, 0xee);
  size_t length = BuildReject(refused, out);
  out.resize(length);
  return out;
}

// A correct Internet checksum makes the ones'-complement sum of the covered bytes 0xffff,
// so InternetChecksum over them (checksum included) is 0.
uint32_t PseudoHeader(const Bytes& packet, uint8_t protocol) {
  uint32_t sum = 0;
  for (int i = 12; i < 20; i += 2) sum += LoadBig16(&packet[i]);
  return sum + protocol + uint32_t(packet.size() - 20);
}

}  // namespace

TEST(FirewallReject, SynGetsRstAckLikeNetfilter) {
  Bytes reply = Reject(Tcp(/*SYN*/ 0x02, 0x01020304, 0));
  // Independently computed: 192.168.100.1:80 -> 192.168.100.2:40000, seq 0,
  // ack 0x01020305 (SYN counts one), RST|ACK, window 0, both checksums.
  EXPECT_EQ(ToHex(reply),
            "45000028000000004006317cc0a86401c0a8640200509c40000000000102030550140000c5e40000");
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).first(20)), 0);
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(20), PseudoHeader(reply, 6)), 0);
}

TEST(FirewallReject, SegmentWithAckGetsPlainRstAtItsAckNumber) {
  Bytes reply = Reject(Tcp(/*ACK|PSH*/ 0x18, 1000, 0xdeadbeef, 10));
  ASSERT_EQ(reply.size(), 40u);
  EXPECT_EQ(LoadBig32(&reply[24]), 0xdeadbeefu);  // seq = their ack
  EXPECT_EQ(LoadBig32(&reply[28]), 0u);
  EXPECT_EQ(reply[33], 0x04);  // RST only
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(20), PseudoHeader(reply, 6)), 0);
}

TEST(FirewallReject, AckCoversPayloadAndFin) {
  Bytes reply = Reject(Tcp(/*FIN*/ 0x01, 5000, 0, 7));
  ASSERT_EQ(reply.size(), 40u);
  EXPECT_EQ(LoadBig32(&reply[28]), 5000u + 1 + 7);
  EXPECT_EQ(reply[33], 0x14);
}

TEST(FirewallReject, UdpGetsIcmpAdministrativelyProhibitedQuotingItsHeaders) {
  Bytes refused = FromHex("45000021123440003f11e043c0a86402c0a8640113880035000d000068656c6c6f");
  Bytes reply = Reject(refused);
  // Type 3 code 13, the original IP header and the first 8 bytes of UDP quoted.
  EXPECT_EQ(ToHex(reply),
            "450000380000000040013171c0a86401c0a86402030de9280000000045000021123440003f11e043c0a8"
            "6402c0a8640113880035000d0000");
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).first(20)), 0);
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(20)), 0);
}

TEST(FirewallReject, IcmpEchoIsAnsweredButIcmpErrorsAreNot) {
  Bytes echo = FromHex("450000240000000040010000c0a86402c0a86401080000000007000100000000");
  Bytes reply = Reject(echo);
  ASSERT_EQ(reply.size(), 20u + 8 + 28);
  EXPECT_EQ(reply[20], 3);
  EXPECT_EQ(reply[21], 13);
  for (uint8_t type : {3, 4, 5, 11, 12}) {
    Bytes error = echo;
    error[20] = type;
    EXPECT_TRUE(Reject(error).empty()) << int(type);
  }
}

TEST(FirewallReject, QuotesIpOptionsAndShortPacketsWhole) {
  // A 24-byte IP header (one option word), protocol 47 (GRE), 2 bytes after it.
  Bytes refused(26, 0);
  refused[0] = 0x46;
  StoreBig16(&refused[2], 26);
  refused[9] = 47;
  StoreBig32(&refused[12], 0xc0a86402);
  StoreBig32(&refused[16], 0xc0a86401);
  refused[20] = 1;  // NOP options
  refused[24] = 0xab;
  Bytes reply = Reject(refused);
  ASSERT_EQ(reply.size(), 20u + 8 + refused.size());  // all 26 bytes, fewer than 24 + 8
  EXPECT_EQ(Bytes(reply.begin() + 28, reply.end()), refused);
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(20)), 0);

  // The largest header (60 bytes) with a long payload: 60 + 8 quoted, the maximum size.
  Bytes big(200, 0);
  big[0] = 0x4f;
  big[9] = 17;
  EXPECT_EQ(Reject(big).size(), kMaxIpv4RejectSize);
}

TEST(FirewallReject, NothingForFragmentsShortTcpOtherVersionsOrSmallBuffers) {
  Bytes syn = Tcp(0x02, 1, 0);
  Bytes fragment = syn;
  StoreBig16(&fragment[6], 0x0001);  // offset 8 bytes: not the first fragment
  EXPECT_TRUE(Reject(fragment).empty());
  Bytes first_fragment = syn;
  StoreBig16(&first_fragment[6], 0x2000);  // more fragments, offset 0: answered
  EXPECT_EQ(Reject(first_fragment).size(), 40u);
  EXPECT_TRUE(Reject(Bytes(syn.begin(), syn.begin() + 39)).empty());  // 19 TCP bytes
  Bytes v5 = syn;
  v5[0] = 0x55;
  EXPECT_TRUE(Reject(v5).empty());
  EXPECT_TRUE(Reject(Bytes(10, 0x45)).empty());
  Bytes bad_ihl = syn;
  bad_ihl[0] = 0x44;
  EXPECT_TRUE(Reject(bad_ihl).empty());
  Bytes small(39);
  EXPECT_EQ(BuildReject(syn, small), 0u);
}

namespace {

// A packet from fd00:100::2 to fd00:100::1 whose header names `next` and carries `rest`.
Bytes Ipv6(uint8_t next, const Bytes& rest) {
  Bytes packet = FromHex(
      "6000000000000040fd000100000000000000000000000002fd000100000000000000000000000001");
  StoreBig16(&packet[4], uint16_t(rest.size()));
  packet[6] = next;
  packet.insert(packet.end(), rest.begin(), rest.end());
  return packet;
}

Bytes TcpSegment(uint8_t flags, uint32_t seq, uint32_t ack, size_t payload = 0) {
  Bytes tcp(20 + payload, 0);
  StoreBig16(&tcp[0], 40000);
  StoreBig16(&tcp[2], 443);
  StoreBig32(&tcp[4], seq);
  StoreBig32(&tcp[8], ack);
  tcp[12] = 0x50;
  tcp[13] = flags;
  return tcp;
}

// The IPv6 pseudo-header's sum for the packet's upper layer (no extension headers).
uint32_t PseudoHeader6(const Bytes& packet, uint8_t next) {
  uint32_t sum = 0;
  for (int i = 8; i < 40; i += 2) sum += LoadBig16(&packet[i]);
  return sum + next + uint32_t(packet.size() - 40);
}

void ExpectAnswersFromDestinationToSource(const Bytes& reply, const Bytes& refused) {
  ASSERT_GE(reply.size(), 40u);
  EXPECT_EQ(reply[0], 0x60);
  EXPECT_EQ(LoadBig16(&reply[4]), reply.size() - 40);  // payload length
  EXPECT_EQ(reply[7], 64);                              // hop limit
  EXPECT_TRUE(std::equal(&reply[8], &reply[24], &refused[24]));
  EXPECT_TRUE(std::equal(&reply[24], &reply[40], &refused[8]));
}

}  // namespace

TEST(FirewallRejectIpv6, SynGetsRstAckWithAPseudoHeaderChecksum) {
  Bytes refused = Ipv6(6, TcpSegment(/*SYN*/ 0x02, 0x01020304, 0));
  Bytes reply = Reject(refused);
  ASSERT_EQ(reply.size(), 60u);
  ExpectAnswersFromDestinationToSource(reply, refused);
  EXPECT_EQ(reply[6], 6);
  EXPECT_EQ(LoadBig16(&reply[40]), 443);  // ports swapped
  EXPECT_EQ(LoadBig16(&reply[42]), 40000);
  EXPECT_EQ(LoadBig32(&reply[44]), 0u);
  EXPECT_EQ(LoadBig32(&reply[48]), 0x01020305u);  // SYN counts one
  EXPECT_EQ(reply[52], 0x50);
  EXPECT_EQ(reply[53], 0x14);  // RST|ACK
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(40), PseudoHeader6(reply, 6)), 0);
  // Independently computed bytes of the whole answer.
  EXPECT_EQ(ToHex(reply),
            "6000000000140640fd000100000000000000000000000001fd000100000000000000000000000002"
            "01bb9c40000000000102030550140000" +
                ToHex(ByteSpan(reply).subspan(56, 2)) + "0000");
}

TEST(FirewallRejectIpv6, TcpBehindExtensionHeadersIsFoundAndAnswered) {
  Bytes hop_by_hop = FromHex("3c00010400000000");  // next: destination options
  Bytes destination = FromHex("0600010400000000");  // next: TCP
  Bytes segment = TcpSegment(/*ACK|PSH*/ 0x18, 1000, 0xdeadbeef, 10);
  Bytes refused = Ipv6(0, hop_by_hop);
  refused.insert(refused.end(), destination.begin(), destination.end());
  refused.insert(refused.end(), segment.begin(), segment.end());
  StoreBig16(&refused[4], uint16_t(refused.size() - 40));
  Bytes reply = Reject(refused);
  ASSERT_EQ(reply.size(), 60u);
  ExpectAnswersFromDestinationToSource(reply, refused);
  EXPECT_EQ(reply[6], 6);  // the answer carries no extension headers
  EXPECT_EQ(LoadBig16(&reply[40]), 443);
  EXPECT_EQ(LoadBig32(&reply[44]), 0xdeadbeefu);  // seq = their ack
  EXPECT_EQ(reply[53], 0x04);                     // RST only
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(40), PseudoHeader6(reply, 6)), 0);
}

TEST(FirewallRejectIpv6, UdpGetsIcmpv6AdministrativelyProhibitedQuotingThePacket) {
  Bytes udp = FromHex("13880035000d000068656c6c6f");
  Bytes refused = Ipv6(17, udp);
  Bytes reply = Reject(refused);
  ASSERT_EQ(reply.size(), 40u + 8 + refused.size());
  ExpectAnswersFromDestinationToSource(reply, refused);
  EXPECT_EQ(reply[6], 58);
  EXPECT_EQ(reply[40], 1);  // destination unreachable
  EXPECT_EQ(reply[41], 1);  // communication administratively prohibited
  EXPECT_EQ(LoadBig32(&reply[44]), 0u);
  EXPECT_TRUE(std::equal(reply.begin() + 48, reply.end(), refused.begin()));
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(40), PseudoHeader6(reply, 58)), 0);
  // A checksum without the pseudo-header (ICMPv4's way) would not verify.
  EXPECT_NE(InternetChecksum(ByteSpan(reply).subspan(40)), 0);
}

TEST(FirewallRejectIpv6, QuotesAtMostAThousandBytes) {
  Bytes refused = Ipv6(17, Bytes(1400, 0x5a));
  Bytes reply = Reject(refused);
  ASSERT_EQ(reply.size(), kMaxRejectSize);
  EXPECT_EQ(reply.size(), 40u + 8 + 1000);
  EXPECT_TRUE(std::equal(reply.begin() + 48, reply.end(), refused.begin()));
  EXPECT_EQ(InternetChecksum(ByteSpan(reply).subspan(40), PseudoHeader6(reply, 58)), 0);
}

TEST(FirewallRejectIpv6, EchoIsAnsweredButIcmpv6ErrorsAreNot) {
  EXPECT_EQ(Reject(Ipv6(58, FromHex("8000000012340001"))).size(), 40u + 8 + 48);
  for (uint8_t type : {1, 2, 3, 4}) {
    Bytes error = FromHex("0100000000000000");
    error[0] = type;
    EXPECT_TRUE(Reject(Ipv6(58, error)).empty()) << int(type);
  }
  EXPECT_FALSE(Reject(Ipv6(58, FromHex("8700000000000000"))).empty());  // neighbour solicitation
}

TEST(FirewallRejectIpv6, NothingForLaterFragmentsBrokenChainsShortTcpOrSmallBuffers) {
  // A later fragment of a TCP segment: no header to answer.
  EXPECT_TRUE(Reject(Ipv6(44, FromHex("0600000911223344" "0000000000000000"))).empty());
  // A first fragment is answered from its TCP header.
  Bytes first = FromHex("0600000111223344");
  Bytes segment = TcpSegment(0x02, 7, 0);
  first.insert(first.end(), segment.begin(), segment.end());
  EXPECT_EQ(Reject(Ipv6(44, first)).size(), 60u);
  // Hop-by-hop options claiming more than there is.
  EXPECT_TRUE(Reject(Ipv6(0, FromHex("0605000000000000"))).empty());
  EXPECT_TRUE(Reject(Ipv6(6, Bytes(19, 0))).empty());  // 19 TCP bytes
  EXPECT_TRUE(Reject(Bytes(39, 0x60)).empty());
  Bytes syn = Ipv6(6, TcpSegment(0x02, 1, 0));
  Bytes small(59);
  EXPECT_EQ(BuildReject(syn, small), 0u);
}
