// The outside path of a real Worker (its own threads, a UDP socket on loopback, a TUN queue
// on a socketpair) fed datagrams from test sockets: what Nebula 1.11 fixed in its own
// outside path does not happen here.
//  - #1638: a closeTunnel was acted on without being decrypted, so anyone who knew (or
//    guessed) a tunnel's index could tear it down. Here only one that opens under the
//    tunnel's key reaches the control thread; a forged or replayed one is dropped and counted.
//  - #1751: a relay did not record relayed frames in its replay window, so it forwarded
//    replays. Here a replayed frame, in order or not, is dropped at the relay and counted.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "crypto/random.h"
#include "mesh/relay_codec.h"
#include "mesh/tunnel.h"
#include "mesh/worker.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

using namespace std::chrono_literals;

// Two ends of one tunnel, keys mirrored as a handshake leaves them: `mine` is the node's
// (index 11 ours, 22 the peer's), `theirs` the peer's.
struct TunnelEnds {
  std::shared_ptr<Tunnel> mine, theirs;
};
TunnelEnds MakeTunnel(const IpAddr& my_ip, const IpAddr& peer_ip, uint32_t my_index,
                      uint32_t peer_index,
                      const net::UdpAddr& peer_addr) {
  noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  crypto::RandomBytes(keys.send);
  crypto::RandomBytes(keys.receive);
  noise::SessionKeys mirrored{keys.cipher, keys.receive, keys.send};
  auto cert = std::make_shared<const cert::Certificate>();
  return {std::make_shared<Tunnel>(peer_ip, my_index, peer_index, keys, cert,
                                   firewall::PeerIdentity{}, peer_addr, 1, /*initiator=*/true),
          std::make_shared<Tunnel>(my_ip, peer_index, my_index, mirrored, cert,
                                   firewall::PeerIdentity{}, Addr("198.51.100.250:4242"), 1,
                                   /*initiator=*/true)};
}

// A blocking UDP socket on 127.0.0.1 for the test's side.
class Peer {
 public:
  Peer() : socket_(Open()) {}
  net::UdpAddr address() const { return *socket_.LocalAddr(); }
  void SendTo(const net::UdpAddr& to, const Bytes& datagram) {
    ASSERT_TRUE(socket_.SendTo(to, ByteSpan(datagram.data(), datagram.size())).ok());
  }
  // A datagram already waiting, if any (does not wait).
  std::optional<Bytes> Waiting() {
    pollfd fd{socket_.fd(), POLLIN, 0};
    if (::poll(&fd, 1, 0) != 1) return std::nullopt;
    return Receive();
  }
  std::optional<Bytes> Receive() {
    Bytes buffer(net::kMaxDatagramSize);
    net::UdpAddr from;
    auto got = socket_.RecvFrom(MutableByteSpan(buffer.data(), buffer.size()), &from);
    if (!got.ok()) return std::nullopt;
    buffer.resize(*got);
    return buffer;
  }

 private:
  static net::UdpSocket Open() {
    auto socket = net::UdpSocket::Open({.host = "127.0.0.1", .recv_timeout_ms = 2000});
    EXPECT_TRUE(socket.ok()) << socket.status().message();
    return std::move(*socket);
  }
  net::UdpSocket socket_;
};

// A Worker of `node` running on loopback, with a TUN queue nothing is written to
// (non-blocking, as a TUN device is opened).
class RunningWorker {
 public:
  explicit RunningWorker(Node& node) {
    int pair[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, pair), 0);
    tun_other_end_ = pair[1];
    interrupt_ = ::eventfd(0, 0);
    queue_ = std::make_unique<tun::TunQueue>(pair[0], interrupt_, &interrupted_, false, "test");
    auto socket = net::UdpSocket::Open({.host = "127.0.0.1"});
    EXPECT_TRUE(socket.ok());
    address_ = *socket->LocalAddr();
    worker_ = std::make_unique<Worker>(node, 0, std::move(*socket), *queue_);
    worker_->Start();
  }
  ~RunningWorker() {
    interrupted_ = true;
    uint64_t one = 1;
    EXPECT_EQ(::write(interrupt_, &one, sizeof(one)), ssize_t(sizeof(one)));
    worker_->Stop();
    worker_.reset();
    queue_.reset();
    ::close(tun_other_end_);
    ::close(interrupt_);
  }
  const net::UdpAddr& address() const { return address_; }
  const Counters& counters() const { return worker_->outside_counters(); }
  // Waits (bounded) until `counter` of the outside path reaches `count`.
  bool WaitFor(const std::atomic<uint64_t>& counter, uint64_t count) const {
    for (int i = 0; i < 300; ++i) {
      if (counter.load() >= count) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  std::atomic<bool> interrupted_{false};
  int interrupt_ = -1, tun_other_end_ = -1;
  std::unique_ptr<tun::TunQueue> queue_;
  net::UdpAddr address_;
  std::unique_ptr<Worker> worker_;
};

Bytes Sealed(Tunnel& tunnel, wire::MessageType type, const Bytes& payload = {}) {
  Bytes out(wire::kHeaderSize + payload.size() + noise::TunnelCipher::kTagSize);
  long length =
      tunnel.SealMessage(0, type, wire::MessageSubType::kNone,
                         ByteSpan(payload.data(), payload.size()), out.data(), out.size());
  EXPECT_EQ(length, long(out.size()));
  return out;
}

// Every control event waiting now (the outside path has already pushed what it will).
std::vector<ControlEvent> TakeEvents(Node& node) {
  std::vector<ControlEvent> events;
  ControlEvent event;
  while (node.control_queue().PopUntil(std::chrono::steady_clock::now(), event))
    events.push_back(event);
  return events;
}

std::unique_ptr<TestNode> NodeAt(const TestCa& ca, const char* name, const char* cidr) {
  return TestNode::Create(MeshConfig(ca, MakeTestHost(ca, name, cidr), ""));
}

}  // namespace

