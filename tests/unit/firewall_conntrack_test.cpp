// Conntrack: flows are remembered for their protocol's timeout, refreshed by use, and the
// table never grows past its capacity.
#include <gtest/gtest.h>

#include <thread>

#include "firewall/conntrack.h"
#include "firewall/packet.h"

using namespace flatnet;
using namespace flatnet::firewall;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kStart = 1000 * kSecond;  // an arbitrary steady-clock reading

Packet Flow(uint8_t protocol, uint16_t local_port, uint32_t remote_ip = 0xc0a86402) {
  Packet flow;
  flow.local_ip = IpAddr::V4(0xc0a86401);
  flow.remote_ip = IpAddr::V4(remote_ip);
  flow.protocol = protocol;
  if (protocol != kProtoIcmp) {
    flow.local_port = local_port;
    flow.remote_port = 443;
  }
  return flow;
}

}  // namespace

TEST(FirewallConntrack, RemembersTheOriginOfAFlow) {
  Conntrack conntrack(1024, {});
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoTcp, 40000), kStart));
  conntrack.Insert(Flow(kProtoTcp, 40000), FlowOrigin{.incoming = false, .rules_version = 3},
                   kStart);
  auto origin = conntrack.Touch(Flow(kProtoTcp, 40000), kStart + kSecond);
  ASSERT_TRUE(origin);
  EXPECT_FALSE(origin->incoming);
  EXPECT_EQ(origin->rules_version, 3u);
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoTcp, 40001), kStart));
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoUdp, 40000), kStart));
  EXPECT_EQ(conntrack.size(), 1u);
}

TEST(FirewallConntrack, EachProtocolExpiresAfterItsTimeout) {
  Conntrack conntrack(1024, {});  // Nebula's defaults: tcp 12m, udp 3m, others 10m
  struct Case {
    Packet flow;
    int64_t timeout;
  };
  for (const Case& c :
       {Case{Flow(kProtoTcp, 1), 12 * kMinute}, Case{Flow(kProtoUdp, 1), 3 * kMinute},
        Case{Flow(kProtoIcmp, 0), 10 * kMinute}, Case{Flow(47, 1), 10 * kMinute}}) {
    conntrack.Insert(c.flow, {}, kStart);
    EXPECT_TRUE(conntrack.Touch(c.flow, kStart + c.timeout - 1)) << int(c.flow.protocol);
    // The touch above refreshed it: alive until a full timeout after that.
    EXPECT_TRUE(conntrack.Touch(c.flow, kStart + 2 * c.timeout - 2)) << int(c.flow.protocol);
    EXPECT_FALSE(conntrack.Touch(c.flow, kStart + 3 * c.timeout - 2)) << int(c.flow.protocol);
  }
  EXPECT_EQ(conntrack.size(), 0u);  // expired flows found by Touch are removed
}

TEST(FirewallConntrack, PurgeExpiredReclaimsIdleFlows) {
  Conntrack conntrack(1024, {});
  for (uint16_t port = 1; port <= 100; ++port) conntrack.Insert(Flow(kProtoUdp, port), {}, kStart);
  for (uint16_t port = 1; port <= 50; ++port) conntrack.Insert(Flow(kProtoTcp, port), {}, kStart);
  EXPECT_EQ(conntrack.size(), 150u);
  EXPECT_EQ(conntrack.PurgeExpired(kStart + 3 * kMinute - 1), 0u);
  EXPECT_EQ(conntrack.PurgeExpired(kStart + 3 * kMinute), 100u);
  EXPECT_EQ(conntrack.size(), 50u);
  EXPECT_TRUE(conntrack.Touch(Flow(kProtoTcp, 7), kStart + 4 * kMinute));
  EXPECT_EQ(conntrack.PurgeExpired(kStart + 12 * kMinute), 49u);  // port 7 was refreshed
  EXPECT_EQ(conntrack.size(), 1u);
}

TEST(FirewallConntrack, TrafficReclaimsExpiredFlowsWithoutAPurge) {
  Conntrack conntrack(16384, {});
  for (uint16_t port = 1; port <= 100; ++port) conntrack.Insert(Flow(kProtoUdp, port), {}, kStart);
  // New flows after the UDP timeout each reclaim a few expired flows of their shard.
  for (uint16_t port = 1; port <= 1000; ++port) {
    conntrack.Insert(Flow(kProtoTcp, port), {}, kStart + 3 * kMinute);
  }
  EXPECT_EQ(conntrack.size(), 1000u);
}

TEST(FirewallConntrack, NewTimeoutsApplyToTrackedFlows) {
  Conntrack conntrack(1024, {});
  conntrack.Insert(Flow(kProtoUdp, 1), {}, kStart);
  conntrack.SetTimeouts({.tcp_ns = kMinute, .udp_ns = 10 * kSecond, .other_ns = kMinute});
  EXPECT_TRUE(conntrack.Touch(Flow(kProtoUdp, 1), kStart + 9 * kSecond));
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoUdp, 1), kStart + 19 * kSecond));
}

