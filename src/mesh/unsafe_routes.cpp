#include "mesh/unsafe_routes.h"

#include <algorithm>
#include <string>

namespace flatnet::mesh {

Result<std::shared_ptr<const UnsafeRouteTable>> BuildUnsafeRoutes(
    const std::vector<config::UnsafeRoute>& routes, const HostCredentials& credentials) {
  auto table = std::make_shared<UnsafeRouteTable>();
  for (const config::UnsafeRoute& route : routes) {
    // Like nebula: the route's gateway must be a host of our network, and the route itself
    // must lie outside it.
    for (const config::Gateway& gateway : route.gateways) {
      if (!credentials.InOurNetwork(gateway.address)) {
        return Status::Error("tun.unsafe_routes (line " + std::to_string(route.line) + "): via " +
                             gateway.address.ToString() + " is not in this host's networks (" +
                             credentials.NetworksText() + ")");
      }
    }
    if (credentials.InOurNetwork(route.network.addr())) {
      return Status::Error("tun.unsafe_routes (line " + std::to_string(route.line) + "): " +
                           route.network.ToString() + " lies inside this host's own network");
    }
    table->push_back({route.network.Masked(), GatewaySet(route.gateways)});
  }
  std::stable_sort(table->begin(), table->end(),
                   [](const UnsafeRouteEntry& a, const UnsafeRouteEntry& b) {
                     return a.network.bits() > b.network.bits();
                   });
  return std::shared_ptr<const UnsafeRouteTable>(std::move(table));
}

}  // namespace flatnet::mesh
