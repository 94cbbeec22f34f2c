// Firewall::Check end to end: rules, conntrack letting replies through and expiring them,
// address checks, rule reloads, bounded memory, and no allocation on the packet path.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>

#include "config/firewall_rule.h"
#include "firewall/firewall.h"
#include "firewall/local_drops.h"
#include "sanitizer_allocator.h"

// Rules are written with designated initializers; unnamed fields keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using namespace flatnet;
using namespace flatnet::firewall;
using flatnet::config::FirewallRule;

// Counts heap allocations made while `g_counting` is set, to prove the packet path makes none.
namespace {
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};
}  // namespace

#if FLATNET_SANITIZER_ALLOCATOR
namespace {
void CountAllocation(const volatile void*, size_t) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}
const int g_hooked = InstallSanitizerMallocHook(CountAllocation);
}  // namespace
#else
// GCC cannot see that the replaced new and delete pair malloc with free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#endif

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kStart = 5000 * kSecond;
constexpr uint32_t kMe = 0xc0a86401;    // 192.168.100.1
constexpr uint32_t kPeer = 0xc0a86402;  // 192.168.100.2

PeerIdentity Peer() {
  PeerIdentity peer;
  peer.name = "peer";
  peer.overlay_ip = IpAddr::V4(kPeer);
  peer.groups = {"servers"};
  peer.issuer = std::string(64, 'c');
  peer.ca_name = "our-team";
  return peer;
}

Bytes Ipv4(uint8_t protocol, uint32_t source, uint32_t destination, uint16_t source_port,
           uint16_t destination_port) {
  Bytes packet(28, 0);
  packet[0] = 0x45;
  StoreBig16(&packet[2], uint16_t(packet.size()));
  packet[8] = 64;
  packet[9] = protocol;
  StoreBig32(&packet[12], source);
  StoreBig32(&packet[16], destination);
  if (protocol != kProtoIcmp) {
    StoreBig16(&packet[20], source_port);
    StoreBig16(&packet[22], destination_port);
  } else {
    packet[20] = uint8_t(source_port);  // ICMP type
  }
  return packet;
}

RuleSet Rules(std::vector<FirewallRule> inbound, std::vector<FirewallRule> outbound) {
  Result<RuleSet> rules = RuleSet::Compile(inbound, outbound);
  EXPECT_TRUE(rules.ok()) << rules.status().message();
  return rules.ok() ? std::move(rules).value() : RuleSet();
}

const FirewallRule kAnyOut{.port = "any", .proto = "any", .host = "any"};
const FirewallRule kIcmpIn{.port = "any", .proto = "icmp", .host = "any"};

std::vector<IpPrefix> MyNetworks() { return {IpPrefix::From(IpAddr::V4(kMe), 32)}; }

}  // namespace

TEST(FirewallCheck, OutboundFlowLetsItsRepliesIn) {
  Firewall firewall(Rules({kIcmpIn}, {kAnyOut}), MyNetworks());
  const PeerIdentity peer = Peer();
  // No inbound rule covers TCP: an unsolicited connection is refused...
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 80, 40000), true, peer, kStart),
            Verdict::kDropNoRule);
  // ...but once this host opened it, the peer's replies pass.
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kMe, kPeer, 40000, 80), false, peer, kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 80, 40000), true, peer, kStart + 1),
            Verdict::kAllow);
  // Only that flow: another local port, or the peer's other port, is still refused.
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 80, 40001), true, peer, kStart + 1),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 81, 40000), true, peer, kStart + 1),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, kPeer, kMe, 80, 40000), true, peer, kStart + 1),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.tracked_flows(), 1u);
}

TEST(FirewallCheck, InboundFlowLetsItsRepliesOut) {
  // Outbound rules allow nothing, yet answers to an allowed inbound ping go out.
  Firewall firewall(Rules({kIcmpIn}, {}), MyNetworks());
  EXPECT_EQ(firewall.Check(Ipv4(kProtoIcmp, kMe, kPeer, 8, 0), false, Peer(), kStart),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoIcmp, kPeer, kMe, 8, 0), true, Peer(), kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoIcmp, kMe, kPeer, 0, 0), false, Peer(), kStart + 1),
            Verdict::kAllow);
}

