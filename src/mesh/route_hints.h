// Route hints, the member's side (tun.routes_from_certs): what the lighthouses say about
// which host routes which unsafe networks, so that a route exists before any tunnel to that
// host does (after every host rebooted, nothing else would ever make the tunnel). The wire
// format is route_hint_codec.h; the lighthouse asks and answers (lighthouse.h); Node turns
// the hints into claims for CertRoutes (cert_routes.h), which routes them like a
// certificate's, marked as hinted.
//
// Contract (control thread only):
// - NextQuery numbers a new query to a lighthouse; a reply counts only when it answers the
//   latest query to that lighthouse and comes from it, and only once every part of it has
//   arrived: then it replaces all that lighthouse said before (a host it no longer lists
//   loses its hints). Parts of an earlier query, duplicates and strays are ignored.
// - Expire forgets the answers of lighthouses no longer configured and of those whose last
//   complete answer is older than max_age (a lighthouse that stopped answering).
// - Sync makes the claims (hinted = true): one per hinted host, the networks that any
//   lighthouse lists for it, each since it was first hinted. A host with a tunnel makes no
//   hinted claim: its verified certificate speaks for it (ClaimsOf), and each network the
//   lighthouses list for it that the certificate does not carry (no network of the
//   certificate holds it) is refuted: returned once, and never hinted again while any
//   lighthouse keeps listing it for that host. Our own addresses are never a hint's gateway.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/ip_prefix.h"
#include "mesh/cert_routes.h"
#include "mesh/host_map.h"
#include "mesh/route_hint_codec.h"

namespace flatnet::mesh {

struct RefutedHint {
  IpAddr gateway;
  IpPrefix network;  // masked
  std::string cert_name;
};

class RouteHints {
 public:
  uint32_t NextQuery(const IpAddr& lighthouse);
  // True when the reply completed an answer that changed what the lighthouse hints.
  bool Accept(const IpAddr& lighthouse, const RouteHintsMessage& reply, int64_t now_ns,
              int64_t now_unix_ns);
  // True when something was forgotten.
  bool Expire(int64_t now_ns, int64_t max_age_ns, const std::vector<IpAddr>& lighthouses);

  struct SyncResult {
    std::vector<CertRouteClaim> claims;
    std::vector<RefutedHint> refuted;  // newly
  };
  SyncResult Sync(const HostMap::Snapshot& tunnels,
                  const std::function<bool(const IpAddr&)>& is_ours);

  // Changes whenever Accept or Expire changed the hints.
  uint64_t version() const { return version_; }

 private:
  using Hints = std::map<IpAddr, std::set<IpPrefix>>;  // gateway -> masked networks
  struct Answer {
    uint32_t query = 0;   // the latest query sent
    uint32_t parts = 0;   // of the reply being assembled (0: none yet)
    std::set<uint32_t> received;
    Hints assembling;
    Hints complete;       // the last complete answer
    int64_t complete_ns = 0;
    bool has_complete = false;
  };
  std::map<IpAddr, Answer> answers_;  // by lighthouse
  std::map<std::pair<IpAddr, IpPrefix>, int64_t> first_hinted_;  // for the earliest-claim rule
  std::set<std::pair<IpAddr, IpPrefix>> refuted_;
  uint32_t next_query_ = 1;
  uint64_t version_ = 0;

  void Forget();  // drops first_hinted_ and refuted_ entries no lighthouse lists any more
};

}  // namespace flatnet::mesh
