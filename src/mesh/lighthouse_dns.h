// LighthouseDns: what a lighthouse with lighthouse.serve_dns answers on lighthouse.dns.host
// and .port (nebula's DNS responder): A and AAAA records name -> overlay IPs (every network
// of the host's certificate) for every host that has
// had a tunnel with us (names are remembered, as nebula does, even after the tunnel goes),
// and TXT records with the certificate of a host we hold a tunnel with now.
//
// Contract: Remember is called by the control thread when a tunnel comes up; lookups run on
// the DNS thread, so the name map has its own lock. Start failing (port in use) is logged
// and the lighthouse runs on without DNS, like nebula.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/ip_prefix.h"

namespace flatnet::dns {
class DnsServer;
}

namespace flatnet::mesh {

class Node;

class LighthouseDns {
 public:
  explicit LighthouseDns(Node& node);
  ~LighthouseDns();

  void Start();
  void Stop();
  void Remember(const std::string& cert_name, const std::vector<IpAddr>& vpn_addrs);

 private:
  Node& node_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<IpAddr>> names_;  // lowercase cert name -> overlay IPs
  std::unique_ptr<dns::DnsServer> server_;
};

}  // namespace flatnet::mesh
