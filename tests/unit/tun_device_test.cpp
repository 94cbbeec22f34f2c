// TunDevice against the kernel, inside a private network namespace per test (unshare):
// the device is created and configured as Nebula would (checked with `ip`, as a user
// would), packets cross between the TUN and ordinary sockets in both directions, with and
// without offloads, and shutdown wakes blocked readers.
#include "tun/tun_device.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <sstream>
#include <thread>

#include "net/udp_socket.h"
#include "tun/vnet_header.h"

using namespace flatnet;
using namespace flatnet::tun;

namespace {

std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return "popen failed";
  char buf[512];
  while (fgets(buf, sizeof(buf), pipe)) out += buf;
  pclose(pipe);
  return out;
}
// The line of `text` that starts with `prefix` ("" if none).
std::string LineStarting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}
bool Has(const std::string& line, const std::string& token) {
  return (" " + line + " ").find(" " + token + " ") != std::string::npos;
}

uint32_t NaiveSum(const uint8_t* p, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i < len; i += 2) sum += uint32_t(p[i]) << 8 | (i + 1 < len ? p[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}
void PutBe16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
uint16_t Be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
bool UdpChecksumValid(ByteSpan p) {
  size_t l4 = (p[0] & 15) * 4, len = p.size() - l4;
  uint32_t pseudo = NaiveSum(&p[12], 8, 17 + uint32_t(len));
  return NaiveSum(&p[l4], len, pseudo) == 0xffff;
}
// An IPv4/UDP packet with correct checksums.
std::vector<uint8_t> UdpPacket(const IpAddr& src, uint16_t sport, const IpAddr& dst, uint16_t dport,
                               const std::string& payload) {
  std::vector<uint8_t> p(28 + payload.size());
  p[0] = 0x45;
  PutBe16(&p[2], uint16_t(p.size()));
  p[8] = 64;
  p[9] = 17;
  std::copy_n(src.bytes().data(), 4, &p[12]);
  std::copy_n(dst.bytes().data(), 4, &p[16]);
  PutBe16(&p[10], uint16_t(~NaiveSum(p.data(), 20)));
  PutBe16(&p[20], sport);
  PutBe16(&p[22], dport);
  PutBe16(&p[24], uint16_t(8 + payload.size()));
  std::copy(payload.begin(), payload.end(), p.begin() + 28);
  uint32_t pseudo = NaiveSum(&p[12], 8, 17 + uint32_t(8 + payload.size()));
  PutBe16(&p[26], uint16_t(~NaiveSum(&p[20], 8 + payload.size(), pseudo)));
  return p;
}

class TunDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET) needs root: " << strerror(errno);
  }
  std::unique_ptr<TunDevice> OpenDevice(TunOptions options) {
    auto dev = TunDevice::Open(options);
    EXPECT_TRUE(dev.ok()) << dev.status().message();
    return dev.ok() ? std::move(dev).value() : nullptr;
  }
  static TunAddressing Addressing(const char* cidr) {
    TunAddressing a;
    a.addresses = {*ParseIpPrefix(cidr)};
    return a;
  }
  // Reads frames from q until one is an IPv4/UDP packet to `dport` (the kernel also
  // sends IPv6 router solicitations and such), giving up after a bounded wait.
  static std::vector<std::vector<uint8_t>> ReadUdpTo(TunQueue& q, uint16_t dport, size_t want,
                                                     size_t* split_frames = nullptr) {
    std::vector<std::vector<uint8_t>> got;
    TunReadBatch batch;
    for (int polls = 0; got.size() < want && polls < 200; ++polls) {
      pollfd pfd{q.fd(), POLLIN, 0};
      if (poll(&pfd, 1, 2000) <= 0) break;
      auto n = q.ReadPackets(batch);
      EXPECT_TRUE(n.ok()) << n.status().message();
      if (!n.ok()) break;
      if (split_frames && batch.was_split()) ++*split_frames;
      for (size_t i = 0; i < *n; ++i) {
        ByteSpan p = batch.packet(i);
        if (p.size() >= 28 && p[0] == 0x45 && p[9] == 17 && Be16(&p[22]) == dport) {
          got.emplace_back(p.begin(), p.end());
        }
      }
    }
    return got;
  }
};

