// tun.use_system_route_table (Nebula 1.8+, Linux): unsafe routes learned from the kernel's
// routing table while flatnet runs, beside tun.unsafe_routes.
//
// Contract:
// - ParseRouteUpdate reads one rtnetlink RTM_NEWROUTE / RTM_DELROUTE message as Nebula
//   1.11.1 reads it (overlay/tun_linux.go): IPv4 and IPv6 routes with a destination only (a
//   default route has none and is ignored), and of their next hops only those out of our tun
//   device whose gateway (RTA_GATEWAY, or RTA_VIA, of either family; an IPv4-mapped IPv6
//   gateway counts as the IPv4 address) lies in one of our overlay networks; a plain route's
//   gateway weighs 1, a multipath next hop its hops + 1 (`ip route ... nexthop via X weight
//   W` gives W). A route with no such next hop means nothing to flatnet (nullopt).
// - SystemRoutes keeps the routes learned, by destination: an add sets (or replaces) that
//   destination's gateways, a delete removes the destination whatever its gateways. Each
//   change publishes a new immutable table; Find may be called from any thread.
// - Start opens a netlink socket subscribed to IPv4 and IPv6 route changes (receive buffer:
//   tun.use_system_route_table_buffer_size, 0 = the system's) and runs a thread applying
//   them, logging each ("Adding route" / "Removing route"); Stop ends it within ~250 ms. As
//   in Nebula, routes that exist before Start are not read: only changes after it (routes
//   through the tun device cannot exist before flatnet creates the device anyway).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "base/log.h"
#include "base/status.h"
#include "config/config.h"
#include "mesh/gateways.h"

namespace flatnet::mesh {

struct RouteUpdate {
  bool add = true;  // RTM_NEWROUTE; false: RTM_DELROUTE
  IpPrefix network;  // masked
  std::vector<config::Gateway> gateways;
};

// `overlay_networks`: our overlay networks (gateways must lie in one of them).
std::optional<RouteUpdate> ParseRouteUpdate(ByteSpan message, int tun_ifindex,
                                            const std::vector<IpPrefix>& overlay_networks);

class SystemRoutes {
 public:
  struct Route {
    IpPrefix network;  // masked
    GatewaySet gateways;
  };

  SystemRoutes(log::Logger logger, std::vector<IpPrefix> overlay_networks);
  ~SystemRoutes();

  Status Start(const std::string& tun_device, int buffer_size);
  void Stop();

  void Apply(const RouteUpdate& update);
  using Table = std::vector<Route>;  // longest prefix first

  // The longest learned route holding `destination`, or nullptr. The table it belongs to
  // stays alive as long as `hold`.
  const Route* Find(const IpAddr& destination, std::shared_ptr<const void>* hold) const;
  // Every learned route, as of now.
  std::shared_ptr<const Table> Current() const { return table_.load(); }

 private:
  void Run(int fd, int ifindex);

  log::Logger logger_;
  const std::vector<IpPrefix> overlay_networks_;
  std::map<IpPrefix, std::vector<config::Gateway>> learned_;  // Apply only
  std::atomic<std::shared_ptr<const Table>> table_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace flatnet::mesh
