#include "config/allow_list.h"

#include <regex>

namespace flatnet::config {

bool AllowList::Allows(const IpAddr& ip) const {
  const AllowListRule* best = nullptr;
  for (const AllowListRule& rule : rules) {
    if (rule.network.Contains(ip) &&
        (!best || rule.network.bits() > best->network.bits())) {
      best = &rule;
    }
  }
  return best ? best->allow : true;
}

bool RemoteAllowList::Allows(const IpAddr& vpn_ip, const IpAddr& remote) const {
  const RemoteAllowRange* best = nullptr;
  for (const RemoteAllowRange& range : ranges) {
    if (range.inside.Contains(vpn_ip) &&
        (!best || range.inside.bits() > best->inside.bits())) {
      best = &range;
    }
  }
  if (best && !best->list.Allows(remote)) return false;
  return list.Allows(remote);
}

bool LocalAllowList::AllowsInterface(std::string_view name) const {
  if (interfaces.empty()) return true;
  for (const InterfaceRule& rule : interfaces) {
    // Patterns were checked when the config was loaded, so this does not throw.
    if (std::regex_match(name.begin(), name.end(), std::regex(rule.pattern))) return rule.allow;
  }
  return !interfaces.front().allow;
}

}  // namespace flatnet::config
