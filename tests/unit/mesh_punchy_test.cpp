// punchy.punch keepalives and punchy.target_all_remotes (Nebula 1.11): the 1-byte punch goes
// to the tunnel's remote, or with target_all_remotes to every address the peer may be at.
#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/random.h"
#include "mesh/lighthouse.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

std::shared_ptr<Tunnel> FakeTunnel(const IpAddr& vpn_ip, const char* remote) {
  noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  crypto::RandomBytes(keys.send);
  crypto::RandomBytes(keys.receive);
  return std::make_shared<Tunnel>(vpn_ip, 100, 101, keys,
                                  std::make_shared<const cert::Certificate>(),
                                  firewall::PeerIdentity{}, Addr(remote), 1, true);
}

// Where `punchy` (a punchy: section) makes a node punch, for a peer at two static addresses
// whose tunnel uses the first.
std::vector<net::UdpAddr> PunchTargets(const std::string& punchy) {
  TestCa ca = MakeTestCa();
  auto node = TestNode::Create(MeshConfig(
      ca, MakeTestHost(ca, "a", "10.9.0.1/24"),
      "static_host_map:\n  \"10.9.0.2\": [\"198.51.100.1:4242\", \"198.51.100.2:4242\"]\n" +
          punchy));
  if (!node) return {};
  node->node->host_map().Add(FakeTunnel(Ip("10.9.0.2"), "198.51.100.1:4242"));
  // The punch keepalive timer (control_timers.h), due at once after Start.
  const int64_t now = Node::NowNs();
  node->node->lighthouse().Start(now);
  node->node->timers().RunDue(now);
  std::vector<net::UdpAddr> out;
  for (const Sent& s : node->Take())
    if (s.datagram == Bytes{1}) out.push_back(s.to);
  std::sort(out.begin(), out.end(), [](const net::UdpAddr& x, const net::UdpAddr& y) {
    return x.ToString() < y.ToString();
  });
  return out;
}

}  // namespace

TEST(MeshPunchy, KeepalivePunchGoesToTheTunnelsRemote) {
  EXPECT_EQ(PunchTargets("punchy:\n  punch: true\n"),
            std::vector<net::UdpAddr>{Addr("198.51.100.1:4242")});
}

TEST(MeshPunchy, TargetAllRemotesPunchesEveryAddressOfThePeer) {
  EXPECT_EQ(PunchTargets("punchy:\n  punch: true\n  target_all_remotes: true\n"),
            (std::vector<net::UdpAddr>{Addr("198.51.100.1:4242"), Addr("198.51.100.2:4242")}));
}

TEST(MeshPunchy, WithoutPunchNothingIsPunched) {
  EXPECT_TRUE(PunchTargets("punchy:\n  punch: false\n  target_all_remotes: true\n").empty());
}
