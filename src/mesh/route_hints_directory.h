// Route hints, the lighthouse's side: the hosts it holds tunnels with whose verified
// certificates carry unsafe networks, as it answers members' route hints queries
// (route_hint_codec.h for the wire, lighthouse.h for when it answers).
//
// Why a cache: every member with tun.routes_from_certs asks once per lighthouse.interval,
// so with N such members a scan of the host map per query would cost the lighthouse O(N²)
// each interval (50,000 hosts: 2.5e9 visits every 10 s). The list is rebuilt at most once a
// second instead, and each asker is answered at most once a second.
//
// Contract (control thread only):
// - Hosts(snapshot, now, stale) returns every host of the snapshot's by_primary whose
//   certificate has unsafe networks and that was heard from within `stale` (a tunnel not
//   checked yet counts as heard), sorted by overlay address; the list is rebuilt from the
//   snapshot when it was never built or is kRebuildAfter old, else the last one is returned
//   (so it may be up to kRebuildAfter behind the host map).
// - MayAnswer(asker, now) is true at most once per kMinAnswerGap per asker (the first time
//   always); the caller drops and counts a query it refuses. Entries of askers silent for
//   longer than that are pruned at each rebuild, so the table holds recent askers only.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "mesh/host_map.h"
#include "mesh/route_hint_codec.h"

namespace flatnet::mesh {

class RouteHintsDirectory {
 public:
  static constexpr int64_t kRebuildAfter = 1'000'000'000;  // ns
  static constexpr int64_t kMinAnswerGap = 1'000'000'000;  // ns

  const std::vector<RouteHintHost>& Hosts(const HostMap::Snapshot& tunnels, int64_t now_ns,
                                          int64_t stale_ns);
  bool MayAnswer(const IpAddr& asker, int64_t now_ns);

 private:
  std::vector<RouteHintHost> hosts_;
  bool built_ = false;
  int64_t built_ns_ = 0;
  std::unordered_map<IpAddr, int64_t> last_answer_ns_;  // by asker's primary address
};

}  // namespace flatnet::mesh
