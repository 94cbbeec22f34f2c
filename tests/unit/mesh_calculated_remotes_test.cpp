// lighthouse.calculated_remotes (mesh/calculated_remotes.h): the guessed underlay address of a
// peer, by the longest matching overlay CIDR, and a node offering it to handshakes of peers
// static_host_map does not name.
#include <gtest/gtest.h>

#include <algorithm>

#include "mesh/calculated_remotes.h"
#include "mesh_test_support.h"

using namespace flatnet;
using namespace flatnet::mesh;
using namespace flatnet::mesh::testing;

namespace {

config::Config WithCalculatedRemotes(const std::string& extra) {
  static TestCa ca = MakeTestCa();
  return MeshConfig(ca, MakeTestHost(ca, "a", "10.0.10.1/16"),
                    "lighthouse:\n"
                    "  calculated_remotes:\n"
                    "    10.0.0.0/16:\n"
                    "      - mask: 198.51.100.0/24\n"
                    "        port: 4000\n"
                    "    10.0.10.0/24:\n"
                    "      - mask: 192.0.2.0/24\n"
                    "        port: 4242\n"
                    "      - mask: 203.0.113.0/28\n"
                    "        port: 4243\n" +
                        extra);
}

bool Holds(const std::vector<net::UdpAddr>& list, const char* addr) {
  return std::find(list.begin(), list.end(), Addr(addr)) != list.end();
}

}  // namespace

TEST(MeshCalculatedRemotes, HostBitsOfTheOverlayUnderTheMasksNetworkBits) {
  config::Config config = WithCalculatedRemotes("");
  const auto& table = config.lighthouse.calculated_remotes;
  // 10.0.10.123: the /24 entry, the longest; /28 keeps only 4 host bits (123 = 0x7b -> 0xb).
  EXPECT_EQ(CalculatedRemotesFor(table, Ip("10.0.10.123")),
            (std::vector<net::UdpAddr>{Addr("192.0.2.123:4242"), Addr("203.0.113.11:4243")}));
  // 10.0.20.5: only the /16 entry holds it.
  EXPECT_EQ(CalculatedRemotesFor(table, Ip("10.0.20.5")),
            std::vector<net::UdpAddr>{Addr("198.51.100.5:4000")});
  EXPECT_TRUE(CalculatedRemotesFor(table, Ip("10.1.0.5")).empty());
  EXPECT_TRUE(CalculatedRemotesFor({}, Ip("10.0.10.5")).empty());
}

TEST(MeshCalculatedRemotes, ANodeTriesThemForHostsThatAreNotStatic) {
  auto node = TestNode::Create(
      WithCalculatedRemotes("static_host_map:\n  \"10.0.10.9\": [\"198.51.100.99:4242\"]\n"));
  ASSERT_TRUE(node);
  auto guessed = node->node->RemotesOf(Ip("10.0.10.7"));
  EXPECT_TRUE(Holds(guessed, "192.0.2.7:4242"));
  EXPECT_TRUE(Holds(guessed, "203.0.113.7:4243"));
  // A static host keeps to its static_host_map addresses, as in Nebula.
  EXPECT_EQ(node->node->RemotesOf(Ip("10.0.10.9")),
            std::vector<net::UdpAddr>{Addr("198.51.100.99:4242")});
}

TEST(MeshCalculatedRemotes, TheRemoteAllowListStillApplies) {
  auto node =
      TestNode::Create(WithCalculatedRemotes("  remote_allow_list:\n    192.0.2.0/24: false\n"));
  ASSERT_TRUE(node);
  auto guessed = node->node->RemotesOf(Ip("10.0.10.7"));
  EXPECT_FALSE(Holds(guessed, "192.0.2.7:4242"));
  EXPECT_TRUE(Holds(guessed, "203.0.113.7:4243"));
}
