#include "mesh/reload.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <sstream>

#include "mesh/handshake_manager.h"
#include "mesh/invalid_certs.h"
#include "mesh/kernel_routes.h"
#include "mesh/lighthouse.h"
#include "mesh/relay_manager.h"
#include "mesh/node.h"
#include "tun/tun_device.h"

namespace flatnet::mesh {
namespace {

// Comparable renderings of the config values that have no operator==.
std::string Render(const std::vector<IpAddr>& ips) {
  std::string out;
  for (const IpAddr& ip : ips) out += ip.ToString() + ",";
  return out;
}
std::string Render(const std::vector<config::HostPort>& addresses) {
  std::string out;
  for (const config::HostPort& a : addresses) out += a.text + ",";
  return out;
}
std::string Render(const std::vector<config::StaticHost>& hosts) {
  std::string out;
  for (const config::StaticHost& h : hosts) out += h.vpn_ip.ToString() + "=" + Render(h.addresses) + ";";
  return out;
}
std::string Render(const std::vector<config::UnsafeRoute>& routes) {
  std::ostringstream out;
  for (const config::UnsafeRoute& r : routes) {
    out << r.network.ToString() << ' ' << r.mtu << ' ' << r.metric << ' ' << r.install;
    for (const config::Gateway& g : r.gateways) out << ' ' << g.address.ToString() << '*' << g.weight;
    out << ';';
  }
  return out.str();
}
std::string Render(const std::vector<config::Route>& routes) {
  std::ostringstream out;
  for (const config::Route& r : routes) out << r.network.ToString() << ' ' << r.mtu << ';';
  return out.str();
}
std::string Render(const std::vector<IpPrefix>& prefixes) {
  std::string out;
  for (const IpPrefix& p : prefixes) out += p.ToString() + ",";
  return out;
}
std::string Render(const std::vector<config::FirewallRule>& rules) {
  // A rule's fields as written (not its line: moving a rule down is no change).
  std::ostringstream out;
  for (const config::FirewallRule& r : rules) {
    out << r.port << '|' << r.code << '|' << r.proto << '|' << r.host << '|' << r.cidr << '|'
        << r.local_cidr << '|' << r.ca_name << '|' << r.ca_sha << '|';
    for (const std::string& g : r.groups) out << g << ',';
    out << ';';
  }
  return out.str();
}

bool SameStaticMap(const config::StaticMapConfig& a, const config::StaticMapConfig& b) {
  return a.cadence == b.cadence && a.network == b.network && a.lookup_timeout == b.lookup_timeout;
}
bool SamePunchy(const config::PunchyConfig& a, const config::PunchyConfig& b) {
  return a.punch == b.punch && a.respond == b.respond && a.delay == b.delay &&
         a.respond_delay == b.respond_delay && a.early_delay == b.early_delay &&
         a.target_all_remotes == b.target_all_remotes;
}

// The largest MTU the TUN device was given at start (TunDevice::DeviceMtu): a reloaded
// route cannot carry more without changing the device.
int StartedDeviceMtu(const config::Config& started) {
  int mtu = started.tun.mtu;
  for (const tun::TunRoute& route : KernelRoutes(started.tun)) mtu = std::max(mtu, route.mtu);
  return mtu;
}

// The kernel routes of `config`'s unsafe routes beside the tun.routes the node started with
// (a reload does not change those).
std::vector<tun::TunRoute> KernelRoutesAfterReload(const config::Config& started,
                                                   const config::Config& config) {
  config::TunConfig tun = config.tun;
  tun.routes = started.tun.routes;
  return KernelRoutes(tun);
}

}  // namespace

std::vector<std::string> RestartNeededKeys(const config::Config& a, const config::Config& b) {
  std::vector<std::string> out;
  auto check = [&](const char* key, bool same) {
    if (!same) out.emplace_back(key);
  };
  check("listen.host", a.listen.host == b.listen.host);
  check("listen.port", a.listen.port == b.listen.port);
  check("listen.batch", a.listen.batch == b.listen.batch);
  check("listen.read_buffer", a.listen.read_buffer == b.listen.read_buffer);
  check("listen.write_buffer", a.listen.write_buffer == b.listen.write_buffer);
  check("listen.send_recv_error", a.listen.send_recv_error == b.listen.send_recv_error);
  check("listen.accept_recv_error", a.listen.accept_recv_error == b.listen.accept_recv_error);
  check("listen.so_mark", a.listen.so_mark == b.listen.so_mark);
  check("tun.disabled", a.tun.disabled == b.tun.disabled);
  check("tun.dev", a.tun.dev == b.tun.dev);
  check("tun.mtu", a.tun.mtu == b.tun.mtu);
  check("tun.tx_queue", a.tun.tx_queue == b.tun.tx_queue);
  check("tun.drop_local_broadcast", a.tun.drop_local_broadcast == b.tun.drop_local_broadcast);
  check("tun.drop_multicast", a.tun.drop_multicast == b.tun.drop_multicast);
  check("tun.routes", Render(a.tun.routes) == Render(b.tun.routes));
  check("tun.use_system_route_table",
        a.tun.use_system_route_table == b.tun.use_system_route_table &&
            a.tun.use_system_route_table_buffer_size == b.tun.use_system_route_table_buffer_size);
  check("cipher", a.cipher == b.cipher);
  check("routines", a.routines == b.routines);
  check("pki.disconnect_invalid", a.pki.disconnect_invalid == b.pki.disconnect_invalid);
  check("lighthouse.am_lighthouse", a.lighthouse.am_lighthouse == b.lighthouse.am_lighthouse);
  check("lighthouse.serve_dns", a.lighthouse.serve_dns == b.lighthouse.serve_dns &&
                                    a.lighthouse.dns_host == b.lighthouse.dns_host &&
                                    a.lighthouse.dns_port == b.lighthouse.dns_port);
  check("lighthouse.advertise_addrs",
        Render(a.lighthouse.advertise_addrs) == Render(b.lighthouse.advertise_addrs));
  check("preferred_ranges", Render(a.preferred_ranges) == Render(b.preferred_ranges));
  check("handshakes", a.handshakes.try_interval == b.handshakes.try_interval &&
                          a.handshakes.retries == b.handshakes.retries);
  check("timers", a.timers.connection_alive_interval_seconds ==
                          b.timers.connection_alive_interval_seconds &&
                      a.timers.pending_deletion_interval_seconds ==
                          b.timers.pending_deletion_interval_seconds);
  check("tunnels", a.tunnels.drop_inactive == b.tunnels.drop_inactive &&
                       a.tunnels.inactivity_timeout == b.tunnels.inactivity_timeout);
  check("firewall.inbound_action", a.firewall.inbound_action == b.firewall.inbound_action);
  check("firewall.outbound_action", a.firewall.outbound_action == b.firewall.outbound_action);
  check("stats", a.stats.type == b.stats.type && a.stats.listen == b.stats.listen &&
                     a.stats.path == b.stats.path);
  check("control.socket", a.control.socket == b.control.socket);
  check("dashboard.listen", a.dashboard.listen == b.dashboard.listen);
  check("names", a.names.enabled == b.names.enabled && a.names.domain == b.names.domain &&
                     a.names.listen_ip == b.names.listen_ip &&
                     a.names.listen_port == b.names.listen_port &&
                     a.names.lighthouse_dns_port == b.names.lighthouse_dns_port);
  return out;
}

Result<firewall::RuleSet> CompileRules(const config::Config& config,
                                       const HostCredentials& credentials) {
  // Node::Prepare compiles the starting rules here too: rules without local_cidr match the
  // overlay networks (both families) only when the certificate has unsafe networks (Nebula
  // 1.10+), unless firewall.default_local_cidr_any.
  return firewall::RuleSet::Compile(
      config.firewall.inbound, config.firewall.outbound,
      firewall::RuleDefaults::For(credentials.networks,
                                  !credentials.certificate->unsafe_networks.empty(),
                                  config.firewall.default_local_cidr_any));
}

Result<ReloadPlan> PlanReload(const config::Config& started, const config::Config& running,
                              const HostCredentials& running_credentials,
                              const config::Config& next, const log::Logger& logger) {
  ReloadPlan plan;
  std::vector<std::string> errors;
  auto credentials = HostCredentials::Load(next.pki, logger);
  if (!credentials.ok()) {
    errors.push_back(credentials.status().message());
  } else {
    const cert::Certificate& now = *running_credentials.certificate;
    const cert::Certificate& then = *credentials->certificate;
    // Nebula refuses these too: the TUN's address and routes and the firewall's local
    // addresses were made from them.
    if (Render(now.networks) != Render(then.networks))
      errors.push_back("pki.cert: the new certificate's networks (" + Render(then.networks) +
                       ") differ from the running one's (" + Render(now.networks) +
                       "); restart flatnet to change them");
    if (Render(now.unsafe_networks) != Render(then.unsafe_networks))
      errors.push_back("pki.cert: the new certificate's unsafe networks differ from the running "
                       "one's; restart flatnet to change them");
    if (running_credentials.curve != credentials->curve)
      errors.push_back("pki.cert: the new certificate's curve differs from the running one's; "
                       "restart flatnet to change it");
    if (errors.empty()) {
      auto rules = CompileRules(next, *credentials);
      if (!rules.ok()) errors.push_back(rules.status().message());
      else plan.rules = std::move(*rules);
      // Gateways outside our networks and routes inside them are refused as at start.
      auto routes = BuildUnsafeRoutes(next.tun.unsafe_routes, *credentials);
      if (!routes.ok()) errors.push_back(routes.status().message());
      else plan.unsafe_routes = std::move(*routes);
    }
  }
  const int device_mtu = StartedDeviceMtu(started);
  for (const config::UnsafeRoute& route : next.tun.unsafe_routes) {
    if (route.install && route.mtu > device_mtu)
      errors.push_back("tun.unsafe_routes (line " + std::to_string(route.line) + "): mtu " +
                       std::to_string(route.mtu) + " is larger than the TUN device's " +
                       std::to_string(device_mtu) + "; restart flatnet to apply it");
  }
  if (!errors.empty()) {
    std::string message;
    for (const std::string& e : errors) message += (message.empty() ? "" : "\n") + e;
    return Status::Error(message);
  }
  plan.credentials = std::move(*credentials);
  plan.timeouts.tcp_ns = next.firewall.conntrack.tcp_timeout.count();
  plan.timeouts.udp_ns = next.firewall.conntrack.udp_timeout.count();
  plan.timeouts.other_ns = next.firewall.conntrack.default_timeout.count();
  plan.logging = next.logging.ToOptions();

  auto changed = [&](const char* key, bool same) {
    if (!same) plan.changed.emplace_back(key);
  };
  // By the CAs' fingerprints: a file rewritten in place keeps its name.
  changed("pki.ca", running_credentials.ca_pool.Fingerprints() ==
                        plan.credentials.ca_pool.Fingerprints());
  changed("pki.cert", running_credentials.certificate->Fingerprint() ==
                          plan.credentials.certificate->Fingerprint());
  changed("pki.key", running_credentials.static_keys.public_key ==
                         plan.credentials.static_keys.public_key);
  changed("pki.blocklist", running.pki.blocklist == next.pki.blocklist);
  changed("pki.initiating_version", running.pki.initiating_version == next.pki.initiating_version);
  changed("firewall.inbound", Render(running.firewall.inbound) == Render(next.firewall.inbound));
  changed("firewall.outbound", Render(running.firewall.outbound) == Render(next.firewall.outbound));
  changed("firewall.default_local_cidr_any",
          running.firewall.default_local_cidr_any == next.firewall.default_local_cidr_any);
  changed("firewall.conntrack",
          running.firewall.conntrack.tcp_timeout == next.firewall.conntrack.tcp_timeout &&
              running.firewall.conntrack.udp_timeout == next.firewall.conntrack.udp_timeout &&
              running.firewall.conntrack.default_timeout == next.firewall.conntrack.default_timeout);
  changed("logging", running.logging.level == next.logging.level &&
                         running.logging.format == next.logging.format &&
                         running.logging.disable_timestamp == next.logging.disable_timestamp &&
                         running.logging.timestamp_format == next.logging.timestamp_format);
  changed("tun.unsafe_routes",
          Render(running.tun.unsafe_routes) == Render(next.tun.unsafe_routes));
  changed("tun.routes_from_certs", running.tun.routes_from_certs == next.tun.routes_from_certs);
  changed("static_host_map", Render(running.static_host_map) == Render(next.static_host_map));
  changed("static_map", SameStaticMap(running.static_map, next.static_map));
  changed("lighthouse.hosts", Render(running.lighthouse.hosts) == Render(next.lighthouse.hosts));
  changed("lighthouse.interval",
          running.lighthouse.interval_seconds == next.lighthouse.interval_seconds);
  changed("punchy", SamePunchy(running.punchy, next.punchy));
  changed("relay", running.relay.am_relay == next.relay.am_relay &&
                       running.relay.use_relays == next.relay.use_relays &&
                       Render(running.relay.relays) == Render(next.relay.relays));
  plan.static_hosts_changed =
      Render(running.static_host_map) != Render(next.static_host_map) ||
      !SameStaticMap(running.static_map, next.static_map);
  if (plan.static_hosts_changed) {
    // Looked up here, on the reloading thread, so the control thread never waits for DNS.
    plan.static_addresses = ResolveStaticHostMap(next, logger);
    plan.static_hosts = std::make_unique<StaticHostResolver>(next, plan.static_addresses, logger);
  }
  plan.restart_needed = RestartNeededKeys(started, next);
  plan.config = next;
  return plan;
}

Result<ReloadOutcome> Node::Reload(const config::Config& next) {
  std::unique_ptr<ReloadPlan> plan;
  {
    // The running credentials and config: Reload's callers are not the control thread, the
    // only writer, and it writes them under this lock.
    std::lock_guard lock(reload_->mutex);
    auto planned = PlanReload(config_, reload_->applied, credentials_, next, logger_);
    if (!planned.ok()) return planned.status();
    plan = std::make_unique<ReloadPlan>(std::move(*planned));
  }
  ReloadOutcome outcome{0, plan->changed, plan->restart_needed};
  std::unique_lock lock(reload_->mutex);
  if (!control_thread_.joinable()) {
    // Never started (tests): this thread is the control thread's stand-in.
    lock.unlock();
    InstallReload(*plan);
    lock.lock();
    outcome.generation = reload_->generation;
    return outcome;
  }
  // One reload at a time: wait for an earlier plan to be taken.
  reload_->done.wait_for(lock, std::chrono::seconds(10), [&] { return !reload_->pending; });
  if (reload_->pending) return Status::Error("the control thread did not take the reload");
  const uint64_t before = reload_->generation;
  reload_->pending = std::move(plan);
  reload_->has_pending.store(true, std::memory_order_release);
  control_queue_.Push(ControlEvent{});  // kWake
  if (!reload_->done.wait_for(lock, std::chrono::seconds(10),
                              [&] { return reload_->generation > before; })) {
    return Status::Error("the control thread did not install the reload within 10 s");
  }
  outcome.generation = reload_->generation;
  // A replaced static host resolver stops here, not on the control thread: Stop waits for
  // a lookup under way.
  std::vector<std::unique_ptr<StaticHostResolver>> retired = std::move(reload_->retired);
  lock.unlock();
  retired.clear();
  return outcome;
}

void Node::InstallPendingReload() {
  std::unique_ptr<ReloadPlan> plan;
  {
    std::lock_guard lock(reload_->mutex);
    plan = std::move(reload_->pending);
    reload_->has_pending.store(false, std::memory_order_release);
  }
  if (plan) InstallReload(*plan);
}

void Node::InstallReload(ReloadPlan& plan) {
  const int64_t now_ns = NowNs();
  const config::Config& next_config = plan.config;
  std::vector<tun::TunRoute> kernel_before, kernel_after;
  std::vector<IpAddr> static_before;
  {
    std::lock_guard lock(reload_->mutex);
    kernel_before = KernelRoutesAfterReload(config_, reload_->applied);
    for (const config::StaticHost& host : reload_->applied.static_host_map)
      static_before.push_back(host.vpn_ip);
  }
  kernel_after = KernelRoutesAfterReload(config_, next_config);

  // The inside path reads the new table from its next packet on; then the kernel learns the
  // routes that were added (and forgets the removed ones), so nothing reaches the TUN
  // device for a network flatnet does not route yet.
  unsafe_routes_.store(std::move(plan.unsafe_routes));
  // Routes from certificates follow at the control loop's next turn (RefreshCertRoutes):
  // the key may have changed, and a new configured route wins over them.
  routes_from_certs_ = next_config.tun.routes_from_certs;
  cert_routes_dirty_ = true;
  if (tun_) {
    KernelRouteChange change = DiffKernelRoutes(kernel_before, kernel_after);
    if (!change.empty()) {
      // Like Nebula: a route the kernel refuses is logged; flatnet runs on without it.
      if (Status changed = tun_->ChangeRoutes(change.remove, change.add); !changed.ok())
        logger_.Error("Failed to change tun.unsafe_routes in the kernel",
                      {{"error", changed.message()}});
    }
  }
  if (plan.static_hosts_changed) {
    for (const IpAddr& vpn_ip : static_before) addresses_->RemoveStatic(vpn_ip);
    for (size_t i = 0; i < next_config.static_host_map.size(); ++i)
      addresses_->SetStatic(next_config.static_host_map[i].vpn_ip, plan.static_addresses[i]);
    std::unique_ptr<StaticHostResolver> old = std::move(static_hosts_);
    static_hosts_ = std::move(plan.static_hosts);
    if (control_thread_.joinable()) static_hosts_->Start();
    std::lock_guard lock(reload_->mutex);
    reload_->retired.push_back(std::move(old));  // Reload's caller stops it
  }
  lighthouse_->Reload(next_config, now_ns);
  relays_->set_am_relay(next_config.relay.am_relay);
  handshakes_->set_use_relays(next_config.relay.use_relays && !next_config.relay.am_relay);
  {
    std::lock_guard lock(reload_->mutex);
    // Field by field: vpn_ip, v1_vpn_ip and networks are read by the workers and do not
    // change (PlanReload refused a certificate with other networks).
    HostCredentials& next = plan.credentials;
    credentials_.certificate = std::move(next.certificate);
    credentials_.v1 = std::move(next.v1);
    credentials_.v2 = std::move(next.v2);
    credentials_.initiating_version = next.initiating_version;
    credentials_.dh = next.dh;
    credentials_.static_keys = std::move(next.static_keys);
    credentials_.ca_pool = std::move(next.ca_pool);
    reload_->applied = std::move(plan.config);
  }
  firewall_->ReloadRules(std::move(plan.rules));
  firewall_->SetConntrackTimeouts(plan.timeouts);
  logger_.Configure(plan.logging);
  // Peers the new CA pool or blocklist refuses go now, not at the next housekeeping tick.
  const int closed = CloseInvalidTunnels(*this, std::time(nullptr), CertCheckScope::kEverything);
  std::string changed, restart;
  for (const std::string& key : plan.changed) changed += (changed.empty() ? "" : ",") + key;
  for (const std::string& key : plan.restart_needed) restart += (restart.empty() ? "" : ",") + key;
  logger_.Info("Reloaded config", {{"changed", changed.empty() ? "nothing" : changed},
                                   {"tunnelsClosed", closed}});
  if (!restart.empty()) {
    logger_.Warn("Changed config keys that only a restart applies; they keep their running values",
                 {{"keys", restart}});
  }
  {
    std::lock_guard lock(reload_->mutex);
    ++reload_->generation;
  }
  reload_->done.notify_all();
}

}  // namespace flatnet::mesh
