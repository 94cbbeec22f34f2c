// TcpCoalescer: in-order segments of one flow become one super-packet the kernel can take
// in one write, and splitting that super-packet again gives back exactly the segments
// that went in. Anything that would change what TCP sees must pass through untouched.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>

#include "tun/coalesce.h"
#include "tun/segment.h"

using namespace flatnet;
using namespace flatnet::tun;

namespace {

uint32_t NaiveSum(const uint8_t* p, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i < len; i += 2) sum += uint32_t(p[i]) << 8 | (i + 1 < len ? p[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}
uint32_t PseudoSum(const std::vector<uint8_t>& p, size_t l4_len) {
  bool v6 = (p[0] >> 4) == 6;
  uint32_t sum = v6 ? NaiveSum(&p[8], 32) : NaiveSum(&p[12], 8);
  return NaiveSum(nullptr, 0, sum + 6 + uint32_t(l4_len >> 16) + uint32_t(l4_len & 0xffff));
}
void PutBe16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void PutBe32(uint8_t* p, uint32_t v) { PutBe16(p, uint16_t(v >> 16)), PutBe16(p + 2, uint16_t(v)); }
uint16_t Be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

constexpr uint8_t kSyn = 0x02, kFin = 0x01, kPsh = 0x08, kAck = 0x10;

// A TCP sender's segment, with correct IP and TCP checksums.
struct Segment {
  bool v6 = false;
  uint16_t sport = 40000, dport = 443;
  uint32_t seq = 1000;
  uint8_t flags = kAck;
  uint16_t id = 1;
  uint8_t ttl = 64;
  size_t payload = 1448;
  uint8_t fill = 0;

  std::vector<uint8_t> Build() const {
    size_t ip_len = v6 ? 40 : 20, tcp_len = 32;
    std::vector<uint8_t> p(ip_len + tcp_len + payload);
    if (v6) {
      p[0] = 0x60;
      PutBe16(&p[4], uint16_t(tcp_len + payload));
      p[6] = 6;
      p[7] = ttl;
      p[8] = 0xfd, p[23] = 1, p[24] = 0xfd, p[39] = 2;
    } else {
      p[0] = 0x45;
      PutBe16(&p[2], uint16_t(p.size()));
      PutBe16(&p[4], id);
      p[6] = 0x40;
      p[8] = ttl;
      p[9] = 6;
      const uint8_t addrs[8] = {10, 7, 0, 1, 10, 7, 0, 2};
      std::copy(addrs, addrs + 8, &p[12]);
      PutBe16(&p[10], uint16_t(~NaiveSum(p.data(), 20)));
    }
    uint8_t* t = &p[ip_len];
    PutBe16(t, sport);
    PutBe16(t + 2, dport);
    PutBe32(t + 4, seq);
    PutBe32(t + 8, 777);
    t[12] = 8 << 4;
    t[13] = flags;
    PutBe16(t + 14, 512);
    const uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6};
    std::copy(ts, ts + 12, t + 20);
    for (size_t i = 0; i < payload; ++i) t[tcp_len + i] = uint8_t(seq + i + fill);
    PutBe16(t + 16, uint16_t(~NaiveSum(t, tcp_len + payload, PseudoSum(p, tcp_len + payload))));
    return p;
  }
};

struct Frame {
  VnetHeader vnet;
  std::vector<uint8_t> packet;
};

class Capture : public FrameWriter {
 public:
  Status WriteFrame(const VnetHeader& vnet, ByteSpan packet) override {
    frames.push_back({vnet, {packet.begin(), packet.end()}});
    return Status();
  }
  // Every frame split back into the packets a receiver would see.
  std::vector<std::vector<uint8_t>> Packets() const {
    std::vector<std::vector<uint8_t>> out;
    for (const Frame& f : frames) {
      auto sp = SuperPacket::Parse(f.vnet, f.packet);
      EXPECT_TRUE(sp.ok()) << sp.status().message();
      if (!sp.ok()) continue;
      for (size_t i = 0; i < sp->count(); ++i) {
        std::vector<uint8_t> p(sp->packet_size(i));
        sp->WriteSegment(i, p.data());
        out.push_back(std::move(p));
      }
    }
    return out;
  }
  std::vector<Frame> frames;
};

// A stream of `n` full segments from `first`, ids and sequence numbers advancing.
std::vector<std::vector<uint8_t>> Stream(Segment first, size_t n) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(first.Build());
    first.seq += uint32_t(first.payload);
    ++first.id;
  }
  return out;
}

void AddAll(TcpCoalescer& c, const std::vector<std::vector<uint8_t>>& packets) {
  for (const auto& p : packets) ASSERT_TRUE(c.Add(p).ok());
}

