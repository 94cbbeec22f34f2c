// RuleSet: the inbound and outbound rule tables of one firewall configuration.
//
// Contract: Compile validates every rule and fails on the first bad one with a message
// naming the table, the rule's 1-based position and its config.yml line, e.g.
//   firewall.inbound rule 2 (line 57): port "80-" is not a port or range
// A compiled RuleSet is immutable; Allows() is safe to call from many threads and never
// allocates. The firewall is default deny: a packet is allowed when any rule of its
// direction's table matches (see rule.h for what matching means).
#pragma once

#include <cstddef>
#include <vector>

#include "base/status.h"
#include "config/firewall_rule.h"
#include "firewall/packet.h"
#include "firewall/peer_identity.h"
#include "firewall/rule.h"

namespace flatnet::firewall {

class RuleSet {
 public:
  RuleSet() = default;  // denies everything

  // `defaults` says what rules without local_cidr match (rule.h); the default is any.
  static Result<RuleSet> Compile(const std::vector<config::FirewallRule>& inbound,
                                 const std::vector<config::FirewallRule>& outbound,
                                 const RuleDefaults& defaults = {});

  bool Allows(const Packet& packet, bool incoming, const PeerIdentity& peer) const {
    return (incoming ? inbound_ : outbound_).Allows(packet, incoming, peer);
  }

  size_t RuleCount(bool incoming) const { return (incoming ? inbound_ : outbound_).size(); }

 private:
  // Rules filed by protocol so a packet is only tested against rules that can match it.
  class Table {
   public:
    void Add(Rule rule);
    bool Allows(const Packet& packet, bool incoming, const PeerIdentity& peer) const;
    size_t size() const { return any_protocol_.size() + tcp_.size() + udp_.size() + icmp_.size(); }

   private:
    static bool AnyMatches(const std::vector<Rule>& rules, const Packet& packet, bool incoming,
                           const PeerIdentity& peer);
    std::vector<Rule> any_protocol_, tcp_, udp_, icmp_;
  };

  static Status CompileTable(const char* table_name, const std::vector<config::FirewallRule>& rules,
                             const RuleDefaults& defaults, Table* table);

  Table inbound_;
  Table outbound_;
};

}  // namespace flatnet::firewall