TEST(MeshOutside, OnlyACloseTunnelThatOpensUnderTheTunnelsKeyReachesTheControlThread) {
  TestCa ca = MakeTestCa();
  auto n = NodeAt(ca, "n", "10.9.0.1/24");
  ASSERT_TRUE(n);
  Node& node = *n->node;
  const net::UdpAddr peer_addr = Addr("198.51.100.2:4242");
  TunnelEnds tunnel = MakeTunnel(Ip("10.9.0.1"), Ip("10.9.0.2"), 11, 22, peer_addr);
  node.host_map().Add(tunnel.mine);
  RunningWorker worker(node);
  Peer stranger;

  // A forger who knows the index: the right header, any tag.
  Bytes forged(wire::kHeaderSize + noise::TunnelCipher::kTagSize);
  wire::Header header;
  header.type = wire::MessageType::kCloseTunnel;
  header.remote_index = 11;
  header.message_counter = 3;
  wire::EncodeHeader(header, forged.data());
  crypto::RandomBytes(
      MutableByteSpan(forged.data() + wire::kHeaderSize, noise::TunnelCipher::kTagSize));
  stranger.SendTo(worker.address(), forged);
  ASSERT_TRUE(worker.WaitFor(worker.counters().rx_dropped_auth, 1));
  EXPECT_TRUE(TakeEvents(node).empty());

  // The peer's own goodbye (here from another address) goes to the control thread, which
  // closes the tunnel; the worker neither closes nor roams the tunnel for it.
  Bytes genuine = Sealed(*tunnel.theirs, wire::MessageType::kCloseTunnel);
  stranger.SendTo(worker.address(), genuine);
  std::vector<ControlEvent> events;
  for (int i = 0; i < 100 && events.empty(); ++i) {
    events = TakeEvents(node);
    if (events.empty()) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, ControlEvent::Kind::kAuthenticated);
  EXPECT_EQ(events[0].type, uint8_t(wire::MessageType::kCloseTunnel));
  EXPECT_EQ(events[0].local_index, 11u);
  EXPECT_EQ(tunnel.mine->remote(), peer_addr);

  // The same goodbye again is a replay: dropped, counted, not passed on.
  stranger.SendTo(worker.address(), genuine);
  ASSERT_TRUE(worker.WaitFor(worker.counters().rx_dropped_replay, 1));
  EXPECT_TRUE(TakeEvents(node).empty());
  EXPECT_EQ(worker.counters().rx_dropped_auth.load(), 1u);
  EXPECT_EQ(node.host_map().Current()->FindByIndex(11), tunnel.mine.get());
}

TEST(MeshOutside, ARelayDropsReplayedRelayedFramesInsteadOfForwardingThem) {
  TestCa ca = MakeTestCa();
  auto r = NodeAt(ca, "relay", "10.9.0.1/24");
  ASSERT_TRUE(r);
  Node& relay = *r->node;
  const IpAddr relay_ip = Ip("10.9.0.1"), a_ip = Ip("10.9.0.2"), b_ip = Ip("10.9.0.3");
  Peer a, b;
  TunnelEnds to_a = MakeTunnel(relay_ip, a_ip, 11, 22, a.address());
  TunnelEnds to_b = MakeTunnel(relay_ip, b_ip, 33, 44, b.address());
  relay.host_map().Add(to_a.mine);
  relay.host_map().Add(to_b.mine);
  // The relay's two legs of A -> relay -> B: A names 100 in its relayed frames, and the
  // relay names B's 300 when it passes them on.
  relay.host_map().SetRelay(
      {RelayType::kForwarding, RelayState::kEstablished, 100, 200, a_ip, b_ip});
  relay.host_map().SetRelay(
      {RelayType::kForwarding, RelayState::kEstablished, 101, 300, b_ip, a_ip});
  RunningWorker worker(relay);

  auto frame = [&](uint8_t fill) {
    Bytes inner(40, fill);  // A's packet for B, sealed end to end: the relay cannot read it
    Bytes datagram(inner.size() + kRelayOverhead);
    std::copy(inner.begin(), inner.end(), datagram.begin() + wire::kHeaderSize);
    EXPECT_GT(WrapRelayed(*to_a.theirs, 0, 100, datagram.data(), datagram.size(), inner.size()), 0);
    return datagram;
  };
  Bytes first = frame(1), second = frame(2);
  a.SendTo(worker.address(), second);  // out of order: the later counter first
  a.SendTo(worker.address(), first);
  for (int i = 0; i < 2; ++i) {
    std::optional<Bytes> passed = b.Receive();
    ASSERT_TRUE(passed) << "frame " << i << " was not forwarded";
    auto header = wire::ParseHeader(*passed);
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(header->subtype, wire::MessageSubType::kRelay);
    EXPECT_EQ(header->remote_index, 300u);
    ByteSpan inner;
    EXPECT_EQ(UnwrapRelayed(*to_b.theirs, 0, header->message_counter, *passed, &inner),
              UnwrapResult::kOk);
    EXPECT_EQ(inner.size(), 40u);
  }
  EXPECT_EQ(worker.counters().relay_forwarded.load(), 2u);

  // Both again, as a replaying attacker on the path would send them.
  a.SendTo(worker.address(), first);
  a.SendTo(worker.address(), second);
  ASSERT_TRUE(worker.WaitFor(worker.counters().rx_dropped_replay, 2));
  EXPECT_EQ(worker.counters().relay_forwarded.load(), 2u);
  EXPECT_FALSE(b.Waiting()) << "a replayed frame was forwarded";
}
