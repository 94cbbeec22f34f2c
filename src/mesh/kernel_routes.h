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

}  // namespace flatnet::mesh
