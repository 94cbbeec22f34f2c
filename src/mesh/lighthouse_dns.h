// LighthouseDns: what a lighthouse with lighthouse.serve_dns answers on lighthouse.dns.host
// and .port (nebula's DNS responder): A and AAAA records name -> overlay IPs (every network
// of the host's certificate) for every host that has had a tunnel with us (the Node's
// NameBook, name_book.h: names are remembered, as nebula does, even after the tunnel goes),
// and TXT records with the certificate of a host we hold a tunnel with now.
//
// Contract: lookups run on the DNS thread (the NameBook and the host map's snapshots are
// safe there). Start failing (port in use) is logged and the lighthouse runs on without
// DNS, like nebula.
#pragma once

#include <memory>

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

 private:
  Node& node_;
  std::unique_ptr<dns::DnsServer> server_;
};

}  // namespace flatnet::mesh