TEST(TcpCoalescer, MergesAnInOrderRunIntoOneSuperPacketThatSplitsBackExactly) {
  for (bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
    Segment s;
    s.v6 = v6;
    auto packets = Stream(s, 40);
    // The last one is shorter and pushed, as at the end of a write().
    Segment tail = s;
    tail.seq = s.seq + 40 * 1448;
    tail.id = uint16_t(s.id + 40);
    tail.payload = 300;
    tail.flags = kAck | kPsh;
    packets.push_back(tail.Build());

    Capture out;
    TcpCoalescer c(out);
    AddAll(c, packets);
    EXPECT_TRUE(out.frames.empty()) << "nothing is written before Flush";
    ASSERT_TRUE(c.Flush().ok());
    ASSERT_EQ(out.frames.size(), 1u);
    const Frame& f = out.frames[0];
    EXPECT_EQ(f.vnet.gso_type, v6 ? VnetHeader::kGsoTcpV6 : VnetHeader::kGsoTcpV4);
    EXPECT_EQ(f.vnet.flags, VnetHeader::kFlagNeedsCsum);
    EXPECT_EQ(f.vnet.gso_size, 1448);
    EXPECT_EQ(f.vnet.csum_start, v6 ? 40 : 20);
    EXPECT_EQ(f.vnet.csum_offset, 16);
    EXPECT_EQ(f.vnet.hdr_len, (v6 ? 40 : 20) + 32);
    EXPECT_EQ(f.packet.size(), (v6 ? 40u : 20u) + 32 + 40 * 1448 + 300);
    if (!v6) {
      EXPECT_EQ(Be16(&f.packet[2]), f.packet.size());
      EXPECT_EQ(NaiveSum(f.packet.data(), 20), 0xffff) << "IPv4 header checksum";
    }
    // The partial checksum: finishing it must give a valid checksum for the whole thing.
    std::vector<uint8_t> whole = f.packet;
    ASSERT_TRUE(CompleteChecksum(f.vnet, whole).ok());
    size_t l4 = v6 ? 40 : 20;
    EXPECT_EQ(NaiveSum(&whole[l4], whole.size() - l4, PseudoSum(whole, whole.size() - l4)), 0xffff);

    EXPECT_EQ(out.Packets(), packets) << "segmenting gives back the original packets";
    EXPECT_EQ(c.segments_coalesced(), 41u);
  }
}

TEST(TcpCoalescer, KeepsFlowsApartAndEachInOrder) {
  Segment a, b;
  b.sport = 40001;
  b.fill = 99;
  auto sa = Stream(a, 10), sb = Stream(b, 10);
  Capture out;
  TcpCoalescer c(out);
  for (size_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.Add(sa[i]).ok());
    ASSERT_TRUE(c.Add(sb[i]).ok());
  }
  ASSERT_TRUE(c.Flush().ok());
  ASSERT_EQ(out.frames.size(), 2u);
  auto got = out.Packets();
  std::vector<std::vector<uint8_t>> want = sa;
  want.insert(want.end(), sb.begin(), sb.end());
  EXPECT_EQ(got, want);
}

TEST(TcpCoalescer, MoreFlowsThanSlotsEvictsButLosesAndReordersNothing) {
  Capture out;
  TcpCoalescer c(out, 2);
  std::vector<std::vector<std::vector<uint8_t>>> streams;
  for (uint16_t f = 0; f < 5; ++f) {
    Segment s;
    s.sport = uint16_t(50000 + f);
    streams.push_back(Stream(s, 6));
  }
  for (size_t i = 0; i < 6; ++i) {
    for (auto& stream : streams) ASSERT_TRUE(c.Add(stream[i]).ok());
  }
  ASSERT_TRUE(c.Flush().ok());
  // Per flow, in order; every packet exactly once.
  std::map<uint16_t, std::vector<std::vector<uint8_t>>> by_flow;
  for (auto& p : out.Packets()) by_flow[Be16(&p[20])].push_back(p);
  ASSERT_EQ(by_flow.size(), 5u);
  for (uint16_t f = 0; f < 5; ++f) EXPECT_EQ(by_flow[uint16_t(50000 + f)], streams[f]);
}

TEST(TcpCoalescer, BreaksRunsWhereTcpWouldSeeADifference) {
  struct Case {
    const char* name;
    std::function<void(Segment&)> change;  // applied to the 4th of 6 segments
    size_t frames;                         // written after Flush
  };
  const Case cases[] = {
      {"sequence gap", [](Segment& s) { s.seq += 1; }, 2},
      {"different TTL", [](Segment& s) { s.ttl = 63; }, 3},                // [0-2] [3] [4,5]
      {"longer than the first", [](Segment& s) { s.payload = 1460; }, 3},  // [0-2] [3,4] [5]
      {"shorter ends the run", [](Segment& s) { s.payload = 100; }, 2},
      {"PSH ends the run", [](Segment& s) { s.flags = kAck | kPsh; }, 2},
      {"FIN goes alone", [](Segment& s) { s.flags = kAck | kFin; }, 3},
      {"SYN goes alone", [](Segment& s) { s.flags = kSyn; }, 3},
      {"bare ACK goes alone", [](Segment& s) { s.payload = 0; }, 3},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    std::vector<std::vector<uint8_t>> packets;
    Segment s;
    for (int i = 0; i < 6; ++i) {
      Segment cur = s;
      if (i == 3) k.change(cur);
      packets.push_back(cur.Build());
      s.seq = cur.seq + uint32_t(cur.payload);
      ++s.id;
    }
    Capture out;
    TcpCoalescer c(out);
    AddAll(c, packets);
    ASSERT_TRUE(c.Flush().ok());
    EXPECT_EQ(out.frames.size(), k.frames);
    EXPECT_EQ(out.Packets(), packets) << "same bytes, same order";
  }
}

