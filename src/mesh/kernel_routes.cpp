#include "mesh/kernel_routes.h"

namespace flatnet::mesh {
namespace {

net::Ipv4Cidr ToCidr(const config::IpNetwork& network) {
  return net::Ipv4Cidr(net::Ipv4(network.address.v4()), network.prefix_length);
}

}  // namespace

std::vector<tun::TunRoute> KernelRoutes(const config::TunConfig& tun) {
  std::vector<tun::TunRoute> routes;
  for (const config::Route& route : tun.routes) {
    if (route.network.address.is_v4()) routes.push_back({ToCidr(route.network), route.mtu, 0});
  }
  for (const config::UnsafeRoute& route : tun.unsafe_routes) {
    if (!route.install || !route.network.address.is_v4()) continue;
    routes.push_back({ToCidr(route.network), route.mtu, route.metric});
  }
  return routes;
}

}  // namespace flatnet::mesh
