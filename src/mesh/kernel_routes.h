// KernelRoutes: which of config.yml's tun routes become kernel routes on the TUN device.
//
// Contract: every tun.routes entry (an MTU for part of the overlay), then every
// tun.unsafe_routes entry whose `install` is true (the default), each with its MTU and
// metric. An unsafe route with `install: false` is still routed by flatnet's inside path
// (Node::RouteFor) but gets no kernel route, as in Nebula 1.11: the operator routes it.
// Both families: the TUN device carries IPv4 and IPv6.
#pragma once

#include <vector>

#include "config/config.h"
#include "tun/tun_device.h"

namespace flatnet::mesh {

std::vector<tun::TunRoute> KernelRoutes(const config::TunConfig& tun);

// What a reload changes in the kernel (reload.h): the routes of `before` that `after` no
// longer has go to `remove`, those new in `after` to `add`; a route in both (same network,
// MTU and metric) is in neither, so it stays untouched. A route whose MTU alone changed is
// only in `add` (the kernel replaces a route of the same network and metric).
struct KernelRouteChange {
  std::vector<tun::TunRoute> remove, add;
  bool empty() const { return remove.empty() && add.empty(); }
};
KernelRouteChange DiffKernelRoutes(const std::vector<tun::TunRoute>& before,
                                   const std::vector<tun::TunRoute>& after);

}  // namespace flatnet::mesh
