#include "mesh/kernel_routes.h"

namespace flatnet::mesh {
namespace {

net::Ipv4Cidr ToCidr(const IpPrefix& network) {
  return net::Ipv4Cidr(net::Ipv4(network.addr().v4()), network.bits());
}

}  // namespace

std::vector<tun::TunRoute> KernelRoutes(const config::TunConfig& tun) {
  std::vector<tun::TunRoute> routes;
  for (const config::Route& route : tun.routes) {
    if (route.network.is_v4()) routes.push_back({ToCidr(route.network), route.mtu, 0});
  }
  for (const config::UnsafeRoute& route : tun.unsafe_routes) {
    if (!route.install || !route.network.is_v4()) continue;
    routes.push_back({ToCidr(route.network), route.mtu, route.metric});
  }
  return routes;
}

}  // namespace flatnet::mesh
