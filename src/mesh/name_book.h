// NameBook: the certificate names of the hosts this one has had a tunnel with, and their
// overlay addresses (every network of the certificate, in order), kept after the tunnel
// goes, as nebula's lighthouse keeps them. What lighthouse.serve_dns (lighthouse_dns.h) and
// a member's names resolver (member_names.h) answer from.
//
// Contract: names are lowercased on the way in, and Find takes a lowercase name. Remember
// runs on the control thread (a tunnel came up), Find on a DNS thread: the map has its own
// lock. A later tunnel under the same name replaces the addresses.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/ip_prefix.h"

namespace flatnet::mesh {

class NameBook {
 public:
  void Remember(const std::string& cert_name, const std::vector<IpAddr>& vpn_addrs);
  std::vector<IpAddr> Find(std::string_view lowercase_name) const;

  static std::string Lowercase(std::string text);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<IpAddr>> names_;
};

}  // namespace flatnet::mesh
