// The offloads end to end, the way flatnet's data path uses them: two private network
// namespaces, each with a TUN device, joined by a userspace bridge that does what a
// packet worker does — ReadPackets (splitting TSO super-packets into MTU-sized packets)
// on one side, TcpCoalescer (merging them back into super-packets) on the other. A TCP
// stream crosses it and must arrive intact; with offloads on, super-packets must really
// have been split and merged. The throughput is printed, never asserted.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "tun/coalesce.h"
#include "tun/tun_device.h"

using namespace flatnet;
using namespace flatnet::tun;

namespace {

constexpr int kMtu = 1300;  // nebula's default tun.mtu

// One direction of the bridge, owned by its thread.
struct BridgeStats {
  uint64_t frames = 0, split_frames = 0, packets = 0, oversized = 0;
  uint64_t coalesced_segments = 0, frames_written = 0;
  std::string error;
};

void Bridge(TunQueue& from, TunQueue& to, BridgeStats& stats) {
  TunReadBatch batch;
  TcpCoalescer coalescer(to);
  for (;;) {
    auto n = from.ReadPackets(batch);
    if (!n.ok()) {
      stats.error = n.status().message();
      return;
    }
    if (*n == 0) break;  // interrupted
    ++stats.frames;
    if (batch.was_split()) ++stats.split_frames;
    for (size_t i = 0; i < *n; ++i) {
      ByteSpan p = batch.packet(i);
      if (p.empty() || (p[0] >> 4) != 4) continue;  // router solicitations and such
      ++stats.packets;
      if (p.size() > size_t(kMtu)) ++stats.oversized;
      Status s = to.vnet_hdr() ? coalescer.Add(p) : to.WritePacket(p);
      if (!s.ok()) stats.error = s.message();
    }
    if (Status s = coalescer.Flush(); !s.ok()) stats.error = s.message();
  }
  stats.coalesced_segments = coalescer.segments_coalesced();
  stats.frames_written = coalescer.frames_written();
}

class TunOffloadTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    home_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(home_, 0);
    for (int side = 0; side < 2; ++side) {
      ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare needs root: " << strerror(errno);
      ns_[side] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      TunOptions options;
      options.name = "floff" + std::to_string(side);
      options.offloads = GetParam();
      auto dev = TunDevice::Open(options);
      ASSERT_TRUE(dev.ok()) << dev.status().message();
      dev_[side] = std::move(dev).value();
      TunAddressing a;
      a.addresses = {*ParseIpPrefix(side == 0 ? "10.50.0.1/24" : "10.50.0.2/24")};
      a.mtu = kMtu;
      Status s = dev_[side]->Activate(a);
      ASSERT_TRUE(s.ok()) << s.message();
    }
  }
  void TearDown() override {
    for (auto& dev : dev_) dev.reset();
    for (int fd : ns_) {
      if (fd >= 0) close(fd);
    }
    if (home_ >= 0) {
      setns(home_, CLONE_NEWNET);
      close(home_);
    }
  }
  // A TCP socket in namespace `side`, with timeouts so a broken bridge fails the test.
  int TcpSocket(int side) {
    EXPECT_EQ(setns(ns_[side], CLONE_NEWNET), 0);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
  }

  int home_ = -1;
  int ns_[2] = {-1, -1};
  std::unique_ptr<TunDevice> dev_[2];
};

TEST_P(TunOffloadTest, TcpStreamCrossesTheBridgeIntact) {
  const bool offloads = GetParam();
  if (offloads) {
    ASSERT_TRUE(dev_[0]->offloads().tso) << "this kernel refuses TSO on TUN devices";
  }
  BridgeStats a_to_b, b_to_a;
  std::thread forward([&] { Bridge(dev_[0]->queue(0), dev_[1]->queue(0), a_to_b); });
  std::thread backward([&] { Bridge(dev_[1]->queue(0), dev_[0]->queue(0), b_to_a); });

  int server = TcpSocket(1);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(7000);
  addr.sin_addr.s_addr = htonl(0x0a320002);  // 10.50.0.2
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << strerror(errno);
  ASSERT_EQ(listen(server, 1), 0);

  constexpr size_t kBytes = 256u << 20;
  std::atomic<size_t> verified{0};
  std::atomic<size_t> first_bad{SIZE_MAX};
  std::thread receiver([&] {
    int conn = accept(server, nullptr, nullptr);
    if (conn < 0) return;
    std::vector<uint8_t> buf(1 << 18);
    size_t offset = 0;
    for (;;) {
      ssize_t n = read(conn, buf.data(), buf.size());
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[size_t(i)] != uint8_t((offset + size_t(i)) * 131 >> 8) && first_bad == SIZE_MAX) {
          first_bad = offset + size_t(i);
        }
      }
      offset += size_t(n);
    }
    verified = offset;
    close(conn);
  });

  int client = TcpSocket(0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0)
      << "connect through the bridge: " << strerror(errno);
  std::vector<uint8_t> chunk(1 << 20);
  auto start = std::chrono::steady_clock::now();
  size_t sent = 0;
  while (sent < kBytes) {
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = uint8_t((sent + i) * 131 >> 8);
    size_t off = 0;
    while (off < chunk.size()) {
      ssize_t n = write(client, chunk.data() + off, chunk.size() - off);
      ASSERT_GT(n, 0) << "send stalled after " << sent + off << " bytes: " << strerror(errno);
      off += size_t(n);
    }
    sent += chunk.size();
  }
  shutdown(client, SHUT_WR);
  receiver.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(client);
  close(server);
  dev_[0]->Interrupt();
  dev_[1]->Interrupt();
  forward.join();
  backward.join();

  EXPECT_EQ(verified, kBytes);
  EXPECT_EQ(first_bad, SIZE_MAX) << "corrupt byte at offset " << first_bad;
  EXPECT_EQ(a_to_b.error, "");
  EXPECT_EQ(b_to_a.error, "");
  EXPECT_EQ(a_to_b.oversized, 0u) << "every packet sent on must fit tun.mtu " << kMtu;
  if (offloads) {
    EXPECT_GT(a_to_b.split_frames, 0u) << "TSO on, but the TUN never sent a super-packet";
    EXPECT_GT(a_to_b.coalesced_segments, 0u) << "no segments were merged for the receiver";
  } else {
    EXPECT_EQ(a_to_b.split_frames, 0u);
  }
  std::printf(
      "[ measure  ] offloads %s: %.0f MB/s over a %d-MTU bridge; %.1f packets per TUN "
      "read, %.1f packets per TUN write\n",
      offloads ? "on " : "off", kBytes / seconds / 1e6, kMtu,
      double(a_to_b.packets) / double(std::max<uint64_t>(1, a_to_b.frames)),
      offloads ? double(a_to_b.packets) / double(std::max<uint64_t>(1, a_to_b.frames_written))
               : 1.0);
}

INSTANTIATE_TEST_SUITE_P(Offloads, TunOffloadTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "On" : "Off"; });

}  // namespace
