// Finding 5: what peers and local users can make a node hold is bounded, and what is refused
// is counted: announced relay lists, pending handshakes, relay paths through a relay.
#include <gtest/gtest.h>

#include "crypto/random.h"
#include "mesh/address_book.h"
#include "mesh/handshake_manager.h"
#include "mesh/relay_manager.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"
#include "wire/messages.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

std::shared_ptr<Tunnel> FakeTunnel(const IpAddr& vpn_ip, uint32_t local_index) {
  noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  crypto::RandomBytes(keys.send);
  crypto::RandomBytes(keys.receive);
  return std::make_shared<Tunnel>(vpn_ip, local_index, local_index + 1, keys,
                                  std::make_shared<const cert::Certificate>(),
                                  firewall::PeerIdentity{}, Addr("198.51.100.1:4242"), 1, true);
}

Bytes CreateRelayRequest(uint32_t index, const IpAddr& from, const IpAddr& to) {
  nebula::NebulaControl message;
  message.set_type(nebula::NebulaControl::CreateRelayRequest);
  message.set_initiatorrelayindex(index);
  message.set_oldrelayfromaddr(from.v4());
  message.set_oldrelaytoaddr(to.v4());
  return wire::EncodeMessage(message);
}

}  // namespace

TEST(MeshBounds, AnnouncedRelayListsAreCut) {
  config::RemoteAllowList allow;
  AddressBook book(allow, {}, {IpPrefix::From(Ip("10.9.0.1"), 16)});
  std::vector<IpAddr> relays;
  for (uint32_t i = 0; i < 1000; ++i) relays.push_back(IpPlus("10.9.2.0", i));
  EXPECT_EQ(book.SetRelays(Ip("10.9.0.5"), Ip("10.9.0.5"), relays), AddressBook::kMaxRelays);
  EXPECT_EQ(book.Relays(Ip("10.9.0.5")).size(), AddressBook::kMaxRelays);
}

TEST(MeshBounds, PendingHandshakesAreBoundedAndRefusalsCounted) {
  TestCa ca = MakeTestCa();
  auto node = TestNode::Create(MeshConfig(ca, MakeTestHost(ca, "a", "10.9.0.1/16"), ""));
  ASSERT_TRUE(node);
  const size_t extra = 76;
  for (uint32_t i = 0; i < HandshakeManager::kMaxPendingHandshakes + extra; ++i)
    node->node->handshakes().Initiate(IpPlus("10.9.1.0", i), Node::NowNs());
  EXPECT_EQ(node->node->handshakes().pending_count(), HandshakeManager::kMaxPendingHandshakes);
  EXPECT_EQ(node->Counter("handshakes_refused_pending"), extra);
}

TEST(MeshBounds, APeerGetsAtMostItsShareOfRelayPathsAndOnlyToOurNetwork) {
  TestCa ca = MakeTestCa();
  auto relay = TestNode::Create(
      MeshConfig(ca, MakeTestHost(ca, "r", "10.9.0.1/16"), "relay:\n  am_relay: true\n"));
  ASSERT_TRUE(relay);
  HostMap& map = relay->node->host_map();
  const IpAddr requester = Ip("10.9.0.2");
  auto from = FakeTunnel(requester, 1000);
  map.Add(from);
  const size_t targets = RelayManager::kMaxPathsPerPeer + 8;
  for (uint32_t i = 0; i < targets; ++i) map.Add(FakeTunnel(IpPlus("10.9.1.0", i), 2000 + 2 * i));
  for (uint32_t i = 0; i < targets; ++i) {
    Bytes request = CreateRelayRequest(5000 + i, requester, IpPlus("10.9.1.0", i));
    relay->node->relays().HandleMessage(*from, ByteSpan(request.data(), request.size()),
                                        Node::NowNs());
  }
  size_t legs_via_requester = 0;
  for (const auto& [index, leg] : map.Current()->relays_by_index)
    legs_via_requester += leg.via == requester;
  EXPECT_EQ(legs_via_requester, RelayManager::kMaxPathsPerPeer);
  EXPECT_EQ(relay->Counter("relay_refused"), 8u);

  // A target outside our network: no handshake started towards it.
  Bytes outside = CreateRelayRequest(9000, requester, Ip("192.168.7.7"));
  relay->node->relays().HandleMessage(*from, ByteSpan(outside.data(), outside.size()),
                                      Node::NowNs());
  EXPECT_FALSE(relay->node->handshakes().Pending(Ip("192.168.7.7")));
  EXPECT_EQ(relay->Counter("relay_refused"), 9u);
}
