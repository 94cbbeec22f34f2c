// One firewall rule as written in config.yml (firewall.inbound / firewall.outbound), kept
// as text so src/firewall can parse and validate it with the line to blame.
#pragma once

#include <string>
#include <vector>

namespace flatnet::config {

struct FirewallRule {
  std::string port;                 // "any", "80", "200-901", "fragment"; may be empty with code
  std::string code;                 // icmp code, nebula's alternative to port
  std::string proto;                // "any", "tcp", "udp", "icmp"
  std::string host;                 // cert name or "any"
  std::vector<std::string> groups;  // from "group" (one) or "groups" (all must match)
  std::string cidr;                 // remote overlay CIDR
  std::string local_cidr;           // local CIDR (unsafe routes)
  std::string ca_name;
  std::string ca_sha;
  int line = 0;  // line in config.yml, for error messages
};

}  // namespace flatnet::config
