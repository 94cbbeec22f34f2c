// UdpSocket against the kernel: batched send/receive, GSO and GRO, SO_REUSEPORT,
// dual-stack binding and shutdown. Each test runs in a private network namespace of its
// own (unshare), so nothing touches the host's network.
#include <errno.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "net/udp_socket.h"

using namespace flatnet;
using namespace flatnet::net;

namespace {

class UdpSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET) needs root: " << strerror(errno);
    // A new namespace's loopback starts down.
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    ASSERT_EQ(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    ASSERT_EQ(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
    close(fd);
  }

  static UdpSocket Open(UdpSocketOptions options) {
    auto sock = UdpSocket::Open(options);
    EXPECT_TRUE(sock.ok()) << sock.status().message();
    return std::move(sock).value();
  }
  static UdpSocketOptions Loopback(uint16_t port = 0) {
    UdpSocketOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.recv_timeout_ms = 2000;  // a lost datagram fails the test instead of hanging it
    return o;
  }
  // Datagram i of a test stream: its index in the first two bytes, then a pattern.
  static void Fill(MutableByteSpan out, size_t i) {
    for (size_t k = 0; k < out.size(); ++k) out[k] = uint8_t(i * 7 + k);
    if (out.size() >= 2) out[0] = uint8_t(i >> 8), out[1] = uint8_t(i);
  }
  static bool Matches(ByteSpan got, size_t i, size_t size) {
    std::vector<uint8_t> want(size);
    Fill(want, i);
    return got.size() == size && std::equal(got.begin(), got.end(), want.begin());
  }
  // Receives until `want` datagrams arrived (splitting GRO messages), or a timeout.
  static std::vector<std::vector<uint8_t>> ReceiveAll(UdpSocket& sock, RecvBatchBuffers& batch,
                                                      size_t want, size_t* messages = nullptr,
                                                      size_t* coalesced = nullptr) {
    std::vector<std::vector<uint8_t>> got;
    for (int rounds = 0; got.size() < want && rounds < 1000; ++rounds) {
      auto n = sock.RecvBatch(batch);
      EXPECT_TRUE(n.ok()) << n.status().message();
      if (!n.ok() || *n == 0) break;
      for (int i = 0; i < *n; ++i) {
        if (messages) ++*messages;
        if (coalesced && batch.segment_size(i)) ++*coalesced;
        batch.ForEachDatagram(i, [&](ByteSpan d) { got.emplace_back(d.begin(), d.end()); });
      }
    }
    return got;
  }
};

TEST_F(UdpSocketTest, BatchExchangeDeliversEveryDatagramWithItsSource) {
  UdpSocket a = Open(Loopback()), b = Open(Loopback());
  UdpAddr a_addr = *a.LocalAddr(), b_addr = *b.LocalAddr();
  EXPECT_EQ(a_addr.IpString(), "127.0.0.1");
  EXPECT_NE(a_addr.port(), 0) << "port 0 must have been replaced by the kernel's choice";

  // Mixed sizes so no two neighbours could be merged into one GSO run by accident.
  SendBatchBuffers out(32);
  const size_t sizes[] = {1, 100, 1300, 9001, 0, 577, 1300, 2};
  for (size_t i = 0; i < 32; ++i) {
    size_t size = sizes[i % 8];
    Fill(out.next_buffer().first(size), i);
    out.Commit(b_addr, size);
  }
  BatchSendResult sent = a.SendBatch(out);
  EXPECT_TRUE(sent.first_error.ok()) << sent.first_error.message();
  EXPECT_EQ(sent.sent, 32u);
  EXPECT_EQ(sent.failed, 0u);
  EXPECT_TRUE(out.empty());

  RecvBatchBuffers in(64);
  size_t received = 0;
  for (int rounds = 0; received < 32 && rounds < 100; ++rounds) {
    auto n = b.RecvBatch(in);
    ASSERT_TRUE(n.ok()) << n.status().message();
    ASSERT_GT(*n, 0) << "timed out after " << received << " datagrams";
    for (int i = 0; i < *n; ++i, ++received) {
      EXPECT_EQ(in.source(i), a_addr);
      EXPECT_EQ(in.segment_size(i), 0u);
      EXPECT_TRUE(Matches(in.packet(i), received, sizes[received % 8])) << "datagram " << received;
    }
  }
  EXPECT_EQ(received, 32u);
}