TEST(FirewallCheck, RepliesStopPassingOnceTheFlowExpires) {
  Firewall firewall(Rules({}, {kAnyOut}), MyNetworks());
  const PeerIdentity peer = Peer();
  const Bytes request = Ipv4(kProtoUdp, kMe, kPeer, 5353, 53);
  const Bytes reply = Ipv4(kProtoUdp, kPeer, kMe, 53, 5353);
  ASSERT_EQ(firewall.Check(request, false, peer, kStart), Verdict::kAllow);
  // Each reply refreshes the flow: 2m50s apart, under the 3m UDP timeout, it lives on.
  int64_t now = kStart;
  for (int i = 0; i < 5; ++i) {
    now += 170 * kSecond;
    ASSERT_EQ(firewall.Check(reply, true, peer, now), Verdict::kAllow) << i;
  }
  EXPECT_EQ(firewall.Check(reply, true, peer, now + 3 * kMinute), Verdict::kDropNoRule);
  EXPECT_EQ(firewall.tracked_flows(), 0u);
}

TEST(FirewallCheck, TimeoutsComeFromOptions) {
  FirewallOptions options;
  options.timeouts = {.tcp_ns = 30 * kSecond, .udp_ns = 5 * kSecond, .other_ns = kSecond};
  Firewall firewall(Rules({}, {kAnyOut}), MyNetworks(), options);
  ASSERT_EQ(firewall.Check(Ipv4(kProtoTcp, kMe, kPeer, 1, 2), false, Peer(), kStart),
            Verdict::kAllow);
  ASSERT_EQ(firewall.Check(Ipv4(kProtoIcmp, kMe, kPeer, 8, 0), false, Peer(), kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoIcmp, kPeer, kMe, 0, 0), true, Peer(), kStart + kSecond),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 2, 1), true, Peer(), kStart + 29 * kSecond),
            Verdict::kAllow);
  firewall.SetConntrackTimeouts({.tcp_ns = kSecond, .udp_ns = kSecond, .other_ns = kSecond});
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 2, 1), true, Peer(), kStart + 31 * kSecond),
            Verdict::kDropNoRule);
}

TEST(FirewallCheck, RemoteAddressMustBeThePeersOwn) {
  Firewall firewall(Rules({{.port = "any", .proto = "any", .host = "any"}}, {kAnyOut}),
                    MyNetworks());
  PeerIdentity peer = Peer();
  const uint32_t spoofed = 0xc0a86409;  // another member's address
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, spoofed, kMe, 1, 2), true, peer, kStart),
            Verdict::kDropRemoteIp);
  // Sending to a member's address through this peer's tunnel is refused as well.
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, kMe, spoofed, 1, 2), false, peer, kStart),
            Verdict::kDropRemoteIp);
  // A peer whose certificate carries a subnet (unsafe route) may source from it.
  peer.other_networks = {IpPrefix::From(IpAddr::V4(0x0a140000), 16)};  // 10.20.0.0/16
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, 0x0a140507, kMe, 1, 2), true, peer, kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, 0x0a150507, kMe, 1, 2), true, peer, kStart),
            Verdict::kDropRemoteIp);
}

TEST(FirewallCheck, LocalAddressMustBeThisHostsOwn) {
  std::vector<IpPrefix> mine = {IpPrefix::From(IpAddr::V4(kMe), 32),
                                IpPrefix::From(IpAddr::V4(0x0a630000), 24)};
  Firewall firewall(Rules({{.port = "any", .proto = "any", .host = "any"}}, {}), mine);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, kPeer, 0xc0a86403, 1, 2), true, Peer(), kStart),
            Verdict::kDropLocalIp);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, kPeer, 0x0a630009, 1, 2), true, Peer(), kStart),
            Verdict::kAllow);
}

TEST(FirewallCheck, UnparsablePacketsAreDroppedWithTheirReason) {
  Firewall firewall(Rules({}, {kAnyOut}), MyNetworks());
  Bytes ipv6(48, 0);
  ipv6[0] = 0x60;
  ipv6[6] = 0;       // hop-by-hop options...
  ipv6[41] = 2;      // ...claiming 24 bytes where there are 8
  EXPECT_EQ(firewall.Check(ipv6, false, Peer(), kStart), Verdict::kDropIpv6Headers);
  Bytes version5 = Ipv4(kProtoUdp, kMe, kPeer, 1, 2);
  version5[0] = 0x55;
  EXPECT_EQ(firewall.Check(version5, false, Peer(), kStart), Verdict::kDropIpVersion);
  EXPECT_EQ(firewall.Check(Bytes(10, 0x45), false, Peer(), kStart), Verdict::kDropTooShort);
  Bytes bad_ihl = Ipv4(kProtoUdp, kMe, kPeer, 1, 2);
  bad_ihl[0] = 0x43;
  EXPECT_EQ(firewall.Check(bad_ihl, false, Peer(), kStart), Verdict::kDropBadHeaderLength);
  EXPECT_EQ(firewall.tracked_flows(), 0u);
}

