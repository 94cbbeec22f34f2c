// MemberNames: names.* (docs/names.md) — a resolver on this host's overlay address that
// answers A and AAAA for its peers' certificate names, bare ("member2") and under
// names.domain ("member2.our-team"), and plugs itself into the host's resolver where it can.
//
// Contract:
//  - What it answers is Responder's member rules (dns/responder.h): our own name and
//    addresses, the NameBook's hosts (every host we have had a tunnel with), and for names
//    it does not know, the lighthouses' answer: it asks each of lighthouse.hosts (as at
//    start) on its overlay address at names.lighthouse_dns_port, where a lighthouse with
//    lighthouse.serve_dns answers (dns/forwarder.h: at most 1.5 s). It asks nobody else:
//    names that are not ours are REFUSED, so it is never a recursive resolver.
//  - Start runs once the tun is up (the default listen address, our first overlay address
//    port 53, exists then). A server that cannot start is logged and flatnet runs on
//    without names, as nebula without its DNS responder. With `ifindex` (the tun's; 0 in
//    tests) it then asks systemd-resolved for split DNS (dns/resolved_link.h) and logs one
//    line saying what came of it: registered; not asked (names.domain is empty, and resolved
//    sends no single-label name to a DNS server); or absent, naming the address a resolver
//    can be pointed at. A refusal from resolved is a warning; the resolver keeps running.
//  - Stop reverts the link with resolved (errors logged) and stops the server; idempotent,
//    and the destructor calls it.
//  - AppendCounters adds the server's counters as names_* (flatnet status, Prometheus);
//    any thread, at any time after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/ip_prefix.h"
#include "base/log.h"
#include "config/config.h"
#include "net/udp_addr.h"

namespace flatnet::dns {
class DnsServer;
class ResolvedLink;
}  // namespace flatnet::dns

namespace flatnet::mesh {

class NameBook;

class MemberNames {
 public:
  struct Deps {
    const config::NamesConfig& names;
    std::vector<IpAddr> lighthouses;  // lighthouse.hosts: overlay addresses
    std::string own_name;             // our certificate's name
    std::vector<IpPrefix> networks;   // our certificate's networks (addresses and askers)
    const NameBook& book;
    log::Logger logger;
  };

  explicit MemberNames(Deps deps);
  ~MemberNames();
  MemberNames(const MemberNames&) = delete;
  MemberNames& operator=(const MemberNames&) = delete;

  // `tun_device` binds the socket that asks the lighthouses ("" = unbound, for tests).
  void Start(const std::string& tun_device, int ifindex);
  void Stop();
  bool running() const;
  // Where the resolver listens (the port chosen when names.listen's was 0); after Start.
  net::UdpAddr local_address() const;
  void AppendCounters(std::vector<std::pair<std::string, uint64_t>>* counters) const;

 private:
  Deps deps_;
  std::unique_ptr<dns::DnsServer> server_;
  std::unique_ptr<dns::ResolvedLink> resolved_;
};

}  // namespace flatnet::mesh
