#include "mesh/lighthouse_dns.h"

#include "dns/dns_server.h"
#include "mesh/name_book.h"
#include "mesh/node.h"
#include "mesh/tunnel.h"

namespace flatnet::mesh {

LighthouseDns::LighthouseDns(Node& node) : node_(node) {}
LighthouseDns::~LighthouseDns() { Stop(); }

void LighthouseDns::Start() {
  const config::LighthouseConfig& config = node_.config().lighthouse;
  dns::DnsServerOptions options;
  options.host = config.dns_host;
  options.port = config.dns_port;
  options.responder.logger = node_.logger();
  // Our own name and addresses are answered too (Nebula 1.11's seedSelf).
  const cert::Certificate& own = *node_.credentials().certificate;
  options.responder.vpn_networks = own.networks;
  options.responder.own_name = NameBook::Lowercase(own.name);
  for (const IpPrefix& network : own.networks)
    options.responder.own_addresses.push_back(network.addr());
  const NameBook& book = node_.name_book();
  options.responder.addresses_for_name = [&book](std::string_view name) { return book.Find(name); };
  options.responder.cert_for_ip = [this](const IpAddr& ip) -> std::optional<dns::CertDetails> {
    auto snapshot = node_.host_map().Current();
    Tunnel* tunnel = snapshot->FindByVpnIp(ip);
    if (!tunnel) return std::nullopt;
    const cert::Certificate& c = tunnel->peer_cert();
    dns::CertDetails details;
    details.name = c.name;
    for (const auto& network : c.networks) details.ips.push_back(network.ToString());
    for (const auto& unsafe : c.unsafe_networks) details.subnets.push_back(unsafe.ToString());
    details.groups = c.groups;
    details.not_before = c.not_before;
    details.not_after = c.not_after;
    details.public_key = c.public_key;
    details.is_ca = c.is_ca;
    details.issuer = c.issuer;
    return details;
  };
  server_ = std::make_unique<dns::DnsServer>(std::move(options));
  // The server logs nebula's "Starting DNS responder" once it listens.
  if (Status started = server_->Start(); !started.ok()) {
    std::string listener = config.dns_host + ":" + std::to_string(config.dns_port);
    node_.logger().Error("Failed to start DNS responder",
                         {{"dnsListener", listener}, {"error", started.message()}});
    server_.reset();
  }
}

void LighthouseDns::Stop() {
  if (server_) server_->Stop();
  server_.reset();
}

}  // namespace flatnet::mesh