TEST_F(TunDeviceTest, ActivateConfiguresAddressMtuAndRoutesLikeNebula) {
  TunOptions options;
  options.name = "fltest0";
  auto dev = OpenDevice(options);
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->name(), "fltest0");
  EXPECT_GT(dev->ifindex(), 0);
  TunAddressing a = Addressing("10.42.0.5/24");
  a.mtu = 1400;
  a.tx_queue = 777;
  a.routes = {
      {*ParseIpPrefix("10.42.0.0/26"), 8800, 0},    // tun.routes: bigger MTU
      {*ParseIpPrefix("172.16.9.0/24"), 0, 100},    // unsafe route, default MTU
      {*ParseIpPrefix("172.16.10.7/24"), 1300, 5},  // host bits are dropped
  };
  EXPECT_EQ(TunDevice::DeviceMtu(a), 8800);
  Status s = dev->Activate(a);
  ASSERT_TRUE(s.ok()) << s.message();

  std::string link = Shell("ip -o link show dev fltest0");
  EXPECT_TRUE(Has(link, "mtu 8800")) << link;
  EXPECT_NE(link.find("qlen 777"), std::string::npos) << link;
  EXPECT_NE(link.find("UP"), std::string::npos) << link;
  std::string addr = Shell("ip -o -4 addr show dev fltest0");
  EXPECT_NE(addr.find("inet 10.42.0.5/24"), std::string::npos) << addr;

  std::string routes = Shell("ip -4 route show dev fltest0");
  // The network route keeps tun.mtu and advertises a matching MSS (1400 - 40).
  std::string own = LineStarting(routes, "10.42.0.0/24 ");
  for (const char* token :
       {"proto kernel", "scope link", "src 10.42.0.5", "mtu 1400", "advmss 1360"}) {
    EXPECT_TRUE(Has(own, token)) << token << " in: " << own << "\nall routes:\n" << routes;
  }
  std::string big = LineStarting(routes, "10.42.0.0/26 ");
  EXPECT_TRUE(Has(big, "mtu 8800")) << routes;
  EXPECT_FALSE(Has(big, "advmss")) << "MTU equals the device's: no advmss needed\n" << routes;
  std::string unsafe_default = LineStarting(routes, "172.16.9.0/24 ");
  EXPECT_TRUE(Has(unsafe_default, "metric 100")) << routes;
  EXPECT_TRUE(Has(unsafe_default, "advmss 1360")) << routes;
  EXPECT_FALSE(Has(unsafe_default, "mtu")) << routes;
  std::string unsafe_small = LineStarting(routes, "172.16.10.0/24 ");
  for (const char* token : {"metric 5", "mtu 1300", "advmss 1260"}) {
    EXPECT_TRUE(Has(unsafe_small, token)) << token << "\n" << routes;
  }

  // Activating again (a reload) replaces rather than fails.
  s = dev->Activate(a);
  EXPECT_TRUE(s.ok()) << s.message();
}

// A v2 certificate's networks: an IPv4 and an IPv6 one on one device, each with its own
// network route, and an IPv6 unsafe route beside an IPv4 one.
TEST_F(TunDeviceTest, ActivateGivesTheDeviceEveryNetworkOfBothFamilies) {
  TunOptions options;
  options.name = "fltest6";
  auto dev = OpenDevice(options);
  ASSERT_TRUE(dev);
  TunAddressing a;
  a.addresses = {*ParseIpPrefix("10.46.0.5/24"), *ParseIpPrefix("fd00:46::5/64")};
  a.mtu = 1400;
  a.routes = {{*ParseIpPrefix("fd00:99::/48"), 1300, 7}, {*ParseIpPrefix("172.16.46.0/24"), 0, 0}};
  Status s = dev->Activate(a);
  ASSERT_TRUE(s.ok()) << s.message();
  std::string v4 = Shell("ip -o -4 addr show dev fltest6");
  EXPECT_NE(v4.find("inet 10.46.0.5/24"), std::string::npos) << v4;
  // Global scope only: the kernel's own link-local address does go through DAD, and is
  // still tentative for a moment when the machine is busy.
  std::string v6 = Shell("ip -o -6 addr show dev fltest6 scope global");
  EXPECT_NE(v6.find("inet6 fd00:46::5/64"), std::string::npos) << v6;
  EXPECT_EQ(v6.find("tentative"), std::string::npos) << "no duplicate address detection\n" << v6;
  std::string routes = Shell("ip -6 route show dev fltest6");
  std::string own = LineStarting(routes, "fd00:46::/64 ");
  EXPECT_TRUE(Has(own, "proto kernel")) << routes;
  EXPECT_TRUE(Has(own, "mtu 1400")) << routes;
  std::string unsafe = LineStarting(routes, "fd00:99::/48 ");
  for (const char* token : {"metric 7", "mtu 1300", "advmss 1240"})
    EXPECT_TRUE(Has(unsafe, token)) << token << "\n" << routes;
  EXPECT_NE(Shell("ip -4 route show dev fltest6").find("172.16.46.0/24"), std::string::npos);
  // Activating again (a reload) replaces rather than fails, in both families.
  s = dev->Activate(a);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(TunDeviceTest, DeviceDisappearsWithTheObject) {
  {
    TunOptions options;
    options.name = "fltest1";
    auto dev = OpenDevice(options);
    ASSERT_TRUE(dev);
    EXPECT_EQ(Shell("ip -o link show dev fltest1").find("does not exist"), std::string::npos);
  }
  EXPECT_NE(Shell("ip -o link show dev fltest1").find("does not exist"), std::string::npos);
}

TEST_F(TunDeviceTest, EmptyNameLetsTheKernelChoose) {
  auto dev = OpenDevice(TunOptions{});
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->name().rfind("tun", 0), 0u) << dev->name();
}

