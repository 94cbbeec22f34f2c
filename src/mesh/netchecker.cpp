#include "mesh/netchecker.h"

#include "mesh/host_map.h"
#include "mesh/lighthouse.h"
#include "mesh/tunnel.h"

namespace flatnet::mesh {

void Netchecker::Run(int64_t now_ns, std::function<void(NetcheckReport)> done) {
  NetcheckReport report;
  const std::vector<IpAddr>& lighthouses = deps_.lighthouse.lighthouses();
  if (lighthouses.empty()) {
    report.error = deps_.lighthouse.am_lighthouse()
                       ? "this host is a lighthouse (lighthouse.am_lighthouse): nothing to check"
                       : "no lighthouses configured (lighthouse.hosts)";
    done(std::move(report));
    return;
  }
  if (runs_.size() >= kMaxRuns) {
    report.error = "netcheck is already running " + std::to_string(runs_.size()) +
                   " times; try again in a few seconds";
    done(std::move(report));
    return;
  }
  for (const net::UdpAddr& own : deps_.lighthouse.OwnAddresses()) {
    report.local_addrs.push_back(own.ToString());
    (own.is_v4() ? report.ipv4 : report.ipv6) = true;
  }
  for (const IpAddr& lighthouse : lighthouses) {
    NetcheckLighthouse entry;
    entry.vpn_ip = lighthouse.ToString();
    report.lighthouses.push_back(std::move(entry));
  }
  const uint64_t id = next_run_++;
  PendingRun& run = runs_[id];
  run.started_ns = now_ns;
  run.report = std::move(report);
  run.waiting = lighthouses.size();
  run.vpn_ips = lighthouses;
  run.done = std::move(done);
  run.timeout = deps_.timers.At(now_ns + kWaitNs, [this, id](int64_t) { Finish(id); });
  // After the run is registered: a reply can only come later, from the workers, but the
  // order keeps that true even for a fake that answers at once.
  for (const IpAddr& lighthouse : lighthouses) deps_.lighthouse.QueryForUs(lighthouse);
}

void Netchecker::Answered(const Tunnel& from, const std::vector<net::UdpAddr>& seen,
                          int64_t now_ns) {
  std::vector<uint64_t> complete;
  for (auto& [id, run] : runs_) {
    for (size_t i = 0; i < run.vpn_ips.size(); ++i) {
      NetcheckLighthouse& entry = run.report.lighthouses[i];
      if (entry.answered || !from.HasVpnAddr(run.vpn_ips[i])) continue;
      entry.answered = true;
      entry.rtt_ns = now_ns - run.started_ns;
      for (const net::UdpAddr& addr : seen) entry.seen.push_back(addr.ToString());
      if (--run.waiting == 0) complete.push_back(id);
    }
  }
  for (uint64_t id : complete) Finish(id);
}

void Netchecker::Finish(uint64_t id) {
  auto it = runs_.find(id);
  if (it == runs_.end()) return;
  PendingRun run = std::move(it->second);
  runs_.erase(it);
  deps_.timers.Cancel(run.timeout);
  // Where each lighthouse is reached now (a handshake may have been made for this run).
  auto snapshot = deps_.host_map.Current();
  for (size_t i = 0; i < run.vpn_ips.size(); ++i) {
    NetcheckLighthouse& entry = run.report.lighthouses[i];
    Tunnel* tunnel = snapshot->FindByVpnIp(run.vpn_ips[i]);
    if (!tunnel) continue;
    entry.cert_name = tunnel->peer_cert().name;
    if (tunnel->via_relay().valid()) continue;
    net::UdpAddr remote = tunnel->remote();
    entry.remote = remote.ToString();
    if (entry.answered) (remote.is_v4() ? run.report.ipv4 : run.report.ipv6) = true;
  }
  run.done(std::move(run.report));
}

}  // namespace flatnet::mesh
