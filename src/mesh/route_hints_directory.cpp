#include "mesh/route_hints_directory.h"

#include <algorithm>

#include "mesh/tunnel.h"

namespace flatnet::mesh {

const std::vector<RouteHintHost>& RouteHintsDirectory::Hosts(const HostMap::Snapshot& tunnels,
                                                             int64_t now_ns, int64_t stale_ns) {
  if (built_ && now_ns - built_ns_ < kRebuildAfter) return hosts_;
  built_ = true;
  built_ns_ = now_ns;
  hosts_.clear();
  for (const auto& entry : tunnels.by_primary) {
    const Tunnel& tunnel = *entry.second;
    const cert::Certificate& peer = tunnel.peer_cert();
    if (peer.unsafe_networks.empty()) continue;
    // A member that stopped cleanly closed its tunnel; one that crashed left it here, and
    // its updates stopped: a host not heard from within `stale` is not hinted.
    const int64_t heard = tunnel.last_heard_ns();  // 0: not checked yet, a new tunnel
    if (heard != 0 && now_ns - heard > stale_ns) continue;
    hosts_.push_back({entry.first, peer.unsafe_networks});
  }
  std::sort(hosts_.begin(), hosts_.end(),
            [](const RouteHintHost& a, const RouteHintHost& b) { return a.vpn_ip < b.vpn_ip; });
  std::erase_if(last_answer_ns_,
                [now_ns](const auto& asker) { return now_ns - asker.second >= kMinAnswerGap; });
  return hosts_;
}

bool RouteHintsDirectory::MayAnswer(const IpAddr& asker, int64_t now_ns) {
  auto [it, first] = last_answer_ns_.try_emplace(asker, now_ns);
  if (first) return true;
  if (now_ns - it->second < kMinAnswerGap) return false;
  it->second = now_ns;
  return true;
}

}  // namespace flatnet::mesh