TEST_F(UdpSocketTest, SendBatchUsesGsoAndGroDeliversCoalescedDatagrams) {
  UdpSocketOptions rx_options = Loopback();
  rx_options.gro = true;
  UdpSocket tx = Open(Loopback()), rx = Open(rx_options);
  ASSERT_TRUE(tx.gso_enabled()) << "kernel without UDP GSO";
  ASSERT_TRUE(rx.gro_enabled()) << "kernel without UDP GRO";
  UdpAddr dest = *rx.LocalAddr();

  // 40 full 1300-byte datagrams and a short one: one run, so one GSO message.
  SendBatchBuffers out(64);
  for (size_t i = 0; i < 41; ++i) {
    size_t size = i < 40 ? 1300 : 77;
    Fill(out.next_buffer().first(size), i);
    out.Commit(dest, size);
  }
  BatchSendResult sent = tx.SendBatch(out);
  ASSERT_TRUE(sent.first_error.ok()) << sent.first_error.message();
  EXPECT_EQ(sent.sent, 41u);

  RecvBatchBuffers small(8);
  auto refused = rx.RecvBatch(small);
  ASSERT_FALSE(refused.ok()) << "GRO with 9001-byte buffers would truncate";
  EXPECT_NE(refused.status().message().find("65535"), std::string::npos);

  RecvBatchBuffers in(8, kMaxGroMessageSize);
  size_t messages = 0, coalesced = 0;
  auto got = ReceiveAll(rx, in, 41, &messages, &coalesced);
  ASSERT_EQ(got.size(), 41u);
  for (size_t i = 0; i < 41; ++i) EXPECT_TRUE(Matches(got[i], i, i < 40 ? 1300 : 77)) << i;
  // On loopback the GSO message reaches a GRO socket whole.
  EXPECT_LT(messages, 41u);
  EXPECT_GE(coalesced, 1u);
}

TEST_F(UdpSocketTest, SendSegmentsSplitsOneBufferIntoDatagrams) {
  for (bool gso : {true, false}) {
    SCOPED_TRACE(gso ? "with GSO" : "without GSO (sendmmsg fallback)");
    UdpSocketOptions tx_options = Loopback();
    tx_options.gso = gso;
    UdpSocketOptions rx_options = Loopback();
    rx_options.gro = true;
    rx_options.recv_buffer = 4 << 20;  // the whole burst must fit without GRO as well
    UdpSocket tx = Open(tx_options), rx = Open(rx_options);
    EXPECT_EQ(tx.gso_enabled(), gso);

    // 150 segments of 1000 bytes and a 333-byte tail: more than one GSO message's worth.
    const size_t kSegment = 1000, kCount = 151;
    std::vector<uint8_t> data(kSegment * (kCount - 1) + 333);
    for (size_t i = 0; i < kCount; ++i) {
      size_t size = std::min(kSegment, data.size() - i * kSegment);
      Fill(MutableByteSpan(data).subspan(i * kSegment, size), i);
    }
    Status s = tx.SendSegments(*rx.LocalAddr(), data, kSegment);
    ASSERT_TRUE(s.ok()) << s.message();

    RecvBatchBuffers in(16, kMaxGroMessageSize);
    auto got = ReceiveAll(rx, in, kCount);
    ASSERT_EQ(got.size(), kCount);
    for (size_t i = 0; i < kCount; ++i) {
      EXPECT_TRUE(Matches(got[i], i, i + 1 < kCount ? kSegment : 333)) << i;
    }
  }
}

