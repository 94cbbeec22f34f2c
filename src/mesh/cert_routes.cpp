#include "mesh/cert_routes.h"

#include <algorithm>
#include <map>

namespace flatnet::mesh {
namespace {

const IpPrefix* FirstOverlap(const IpPrefix& network, const std::vector<IpPrefix>& list) {
  for (const IpPrefix& other : list)
    if (network.Overlaps(other)) return &other;
  return nullptr;
}

bool Earlier(const CertRouteClaim* a, const CertRouteClaim* b) {
  if (a->since_unix_ns != b->since_unix_ns) return a->since_unix_ns < b->since_unix_ns;
  return a->gateway < b->gateway;
}

}  // namespace

const char* RefusalText(CertRouteRefusal reason) {
  switch (reason) {
    case CertRouteRefusal::kOwnNetwork:
      return "it overlaps this host's own networks";
    case CertRouteRefusal::kConfiguredRoute:
      return "a configured route covers it";
    case CertRouteRefusal::kClaimedByOther:
      return "another peer holds it";
  }
  return "";
}

CertRouteBuild BuildCertRoutes(const std::vector<CertRouteClaim>& claims,
                               const CertRouteTable& in_force, const CertRouteLimits& limits) {
  CertRouteBuild out;
  std::map<IpPrefix, std::vector<const CertRouteClaim*>> claimants;
  for (const CertRouteClaim& claim : claims) {
    std::set<IpPrefix> seen;  // a certificate listing a network twice claims it once
    for (const IpPrefix& listed : claim.networks) {
      const IpPrefix network = listed.Masked();
      if (!network.valid() || !seen.insert(network).second) continue;
      RefusedCertRoute refused{network, claim.gateway, claim.name, {}, {}, {}};
      if (const IpPrefix* own = FirstOverlap(network, limits.own)) {
        refused.reason = CertRouteRefusal::kOwnNetwork;
        refused.conflict = *own;
        out.refused.push_back(refused);
      } else if (const IpPrefix* configured = FirstOverlap(network, limits.configured)) {
        refused.reason = CertRouteRefusal::kConfiguredRoute;
        refused.conflict = *configured;
        out.refused.push_back(refused);
      } else {
        claimants[network].push_back(&claim);
      }
    }
  }
  for (const auto& entry : claimants) {
    // Named members, not a structured binding: clang 14 (the sanitizer builds) cannot
    // capture a binding in a lambda.
    const IpPrefix& network = entry.first;
    const std::vector<const CertRouteClaim*>& peers = entry.second;
    const CertRouteClaim* winner = nullptr;
    auto held = std::find_if(in_force.begin(), in_force.end(),
                             [&](const CertRoute& r) { return r.network == network; });
    if (held != in_force.end()) {
      for (const CertRouteClaim* peer : peers)
        if (peer->gateway == held->gateway) winner = peer;
    }
    if (!winner) winner = *std::min_element(peers.begin(), peers.end(), Earlier);
    out.routes.push_back({network, winner->gateway, winner->name, winner->hinted});
    for (const CertRouteClaim* peer : peers) {
      if (peer == winner) continue;
      out.refused.push_back({network,
                             peer->gateway,
                             peer->name,
                             CertRouteRefusal::kClaimedByOther,
                             {},
                             winner->gateway});
    }
  }
  // The map gave address order; a stable sort by length keeps it among equal lengths.
  std::stable_sort(
      out.routes.begin(), out.routes.end(),
      [](const CertRoute& a, const CertRoute& b) { return a.network.bits() > b.network.bits(); });
  return out;
}

bool CarriesNetworkOf(const cert::Certificate& cert, const IpAddr& destination) {
  return std::any_of(cert.unsafe_networks.begin(), cert.unsafe_networks.end(),
                     [&](const IpPrefix& network) { return network.Contains(destination); });
}

std::vector<CertRouteClaim> ClaimsOf(const HostMap::Snapshot& tunnels) {
  std::vector<CertRouteClaim> claims;
  for (const auto& [vpn_ip, tunnel] : tunnels.by_primary) {
    const cert::Certificate& peer = tunnel->peer_cert();
    if (peer.unsafe_networks.empty()) continue;
    claims.push_back({vpn_ip, peer.name, peer.unsafe_networks, tunnel->created_unix_ns()});
  }
  return claims;
}

CertRoutes::CertRoutes(log::Logger logger)
    : logger_(std::move(logger)), table_(std::make_shared<const CertRouteTable>()) {}

std::string CertRoutes::WithdrawalReason(const CertRoute& route, const CertRouteBuild& next,
                                         const std::vector<CertRouteClaim>& claims) {
  auto claim = std::find_if(claims.begin(), claims.end(),
                            [&](const CertRouteClaim& c) { return c.gateway == route.gateway; });
  if (claim == claims.end())
    return route.hinted ? "no lighthouse lists it any more" : "the peer has no tunnel any more";
  for (const RefusedCertRoute& refused : next.refused)
    if (refused.gateway == route.gateway && refused.network == route.network)
      return RefusalText(refused.reason);
  if (claim->hinted != route.hinted)
    return route.hinted ? "the peer's certificate does not carry it"
                        : "the peer has no tunnel any more";
  return route.hinted ? "no lighthouse lists it any more"
                      : "the peer's certificate no longer carries it";
}

void CertRoutes::Update(const std::vector<CertRouteClaim>& claims, const CertRouteLimits& limits,
                        KernelRouteSink* kernel) {
  const std::shared_ptr<const CertRouteTable> before = table_.load();
  CertRouteBuild next = BuildCertRoutes(claims, *before, limits);

  std::set<RefusalKey> refusals;
  for (const RefusedCertRoute& refused : next.refused) {
    RefusalKey key{refused.gateway, refused.network, int(refused.reason)};
    refusals.insert(key);
    if (refusals_logged_.count(key)) continue;
    // What it ran into: the network it overlaps, or the peer that holds it.
    const std::string conflict = refused.reason == CertRouteRefusal::kClaimedByOther
                                     ? refused.holder.ToString()
                                     : refused.conflict.ToString();
    logger_.Warn("Not routing an unsafe network of a peer's certificate",
                 {{"network", refused.network.ToString()},
                  {"vpnIp", refused.gateway.ToString()},
                  {"certName", refused.name},
                  {"reason", RefusalText(refused.reason)},
                  {"conflict", conflict}});
  }
  refusals_logged_ = std::move(refusals);

  if (next.routes == *before) return;
  auto find = [](const CertRouteTable& table, const CertRoute& route) {
    return std::find_if(table.begin(), table.end(), [&](const CertRoute& r) {
      return r.network == route.network && r.gateway == route.gateway;
    });
  };
  auto has_network = [](const CertRouteTable& table, const IpPrefix& network) {
    return std::any_of(table.begin(), table.end(),
                       [&](const CertRoute& r) { return r.network == network; });
  };
  auto source = [](const CertRoute& route) {
    return route.hinted ? "a lighthouse hint" : "a certificate";
  };
  // The workers route by the new table from their next packet; then the kernel follows.
  table_.store(std::make_shared<const CertRouteTable>(next.routes));
  for (const CertRoute& route : *before) {
    auto kept = find(next.routes, route);
    if (kept != next.routes.end()) {
      // The same gateway, proven now (its tunnel came up), or hinted again (its tunnel went,
      // a lighthouse still lists it): the kernel route stays.
      if (kept->hinted != route.hinted)
        logger_.Info(kept->hinted ? "Route from a certificate kept as a lighthouse hint"
                                  : "Route from a lighthouse hint proven by the certificate",
                     {{"network", route.network.ToString()},
                      {"via", route.gateway.ToString()},
                      {"certName", kept->hinted ? route.name : kept->name}});
      continue;
    }
    logger_.Info(std::string("Removing route from ") + source(route),
                 {{"network", route.network.ToString()},
                  {"via", route.gateway.ToString()},
                  {"certName", route.name},
                  {"reason", WithdrawalReason(route, next, claims)}});
    if (has_network(next.routes, route.network) || !installed_.count(route.network)) continue;
    installed_.erase(route.network);
    if (!kernel) continue;
    if (Status removed = kernel->Remove(route.network); !removed.ok())
      logger_.Error("Failed to delete a kernel route from a certificate",
                    {{"network", route.network.ToString()}, {"error", removed.message()}});
  }
  for (const CertRoute& route : next.routes) {
    if (find(*before, route) != before->end()) continue;
    logger_.Info(std::string("Adding route from ") + source(route),
                 {{"network", route.network.ToString()},
                  {"via", route.gateway.ToString()},
                  {"certName", route.name}});
    // Another gateway for a network already installed: the kernel route (through our
    // TUN device) stays as it is.
    if (has_network(*before, route.network) || !kernel) continue;
    if (Status added = kernel->Add(route.network); added.ok()) {
      installed_.insert(route.network);
    } else {
      logger_.Warn("Not installing a kernel route from a certificate; the existing route stays",
                   {{"network", route.network.ToString()}, {"error", added.message()}});
    }
  }
}

IpAddr CertRoutes::GatewayFor(const IpAddr& destination, bool* hinted) const {
  const std::shared_ptr<const CertRouteTable> table = table_.load();
  for (const CertRoute& route : *table) {
    if (!route.network.Contains(destination)) continue;
    if (hinted) *hinted = route.hinted;
    return route.gateway;
  }
  return IpAddr();
}

}  // namespace flatnet::mesh
