#include "mesh/pinger.h"

#include <cstring>
#include <utility>

#include "base/ip_prefix.h"
#include "crypto/random.h"
#include "mesh/host_credentials.h"
#include "mesh/host_map.h"
#include "mesh/tunnel.h"

namespace flatnet::mesh {
namespace {

// The probe's first 8 bytes; the other 8 are the id, big-endian.
constexpr uint8_t kMagic[8] = {'f', 'l', 'a', 't', 'p', 'i', 'n', 'g'};

uint64_t IdOf(ByteSpan payload) {
  uint64_t id = 0;
  for (size_t i = 8; i < Pinger::kProbeSize; ++i) id = id << 8 | payload[i];
  return id;
}

}  // namespace

bool Pinger::LooksLikeProbe(ByteSpan payload) {
  return payload.size() == kProbeSize && std::memcmp(payload.data(), kMagic, 8) == 0;
}

void Pinger::SendProbe(Tunnel& tunnel, int64_t now_ns, uint64_t ping) {
  // Forget the oldest when full or expired, so the table stays bounded whatever peers do.
  while (!order_.empty()) {
    auto oldest = outstanding_.find(order_.front());
    if (oldest != outstanding_.end() && outstanding_.size() < kMaxOutstanding &&
        now_ns - oldest->second.sent_ns <= kProbeLifetimeNs)
      break;
    if (oldest != outstanding_.end()) outstanding_.erase(oldest);  // else answered already
    order_.pop_front();
  }
  // Ids start at a random point: a peer can't answer a probe it never saw (which would only
  // fake a shorter round trip, but still).
  if (next_id_ == 1) next_id_ = (uint64_t(crypto::RandomUint32()) << 32) | 1;
  uint64_t id = next_id_++;
  uint8_t payload[kProbeSize];
  std::memcpy(payload, kMagic, 8);
  for (int i = 0; i < 8; ++i) payload[8 + i] = uint8_t(id >> (56 - 8 * i));
  outstanding_[id] = Outstanding{tunnel.vpn_ip(), now_ns, ping};
  order_.push_back(id);
  deps_.send.SendOnTunnel(tunnel, wire::MessageType::kTest, wire::MessageSubType::kTestRequest,
                          ByteSpan(payload, kProbeSize));
}

void Pinger::Answered(Tunnel& tunnel, ByteSpan payload, const net::UdpAddr& from,
                      int64_t now_ns) {
  if (!LooksLikeProbe(payload)) return;
  auto it = outstanding_.find(IdOf(payload));
  if (it == outstanding_.end() || it->second.vpn_ip != tunnel.vpn_ip()) return;
  Outstanding probe = it->second;
  outstanding_.erase(it);  // its id leaves order_ when it reaches the front
  int64_t rtt = now_ns - probe.sent_ns;
  tunnel.set_rtt_ns(rtt);
  if (probe.ping == 0 || !pings_.count(probe.ping)) return;
  PendingPing& ping = pings_[probe.ping];
  PingResult result;
  result.outcome = PingResult::Outcome::kReply;
  result.rtt_ns = rtt;
  result.handshake = ping.handshake;
  if (ping.handshake) result.handshake_ns = ping.tunnel_up_ns - ping.started_ns;
  DescribePath(tunnel.vpn_ip(), from, result);
  Finish(probe.ping, std::move(result));
}

Result<IpAddr> Pinger::Resolve(const std::string& target) const {
  auto snapshot = deps_.host_map.Current();
  auto ip = ParseIpAddr(target);
  if (ip.ok()) {
    IpAddr addr = ip->Unmap();
    if (deps_.me.IsOurAddress(addr)) return Status::Error(target + " is this host's own address");
    // The host map knows a peer by every network of its certificate (IPv6 ones too); the
    // answer names it by its primary address, as status does.
    if (const Tunnel* tunnel = snapshot->FindByVpnIp(addr)) return tunnel->vpn_ip();
    if (deps_.me.InOurNetwork(addr)) return addr;
    std::string networks;
    for (const IpPrefix& network : deps_.me.networks)
      networks += (networks.empty() ? "" : ", ") + network.Masked().ToString();
    return Status::Error(target + " is not in this host's overlay network " + networks +
                         " nor an address of a peer we know");
  }
  if (target == deps_.me.certificate->name)
    return Status::Error("\"" + target + "\" is this host's own name");
  for (const auto& [vpn_ip, tunnel] : snapshot->by_primary)
    if (tunnel->peer_cert().name == target) return vpn_ip;
  if (auto it = names_.find(target); it != names_.end()) return it->second;
  return Status::Error("no peer named \"" + target +
                       "\" is known (a certificate name of a peer this host has had a tunnel "
                       "with, or an overlay address)");
}

void Pinger::Ping(const PingRequest& request, int64_t now_ns,
                  std::function<void(PingResult)> done) {
  auto vpn_ip = Resolve(request.target);
  if (!vpn_ip.ok()) {
    PingResult result;
    result.outcome = PingResult::Outcome::kError;
    result.error = vpn_ip.status().message();
    done(std::move(result));
    return;
  }
  uint64_t id = next_ping_++;
  PendingPing& ping = pings_[id];
  ping.vpn_ip = *vpn_ip;
  ping.started_ns = now_ns;
  ping.done = std::move(done);
  ping.timeout = deps_.timers.At(now_ns + request.timeout_ns, [this, id](int64_t) {
    auto it = pings_.find(id);
    if (it == pings_.end()) return;
    it->second.timeout = 0;
    PingResult result;
    result.outcome = PingResult::Outcome::kTimeout;
    result.handshake = it->second.handshake;
    DescribePath(it->second.vpn_ip, {}, result);
    if (result.tunnel && it->second.handshake)
      result.handshake_ns = it->second.tunnel_up_ns - it->second.started_ns;
    Finish(id, std::move(result));
  });
  auto snapshot = deps_.host_map.Current();
  if (Tunnel* tunnel = snapshot->FindByVpnIp(*vpn_ip)) {
    ping.probe_sent = true;
    SendProbe(*tunnel, now_ns, id);
    return;
  }
  ping.handshake = true;
  deps_.handshakes.Initiate(*vpn_ip, now_ns);
}

void Pinger::TunnelUp(const IpAddr& vpn_ip, const std::string& cert_name, int64_t now_ns) {
  if (names_.size() < kMaxRememberedNames || names_.count(cert_name)) names_[cert_name] = vpn_ip;
  bool waiting = false;
  for (auto& [id, ping] : pings_) {
    if (ping.vpn_ip != vpn_ip || ping.probe_sent) continue;
    if (ping.tunnel_up_ns == 0) ping.tunnel_up_ns = now_ns;
    waiting = true;
  }
  if (waiting)
    deps_.timers.At(now_ns, [this, vpn_ip](int64_t now) { ProbeWaiting(vpn_ip, now); });
}

void Pinger::ProbeWaiting(const IpAddr& vpn_ip, int64_t now_ns) {
  auto snapshot = deps_.host_map.Current();
  Tunnel* tunnel = snapshot->FindByVpnIp(vpn_ip);
  if (!tunnel) return;  // gone again; the pings time out
  for (auto& [id, ping] : pings_) {
    if (ping.vpn_ip != vpn_ip || ping.probe_sent) continue;
    ping.probe_sent = true;
    SendProbe(*tunnel, now_ns, id);
  }
}

void Pinger::Finish(uint64_t ping, PingResult result) {
  auto it = pings_.find(ping);
  if (it == pings_.end()) return;
  PendingPing pending = std::move(it->second);
  pings_.erase(it);
  if (pending.timeout) deps_.timers.Cancel(pending.timeout);
  result.vpn_ip = pending.vpn_ip.ToString();
  pending.done(std::move(result));
}

void Pinger::DescribePath(const IpAddr& vpn_ip, const net::UdpAddr& from,
                          PingResult& result) const {
  auto snapshot = deps_.host_map.Current();
  const Tunnel* tunnel = snapshot->FindByVpnIp(vpn_ip);
  if (!tunnel) return;
  result.tunnel = true;
  result.cert_name = tunnel->peer_cert().name;
  if (tunnel->via_relay().valid()) {
    result.relayed = true;
    result.relay_vpn_ip = tunnel->via_relay().ToString();
    if (const Tunnel* relay = snapshot->FindByVpnIp(tunnel->via_relay()))
      result.relay_name = relay->peer_cert().name;
    return;
  }
  result.remote = from.is_unspecified() ? tunnel->remote().ToString() : from.ToString();
}

}  // namespace flatnet::mesh