TEST_F(UdpSocketTest, GsoRunsBreakAtDestinationAndSizeChanges) {
  UdpSocket tx = Open(Loopback()), rx1 = Open(Loopback()), rx2 = Open(Loopback());
  UdpAddr d1 = *rx1.LocalAddr(), d2 = *rx2.LocalAddr();
  // d1 x3 (1200), d2 x2 (1200), d1 x2 (500, then 1200: bigger, so a new run).
  const std::pair<UdpAddr, size_t> plan[] = {{d1, 1200}, {d1, 1200}, {d1, 1200}, {d2, 1200},
                                             {d2, 1200}, {d1, 500},  {d1, 1200}};
  SendBatchBuffers out(8);
  for (size_t i = 0; i < 7; ++i) {
    Fill(out.next_buffer().first(plan[i].second), i);
    out.Commit(plan[i].first, plan[i].second);
  }
  BatchSendResult sent = tx.SendBatch(out);
  ASSERT_TRUE(sent.first_error.ok()) << sent.first_error.message();
  EXPECT_EQ(sent.sent, 7u);
  RecvBatchBuffers in(8);
  auto got1 = ReceiveAll(rx1, in, 5);
  auto got2 = ReceiveAll(rx2, in, 2);
  ASSERT_EQ(got1.size(), 5u);
  ASSERT_EQ(got2.size(), 2u);
  const size_t want1[] = {0, 1, 2, 5, 6};
  for (size_t k = 0; k < 5; ++k) EXPECT_TRUE(Matches(got1[k], want1[k], plan[want1[k]].second));
  EXPECT_TRUE(Matches(got2[0], 3, 1200));
  EXPECT_TRUE(Matches(got2[1], 4, 1200));
}

TEST_F(UdpSocketTest, ReusePortSharesOnePortAcrossSockets) {
  UdpSocketOptions o = Loopback();
  o.reuse_port = true;
  UdpSocket first = Open(o);
  o.port = first.LocalAddr()->port();
  UdpSocket second = Open(o);
  EXPECT_EQ(second.LocalAddr()->port(), o.port);

  UdpSocketOptions plain = Loopback(o.port);
  auto refused = UdpSocket::Open(plain);
  ASSERT_FALSE(refused.ok()) << "without SO_REUSEPORT the port is taken";
  EXPECT_NE(refused.status().message().find("127.0.0.1:" + std::to_string(o.port)),
            std::string::npos)
      << refused.status().message();

  // The kernel spreads peers by flow hash: from 32 source ports, both sockets get some,
  // and each datagram arrives exactly once.
  std::vector<UdpSocket> peers;
  for (int i = 0; i < 32; ++i) peers.push_back(Open(Loopback()));
  UdpAddr dest = *first.LocalAddr();
  for (size_t i = 0; i < peers.size(); ++i) {
    uint8_t byte = uint8_t(i);
    ASSERT_TRUE(peers[i].SendTo(dest, ByteSpan(&byte, 1)).ok());
  }
  std::set<uint8_t> seen;
  size_t per_socket[2] = {0, 0};
  UdpSocket* socks[2] = {&first, &second};
  for (int s = 0; s < 2; ++s) {
    RecvBatchBuffers in(64);  // drain with a short timeout: an empty receive means done
    timeval tv{0, 200 * 1000};
    setsockopt(socks[s]->fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    for (;;) {
      auto n = socks[s]->RecvBatch(in);
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
      for (int i = 0; i < *n; ++i) {
        EXPECT_TRUE(seen.insert(in.packet(i)[0]).second) << "duplicate delivery";
        ++per_socket[s];
      }
    }
  }
  EXPECT_EQ(seen.size(), 32u);
  EXPECT_GT(per_socket[0], 0u);
  EXPECT_GT(per_socket[1], 0u);
}

TEST_F(UdpSocketTest, DualStackSocketSeesIpv4PeersAsIpv4) {
  UdpSocketOptions v6 = Loopback();
  v6.host = "::";
  UdpSocket dual = Open(v6);
  EXPECT_EQ(dual.family(), AF_INET6);
  UdpSocket v4 = Open(Loopback());
  uint16_t port = dual.LocalAddr()->port();

  uint8_t hello[] = {'h', 'i'};
  ASSERT_TRUE(v4.SendTo(*UdpAddr::Parse("127.0.0.1:" + std::to_string(port)), hello).ok());
  uint8_t buf[16];
  UdpAddr from;
  auto n = dual.RecvFrom(buf, &from);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(from, *v4.LocalAddr());
  EXPECT_EQ(from.ToString(), v4.LocalAddr()->ToString());  // "127.0.0.1:port", not ::ffff:

  // ...and answers them through the same socket.
  ASSERT_TRUE(dual.SendTo(from, hello).ok());
  ASSERT_TRUE(v4.RecvFrom(buf, &from).ok());
  EXPECT_EQ(from.port(), port);

  // An IPv4-only socket cannot reach IPv6 peers; the error says why.
  Status s = v4.SendTo(*UdpAddr::Parse("[::1]:4242"), hello);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("[::1]:4242"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("IPv4-only"), std::string::npos) << s.message();
  // In a batch the failing datagram is reported and the others still go.
  SendBatchBuffers out(4);
  out.Commit(*UdpAddr::Parse("[::1]:4242"), 2);
  out.Commit(*UdpAddr::Parse("127.0.0.1:" + std::to_string(port)), 2);
  BatchSendResult r = v4.SendBatch(out);
  EXPECT_EQ(r.sent, 1u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_NE(r.first_error.message().find("[::1]:4242"), std::string::npos);
}

TEST_F(UdpSocketTest, OpenRejectsNamesAndForeignAddresses) {
  UdpSocketOptions o;
  o.host = "localhost";
  auto named = UdpSocket::Open(o);
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.status().message().find("localhost"), std::string::npos);
  o.host = "192.0.2.1";  // not an address of this namespace
  auto foreign = UdpSocket::Open(o);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("192.0.2.1"), std::string::npos);
  EXPECT_NE(foreign.status().message().find("Cannot assign"), std::string::npos)
      << foreign.status().message();
}