TEST(TcpCoalescer, NeverHidesACorruptSegmentInsideASuperPacket) {
  auto packets = Stream(Segment{}, 5);
  packets[2][100] ^= 0x40;  // a flipped payload bit: the TCP checksum no longer matches
  Capture out;
  TcpCoalescer c(out);
  AddAll(c, packets);
  ASSERT_TRUE(c.Flush().ok());
  // [0,1] merged, [2] alone as it came (the kernel will drop it), [3,4] merged.
  ASSERT_EQ(out.frames.size(), 3u);
  EXPECT_TRUE(out.frames[0].vnet.is_gso());
  EXPECT_FALSE(out.frames[1].vnet.is_gso());
  EXPECT_EQ(out.frames[1].packet, packets[2]);
  EXPECT_EQ(out.frames[1].vnet.flags, 0) << "no NEEDS_CSUM/DATA_VALID: the kernel checks it";
  EXPECT_EQ(out.Packets(), packets);
}

TEST(TcpCoalescer, PassesOtherTrafficStraightThrough) {
  Capture out;
  TcpCoalescer c(out);
  std::vector<uint8_t> udp(60, 0);
  udp[0] = 0x45, udp[9] = 17;
  PutBe16(&udp[2], 60);
  ASSERT_TRUE(c.Add(udp).ok());
  std::vector<uint8_t> garbage = {0x45, 1, 2};
  ASSERT_TRUE(c.Add(garbage).ok());
  ASSERT_EQ(out.frames.size(), 2u) << "written at once, not held for Flush";
  EXPECT_EQ(out.frames[0].packet, udp);
  EXPECT_EQ(out.frames[1].packet, garbage);
  EXPECT_FALSE(out.frames[0].vnet.is_gso());

  // One TCP segment alone is written unmodified.
  auto one = Segment{}.Build();
  ASSERT_TRUE(c.Add(one).ok());
  ASSERT_TRUE(c.Flush().ok());
  ASSERT_EQ(out.frames.size(), 3u);
  EXPECT_EQ(out.frames[2].packet, one);
  EXPECT_EQ(out.frames[2].vnet.gso_type, VnetHeader::kGsoNone);
}

TEST(TcpCoalescer, SuperPacketsStayWithin64KiB) {
  auto packets = Stream(Segment{}, 100);
  Capture out;
  TcpCoalescer c(out);
  AddAll(c, packets);
  ASSERT_TRUE(c.Flush().ok());
  ASSERT_EQ(out.frames.size(), 3u);  // 45 + 45 + 10 segments of 1448
  for (const Frame& f : out.frames) EXPECT_LE(f.packet.size(), 65535u);
  EXPECT_EQ(out.Packets(), packets);
}

}  // namespace

namespace {

// Whatever arrives from peers (a buggy or hostile one included) goes through without a
// crash, and every super-packet written is one the kernel's rules accept.
TEST(TcpCoalescer, MangledInputNeverProducesAnInvalidSuperPacket) {
  std::mt19937 rng(7);
  Capture out;
  TcpCoalescer c(out, 3);
  auto stream = Stream(Segment{}, 30);
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> p = stream[size_t(round) % stream.size()];
    for (int k = 0, flips = int(rng() % 3); k < flips; ++k) p[rng() % 60] = uint8_t(rng());
    if (rng() % 5 == 0) p.resize(rng() % p.size());
    ASSERT_TRUE(c.Add(p).ok());
    if (rng() % 7 == 0) {
      ASSERT_TRUE(c.Flush().ok());
    }
  }
  ASSERT_TRUE(c.Flush().ok());
  size_t super_packets = 0;
  for (const Frame& f : out.frames) {
    if (!f.vnet.is_gso()) continue;
    ++super_packets;
    ASSERT_LE(f.packet.size(), 65535u);
    auto sp = SuperPacket::Parse(f.vnet, f.packet);
    ASSERT_TRUE(sp.ok()) << sp.status().message();
    std::vector<uint8_t> whole = f.packet;
    ASSERT_TRUE(CompleteChecksum(f.vnet, whole).ok());
    size_t l4 = f.vnet.csum_start;
    EXPECT_EQ(NaiveSum(&whole[l4], whole.size() - l4, PseudoSum(whole, whole.size() - l4)), 0xffff);
  }
  EXPECT_GT(super_packets, 10u);
}

}  // namespace
