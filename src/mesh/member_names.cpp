#include "mesh/member_names.h"

#include "dns/dns_server.h"
#include "dns/resolved_link.h"
#include "mesh/name_book.h"

namespace flatnet::mesh {

MemberNames::MemberNames(Deps deps) : deps_(std::move(deps)) {}

MemberNames::~MemberNames() { Stop(); }

void MemberNames::Start(const std::string& tun_device, int ifindex) {
  const config::NamesConfig& names = deps_.names;
  const IpAddr listen_ip = names.listen_ip ? *names.listen_ip : deps_.networks.front().addr();
  dns::DnsServerOptions options;
  options.host = listen_ip.ToString();
  options.port = names.listen_port;
  options.listener_key = "names.listen";
  options.host_key = "names.listen";
  options.name = "names resolver";
  options.responder.logger = deps_.logger;
  options.responder.vpn_networks = deps_.networks;
  options.responder.own_name = NameBook::Lowercase(deps_.own_name);
  for (const IpPrefix& network : deps_.networks)
    options.responder.own_addresses.push_back(network.addr());
  const NameBook& book = deps_.book;
  options.responder.addresses_for_name = [&book](std::string_view name) { return book.Find(name); };
  for (const IpAddr& lighthouse : deps_.lighthouses)
    options.upstreams.emplace_back(lighthouse, names.lighthouse_dns_port);
  options.upstream_device = tun_device;
  options.responder.member = dns::MemberScope{names.domain, !options.upstreams.empty()};
  server_ = std::make_unique<dns::DnsServer>(std::move(options));
  if (Status started = server_->Start(); !started.ok()) {
    deps_.logger.Error("Failed to start the names resolver", {{"error", started.message()}});
    return;
  }
  if (ifindex == 0) return;

  net::UdpAddr listener = server_->local_address();
  const std::string where = listener.ToString();
  if (names.domain.empty()) {
    deps_.logger.Info(
        "names.domain is not set, so systemd-resolved is not asked (it sends no single-label "
        "name to a DNS server); point a resolver at the names resolver to look up bare names",
        {{"dnsListener", where}});
    return;
  }
  resolved_ = std::make_unique<dns::ResolvedLink>();
  std::string why;
  auto registered = resolved_->Register(ifindex, listener, names.domain, &why);
  if (!registered.ok()) {
    deps_.logger.Warn("systemd-resolved refused the names resolver; names resolve only where a "
                      "resolver is pointed at it",
                      {{"dnsListener", where}, {"error", registered.status().message()}});
  } else if (*registered == dns::ResolvedState::kRegistered) {
    deps_.logger.Info("Names under names.domain resolve through systemd-resolved",
                      {{"dnsListener", where},
                       {"domain", names.domain},
                       {"interface", tun_device}});
  } else {
    deps_.logger.Info("No systemd-resolved to register with: point a resolver at the names "
                      "resolver (a nameserver line for its address, docs/names.md)",
                      {{"dnsListener", where}, {"domain", names.domain}, {"reason", why}});
  }
}

void MemberNames::Stop() {
  if (resolved_ && resolved_->registered()) {
    if (Status reverted = resolved_->Revert(); !reverted.ok())
      deps_.logger.Warn("Failed to take the names resolver back from systemd-resolved",
                        {{"error", reverted.message()}});
  }
  resolved_.reset();
  if (server_) server_->Stop();
}

bool MemberNames::running() const { return server_ && server_->running(); }

net::UdpAddr MemberNames::local_address() const {
  return server_ ? server_->local_address() : net::UdpAddr();
}

void MemberNames::AppendCounters(std::vector<std::pair<std::string, uint64_t>>* counters) const {
  dns::DnsCounters c;
  if (server_) c = server_->counters();
  const std::pair<const char*, uint64_t> named[] = {
      {"names_queries", c.queries},
      {"names_answered", c.answered},
      {"names_unanswered", c.unanswered},
      {"names_not_ours", c.refused},
      {"names_forwarded", c.forwarded},
      {"names_forward_failed", c.forward_failed},
      {"names_refused_malformed", c.malformed},
      {"names_dropped_stranger", c.strangers},
      {"names_dropped_upstream", c.upstream_ignored},
  };
  for (const auto& [name, value] : named) counters->emplace_back(name, value);
}

}  // namespace flatnet::mesh