TEST(FirewallConntrack, CapacityIsNeverExceededAndTheOldestFlowsGo) {
  Conntrack conntrack(64, {});
  EXPECT_EQ(conntrack.capacity(), 64u);
  for (uint32_t i = 0; i < 20000; ++i) {
    conntrack.Insert(Flow(kProtoUdp, uint16_t(i), 0x0a000000 + (i >> 16)), {}, kStart + i);
    ASSERT_LE(conntrack.size(), 64u);
  }
  EXPECT_EQ(conntrack.size(), 64u);  // 20000 flows over 16 shards fill every one
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoUdp, 0, 0x0a000000), kStart + 20000));
  EXPECT_TRUE(conntrack.Touch(Flow(kProtoUdp, uint16_t(19999), 0x0a000000), kStart + 20000));
}

TEST(FirewallConntrack, AFloodDisplacesIdleFlowsNotActiveOnes) {
  Conntrack conntrack(64, {});
  const Packet active = Flow(kProtoTcp, 22);
  const Packet idle = Flow(kProtoTcp, 23);
  conntrack.Insert(active, {}, kStart);
  conntrack.Insert(idle, {}, kStart);
  for (uint32_t i = 0; i < 20000; ++i) {
    const int64_t now = kStart + 1 + i;
    conntrack.Insert(Flow(kProtoUdp, uint16_t(i), 0x0b000000 + (i >> 16)), {}, now);
    ASSERT_TRUE(conntrack.Touch(active, now)) << "active flow evicted after " << i;
  }
  EXPECT_FALSE(conntrack.Touch(idle, kStart + 20001));
}

TEST(FirewallConntrack, InsertOfATrackedFlowUpdatesItsOrigin) {
  Conntrack conntrack(1024, {});
  conntrack.Insert(Flow(kProtoTcp, 1), {.incoming = true, .rules_version = 1}, kStart);
  conntrack.Insert(Flow(kProtoTcp, 1), {.incoming = false, .rules_version = 2}, kStart + 1);
  EXPECT_EQ(conntrack.size(), 1u);
  auto origin = conntrack.Touch(Flow(kProtoTcp, 1), kStart + 2);
  ASSERT_TRUE(origin);
  EXPECT_FALSE(origin->incoming);
  EXPECT_EQ(origin->rules_version, 2u);
}

TEST(FirewallConntrack, EraseAndClearForget) {
  Conntrack conntrack(1024, {});
  for (uint16_t port = 1; port <= 10; ++port) conntrack.Insert(Flow(kProtoTcp, port), {}, kStart);
  conntrack.Erase(Flow(kProtoTcp, 3));
  conntrack.Erase(Flow(kProtoTcp, 3));  // erasing an unknown flow is harmless
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoTcp, 3), kStart));
  EXPECT_TRUE(conntrack.Touch(Flow(kProtoTcp, 4), kStart));
  EXPECT_EQ(conntrack.size(), 9u);
  conntrack.Clear();
  EXPECT_EQ(conntrack.size(), 0u);
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoTcp, 4), kStart));
  conntrack.Insert(Flow(kProtoTcp, 4), {}, kStart);  // usable after Clear
  EXPECT_TRUE(conntrack.Touch(Flow(kProtoTcp, 4), kStart));
}

TEST(FirewallConntrack, SlotsAreReusedAfterExpiry) {
  Conntrack conntrack(32, {});
  int64_t now = kStart;
  for (int round = 0; round < 50; ++round) {
    for (uint16_t port = 0; port < 200; ++port) conntrack.Insert(Flow(kProtoUdp, port), {}, now);
    ASSERT_LE(conntrack.size(), 32u);
    now += 3 * kMinute;
    conntrack.PurgeExpired(now);
    ASSERT_EQ(conntrack.size(), 0u);
  }
}

TEST(FirewallConntrack, ConcurrentUseStaysConsistent) {
  Conntrack conntrack(256, {});
  auto worker = [&](uint32_t remote) {
    for (uint32_t i = 0; i < 50000; ++i) {
      Packet flow = Flow(kProtoTcp, uint16_t(i % 1000), remote);
      if (!conntrack.Touch(flow, kStart + i)) conntrack.Insert(flow, {}, kStart + i);
    }
  };
  std::thread a(worker, 0x0a000001), b(worker, 0x0a000002);
  a.join();
  b.join();
  const size_t tracked = conntrack.size();
  EXPECT_LE(tracked, 256u);
  EXPECT_GT(tracked, 0u);
  // Lists and chains are intact: every tracked flow is found and reclaimed exactly once.
  EXPECT_EQ(conntrack.PurgeExpired(kStart + 100 * kMinute), tracked);
  EXPECT_EQ(conntrack.size(), 0u);
}

TEST(Conntrack, TheSameTupleOnAnotherPeersTunnelIsAnotherFlow) {
  Conntrack conntrack(64, ConntrackTimeouts{});
  conntrack.Insert(Flow(kProtoTcp, 40000), {}, kStart, /*peer=*/IpAddr::V4(7));
  EXPECT_TRUE(conntrack.Touch(Flow(kProtoTcp, 40000), kStart, IpAddr::V4(7)));
  EXPECT_FALSE(conntrack.Touch(Flow(kProtoTcp, 40000), kStart, IpAddr::V4(8)));
  conntrack.Erase(Flow(kProtoTcp, 40000), IpAddr::V4(8));  // not that peer's: nothing happens
  EXPECT_TRUE(conntrack.Touch(Flow(kProtoTcp, 40000), kStart, IpAddr::V4(7)));
}
