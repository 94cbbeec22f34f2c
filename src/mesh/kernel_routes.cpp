#include "mesh/kernel_routes.h"

#include <algorithm>

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

KernelRouteChange DiffKernelRoutes(const std::vector<tun::TunRoute>& before,
                                   const std::vector<tun::TunRoute>& after) {
  auto same = [](const tun::TunRoute& a, const tun::TunRoute& b) {
    return a.cidr.Masked() == b.cidr.Masked() && a.mtu == b.mtu && a.metric == b.metric;
  };
  auto same_key = [](const tun::TunRoute& a, const tun::TunRoute& b) {
    return a.cidr.Masked() == b.cidr.Masked() && a.metric == b.metric;
  };
  auto any = [](const std::vector<tun::TunRoute>& list, const tun::TunRoute& r, auto match) {
    return std::any_of(list.begin(), list.end(), [&](const tun::TunRoute& x) { return match(x, r); });
  };
  KernelRouteChange change;
  for (const tun::TunRoute& r : before)
    if (!any(after, r, same_key)) change.remove.push_back(r);
  for (const tun::TunRoute& r : after)
    if (!any(before, r, same)) change.add.push_back(r);
  return change;
}

}  // namespace flatnet::mesh
