#include "mesh/lighthouse_dns.h"

#include <algorithm>
#include <cctype>

#include "dns/dns_server.h"
#include "mesh/node.h"
#include "mesh/tunnel.h"

namespace flatnet::mesh {
namespace {
std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}
}  // namespace

LighthouseDns::LighthouseDns(Node& node) : node_(node) {}
LighthouseDns::~LighthouseDns() { Stop(); }

void LighthouseDns::Remember(const std::string& cert_name, const std::vector<IpAddr>& vpn_addrs) {
  std::lock_guard lock(mutex_);
  names_[Lowercase(cert_name)] = vpn_addrs;
}

void LighthouseDns::Start() {
  const config::LighthouseConfig& config = node_.config().lighthouse;
  dns::DnsServerOptions options;
  options.host = config.dns_host;
  options.port = config.dns_port;
  options.responder.logger = node_.logger();
  // Our own name and addresses are answered too (Nebula 1.11's seedSelf).
  const cert::Certificate& own = *node_.credentials().certificate;
  options.responder.vpn_networks = own.networks;
  options.responder.own_name = Lowercase(own.name);
  for (const IpPrefix& network : own.networks)
    options.responder.own_addresses.push_back(network.addr());
  options.responder.addresses_for_name = [this](std::string_view name) -> std::vector<IpAddr> {
    std::lock_guard lock(mutex_);
    auto it = names_.find(std::string(name));
    if (it == names_.end()) return {};
    return it->second;
  };
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
  std::string listener = config.dns_host + ":" + std::to_string(config.dns_port);
  if (Status started = server_->Start(); !started.ok()) {
    node_.logger().Error("Failed to start DNS responder",
                         {{"dnsListener", listener}, {"error", started.message()}});
    server_.reset();
    return;
  }
  node_.logger().Info("Starting DNS responder", {{"dnsListener", listener}});
}

void LighthouseDns::Stop() {
  if (server_) server_->Stop();
  server_.reset();
}

}  // namespace flatnet::mesh
