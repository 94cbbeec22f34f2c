#include "firewall/firewall.h"

#include <utility>

namespace flatnet::firewall {

Firewall::Firewall(RuleSet rules, std::vector<IpPrefix> local_networks,
                   FirewallOptions options)
    : local_networks_(std::move(local_networks)),
      conntrack_(options.max_tracked_flows, options.timeouts) {
  installed_rules_.push_back(std::make_unique<InstalledRules>(InstalledRules{std::move(rules), 0}));
  current_rules_.store(installed_rules_.back().get(), std::memory_order_release);
}

uint32_t Firewall::rules_version() const {
  return current_rules_.load(std::memory_order_acquire)->version;
}

void Firewall::ReloadRules(RuleSet rules) {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  const uint32_t version = installed_rules_.back()->version + 1;
  installed_rules_.push_back(
      std::make_unique<InstalledRules>(InstalledRules{std::move(rules), version}));
  current_rules_.store(installed_rules_.back().get(), std::memory_order_release);
  // A wrapped version could make a stale flow look current; Nebula resets conntrack then.
  if (version == 0) conntrack_.Clear();
}

bool Firewall::IsLocalAddress(const IpAddr& address) const {
  for (const IpPrefix& network : local_networks_) {
    if (network.Contains(address)) return true;
  }
  return false;
}

Verdict Firewall::Check(ByteSpan ip_packet, bool incoming, const PeerIdentity& peer,
                        int64_t now_ns) {
  Packet packet;
  const Verdict parsed = ParsePacket(ip_packet, incoming, &packet);
  if (parsed != Verdict::kAllow) return parsed;
  return CheckParsed(packet, incoming, peer, now_ns);
}

bool Firewall::StillAllowed(const Packet& packet, FlowOrigin origin, const InstalledRules& current,
                            const PeerIdentity& peer, int64_t now_ns) {
  if (origin.rules_version == current.version) return true;
  if (!current.rules.Allows(packet, origin.incoming, peer)) {
    conntrack_.Erase(packet, peer.overlay_ip);
    return false;
  }
  conntrack_.Insert(packet, FlowOrigin{origin.incoming, current.version}, now_ns, peer.overlay_ip);
  return true;
}

Verdict Firewall::CheckParsed(const Packet& packet, bool incoming, const PeerIdentity& peer,
                              int64_t now_ns) {
  const InstalledRules& current = *current_rules_.load(std::memory_order_acquire);

  // The remote address first: a peer may only speak for addresses its certificate holds,
  // whatever flows exist (they are the peer's own, keyed by its overlay address, too).
  if (!peer.MayUseAddress(packet.remote_ip)) return Verdict::kDropRemoteIp;

  if (std::optional<FlowOrigin> origin = conntrack_.Touch(packet, now_ns, peer.overlay_ip)) {
    if (StillAllowed(packet, *origin, current, peer, now_ns)) return Verdict::kAllow;
  }

  if (!IsLocalAddress(packet.local_ip)) return Verdict::kDropLocalIp;
  if (!current.rules.Allows(packet, incoming, peer)) return Verdict::kDropNoRule;

  conntrack_.Insert(packet, FlowOrigin{incoming, current.version}, now_ns, peer.overlay_ip);
  return Verdict::kAllow;
}

}  // namespace flatnet::firewall
