// PeerIdentity: what the firewall knows about the host at the other end of a tunnel.
//
// Contract: the daemon fills one from the peer's verified certificate when the tunnel comes
// up and passes it to every Firewall::Check for that tunnel; the firewall only reads it.
// Strings are compared exactly as rules name them (ca_sha is compared lowercase).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "base/ip_prefix.h"

namespace flatnet::firewall {

struct PeerIdentity {
  std::string name;                 // certificate name; rules' "host"
  IpAddr overlay_ip;                // the certificate's first address; conntrack keys by it
  std::vector<std::string> groups;  // certificate groups; rules' "group"/"groups"
  std::string issuer;               // issuing CA's fingerprint, lowercase hex; rules' "ca_sha"
  std::string ca_name;              // issuing CA's name; rules' "ca_name"
  // Further sources the certificate vouches for: its other addresses (as /32 or /128) and
  // its subnets (unsafe routes). Packets from anywhere else are dropped as kDropRemoteIp.
  std::vector<IpPrefix> other_networks;

  bool HasGroup(const std::string& group) const {
    return std::find(groups.begin(), groups.end(), group) != groups.end();
  }

  bool MayUseAddress(const IpAddr& address) const {
    if (address == overlay_ip) return true;
    for (const IpPrefix& network : other_networks) {
      if (network.Contains(address)) return true;
    }
    return false;
  }
};

}  // namespace flatnet::firewall
