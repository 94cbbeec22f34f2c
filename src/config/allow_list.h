// lighthouse.remote_allow_list / remote_allow_ranges / local_allow_list, validated and ready
// to answer "may this address be used?".
//
// Contract (nebula's allow_list.go semantics): the most specific matching CIDR decides. When
// every rule of a family (IPv4 or IPv6) says the same thing and there is no /0 rule for that
// family, the opposite is the default for it, and ParseAllowList adds that /0 rule; mixed
// true/false rules without a /0 are an error. An empty (unset) list allows everything.
// Interface rules (local_allow_list.interfaces) are anchored regular expressions that must all
// be true or all be false; a name matching none gets the opposite.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/ip_address.h"

namespace flatnet::config {

struct AllowListRule {
  IpPrefix network;
  bool allow = true;
  int line = 0;  // 0 for an implied default
};

struct AllowList {
  std::vector<AllowListRule> rules;  // includes implied /0 defaults

  bool empty() const { return rules.empty(); }
  bool Allows(const IpAddr& ip) const;
};

struct RemoteAllowRange {
  IpPrefix inside;  // overlay (VPN) range the list applies to
  AllowList list;
};

struct RemoteAllowList {
  AllowList list;                        // lighthouse.remote_allow_list
  std::vector<RemoteAllowRange> ranges;  // lighthouse.remote_allow_ranges

  // Whether `remote` (an underlay address) may be used to reach overlay host `vpn_ip`.
  bool Allows(const IpAddr& vpn_ip, const IpAddr& remote) const;
};

struct InterfaceRule {
  std::string pattern;  // regular expression matched against the whole interface name
  bool allow = true;
};

struct LocalAllowList {
  AllowList list;
  std::vector<InterfaceRule> interfaces;

  bool Allows(const IpAddr& ip) const { return list.Allows(ip); }
  bool AllowsInterface(std::string_view name) const;
};

}  // namespace flatnet::config
