// UnsafeRouteTable: tun.unsafe_routes as the inside path reads them (Node::RouteFor), built
// at start and again by a reload (reload.h).
//
// Contract: BuildUnsafeRoutes checks every route as Nebula does at start — each `via`
// gateway must be a host of our overlay networks and the route must lie outside them — and
// fails naming the route's line; otherwise it returns the routes, masked, longest prefix
// first (config order among equal lengths). The table is immutable once built: Node
// publishes it through one atomic pointer, and a reload swaps in a new one.
#pragma once

#include <memory>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "mesh/gateways.h"
#include "mesh/host_credentials.h"

namespace flatnet::mesh {

struct UnsafeRouteEntry {
  IpPrefix network;     // masked
  GatewaySet gateways;  // `via`: one, or several with weights (ECMP)
};
using UnsafeRouteTable = std::vector<UnsafeRouteEntry>;  // longest prefix first

Result<std::shared_ptr<const UnsafeRouteTable>> BuildUnsafeRoutes(
    const std::vector<config::UnsafeRoute>& routes, const HostCredentials& credentials);

}  // namespace flatnet::mesh
