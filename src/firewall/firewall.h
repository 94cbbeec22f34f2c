// Firewall: decides, per packet and per direction, whether a tunnel may carry it.
//
// Contract (Nebula's firewall semantics, flatnet's structure):
// - Check() parses the IPv4 or IPv6 packet (packet.h), then: the remote address must be
//   one the peer's certificate holds (always, before anything else); a tracked flow of this
//   peer (this packet or its reply was allowed before on this peer's tunnel and has not
//   expired) passes; otherwise the local address must be one this host's certificate
//   holds, and a rule of the direction's table must match. A packet allowed that way starts
//   a tracked flow, so replies pass in the other direction without an outbound/inbound rule.
// - ReloadRules() swaps the rule set while packets flow. As in Nebula 1.6.1, tracked flows
//   survive a reload, but each is re-checked against the new rules of the direction that
//   admitted it when it is next seen; one the new rules refuse is forgotten and the packet
//   is judged afresh.
// - The packet path never allocates. Check() is safe from many threads at once: rules are
//   read through one atomic pointer, and conntrack takes one shard's mutex.
// - Every rule set ever installed stays allocated until the Firewall is destroyed, so a
//   worker in the middle of a check never sees freed rules; reloads are rare (SIGHUP) and a
//   rule set is small, so this is the simplest safe reclamation.
// - Time is steady-clock nanoseconds from the caller.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/bytes.h"
#include "firewall/conntrack.h"
#include "firewall/packet.h"
#include "firewall/peer_identity.h"
#include "firewall/rule_set.h"
#include "firewall/verdict.h"
#include "base/ip_prefix.h"

namespace flatnet::firewall {

struct FirewallOptions {
  ConntrackTimeouts timeouts;  // must be positive; config validates them
  // Nebula has no limit; flatnet bounds memory (about 100 bytes per flow).
  size_t max_tracked_flows = 262144;
};

class Firewall {
 public:
  // local_networks: this host's certificate addresses (each as /32 or /128) and subnets;
  // packets whose local address lies elsewhere are dropped (kDropLocalIp).
  Firewall(RuleSet rules, std::vector<IpPrefix> local_networks, FirewallOptions options = {});
  Firewall(const Firewall&) = delete;
  Firewall& operator=(const Firewall&) = delete;

  // `incoming`: the packet came out of a tunnel (remote = source); otherwise it is about to
  // enter one (remote = destination). `peer` is the tunnel's other end.
  Verdict Check(ByteSpan ip_packet, bool incoming, const PeerIdentity& peer, int64_t now_ns);

  // The same, for a packet the caller has already parsed (the daemon parses first to find
  // the peer by address).
  Verdict CheckParsed(const Packet& packet, bool incoming, const PeerIdentity& peer,
                      int64_t now_ns);

  void ReloadRules(RuleSet rules);
  void SetConntrackTimeouts(ConntrackTimeouts timeouts) { conntrack_.SetTimeouts(timeouts); }

  // Reclaims expired flows; the daemon calls it from a timer. Returns how many.
  size_t PurgeExpired(int64_t now_ns) { return conntrack_.PurgeExpired(now_ns); }

  size_t tracked_flows() const { return conntrack_.size(); }
  size_t max_tracked_flows() const { return conntrack_.capacity(); }
  uint32_t rules_version() const;

 private:
  struct InstalledRules {
    RuleSet rules;
    uint32_t version;
  };

  bool IsLocalAddress(const IpAddr& address) const;
  // A tracked flow admitted under older rules passes only if the current rules of the
  // direction that admitted it still allow it.
  bool StillAllowed(const Packet& packet, FlowOrigin origin, const InstalledRules& current,
                    const PeerIdentity& peer, int64_t now_ns);

  const std::vector<IpPrefix> local_networks_;
  Conntrack conntrack_;
  std::atomic<const InstalledRules*> current_rules_;
  std::mutex reload_mutex_;
  std::vector<std::unique_ptr<InstalledRules>> installed_rules_;  // guarded by reload_mutex_
};

}  // namespace flatnet::firewall
