// Which tun routes become kernel routes: tun.routes always, tun.unsafe_routes unless
// `install: false` (Nebula 1.11), each with its MTU and metric.
#include <gtest/gtest.h>

#include "config/config.h"
#include "mesh/kernel_routes.h"

namespace flatnet::mesh {
namespace {

config::TunConfig Load(const std::string& tun_section) {
  auto config = config::LoadConfigFromString("pki: {ca: a, cert: b, key: c}\n" + tun_section,
                                             "config.yml", nullptr);
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? config->tun : config::TunConfig{};
}

TEST(MeshKernelRoutes, UnsafeRoutesWithInstallFalseGetNoKernelRoute) {
  config::TunConfig tun = Load(
      "tun:\n"
      "  routes:\n"
      "    - {route: 192.168.100.0/25, mtu: 8800}\n"
      "  unsafe_routes:\n"
      "    - {route: 172.16.1.0/24, via: 192.168.100.99, mtu: 1300, metric: 100}\n"
      "    - {route: 172.16.2.0/24, via: 192.168.100.99, install: false}\n"
      "    - {route: 172.16.3.0/24, via: 192.168.100.98, install: true}\n");
  std::vector<tun::TunRoute> routes = KernelRoutes(tun);
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].cidr.ToString(), "192.168.100.0/25");
  EXPECT_EQ(routes[0].mtu, 8800);
  EXPECT_EQ(routes[1].cidr.ToString(), "172.16.1.0/24");
  EXPECT_EQ(routes[1].mtu, 1300);
  EXPECT_EQ(routes[1].metric, 100);
  EXPECT_EQ(routes[2].cidr.ToString(), "172.16.3.0/24");  // 172.16.2.0/24 left out
  // flatnet still routes the uninstalled one itself: it stays in the config.
  EXPECT_EQ(tun.unsafe_routes.size(), 3u);
}

TEST(MeshKernelRoutes, NoRoutesNoKernelRoutes) { EXPECT_TRUE(KernelRoutes(Load("")).empty()); }

TEST(MeshKernelRoutes, AReloadTouchesOnlyTheRoutesThatChanged) {
  std::vector<tun::TunRoute> before = KernelRoutes(Load(
      "tun:\n  unsafe_routes:\n"
      "    - {route: 172.16.1.0/24, via: 192.168.100.99}\n"
      "    - {route: 172.16.2.0/24, via: 192.168.100.99}\n"
      "    - {route: 172.16.3.0/24, via: 192.168.100.99, metric: 10}\n"
      "    - {route: 172.16.4.0/24, via: 192.168.100.99, mtu: 1200}\n"));
  std::vector<tun::TunRoute> after = KernelRoutes(Load(
      "tun:\n  unsafe_routes:\n"
      "    - {route: 172.16.2.0/24, via: 192.168.100.98}\n"  // a new gateway: same route
      "    - {route: 172.16.3.0/24, via: 192.168.100.99, metric: 20}\n"
      "    - {route: 172.16.4.0/24, via: 192.168.100.99, mtu: 1280}\n"
      "    - {route: 172.16.5.0/24, via: 192.168.100.99}\n"));
  KernelRouteChange change = DiffKernelRoutes(before, after);
  std::vector<std::string> removed, added;
  for (const tun::TunRoute& r : change.remove)
    removed.push_back(r.cidr.ToString() + " " + std::to_string(r.metric));
  for (const tun::TunRoute& r : change.add)
    added.push_back(r.cidr.ToString() + " " + std::to_string(r.mtu) + " " +
                    std::to_string(r.metric));
  // 172.16.1.0/24 went; 172.16.3.0/24's metric-10 route is replaced by a metric-20 one;
  // 172.16.4.0/24 is replaced in place with its new MTU; 172.16.2.0/24 is untouched.
  EXPECT_EQ(removed, (std::vector<std::string>{"172.16.1.0/24 0", "172.16.3.0/24 10"}));
  EXPECT_EQ(added, (std::vector<std::string>{"172.16.3.0/24 0 20", "172.16.4.0/24 1280 0",
                                             "172.16.5.0/24 0 0"}));
  EXPECT_TRUE(DiffKernelRoutes(after, after).empty());
}

}  // namespace
}  // namespace flatnet::mesh
