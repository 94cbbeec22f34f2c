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

}  // namespace
}  // namespace flatnet::mesh
