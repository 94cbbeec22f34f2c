#include "mesh/kernel_routes.h"

namespace flatnet::mesh {

std::vector<tun::TunRoute> KernelRoutes(const config::TunConfig& tun) {
  std::vector<tun::TunRoute> routes;
  for (const config::Route& route : tun.routes) routes.push_back({route.network, route.mtu, 0});
  for (const config::UnsafeRoute& route : tun.unsafe_routes) {
    if (!route.install) continue;
    routes.push_back({route.network, route.mtu, route.metric});
  }
  return routes;
}

}  // namespace flatnet::mesh