TEST(FirewallCheck, ReloadKeepsFlowsTheNewRulesStillAllow) {
  Firewall firewall(Rules({}, {kAnyOut}), MyNetworks());
  const PeerIdentity peer = Peer();
  ASSERT_EQ(firewall.Check(Ipv4(kProtoTcp, kMe, kPeer, 40000, 443), false, peer, kStart),
            Verdict::kAllow);
  ASSERT_EQ(firewall.Check(Ipv4(kProtoUdp, kMe, kPeer, 5353, 53), false, peer, kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.rules_version(), 0u);

  // New outbound rules allow only TCP 443 to the servers group.
  firewall.ReloadRules(Rules({}, {{.port = "443", .proto = "tcp", .groups = {"servers"}}}));
  EXPECT_EQ(firewall.rules_version(), 1u);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 443, 40000), true, peer, kStart + 1),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, kPeer, kMe, 53, 5353), true, peer, kStart + 1),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.tracked_flows(), 1u);  // the UDP flow was forgotten

  // The kept flow was re-stamped, so it keeps passing; a reload that removes its rule ends it.
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kMe, kPeer, 40000, 443), false, peer, kStart + 2),
            Verdict::kAllow);
  firewall.ReloadRules(Rules({}, {}));
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 443, 40000), true, peer, kStart + 3),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.tracked_flows(), 0u);
}

TEST(FirewallCheck, ReloadRechecksAFlowWithThePeersCurrentIdentity) {
  Firewall firewall(Rules({}, {{.port = "any", .proto = "any", .groups = {"servers"}}}),
                    MyNetworks());
  PeerIdentity peer = Peer();
  ASSERT_EQ(firewall.Check(Ipv4(kProtoTcp, kMe, kPeer, 40000, 22), false, peer, kStart),
            Verdict::kAllow);
  firewall.ReloadRules(Rules({}, {{.port = "any", .proto = "any", .groups = {"servers"}}}));
  peer.groups = {"laptops"};  // e.g. the peer reconnected with a new certificate
  EXPECT_EQ(firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 22, 40000), true, peer, kStart + 1),
            Verdict::kDropNoRule);
}

TEST(FirewallCheck, AFloodOfAllowedFlowsStaysWithinTheCap) {
  FirewallOptions options;
  options.max_tracked_flows = 1024;
  Firewall firewall(Rules({{.port = "any", .proto = "udp", .host = "any"}}, {}), MyNetworks(),
                    options);
  const PeerIdentity peer = Peer();
  Bytes packet = Ipv4(kProtoUdp, kPeer, kMe, 0, 9999);
  for (uint32_t i = 0; i < 100000; ++i) {
    StoreBig16(&packet[20], uint16_t(i));
    StoreBig16(&packet[22], uint16_t(i >> 16));
    ASSERT_EQ(firewall.Check(packet, true, peer, kStart + i), Verdict::kAllow);
  }
  EXPECT_EQ(firewall.max_tracked_flows(), 1024u);
  EXPECT_LE(firewall.tracked_flows(), 1024u);
  EXPECT_GT(firewall.tracked_flows(), 900u);
}

TEST(FirewallCheck, PurgeExpiredEmptiesIdleFlows) {
  Firewall firewall(Rules({}, {kAnyOut}), MyNetworks());
  for (uint16_t port = 1; port <= 20; ++port) {
    ASSERT_EQ(firewall.Check(Ipv4(kProtoUdp, kMe, kPeer, port, 53), false, Peer(), kStart),
              Verdict::kAllow);
  }
  EXPECT_EQ(firewall.tracked_flows(), 20u);
  EXPECT_EQ(firewall.PurgeExpired(kStart + 3 * kMinute), 20u);
  EXPECT_EQ(firewall.tracked_flows(), 0u);
}