TEST_F(TunDeviceTest, BadSettingsAreNamedInTheError) {
  TunOptions long_name;
  long_name.name = "a-name-much-too-long";
  auto dev = TunDevice::Open(long_name);
  ASSERT_FALSE(dev.ok());
  EXPECT_NE(dev.status().message().find("tun.dev"), std::string::npos);
  EXPECT_NE(dev.status().message().find("a-name-much-too-long"), std::string::npos);

  TunOptions slash;
  slash.name = "a/b";
  EXPECT_FALSE(TunDevice::Open(slash).ok());
  TunOptions no_queues;
  no_queues.queues = 0;
  EXPECT_FALSE(TunDevice::Open(no_queues).ok());

  TunOptions lo;  // an existing interface that is not a TUN device
  lo.name = "lo";
  auto taken = TunDevice::Open(lo);
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.status().message().find("\"lo\""), std::string::npos) << taken.status().message();

  auto good = OpenDevice(TunOptions{"fltest2"});
  ASSERT_TRUE(good);
  TunAddressing a = Addressing("10.44.0.1/24");
  a.mtu = 20;
  Status s = good->Activate(a);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("tun.mtu 20"), std::string::npos) << s.message();
  a.mtu = 1300;
  a.routes = {{*ParseIpPrefix("10.9.0.0/16"), 70000, 0}};
  s = good->Activate(a);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("10.9.0.0/16"), std::string::npos) << s.message();
  a.routes.clear();
  a.addresses = {*ParseIpPrefix("10.44.0.1/0")};
  EXPECT_FALSE(good->Activate(a).ok());
}

class TunTrafficTest : public TunDeviceTest, public ::testing::WithParamInterface<bool> {};

TEST_P(TunTrafficTest, PacketsCrossBetweenTunAndSockets) {
  TunOptions options;
  options.name = "fltest3";
  options.offloads = GetParam();
  auto dev = OpenDevice(options);
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->offloads().vnet_hdr, GetParam());
  if (GetParam()) {
    EXPECT_TRUE(dev->offloads().tso) << "kernel refused TSO on a TUN";
  }
  ASSERT_TRUE(dev->Activate(Addressing("10.43.0.1/24")).ok());
  TunQueue& q = dev->queue(0);
  EXPECT_EQ(q.vnet_hdr(), GetParam());

  net::UdpSocketOptions so;
  so.host = "10.43.0.1";
  so.port = 5000;
  so.recv_timeout_ms = 2000;
  auto sock = net::UdpSocket::Open(so);
  ASSERT_TRUE(sock.ok()) << sock.status().message();

  // Overlay -> host: a packet written to the TUN arrives at the socket.
  auto peer = *ParseIpAddr("10.43.0.2");
  auto in = UdpPacket(peer, 6000, *ParseIpAddr("10.43.0.1"), 5000, "from the mesh");
  ASSERT_TRUE(q.WritePacket(in).ok());
  uint8_t buf[100];
  net::UdpAddr from;
  auto n = sock->RecvFrom(buf, &from);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(std::string(buf, buf + *n), "from the mesh");
  EXPECT_EQ(from.ToString(), "10.43.0.2:6000");

  // Host -> overlay: a datagram sent to a peer comes out of the TUN as a valid packet.
  ASSERT_TRUE(
      sock->SendTo(net::UdpAddr(peer, 6000), ByteSpan((const uint8_t*)"to the mesh", 11)).ok());
  auto out = ReadUdpTo(q, 6000, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::string(out[0].begin() + 28, out[0].end()), "to the mesh");
  EXPECT_EQ(Be16(&out[0][20]), 5000);
  EXPECT_TRUE(UdpChecksumValid(out[0])) << "partial checksums must have been finished";
  EXPECT_EQ(NaiveSum(out[0].data(), 20), 0xffffu);
}

