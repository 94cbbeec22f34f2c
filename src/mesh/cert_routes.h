// Routes from certificates (tun.routes_from_certs, flatnet's own key): each peer whose
// certificate carries unsafe networks (v1 `subnets`, v2 unsafeNetworks) has them routed
// through it while its tunnel is up. The third source of unsafe routes, beside
// tun.unsafe_routes (unsafe_routes.h) and the kernel's table (system_routes.h); Node::RouteFor
// asks it last.
//
// Contract:
// - BuildCertRoutes is pure. From the claims (one per peer with a tunnel: its primary overlay
//   address, certificate name, unsafe networks and when its tunnel came up), the table in
//   force and the limits, it makes the next table and lists every claim it refused:
//   * kOwnNetwork: the network overlaps one of our overlay networks or our own certificate's
//     unsafe networks; that traffic is ours to deliver, no peer's to attract;
//   * kConfiguredRoute: the network overlaps (holds, or lies in) a configured route, from
//     tun.unsafe_routes or learned from the kernel's table: explicit routes win;
//   * kClaimedByOther: another peer claims the same prefix. The peer holding it in the table
//     in force keeps it while it claims it; otherwise the peer whose tunnel came up first
//     (then the lower overlay address) takes it. Different prefixes that overlap (a /16 of
//     one peer, a /24 of another) are both routed: the longest prefix wins per packet.
//   The table holds each network once, masked, longest prefix first, then in address order.
// - A host therefore never attracts traffic for a network its certificate does not carry:
//   nothing but a certificate puts a proven route here. Hinted claims (route_hints.h: what a
//   lighthouse says a host's verified certificate carries, for a host we have no tunnel
//   with yet) obey the same rules and make hinted routes: the packets they attract start a
//   handshake with the host and are sent only once its certificate proves the network
//   (Node::RouteFor, Node::SendQueuedPacket); then its proven claim takes the route over.
// - CertRoutes holds the table in force as an immutable snapshot that workers read through
//   one atomic pointer (GatewayFor, any thread). Update (control thread only) builds the next
//   table, publishes it, then has the KernelRouteSink delete the kernel routes of withdrawn
//   networks and add those of new ones. A kernel route the sink could not add (the kernel
//   already has one for that network, someone else's) is logged and left alone, and never
//   deleted later. Each route added or withdrawn is logged with why, and each refused claim
//   once while it lasts (again if it goes and comes back).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/ip_prefix.h"
#include "base/log.h"
#include "base/status.h"
#include "mesh/host_map.h"

namespace flatnet::mesh {

// What one peer's certificate asks to route through it.
struct CertRouteClaim {
  IpAddr gateway;                  // the peer's primary overlay address
  std::string name;                // its certificate's name
  std::vector<IpPrefix> networks;  // its certificate's unsafe networks
  int64_t since_unix_ns = 0;       // when its tunnel came up (hinted: first hinted)
  bool hinted = false;             // a lighthouse's word, not yet a certificate's (name "")
};

struct CertRoute {
  IpPrefix network;  // masked
  IpAddr gateway;
  std::string name;
  bool hinted = false;  // from a lighthouse's hint; the gateway's certificate is not known yet
  bool operator==(const CertRoute&) const = default;
};
using CertRouteTable = std::vector<CertRoute>;  // longest prefix first

// What claims may not touch.
struct CertRouteLimits {
  std::vector<IpPrefix> own;         // our overlay networks and our certificate's unsafe ones
  std::vector<IpPrefix> configured;  // tun.unsafe_routes and routes learned from the kernel
};

enum class CertRouteRefusal { kOwnNetwork, kConfiguredRoute, kClaimedByOther };
const char* RefusalText(CertRouteRefusal reason);

struct RefusedCertRoute {
  IpPrefix network;  // masked
  IpAddr gateway;    // the peer that claimed it
  std::string name;
  CertRouteRefusal reason;
  IpPrefix conflict;  // the own or configured network it overlaps (kOwnNetwork, kConfiguredRoute)
  IpAddr holder;      // the peer that got it instead (kClaimedByOther)
};

struct CertRouteBuild {
  CertRouteTable routes;
  std::vector<RefusedCertRoute> refused;
};

CertRouteBuild BuildCertRoutes(const std::vector<CertRouteClaim>& claims,
                               const CertRouteTable& in_force, const CertRouteLimits& limits);

// Whether one of the certificate's unsafe networks holds `destination`.
bool CarriesNetworkOf(const cert::Certificate& cert, const IpAddr& destination);

// The claims of every peer with a tunnel (its primary tunnel; candidates do not count) whose
// certificate carries unsafe networks.
std::vector<CertRouteClaim> ClaimsOf(const HostMap::Snapshot& tunnels);

// Where CertRoutes puts its kernel routes: Node's is the TUN device (TunDevice::
// AddRouteIfAbsent / RemoveRoute); tests record the calls.
class KernelRouteSink {
 public:
  virtual ~KernelRouteSink() = default;
  // Must refuse when the kernel has a route for `network` already.
  virtual Status Add(const IpPrefix& network) = 0;
  virtual Status Remove(const IpPrefix& network) = 0;
};

class CertRoutes {
 public:
  explicit CertRoutes(log::Logger logger);

  // Control thread. `kernel` may be null (no TUN device: a node never started).
  void Update(const std::vector<CertRouteClaim>& claims, const CertRouteLimits& limits,
              KernelRouteSink* kernel);

  // Any thread: the gateway of the longest route holding `destination`, or the invalid
  // address; `hinted`, when given, says whether that route is only hinted.
  IpAddr GatewayFor(const IpAddr& destination, bool* hinted = nullptr) const;
  std::shared_ptr<const CertRouteTable> Current() const { return table_.load(); }
  // Control thread: the networks whose kernel route this added and has not deleted.
  const std::set<IpPrefix>& installed() const { return installed_; }

 private:
  // Why a route of the table in force is not in `next`, for the log.
  static std::string WithdrawalReason(const CertRoute& route, const CertRouteBuild& next,
                                      const std::vector<CertRouteClaim>& claims);

  log::Logger logger_;
  std::atomic<std::shared_ptr<const CertRouteTable>> table_;
  std::set<IpPrefix> installed_;
  using RefusalKey = std::tuple<IpAddr, IpPrefix, int>;  // gateway, network, reason
  std::set<RefusalKey> refusals_logged_;
};

}  // namespace flatnet::mesh