// Runs 1000 new flows (rules match, conntrack insert), their conntrack hits and a refused
// packet through `firewall` with the allocation counter on; `source_port_at` is where the
// new flows' source port sits in `packet`.
static void ExpectNoAllocations(Firewall& firewall, const PeerIdentity& peer, Bytes packet,
                                size_t source_port_at, const Bytes& refused) {
  g_allocations = 0;
  g_counting = true;
  Verdict first = Verdict::kCount, hit = Verdict::kCount, dropped = Verdict::kCount;
  for (uint32_t i = 0; i < 1000; ++i) {
    StoreBig16(&packet[source_port_at], uint16_t(1000 + i));  // a new flow
    first = firewall.Check(packet, true, peer, kStart + i);
    hit = firewall.Check(packet, true, peer, kStart + i);  // conntrack hit
    dropped = firewall.Check(refused, true, peer, kStart + i);
  }
  const size_t during_checks = g_allocations.load();
  // The counter really sees allocations, so zero is a measurement, not a dead hook (a global
  // keeps clang from eliding the new/delete pair).
  static std::unique_ptr<int> boxed;
  boxed = std::make_unique<int>(1);
  g_counting = false;
  EXPECT_EQ(first, Verdict::kAllow);
  EXPECT_EQ(hit, Verdict::kAllow);
  EXPECT_EQ(dropped, Verdict::kDropNoRule);
  EXPECT_EQ(firewall.tracked_flows(), 1000u);
  EXPECT_EQ(during_checks, 0u);
  EXPECT_GT(g_allocations.load(), 0u);
}

TEST(FirewallCheck, ThePacketPathDoesNotAllocate) {
  Firewall firewall(Rules({{.port = "1-65535", .proto = "tcp", .groups = {"servers"}}}, {kAnyOut}),
                    MyNetworks());
  ExpectNoAllocations(firewall, Peer(), Ipv4(kProtoTcp, kPeer, kMe, 1000, 22), 20,
                      Ipv4(kProtoUdp, kPeer, kMe, 1000, 22));
}

TEST(FirewallCheck, ConcurrentChecksAndReloads) {
  Firewall firewall(Rules({kIcmpIn}, {kAnyOut}), MyNetworks());
  std::atomic<bool> stop{false};
  std::atomic<size_t> wrong{0};
  auto worker = [&](uint16_t base) {
    const PeerIdentity peer = Peer();
    for (uint32_t i = 0; i < 20000; ++i) {
      uint16_t port = uint16_t(base + i % 500);
      if (firewall.Check(Ipv4(kProtoTcp, kMe, kPeer, port, 80), false, peer, kStart + i) !=
              Verdict::kAllow ||
          firewall.Check(Ipv4(kProtoTcp, kPeer, kMe, 80, port), true, peer, kStart + i) !=
              Verdict::kAllow) {
        ++wrong;
      }
    }
  };
  std::thread reloader([&] {
    for (int i = 0; i < 200 && !stop; ++i) firewall.ReloadRules(Rules({kIcmpIn}, {kAnyOut}));
  });
  std::thread a(worker, 1000), b(worker, 2000);
  a.join();
  b.join();
  stop = true;
  reloader.join();
  EXPECT_EQ(wrong.load(), 0u);
}

TEST(FirewallLocalDrops, BroadcastAndMulticastAreDroppedOnlyWhenAsked) {
  auto v4 = [](uint32_t address) { return IpAddr::V4(address); };
  const std::vector<IpPrefix> overlay = {IpPrefix::From(v4(kMe), 24)};
  LocalDrops neither = LocalDrops::For(overlay, false, false);
  EXPECT_FALSE(neither.ShouldDrop(v4(0xc0a864ff)));
  EXPECT_FALSE(neither.ShouldDrop(v4(0xe0000001)));

  LocalDrops both = LocalDrops::For(overlay, true, true);
  EXPECT_EQ(both.local_broadcasts, std::vector<IpAddr>{v4(0xc0a864ff)});  // 192.168.100.255
  EXPECT_TRUE(both.ShouldDrop(v4(0xc0a864ff)));
  EXPECT_TRUE(both.ShouldDrop(v4(0xe0000001)));   // 224.0.0.1
  EXPECT_TRUE(both.ShouldDrop(v4(0xefffffff)));   // 239.255.255.255
  EXPECT_FALSE(both.ShouldDrop(v4(0xf0000000)));  // 240.0.0.0 is not class D
  EXPECT_FALSE(both.ShouldDrop(v4(kPeer)));
  EXPECT_FALSE(both.ShouldDrop(v4(0xffffffff)));  // the limited broadcast is not "local" here

  EXPECT_EQ(BroadcastAddress(IpPrefix::From(v4(0x0a010203), 16)), v4(0x0a01ffff));
  EXPECT_TRUE(IsMulticast(v4(0xe00000fb)));  // mDNS
  EXPECT_FALSE(IsMulticast(v4(0xdfffffff)));
}

