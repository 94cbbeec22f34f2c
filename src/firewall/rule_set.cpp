#include "firewall/rule_set.h"

#include <string>

namespace flatnet::firewall {

void RuleSet::Table::Add(Rule rule) {
  switch (rule.protocol) {
    case kProtoTcp:
      tcp_.push_back(std::move(rule));
      break;
    case kProtoUdp:
      udp_.push_back(std::move(rule));
      break;
    case kProtoIcmp:
      icmp_.push_back(std::move(rule));
      break;
    default:
      any_protocol_.push_back(std::move(rule));
      break;
  }
}

bool RuleSet::Table::AnyMatches(const std::vector<Rule>& rules, const Packet& packet, bool incoming,
                                const PeerIdentity& peer) {
  for (const Rule& rule : rules) {
    if (rule.Matches(packet, incoming, peer)) return true;
  }
  return false;
}

bool RuleSet::Table::Allows(const Packet& packet, bool incoming, const PeerIdentity& peer) const {
  if (AnyMatches(any_protocol_, packet, incoming, peer)) return true;
  switch (packet.protocol) {
    case kProtoTcp:
      return AnyMatches(tcp_, packet, incoming, peer);
    case kProtoUdp:
      return AnyMatches(udp_, packet, incoming, peer);
    case kProtoIcmp:
    case kProtoIcmpv6:
      return AnyMatches(icmp_, packet, incoming, peer);
    default:
      return false;  // other protocols only pass "proto: any" rules
  }
}

Status RuleSet::CompileTable(const char* table_name, const std::vector<config::FirewallRule>& rules,
                             const RuleDefaults& defaults, Table* table) {
  for (size_t i = 0; i < rules.size(); ++i) {
    Result<Rule> rule = ParseRule(rules[i], defaults);
    if (!rule.ok()) {
      std::string where = std::string(table_name) + " rule " + std::to_string(i + 1);
      if (rules[i].line > 0) where += " (line " + std::to_string(rules[i].line) + ")";
      return rule.status().Wrap(where);
    }
    table->Add(std::move(rule).value());
  }
  return Status::Ok();
}

Result<RuleSet> RuleSet::Compile(const std::vector<config::FirewallRule>& inbound,
                                 const std::vector<config::FirewallRule>& outbound,
                                 const RuleDefaults& defaults) {
  RuleSet rules;
  Status status = CompileTable("firewall.inbound", inbound, defaults, &rules.inbound_);
  if (!status.ok()) return status;
  status = CompileTable("firewall.outbound", outbound, defaults, &rules.outbound_);
  if (!status.ok()) return status;
  return rules;
}

}  // namespace flatnet::firewall
