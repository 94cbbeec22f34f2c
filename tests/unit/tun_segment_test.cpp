// Splitting the TUN's TCP/UDP super-packets: every piece must be a packet a strict
// receiver accepts (checked here with a checksum verifier written independently of
// src/tun/checksum), and the pieces' payloads must concatenate to the original.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "tun/segment.h"

using namespace flatnet;
using namespace flatnet::tun;

namespace {

// --- An independent, deliberately naive checksum: big-endian 16-bit words, byte by byte.
uint32_t NaiveSum(const uint8_t* p, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i < len; i += 2) {
    sum += uint32_t(p[i]) << 8 | (i + 1 < len ? p[i + 1] : 0);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}
bool Ipv4HeaderValid(const uint8_t* ip) { return NaiveSum(ip, (ip[0] & 15) * 4) == 0xffff; }
// True when the TCP/UDP checksum of an IPv4 or IPv6 packet verifies.
bool L4ChecksumValid(const std::vector<uint8_t>& p) {
  bool v6 = (p[0] >> 4) == 6;
  size_t l4 = v6 ? 40 : (p[0] & 15) * 4;
  uint8_t proto = v6 ? p[6] : p[9];
  size_t len = p.size() - l4;
  uint32_t sum = v6 ? NaiveSum(&p[8], 32) : NaiveSum(&p[12], 8);
  sum = NaiveSum(nullptr, 0, sum + proto + uint32_t(len >> 16) + uint32_t(len & 0xffff));
  return NaiveSum(&p[l4], len, sum) == 0xffff;
}
uint16_t Be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t Be32(const uint8_t* p) { return uint32_t(Be16(p)) << 16 | Be16(p + 2); }
void PutBe16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void PutBe32(uint8_t* p, uint32_t v) { PutBe16(p, uint16_t(v >> 16)), PutBe16(p + 2, uint16_t(v)); }

constexpr uint8_t kFin = 0x01, kPsh = 0x08, kAck = 0x10, kCwr = 0x80;

struct Built {
  VnetHeader vnet;
  std::vector<uint8_t> packet;
  std::vector<uint8_t> payload;
  size_t l4_offset, headers;
};

// What the kernel hands a TUN with TSO/USO on: one big packet, lengths covering it all,
// the L4 checksum field holding only the pseudo-header sum.
Built MakeSuperPacket(bool v6, uint8_t proto, size_t payload_len, uint16_t gso_size,
                      uint8_t tcp_flags = kAck | kPsh, uint32_t seq = 0xfffff000u) {
  Built b;
  std::mt19937 rng(payload_len * 31 + proto + v6);
  b.payload.resize(payload_len);
  for (auto& byte : b.payload) byte = uint8_t(rng());
  size_t ip_len = v6 ? 40 : 20;
  size_t l4_len = proto == 6 ? 32 : 8;  // TCP with a 12-byte timestamp option
  b.l4_offset = ip_len;
  b.headers = ip_len + l4_len;
  b.packet.assign(b.headers, 0);
  uint8_t* ip = b.packet.data();
  if (v6) {
    ip[0] = 0x60;
    ip[1] = 0x0a;  // traffic class / flow label bits, must be copied
    PutBe16(ip + 4, uint16_t(l4_len + payload_len));
    ip[6] = proto;
    ip[7] = 64;
    const uint8_t src[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const uint8_t dst[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    std::copy(src, src + 16, ip + 8);
    std::copy(dst, dst + 16, ip + 24);
  } else {
    ip[0] = 0x45;
    PutBe16(ip + 2, uint16_t(ip_len + l4_len + payload_len));
    PutBe16(ip + 4, 0xfffe);  // id: wraps during segmentation
    ip[6] = 0x40;             // DF
    ip[8] = 64;
    ip[9] = proto;
    const uint8_t addrs[8] = {10, 1, 0, 1, 10, 1, 0, 2};
    std::copy(addrs, addrs + 8, ip + 12);
  }
  uint8_t* l4 = ip + ip_len;
  PutBe16(l4, 40000);
  PutBe16(l4 + 2, 443);
  if (proto == 6) {
    PutBe32(l4 + 4, seq);
    PutBe32(l4 + 8, 0x01020304);
    l4[12] = 8 << 4;
    l4[13] = tcp_flags;
    PutBe16(l4 + 14, 501);
    const uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};
    std::copy(ts, ts + 12, l4 + 20);
  } else {
    PutBe16(l4 + 4, uint16_t(8 + payload_len));
  }
  b.packet.insert(b.packet.end(), b.payload.begin(), b.payload.end());
  ip = b.packet.data();  // the insert moved the buffer
  // The partial checksum the kernel leaves: the folded pseudo-header sum, not inverted.
  size_t total_l4 = b.packet.size() - ip_len;
  uint32_t pseudo = v6 ? NaiveSum(ip + 8, 32) : NaiveSum(ip + 12, 8);
  pseudo =
      NaiveSum(nullptr, 0, pseudo + proto + uint32_t(total_l4 >> 16) + uint32_t(total_l4 & 0xffff));
  PutBe16(b.packet.data() + ip_len + (proto == 6 ? 16 : 6), uint16_t(pseudo));
  b.vnet.flags = VnetHeader::kFlagNeedsCsum;
  b.vnet.gso_type =
      proto == 17 ? VnetHeader::kGsoUdpL4 : (v6 ? VnetHeader::kGsoTcpV6 : VnetHeader::kGsoTcpV4);
  b.vnet.hdr_len = uint16_t(b.headers);
  b.vnet.gso_size = gso_size;
  b.vnet.csum_start = uint16_t(ip_len);
  b.vnet.csum_offset = proto == 6 ? 16 : 6;
  return b;
}

std::vector<std::vector<uint8_t>> Split(const Built& b) {
  auto sp = SuperPacket::Parse(b.vnet, b.packet);
  EXPECT_TRUE(sp.ok()) << sp.status().message();
  std::vector<std::vector<uint8_t>> out;
  if (!sp.ok()) return out;
  for (size_t i = 0; i < sp->count(); ++i) {
    std::vector<uint8_t> piece(sp->max_packet_size() + 7, 0xee);
    size_t n = sp->WriteSegment(i, piece.data());
    EXPECT_EQ(n, sp->packet_size(i));
    EXPECT_LE(n, sp->max_packet_size());
    EXPECT_EQ(piece[n], 0xee) << "wrote past the packet";
    piece.resize(n);
    out.push_back(std::move(piece));
  }
  return out;
}

void ExpectTcpPieces(const Built& b, const std::vector<std::vector<uint8_t>>& pieces, bool v6,
                     uint8_t flags) {
  const size_t mss = b.vnet.gso_size;
  ASSERT_EQ(pieces.size(), (b.payload.size() + mss - 1) / mss);
  std::vector<uint8_t> joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    SCOPED_TRACE("piece " + std::to_string(i));
    const auto& p = pieces[i];
    const uint8_t* tcp = p.data() + b.l4_offset;
    size_t payload = p.size() - b.headers;
    EXPECT_EQ(payload, i + 1 < pieces.size() ? mss : b.payload.size() - i * mss);
    if (v6) {
      EXPECT_EQ(Be16(&p[4]), p.size() - 40);
      EXPECT_EQ(p[1], 0x0a);
    } else {
      EXPECT_EQ(Be16(&p[2]), p.size());
      EXPECT_EQ(Be16(&p[4]), uint16_t(0xfffe + i)) << "IP id increments (and wraps)";
      EXPECT_TRUE(Ipv4HeaderValid(p.data()));
      EXPECT_EQ(p[6], 0x40) << "DF kept";
    }
    EXPECT_EQ(Be32(tcp + 4), uint32_t(0xfffff000u + i * mss)) << "sequence number (wraps)";
    EXPECT_EQ(Be32(tcp + 8), 0x01020304u);
    bool last = i + 1 == pieces.size();
    uint8_t want = flags;
    if (!last) want &= uint8_t(~(kFin | kPsh));
    if (i > 0) want &= uint8_t(~kCwr);
    EXPECT_EQ(tcp[13], want) << "flags";
    EXPECT_EQ(tcp[22], 8) << "timestamp option copied";
    EXPECT_TRUE(L4ChecksumValid(p));
    joined.insert(joined.end(), p.begin() + b.headers, p.end());
  }
  EXPECT_EQ(joined, b.payload) << "payloads concatenate to the original";
}

TEST(SegmentSuperPacket, Ipv4TcpOf64KiB) {
  Built b = MakeSuperPacket(false, 6, 65535 - 20 - 32, 1448, kAck | kPsh | kFin | kCwr);
  ExpectTcpPieces(b, Split(b), false, kAck | kPsh | kFin | kCwr);
}

TEST(SegmentSuperPacket, Ipv6TcpOf64KiB) {
  Built b = MakeSuperPacket(true, 6, 65535 - 32, 1428, kAck | kPsh);
  ExpectTcpPieces(b, Split(b), true, kAck | kPsh);
}

TEST(SegmentSuperPacket, PayloadAnExactMultipleOfTheSegmentSize) {
  Built b = MakeSuperPacket(false, 6, 1200 * 10, 1200, kAck);
  auto pieces = Split(b);
  ASSERT_EQ(pieces.size(), 10u);
  ExpectTcpPieces(b, pieces, false, kAck);
}

TEST(SegmentSuperPacket, UdpL4OverIpv4AndIpv6) {
  for (bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
    Built b = MakeSuperPacket(v6, 17, 1200 * 20 + 17, 1200);
    auto pieces = Split(b);
    ASSERT_EQ(pieces.size(), 21u);
    std::vector<uint8_t> joined;
    for (size_t i = 0; i < pieces.size(); ++i) {
      const auto& p = pieces[i];
      const uint8_t* udp = p.data() + b.l4_offset;
      EXPECT_EQ(Be16(udp + 4), p.size() - b.l4_offset) << i;
      EXPECT_NE(Be16(udp + 6), 0) << "0 would mean 'no checksum'";
      EXPECT_TRUE(L4ChecksumValid(p)) << i;
      if (!v6) {
        EXPECT_TRUE(Ipv4HeaderValid(p.data())) << i;
      }
      joined.insert(joined.end(), p.begin() + b.headers, p.end());
    }
    EXPECT_EQ(joined, b.payload);
  }
}

TEST(SegmentSuperPacket, IntoCallerBuffers) {
  Built b = MakeSuperPacket(false, 6, 5000, 1000);
  std::vector<std::vector<uint8_t>> storage(8, std::vector<uint8_t>(1100));
  std::vector<MutableByteSpan> out(storage.begin(), storage.end());
  size_t sizes[8];
  auto n = SegmentSuperPacket(b.vnet, b.packet, out, sizes);
  ASSERT_TRUE(n.ok()) << n.status().message();
  ASSERT_EQ(*n, 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(sizes[i], 1052u);
    EXPECT_TRUE(L4ChecksumValid({storage[i].begin(), storage[i].begin() + sizes[i]}));
  }
  auto too_few = SegmentSuperPacket(b.vnet, b.packet, std::span(out).first(4), sizes);
  ASSERT_FALSE(too_few.ok());
  EXPECT_NE(too_few.status().message().find("5 packets"), std::string::npos);
  storage[2].resize(1000);
  out[2] = storage[2];
  auto too_small = SegmentSuperPacket(b.vnet, b.packet, out, sizes);
  ASSERT_FALSE(too_small.ok());
  EXPECT_NE(too_small.status().message().find("too small"), std::string::npos);
}

TEST(CompleteChecksum, FinishesAPartialChecksumInPlace) {
  for (uint8_t proto : {uint8_t(6), uint8_t(17)}) {
    Built b = MakeSuperPacket(false, proto, 999, 0);
    b.vnet.gso_type = VnetHeader::kGsoNone;
    std::vector<uint8_t> packet = b.packet;
    EXPECT_FALSE(L4ChecksumValid(packet)) << "only the pseudo-header sum so far";
    ASSERT_TRUE(CompleteChecksum(b.vnet, packet).ok());
    EXPECT_TRUE(L4ChecksumValid(packet)) << int(proto);
    // Parse + WriteSegment of a non-GSO frame gives the same single packet.
    auto sp = SuperPacket::Parse(b.vnet, b.packet);
    ASSERT_TRUE(sp.ok());
    ASSERT_EQ(sp->count(), 1u);
    std::vector<uint8_t> copy(sp->packet_size(0));
    sp->WriteSegment(0, copy.data());
    EXPECT_EQ(copy, packet);
  }
  Built b = MakeSuperPacket(false, 6, 10, 0);
  std::vector<uint8_t> packet = b.packet;
  VnetHeader plain;  // no NEEDS_CSUM: left alone
  ASSERT_TRUE(CompleteChecksum(plain, packet).ok());
  EXPECT_EQ(packet, b.packet);
  VnetHeader bad = b.vnet;
  bad.csum_offset = 60000;
  EXPECT_FALSE(CompleteChecksum(bad, packet).ok());
}

TEST(SuperPacketParse, RejectsMalformedFramesWithoutReadingPastThem) {
  Built good = MakeSuperPacket(false, 6, 4000, 1000);
  ASSERT_TRUE(SuperPacket::Parse(good.vnet, good.packet).ok());
  struct Case {
    const char* name;
    std::function<void(Built&)> mutate;
    const char* reason;
  };
  const Case cases[] = {
      {"empty", [](Built& b) { b.packet.clear(); }, "empty"},
      {"version 5", [](Built& b) { b.packet[0] = 0x55; }, "IP version 5"},
      {"truncated", [](Built& b) { b.packet.resize(30); }, ""},
      {"short total length", [](Built& b) { PutBe16(&b.packet[2], 100); }, "total length"},
      {"gso_size 0", [](Built& b) { b.vnet.gso_size = 0; }, "gso_size 0"},
      {"TCPV6 on IPv4", [](Built& b) { b.vnet.gso_type = VnetHeader::kGsoTcpV6; }, "GSO type 4"},
      {"UFO", [](Built& b) { b.vnet.gso_type = VnetHeader::kGsoUdp; }, "unsupported GSO type 3"},
      {"UDP type on TCP", [](Built& b) { b.vnet.gso_type = VnetHeader::kGsoUdpL4; }, "protocol"},
      {"csum outside", [](Built& b) { b.vnet.csum_start = 5000; }, "outside"},
      {"csum in IP header",
       [](Built& b) {
         b.vnet.csum_start = 4;
         b.vnet.csum_offset = 0;
       },
       "inside the IP header"},
      {"TCP data offset 2", [](Built& b) { b.packet[20 + 12] = 2 << 4; }, "data offset"},
  };
  for (const Case& c : cases) {
    Built b = good;
    c.mutate(b);
    // Exact-size copy so AddressSanitizer or valgrind would see any overread.
    std::vector<uint8_t> exact(b.packet.begin(), b.packet.end());
    auto sp = SuperPacket::Parse(b.vnet, exact);
    ASSERT_FALSE(sp.ok()) << c.name;
    EXPECT_NE(sp.status().message().find("malformed packet from the TUN device"),
              std::string::npos);
    EXPECT_NE(sp.status().message().find(c.reason), std::string::npos)
        << c.name << ": " << sp.status().message();
  }
  Built v6 = MakeSuperPacket(true, 6, 4000, 1000);
  PutBe16(&v6.packet[4], 10);
  auto sp = SuperPacket::Parse(v6.vnet, v6.packet);
  ASSERT_FALSE(sp.ok());
  EXPECT_NE(sp.status().message().find("payload length"), std::string::npos);
}

}  // namespace