TEST(FirewallLocalDrops, Ipv6MulticastIsDroppedAndEveryIpv4NetworkHasItsBroadcast) {
  auto ip = [](const char* text) { return ParseIpAddr(text).value(); };
  const std::vector<IpPrefix> overlay = {ParseIpPrefix("192.168.100.1/24").value(),
                                         ParseIpPrefix("fd00:100::1/64").value(),
                                         ParseIpPrefix("10.7.0.1/16").value()};
  LocalDrops both = LocalDrops::For(overlay, true, true);
  EXPECT_TRUE(both.ShouldDrop(ip("192.168.100.255")));
  EXPECT_TRUE(both.ShouldDrop(ip("10.7.255.255")));
  EXPECT_TRUE(both.ShouldDrop(ip("ff02::1")));   // all nodes
  EXPECT_TRUE(both.ShouldDrop(ip("ff02::fb")));  // mDNS
  EXPECT_TRUE(both.ShouldDrop(ip("ff05::1:3")));
  // IPv6 has no broadcast: the network's all-ones address is an ordinary one.
  EXPECT_FALSE(both.ShouldDrop(ip("fd00:100::ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(both.ShouldDrop(ip("fe80::1")));  // link-local is not a local drop
  EXPECT_FALSE(both.ShouldDrop(ip("fd00:100::2")));
  // The IPv4-mapped form of a broadcast or multicast address is IPv6, and neither.
  EXPECT_FALSE(both.ShouldDrop(ip("::ffff:192.168.100.255")));
  EXPECT_FALSE(both.ShouldDrop(ip("::ffff:224.0.0.1")));
  LocalDrops broadcast_only = LocalDrops::For(overlay, true, false);
  EXPECT_FALSE(broadcast_only.ShouldDrop(ip("ff02::1")));
  EXPECT_TRUE(broadcast_only.ShouldDrop(ip("10.7.255.255")));
}

// Finding 3: peer B must not reach a flow between us and peer C, neither by claiming C's
// address (checked before conntrack) nor through an address both may use (flows are per peer).
TEST(FirewallCheck, AnotherPeerCannotUseAFlowOpenedWithThisPeer) {
  Firewall firewall(Rules({}, {kAnyOut}), MyNetworks());
  const PeerIdentity c = Peer();
  PeerIdentity b = Peer();
  b.name = "b";
  b.overlay_ip = IpAddr::V4(0xc0a86403);  // 192.168.100.3
  ASSERT_EQ(firewall.Check(Ipv4(kProtoUdp, kMe, kPeer, 5000, 53), false, c, kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, kPeer, kMe, 53, 5000), true, c, kStart + 1),
            Verdict::kAllow);
  // B forges C's address as the source, on B's own tunnel.
  EXPECT_EQ(firewall.Check(Ipv4(kProtoUdp, kPeer, kMe, 53, 5000), true, b, kStart + 1),
            Verdict::kDropRemoteIp);

  // Both route 10.50.0.0/24 (unsafe routes); a flow to 10.50.0.9 through C is C's alone.
  PeerIdentity c_router = c, b_router = b;
  c_router.other_networks = {IpPrefix::From(IpAddr::V4(0x0a320000), 24)};
  b_router.other_networks = c_router.other_networks;
  ASSERT_EQ(firewall.Check(Ipv4(kProtoTcp, kMe, 0x0a320009, 40000, 443), false, c_router, kStart),
            Verdict::kAllow);
  EXPECT_EQ(
      firewall.Check(Ipv4(kProtoTcp, 0x0a320009, kMe, 443, 40000), true, c_router, kStart + 1),
      Verdict::kAllow);
  EXPECT_EQ(
      firewall.Check(Ipv4(kProtoTcp, 0x0a320009, kMe, 443, 40000), true, b_router, kStart + 1),
      Verdict::kDropNoRule);
}

namespace {

IpAddr V6(const char* text) { return ParseIpAddr(text).value(); }

// An IPv6 packet: TCP/UDP with ports, or ICMPv6 of `type` with identifier `id`.
Bytes Ipv6(uint8_t protocol, const IpAddr& source, const IpAddr& destination, uint16_t a,
           uint16_t b) {
  Bytes packet(48, 0);
  packet[0] = 0x60;
  StoreBig16(&packet[4], 8);
  packet[6] = protocol;
  packet[7] = 64;
  std::copy(source.bytes().begin(), source.bytes().end(), packet.begin() + 8);
  std::copy(destination.bytes().begin(), destination.bytes().end(), packet.begin() + 24);
  if (protocol == kProtoIcmpv6) {
    packet[40] = uint8_t(a);  // type
    StoreBig16(&packet[44], b);
  } else {
    StoreBig16(&packet[40], a);
    StoreBig16(&packet[42], b);
  }
  return packet;
}

}  // namespace

TEST(FirewallCheckIpv6, DualStackPeerPingsOverBothFamiliesUnderOneIcmpRule) {
  const IpAddr me6 = V6("fd00:100::1"), peer6 = V6("fd00:100::2");
  Firewall firewall(Rules({kIcmpIn}, {}),
                    {IpPrefix::From(IpAddr::V4(kMe), 32), IpPrefix::From(me6, 128)});
  PeerIdentity peer = Peer();
  peer.other_networks = {IpPrefix::From(peer6, 128)};
  EXPECT_EQ(firewall.Check(Ipv6(kProtoIcmpv6, peer6, me6, 128, 7), true, peer, kStart),
            Verdict::kAllow);
  // The echo reply (same identifier) goes out on the flow the request opened; no outbound
  // rule exists. Another identifier is another flow, and refused.
  EXPECT_EQ(firewall.Check(Ipv6(kProtoIcmpv6, me6, peer6, 129, 7), false, peer, kStart + 1),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv6(kProtoIcmpv6, me6, peer6, 129, 8), false, peer, kStart + 1),
            Verdict::kDropNoRule);
  EXPECT_EQ(firewall.Check(Ipv4(kProtoIcmp, kPeer, kMe, 8, 0), true, peer, kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv6(kProtoTcp, peer6, me6, 40000, 22), true, peer, kStart),
            Verdict::kDropNoRule);
}

TEST(FirewallCheckIpv6, AddressesAreCheckedPerFamily) {
  const IpAddr me6 = V6("fd00:100::1"), peer6 = V6("fd00:100::2");
  Firewall firewall(Rules({{.port = "any", .proto = "any", .host = "any"}}, {}),
                    {IpPrefix::From(me6, 128), ParseIpPrefix("fd00:9::/48").value()});
  PeerIdentity peer = Peer();
  peer.other_networks = {IpPrefix::From(peer6, 128)};
  EXPECT_EQ(firewall.Check(Ipv6(kProtoUdp, peer6, me6, 1, 2), true, peer, kStart),
            Verdict::kAllow);
  EXPECT_EQ(firewall.Check(Ipv6(kProtoUdp, peer6, V6("fd00:9:0:7::1"), 1, 2), true, peer, kStart),
            Verdict::kAllow);
  // Another member's address, and the peer's IPv4 address written as IPv4-mapped IPv6.
  EXPECT_EQ(firewall.Check(Ipv6(kProtoUdp, V6("fd00:100::9"), me6, 1, 2), true, peer, kStart),
            Verdict::kDropRemoteIp);
  EXPECT_EQ(firewall.Check(Ipv6(kProtoUdp, V6("::ffff:192.168.100.2"), me6, 1, 2), true, peer,
                           kStart),
            Verdict::kDropRemoteIp);
  EXPECT_EQ(firewall.Check(Ipv6(kProtoUdp, peer6, V6("fd00:100::3"), 1, 2), true, peer, kStart),
            Verdict::kDropLocalIp);
}

TEST(FirewallCheckIpv6, ThePacketPathDoesNotAllocate) {
  const IpAddr me6 = V6("fd00:100::1"), peer6 = V6("fd00:100::2");
  Firewall firewall(Rules({{.port = "1-65535", .proto = "tcp", .groups = {"servers"}}}, {}),
                    {IpPrefix::From(me6, 128)});
  PeerIdentity peer = Peer();
  peer.overlay_ip = peer6;
  ExpectNoAllocations(firewall, peer, Ipv6(kProtoTcp, peer6, me6, 1000, 22), 40,
                      Ipv6(kProtoUdp, peer6, me6, 1000, 22));
}