TEST_F(UdpSocketTest, BufferSizesFollowTheConfig) {
  UdpSocketOptions o = Loopback();
  o.recv_buffer = 8 << 20;  // above net.core.rmem_max: needs the FORCE variant (root)
  o.send_buffer = 4 << 20;
  UdpSocket sock = Open(o);
  // The kernel doubles the request to account for its bookkeeping.
  EXPECT_EQ(*sock.RecvBufferSize(), 16 << 20);
  EXPECT_EQ(*sock.SendBufferSize(), 8 << 20);
}

TEST_F(UdpSocketTest, SoMarkIsSetAndReadBack) {
  UdpSocket sock = Open(Loopback());
  EXPECT_EQ(*sock.Mark(), 0u);           // none until listen.so_mark asks
  ASSERT_TRUE(sock.SetMark(0x2a).ok());  // CAP_NET_ADMIN: the tests run as root
  EXPECT_EQ(*sock.Mark(), 0x2au);
  ASSERT_TRUE(sock.SetMark(0xffffffffu).ok());
  EXPECT_EQ(*sock.Mark(), 0xffffffffu);
}

TEST_F(UdpSocketTest, InterruptWakesABlockedReceiver) {
  UdpSocketOptions o = Loopback();
  o.recv_timeout_ms = 0;  // block forever: only Interrupt can end it
  UdpSocket sock = Open(o);
  RecvBatchBuffers in(4);
  std::atomic<bool> returned{false};
  Result<int> result = 0;
  std::thread worker([&] {
    result = sock.RecvBatch(in);
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(returned) << "RecvBatch should block with nothing to read";
  sock.Interrupt();
  worker.join();
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(*result, 0);
  EXPECT_TRUE(sock.interrupted());
}

TEST_F(UdpSocketTest, NonBlockingReceiveReturnsZeroWhenEmpty) {
  UdpSocketOptions o = Loopback();
  o.non_blocking = true;
  UdpSocket sock = Open(o);
  RecvBatchBuffers in(4);
  auto n = sock.RecvBatch(in);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

}  // namespace
