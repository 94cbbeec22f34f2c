// The IPv6 classifier (ParsePacket on IPv6, FindIpv6UpperLayer): every extension header it
// walks, the ones it must not walk, fragments, ICMPv6, truncation, and the two classifier
// bugs Nebula 1.11.1 fixed (#1840): a next header that is not an extension header walked as
// one, so a crafted payload was read as TCP/UDP; the ICMPv6 type read from the code byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "firewall/packet.h"
#include "firewall/verdict.h"

using namespace flatnet;
using namespace flatnet::firewall;

namespace {

constexpr uint8_t kHopByHop = 0, kRouting = 43, kFragment = 44, kEsp = 50, kAh = 51,
                  kNoNext = 59, kDestination = 60, kGre = 47, kMobility = 135, kHip = 139,
                  kShim6 = 140, kSctp = 132;

IpAddr Peer() { return ParseIpAddr("fd00:100::2").value(); }
IpAddr Me() { return ParseIpAddr("fd00:100::1").value(); }

// An IPv6 packet from the peer to this host whose header names `next` and carries `rest`.
Bytes Ipv6(uint8_t next, const Bytes& rest, bool from_peer = true) {
  Bytes packet(40, 0);
  packet[0] = 0x60;
  StoreBig16(&packet[4], uint16_t(rest.size()));
  packet[6] = next;
  packet[7] = 64;
  const IpAddr source = from_peer ? Peer() : Me(), destination = from_peer ? Me() : Peer();
  std::copy(source.bytes().begin(), source.bytes().end(), packet.begin() + 8);
  std::copy(destination.bytes().begin(), destination.bytes().end(), packet.begin() + 24);
  packet.insert(packet.end(), rest.begin(), rest.end());
  return packet;
}

Bytes Cat(std::vector<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Hop-by-hop, routing or destination options: `bytes` long (a multiple of 8, at least 8).
Bytes Options(uint8_t next, size_t bytes) {
  Bytes header(bytes, 0x01);  // PadN-looking filler, never read
  header[0] = next;
  header[1] = uint8_t(bytes / 8 - 1);
  return header;
}

// AH: its length field counts 4-byte words, less two.
Bytes Ah(uint8_t next, size_t bytes) {
  Bytes header(bytes, 0xa5);
  header[0] = next;
  header[1] = uint8_t(bytes / 4 - 2);
  return header;
}

Bytes Fragment(uint8_t next, uint16_t offset_units, bool more) {
  Bytes header(8, 0);
  header[0] = next;
  StoreBig16(&header[2], uint16_t(offset_units << 3 | (more ? 1 : 0)));
  StoreBig32(&header[4], 0x11223344);  // identification
  return header;
}

Bytes Ports(uint16_t source, uint16_t destination, size_t extra = 16) {
  Bytes bytes(4 + extra, 0);
  StoreBig16(&bytes[0], source);
  StoreBig16(&bytes[2], destination);
  return bytes;
}

Bytes Icmpv6(uint8_t type, uint8_t code, uint16_t identifier, size_t size = 8) {
  Bytes bytes(size, 0);
  bytes[0] = type;
  if (size > 1) bytes[1] = code;
  if (size >= 6) StoreBig16(&bytes[4], identifier);
  return bytes;
}

struct Case {
  std::string name;
  Bytes packet;
  Verdict verdict = Verdict::kAllow;
  uint8_t protocol = 0;
  uint16_t remote_port = 0;  // seen incoming: the peer's (source) port
  uint16_t local_port = 0;
  bool fragment = false;
};

std::vector<Case> Cases() {
  const Bytes ssh = Ports(40000, 22);
  const Bytes dns = Ports(5353, 53);
  return {
      {"udp", Ipv6(kProtoUdp, dns), Verdict::kAllow, kProtoUdp, 5353, 53},
      {"tcp", Ipv6(kProtoTcp, ssh), Verdict::kAllow, kProtoTcp, 40000, 22},
      {"hop-by-hop", Ipv6(kHopByHop, Cat({Options(kProtoTcp, 8), ssh})), Verdict::kAllow,
       kProtoTcp, 40000, 22},
      {"routing, 24 bytes", Ipv6(kRouting, Cat({Options(kProtoUdp, 24), dns})), Verdict::kAllow,
       kProtoUdp, 5353, 53},
      {"destination options", Ipv6(kDestination, Cat({Options(kProtoUdp, 16), dns})),
       Verdict::kAllow, kProtoUdp, 5353, 53},
      {"AH counts 4-byte words", Ipv6(kAh, Cat({Ah(kProtoTcp, 24), ssh})), Verdict::kAllow,
       kProtoTcp, 40000, 22},
      {"every walked header in a chain",
       Ipv6(kHopByHop, Cat({Options(kDestination, 8), Options(kRouting, 16),
                            Options(kFragment, 8), Fragment(kAh, 0, true), Ah(kProtoTcp, 16),
                            ssh})),
       Verdict::kAllow, kProtoTcp, 40000, 22},
      {"first fragment has its ports", Ipv6(kFragment, Cat({Fragment(kProtoUdp, 0, true), dns})),
       Verdict::kAllow, kProtoUdp, 5353, 53},
      {"atomic fragment (offset 0, no more)",
       Ipv6(kFragment, Cat({Fragment(kProtoTcp, 0, false), ssh})), Verdict::kAllow, kProtoTcp,
       40000, 22},
      // What follows a later fragment's header is the middle of the datagram, not ports.
      {"later fragment: protocol, no ports",
       Ipv6(kFragment, Cat({Fragment(kProtoUdp, 185, true), dns})), Verdict::kAllow, kProtoUdp,
       0, 0, true},
      {"last fragment needs only its header", Ipv6(kFragment, Fragment(kProtoTcp, 1, false)),
       Verdict::kAllow, kProtoTcp, 0, 0, true},
      {"later fragment behind hop-by-hop",
       Ipv6(kHopByHop, Cat({Options(kFragment, 8), Fragment(kProtoIcmpv6, 7, false)})),
       Verdict::kAllow, kProtoIcmpv6, 0, 0, true},
      {"ESP is the protocol", Ipv6(kEsp, Cat({Options(kProtoTcp, 8), ssh})), Verdict::kAllow,
       kEsp},
      {"no next header is the protocol", Ipv6(kNoNext, ssh), Verdict::kAllow, kNoNext},
      {"no next header with nothing after it", Ipv6(kNoNext, {}), Verdict::kAllow, kNoNext},
      {"ICMPv6 echo request: identifier", Ipv6(kProtoIcmpv6, Icmpv6(128, 0, 0x1234)),
       Verdict::kAllow, kProtoIcmpv6, 0x1234},
      {"ICMPv6 echo reply: identifier", Ipv6(kProtoIcmpv6, Icmpv6(129, 0, 0xbeef)),
       Verdict::kAllow, kProtoIcmpv6, 0xbeef},
      {"ICMPv6 other types: no identifier", Ipv6(kProtoIcmpv6, Icmpv6(1, 4, 0x7777)),
       Verdict::kAllow, kProtoIcmpv6},
      {"ICMPv6 non-echo needs only 4 bytes", Ipv6(kProtoIcmpv6, Icmpv6(135, 0, 0, 4)),
       Verdict::kAllow, kProtoIcmpv6},
      {"ICMPv6 echo behind destination options",
       Ipv6(kDestination, Cat({Options(kProtoIcmpv6, 8), Icmpv6(128, 0, 42)})), Verdict::kAllow,
       kProtoIcmpv6, 42},

      // Nebula 1.11.1 fix 1: only real extension headers are walked. Each of these is
      // followed by bytes shaped like an extension header naming TCP and then port 22; the old
      // walk read them as TCP to port 22, a "proto: tcp, port: 22" rule then let them in.
      {"SCTP is not walked", Ipv6(kSctp, Cat({Options(kProtoTcp, 8), ssh})), Verdict::kAllow,
       kSctp},
      {"GRE is not walked", Ipv6(kGre, Cat({Options(kProtoTcp, 8), ssh})), Verdict::kAllow, kGre},
      {"Mobility is not walked", Ipv6(kMobility, Cat({Options(kProtoTcp, 8), ssh})),
       Verdict::kAllow, kMobility},
      {"HIP is not walked", Ipv6(kHip, Cat({Options(kProtoTcp, 8), ssh})), Verdict::kAllow, kHip},
      {"Shim6 is not walked", Ipv6(kShim6, Cat({Options(kProtoTcp, 8), ssh})), Verdict::kAllow,
       kShim6},
      {"experimental 253 is not walked", Ipv6(253, Cat({Options(kProtoUdp, 8), dns})),
       Verdict::kAllow, 253},
      {"experimental 254 behind hop-by-hop",
       Ipv6(kHopByHop, Cat({Options(254, 8), Options(kProtoUdp, 8), dns})), Verdict::kAllow, 254},
      // Nebula 1.11.1 fix 2: the type is the first ICMPv6 byte. The old parser read the code:
      // an echo request (code 0) lost its identifier, and a neighbour solicitation whose code
      // byte says 128 got bytes 4-5 as one.
      {"echo identifier comes from the type byte", Ipv6(kProtoIcmpv6, Icmpv6(128, 0, 0x0102)),
       Verdict::kAllow, kProtoIcmpv6, 0x0102},
      {"a code of 128 is not an echo", Ipv6(kProtoIcmpv6, Icmpv6(135, 128, 0x0102)),
       Verdict::kAllow, kProtoIcmpv6},

      // Truncation fails closed.
      {"shorter than the IPv6 header", [] {
         Bytes b = Ipv6(kNoNext, {});
         b.pop_back();
         return b;
       }(),
       Verdict::kDropTooShort},
      {"hop-by-hop cut after one byte", Ipv6(kHopByHop, Bytes{kProtoTcp}),
       Verdict::kDropIpv6Headers},
      {"option length past the end", [] {
         Bytes b = Ipv6(kDestination, Cat({Options(kProtoUdp, 8), Ports(1, 2, 0)}));
         b[41] = 1;  // claims 16 bytes; 12 follow
         return b;
       }(),
       Verdict::kDropIpv6Headers},
      // 1.11.0's uint8 overflow (#1789): 255 units is 2048 bytes, past any short packet.
      {"largest option length", [] {
         Bytes b = Ipv6(kHopByHop, Cat({Options(kProtoTcp, 8), Ports(40000, 22)}));
         b[41] = 255;
         return b;
       }(),
       Verdict::kDropIpv6Headers},
      {"fragment header cut short", Ipv6(kFragment, Bytes(7, 0)), Verdict::kDropIpv6Headers},
      {"AH cut after one byte", Ipv6(kAh, Bytes{kProtoTcp}), Verdict::kDropIpv6Headers},
      {"AH length past the end", [] {
         Bytes b = Ipv6(kAh, Cat({Ah(kProtoTcp, 12), Ports(1, 2, 0)}));
         b[41] = 10;
         return b;
       }(),
       Verdict::kDropIpv6Headers},
      {"TCP with 3 port bytes", Ipv6(kProtoTcp, Bytes{0, 22, 0}), Verdict::kDropTooShort},
      {"UDP behind options with no ports", Ipv6(kHopByHop, Options(kProtoUdp, 8)),
       Verdict::kDropTooShort},
      {"ICMPv6 with 3 bytes", Ipv6(kProtoIcmpv6, Icmpv6(1, 0, 0, 3)), Verdict::kDropTooShort},
      {"ICMPv6 echo without its identifier", Ipv6(kProtoIcmpv6, Icmpv6(128, 0, 0, 5)),
       Verdict::kDropTooShort},
  };
}

}  // namespace

TEST(FirewallIpv6Packet, EveryCaseIsClassifiedAsNebula1111Does) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    Packet packet;
    ASSERT_EQ(ParsePacket(c.packet, /*incoming=*/true, &packet), c.verdict)
        << VerdictName(ParsePacket(c.packet, true, &packet));
    if (c.verdict != Verdict::kAllow) continue;
    EXPECT_EQ(packet.remote_ip, Peer());
    EXPECT_EQ(packet.local_ip, Me());
    EXPECT_EQ(int(packet.protocol), int(c.protocol));
    EXPECT_EQ(packet.remote_port, c.remote_port);
    EXPECT_EQ(packet.local_port, c.local_port);
    EXPECT_EQ(packet.fragment, c.fragment);
  }
}

