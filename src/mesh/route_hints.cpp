#include "mesh/route_hints.h"

#include <algorithm>

namespace flatnet::mesh {

uint32_t RouteHints::NextQuery(const IpAddr& lighthouse) {
  Answer& answer = answers_[lighthouse];
  answer.query = next_query_++;
  answer.parts = 0;
  answer.received.clear();
  answer.assembling.clear();
  return answer.query;
}

bool RouteHints::Accept(const IpAddr& lighthouse, const RouteHintsMessage& reply, int64_t now_ns,
                        int64_t now_unix_ns) {
  auto found = answers_.find(lighthouse);
  if (!reply.is_reply || found == answers_.end() || reply.query != found->second.query)
    return false;
  Answer& answer = found->second;
  if (answer.parts == 0) answer.parts = reply.parts;
  if (reply.parts != answer.parts || !answer.received.insert(reply.part).second) return false;
  for (const RouteHintHost& host : reply.hosts)
    for (const IpPrefix& network : host.networks)
      answer.assembling[host.vpn_ip].insert(network.Masked());
  if (answer.received.size() < answer.parts) return false;

  const bool changed = !answer.has_complete || answer.complete != answer.assembling;
  answer.complete = std::move(answer.assembling);
  answer.assembling.clear();
  answer.complete_ns = now_ns;
  answer.has_complete = true;
  answer.parts = 0;
  answer.received.clear();
  answer.query = 0;  // answered: a repeat of any part is a stray
  for (const auto& [gateway, networks] : answer.complete)
    for (const IpPrefix& network : networks)
      first_hinted_.emplace(std::make_pair(gateway, network), now_unix_ns);
  if (changed) {
    Forget();
    ++version_;
  }
  return changed;
}

bool RouteHints::Expire(int64_t now_ns, int64_t max_age_ns,
                        const std::vector<IpAddr>& lighthouses) {
  bool forgot = false;
  for (auto it = answers_.begin(); it != answers_.end();) {
    const bool configured =
        std::find(lighthouses.begin(), lighthouses.end(), it->first) != lighthouses.end();
    Answer& answer = it->second;
    if (!configured) {
      forgot = forgot || answer.has_complete;
      it = answers_.erase(it);
      continue;
    }
    if (answer.has_complete && now_ns - answer.complete_ns > max_age_ns) {
      answer.has_complete = false;
      answer.complete.clear();
      forgot = true;
    }
    ++it;
  }
  if (forgot) {
    Forget();
    ++version_;
  }
  return forgot;
}

void RouteHints::Forget() {
  auto listed = [this](const std::pair<IpAddr, IpPrefix>& key) {
    for (const auto& [lighthouse, answer] : answers_) {
      auto host = answer.complete.find(key.first);
      if (host != answer.complete.end() && host->second.count(key.second)) return true;
    }
    return false;
  };
  std::erase_if(first_hinted_, [&](const auto& entry) { return !listed(entry.first); });
  std::erase_if(refuted_, [&](const auto& key) { return !listed(key); });
}

RouteHints::SyncResult RouteHints::Sync(const HostMap::Snapshot& tunnels,
                                        const std::function<bool(const IpAddr&)>& is_ours) {
  SyncResult out;
  std::map<IpAddr, CertRouteClaim> claims;
  for (const auto& [key, since] : first_hinted_) {
    // Named members, not a structured binding: clang 14 (the sanitizer builds) cannot
    // capture a binding in a lambda.
    const IpAddr& gateway = key.first;
    const IpPrefix& network = key.second;
    if (is_ours(gateway) || refuted_.count(key)) continue;
    if (Tunnel* tunnel = tunnels.FindByVpnIp(gateway)) {
      const cert::Certificate& cert = tunnel->peer_cert();
      const bool carried = std::any_of(
          cert.unsafe_networks.begin(), cert.unsafe_networks.end(), [&](const IpPrefix& n) {
            const IpPrefix masked = n.Masked();
            return masked.bits() <= network.bits() && masked.Contains(network.addr());
          });
      if (!carried) {
        refuted_.insert(key);
        out.refuted.push_back({gateway, network, cert.name});
      }
      continue;  // proven or refuted: either way the certificate speaks now
    }
    CertRouteClaim& claim = claims[gateway];
    claim.gateway = gateway;
    claim.hinted = true;
    claim.networks.push_back(network);
    // A host's claim is as old as its oldest hinted network.
    if (claim.since_unix_ns == 0 || since < claim.since_unix_ns) claim.since_unix_ns = since;
  }
  for (auto& [gateway, claim] : claims) out.claims.push_back(std::move(claim));
  return out;
}

}  // namespace flatnet::mesh