TEST_P(TunTrafficTest, UdpGsoFromTheHostArrivesAsSeparateDatagrams) {
  TunOptions options;
  options.name = "fltest4";
  options.offloads = GetParam();
  auto dev = OpenDevice(options);
  ASSERT_TRUE(dev);
  TunAddressing a = Addressing("10.45.0.1/24");
  a.mtu = 1500;
  ASSERT_TRUE(dev->Activate(a).ok());
  net::UdpSocketOptions so;
  so.host = "10.45.0.1";
  auto sock = net::UdpSocket::Open(so);
  ASSERT_TRUE(sock.ok());
  // 20 datagrams of 1000 bytes in one GSO send; with USO the TUN gets one super-packet.
  std::vector<uint8_t> data(20 * 1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i / 1000 + i);
  ASSERT_TRUE(sock->SendSegments(*net::UdpAddr::Parse("10.45.0.2:7000"), data, 1000).ok());
  size_t split = 0;
  auto got = ReadUdpTo(dev->queue(0), 7000, 20, &split);
  ASSERT_EQ(got.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    ASSERT_EQ(got[i].size(), 1028u);
    EXPECT_TRUE(std::equal(got[i].begin() + 28, got[i].end(), data.begin() + i * 1000)) << i;
    EXPECT_TRUE(UdpChecksumValid(got[i])) << i;
  }
  if (GetParam() && dev->offloads().uso) {
    EXPECT_GE(split, 1u) << "USO on, yet no super-packet";
  }
  if (!GetParam()) {
    EXPECT_EQ(split, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Offloads, TunTrafficTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "On" : "Off"; });

TEST_F(TunDeviceTest, MultiQueueSpreadsFlowsAndEachPacketIsReadOnce) {
  TunOptions options;
  options.name = "fltest5";
  options.queues = 2;
  auto dev = OpenDevice(options);
  ASSERT_TRUE(dev);
  ASSERT_EQ(dev->queue_count(), 2u);
  EXPECT_NE(dev->queue(0).fd(), dev->queue(1).fd());
  ASSERT_TRUE(dev->Activate(Addressing("10.46.0.1/24")).ok());

  std::vector<net::UdpSocket> socks;
  for (int i = 0; i < 32; ++i) {
    net::UdpSocketOptions so;
    so.host = "10.46.0.1";
    socks.push_back(std::move(net::UdpSocket::Open(so)).value());
    uint8_t tag = uint8_t(i);
    ASSERT_TRUE(
        socks.back().SendTo(*net::UdpAddr::Parse("10.46.0.9:9000"), ByteSpan(&tag, 1)).ok());
  }
  std::set<uint8_t> seen;
  size_t per_queue[2] = {0, 0};
  TunReadBatch batch;
  for (int polls = 0; seen.size() < 32 && polls < 200; ++polls) {
    pollfd fds[2] = {{dev->queue(0).fd(), POLLIN, 0}, {dev->queue(1).fd(), POLLIN, 0}};
    if (poll(fds, 2, 2000) <= 0) break;
    for (int qi = 0; qi < 2; ++qi) {
      if (!fds[qi].revents) continue;
      auto n = dev->queue(qi).ReadPackets(batch);
      ASSERT_TRUE(n.ok());
      for (size_t i = 0; i < *n; ++i) {
        ByteSpan p = batch.packet(i);
        if (p.size() == 29 && p[9] == 17 && Be16(&p[22]) == 9000) {
          EXPECT_TRUE(seen.insert(p[28]).second) << "read twice";
          ++per_queue[qi];
        }
      }
    }
  }
  EXPECT_EQ(seen.size(), 32u);
  EXPECT_GT(per_queue[0], 0u) << "queue 0 got no flows";
  EXPECT_GT(per_queue[1], 0u) << "queue 1 got no flows";
}

TEST_F(TunDeviceTest, InterruptWakesBlockedReadersOnEveryQueue) {
  TunOptions options;
  options.name = "fltest6";
  options.queues = 2;
  auto dev = OpenDevice(options);
  ASSERT_TRUE(dev);
  std::atomic<int> returned{0};
  std::vector<std::thread> workers;
  for (size_t qi = 0; qi < 2; ++qi) {
    workers.emplace_back([&, qi] {
      TunReadBatch batch;
      auto n = dev->queue(qi).ReadPackets(batch);
      EXPECT_TRUE(n.ok());
      EXPECT_EQ(*n, 0u) << "interrupted reads report no packets";
      ++returned;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(returned, 0) << "readers should block while the device is down";
  dev->Interrupt();
  for (auto& w : workers) w.join();
  EXPECT_EQ(returned, 2);
  uint8_t buf[64];
  EXPECT_EQ(dev->queue(0).Read(buf, sizeof(buf)), 0) << "later reads return at once";
}

}  // namespace