namespace {

// Frames from the kernel are trusted to be sane, but a bug there must not become one
// here: mangled headers either parse into pieces that stay inside their buffers or are
// refused. (Run under AddressSanitizer, this also proves no byte past a frame is read.)
TEST(SuperPacketParse, MangledFramesNeverWriteOutsideTheirPieces) {
  std::mt19937 rng(42);
  const Built seeds[] = {
      MakeSuperPacket(false, 6, 9000, 1000), MakeSuperPacket(true, 6, 9000, 1000),
      MakeSuperPacket(false, 17, 5000, 700), MakeSuperPacket(true, 17, 5000, 700)};
  size_t parsed = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    Built b = seeds[round % 4];
    // Flip a few bytes in the headers and the vnet header; sometimes cut the frame.
    for (int k = 0, flips = 1 + int(rng() % 4); k < flips; ++k) {
      b.packet[rng() % b.headers] = uint8_t(rng());
    }
    uint8_t vnet[VnetHeader::kSize];
    b.vnet.Store(vnet);
    if (rng() % 3 == 0) vnet[rng() % VnetHeader::kSize] = uint8_t(rng());
    b.vnet = VnetHeader::Load(vnet);
    if (rng() % 4 == 0) b.packet.resize(rng() % b.packet.size());
    std::vector<uint8_t> exact(b.packet.begin(), b.packet.end());
    auto sp = SuperPacket::Parse(b.vnet, exact);
    if (!sp.ok()) {
      ++refused;
      continue;
    }
    ++parsed;
    ASSERT_LE(sp->count(), 70000u);
    for (size_t i = 0; i < sp->count(); ++i) {
      size_t size = sp->packet_size(i);
      ASSERT_LE(size, sp->max_packet_size());
      std::vector<uint8_t> out(size + 16, 0xa5);
      ASSERT_EQ(sp->WriteSegment(i, out.data()), size);
      for (size_t g = size; g < out.size(); ++g)
        ASSERT_EQ(out[g], 0xa5) << "wrote past piece " << i;
    }
  }
  EXPECT_GT(parsed, 100u);
  EXPECT_GT(refused, 100u);
}

}  // namespace