TEST(FirewallIpv6Packet, OutgoingIsOrientedFromThisHost) {
  Bytes bytes = Ipv6(kProtoTcp, Ports(40000, 443), /*from_peer=*/false);
  Packet packet;
  ASSERT_EQ(ParsePacket(bytes, /*incoming=*/false, &packet), Verdict::kAllow);
  EXPECT_EQ(packet.local_ip, Me());
  EXPECT_EQ(packet.remote_ip, Peer());
  EXPECT_TRUE(packet.local_ip.is_v6());
  EXPECT_EQ(packet.local_port, 40000);
  EXPECT_EQ(packet.remote_port, 443);
  EXPECT_EQ(packet.RulePort(false), 443);
  // An echo request going out and its reply coming in are one flow, as for IPv4.
  Packet request, reply;
  ASSERT_EQ(ParsePacket(Ipv6(kProtoIcmpv6, Icmpv6(128, 0, 77), false), false, &request),
            Verdict::kAllow);
  ASSERT_EQ(ParsePacket(Ipv6(kProtoIcmpv6, Icmpv6(129, 0, 77), true), true, &reply),
            Verdict::kAllow);
  EXPECT_EQ(request, reply);
}

TEST(FirewallIpv6Packet, UpperLayerOffsetPointsAtTheTransportHeader) {
  Ipv6UpperLayer upper;
  ASSERT_TRUE(FindIpv6UpperLayer(
      Ipv6(kHopByHop, Cat({Options(kAh, 16), Ah(kProtoTcp, 12), Ports(1, 2)})), &upper));
  EXPECT_EQ(upper.protocol, kProtoTcp);
  EXPECT_EQ(upper.offset, 40u + 16 + 12);
  EXPECT_FALSE(upper.later_fragment);
  // A later fragment: the offset of its fragment header.
  ASSERT_TRUE(FindIpv6UpperLayer(
      Ipv6(kDestination, Cat({Options(kFragment, 8), Fragment(kProtoUdp, 3, true)})), &upper));
  EXPECT_EQ(upper.protocol, kProtoUdp);
  EXPECT_EQ(upper.offset, 48u);
  EXPECT_TRUE(upper.later_fragment);
  EXPECT_FALSE(FindIpv6UpperLayer(Bytes(39, 0x60), &upper));
}
