#include "mesh/node.h"

#include <net/if.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <ctime>
#include <optional>

#include "firewall/rule_set.h"
#include "mesh/calculated_remotes.h"
#include "mesh/handshake_manager.h"
#include "mesh/invalid_certs.h"
#include "mesh/kernel_routes.h"
#include "mesh/lighthouse.h"
#include "mesh/lighthouse_dns.h"
#include "mesh/liveness.h"
#include "mesh/member_names.h"
#include "mesh/metric_counts.h"
#include "mesh/peer_remotes.h"
#include "mesh/relay_codec.h"
#include "mesh/relay_manager.h"
#include "mesh/reload.h"
#include "mesh/seal.h"
#include "mesh/static_hosts.h"
#include "mesh/system_routes.h"
#include "mesh/tunnel.h"
#include "mesh/worker.h"
#include "tun/tun_device.h"
#include "wire/header.h"

namespace flatnet::mesh {
namespace {

NodeSettings SettingsFrom(const config::Config& config) {
  NodeSettings s;
  s.cipher = config.cipher == config::Cipher::kChaChaPoly ? crypto::CipherKind::kChaCha20Poly1305
                                                          : crypto::CipherKind::kAes256Gcm;
  s.handshake_try_interval_ns = config.handshakes.try_interval.count();
  s.handshake_retries = config.handshakes.retries;
  s.alive_interval_ns = int64_t(config.timers.connection_alive_interval_seconds) * 1'000'000'000;
  s.pending_deletion_interval_ns =
      int64_t(config.timers.pending_deletion_interval_seconds) * 1'000'000'000;
  s.routines = std::max(1, config.routines);
  s.batch = std::max(1, config.listen.batch);
  s.send_recv_error = config.listen.send_recv_error;
  s.accept_recv_error = config.listen.accept_recv_error;
  s.inbound_reject = config.firewall.inbound_action == config::FirewallAction::kReject;
  s.outbound_reject = config.firewall.outbound_action == config::FirewallAction::kReject;
  s.drop_inactive = config.tunnels.drop_inactive;
  s.inactivity_timeout_ns = config.tunnels.inactivity_timeout.count();
  return s;
}

std::string CipherName(crypto::CipherKind kind) {
  return kind == crypto::CipherKind::kAes256Gcm ? "aes" : "chachapoly";
}

// Routes from certificates go on the TUN device, never over a route that exists already.
class TunRouteSink final : public KernelRouteSink {
 public:
  explicit TunRouteSink(tun::TunDevice& tun) : tun_(tun) {}
  Status Add(const IpPrefix& network) override { return tun_.AddRouteIfAbsent({network, 0, 0}); }
  Status Remove(const IpPrefix& network) override { return tun_.RemoveRoute({network, 0, 0}); }

 private:
  tun::TunDevice& tun_;
};

}  // namespace

int64_t Node::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Node::Node(const config::Config& config, log::Logger logger)
    : config_(config),
      logger_(std::move(logger)),
      settings_(SettingsFrom(config)),
      reload_(std::make_unique<ReloadState>(config)) {}

Node::~Node() { Stop(); }

Result<std::unique_ptr<Node>> Node::Create(const config::Config& config, log::Logger logger) {
  std::unique_ptr<Node> node(new Node(config, std::move(logger)));
  if (Status prepared = node->Prepare(); !prepared.ok()) return prepared;
  return node;
}

Status Node::Prepare() {
  if (settings_.routines * 2 + 1 > kMaxThreadSlots)
    return Status::Error("routines: at most " + std::to_string((kMaxThreadSlots - 1) / 2));
  auto credentials = HostCredentials::Load(config_.pki, logger_);
  if (!credentials.ok()) return credentials.status();
  credentials_ = std::move(*credentials);
  settings_.local_drops =
      firewall::LocalDrops::For(credentials_.certificate->networks,
                                config_.tun.drop_local_broadcast, config_.tun.drop_multicast);

  // The same compilation a reload does (reload.h).
  auto rules = CompileRules(config_, credentials_);
  if (!rules.ok()) return rules.status();
  // Packets may arrive for each of our overlay addresses (IPv4 and IPv6) and our unsafe
  // networks of either family.
  std::vector<IpPrefix> local_networks;
  for (const IpPrefix& network : credentials_.networks)
    local_networks.push_back(IpPrefix::From(network.addr(), network.addr().bit_length()));
  for (const IpPrefix& unsafe : credentials_.certificate->unsafe_networks)
    local_networks.push_back(unsafe);
  firewall::FirewallOptions options;
  options.timeouts.tcp_ns = config_.firewall.conntrack.tcp_timeout.count();
  options.timeouts.udp_ns = config_.firewall.conntrack.udp_timeout.count();
  options.timeouts.other_ns = config_.firewall.conntrack.default_timeout.count();
  firewall_ =
      std::make_unique<firewall::Firewall>(std::move(*rules), std::move(local_networks), options);

  auto unsafe_routes = BuildUnsafeRoutes(config_.tun.unsafe_routes, credentials_);
  if (!unsafe_routes.ok()) return unsafe_routes.status();
  unsafe_routes_.store(std::move(*unsafe_routes));
  addresses_ =
      std::make_unique<AddressBook>(config_.lighthouse.remote_allow_list, config_.preferred_ranges,
                                    credentials_.certificate->networks);
  // Like nebula: a name that doesn't resolve now is a warning, not a failed start; the
  // resolver (static_hosts.h) tries again every static_map.cadence.
  std::vector<std::vector<net::UdpAddr>> static_addresses = ResolveStaticHostMap(config_, logger_);
  for (size_t i = 0; i < config_.static_host_map.size(); ++i)
    addresses_->SetStatic(config_.static_host_map[i].vpn_ip, static_addresses[i]);
  static_hosts_ =
      std::make_unique<StaticHostResolver>(config_, std::move(static_addresses), logger_);
  if (config_.tun.use_system_route_table) {
    system_routes_ =
        std::make_unique<SystemRoutes>(logger_, credentials_.networks);
  }
  cert_routes_ = std::make_unique<CertRoutes>(logger_);
  route_hints_ = std::make_unique<RouteHints>();
  routes_from_certs_ = config_.tun.routes_from_certs;
  // The managers, each given what it needs; the lighthouse and the relay manager reach the
  // handshake manager, made after them, through this Node's HandshakeStarter.
  lighthouse_ = std::make_unique<Lighthouse>(
      Lighthouse::Deps{config_, credentials_, logger_, control_counters_, host_map_, *addresses_,
                       *this, *this, timers_, [this] { return listen_port_; }});
  relays_ = std::make_unique<RelayManager>(RelayManager::Deps{
      config_.relay.am_relay, credentials_, logger_, control_counters_, host_map_, *this, *this});
  handshakes_ = std::make_unique<HandshakeManager>(HandshakeManager::Deps{
      credentials_, settings_, config_.relay.use_relays && !config_.relay.am_relay, logger_,
      control_counters_, host_map_, *addresses_, config_.lighthouse.calculated_remotes, *this,
      *this, *lighthouse_, *relays_, timers_});
  pinger_ = std::make_unique<Pinger>(Pinger::Deps{credentials_, host_map_, *this, *this, timers_});
  netchecker_ = std::make_unique<Netchecker>(Netchecker::Deps{host_map_, *lighthouse_, timers_});
  lighthouse_->SetRouteHints(route_hints_.get());
  lighthouse_->SetSelfReplyObserver(
      [this](const Tunnel& from, const std::vector<net::UdpAddr>& seen) {
        netchecker_->Answered(from, seen, NowNs());
      });
  liveness_ = std::make_unique<Liveness>(Liveness::Deps{
      settings_, logger_, control_counters_, host_map_, *this, *this, *this, timers_, *pinger_});
  PublishKnownHosts();  // static_host_map, at once; a lighthouse's answers from the timer
  return Status::Ok();
}

Status Node::Start() {
  tun::TunOptions tun_options;
  tun_options.name = config_.tun.dev;
  tun_options.queues = settings_.routines;
  tun_options.offloads = true;
  auto device = tun::TunDevice::Open(tun_options);
  if (!device.ok()) return device.status().Wrap("tun.dev");
  tun_ = std::move(*device);
  tun::TunAddressing addressing;
  addressing.addresses = credentials_.networks;
  addressing.mtu = config_.tun.mtu;
  addressing.tx_queue = config_.tun.tx_queue;
  addressing.routes = KernelRoutes(config_.tun);  // unsafe routes with install: false stay out
  if (Status active = tun_->Activate(addressing); !active.ok()) return active.Wrap("tun");
  tun_device_name_ = tun_->name();
  if (system_routes_) {
    // Like nebula: without the subscription flatnet runs on, with the config's routes only.
    Status watching =
        system_routes_->Start(tun_device_name_, config_.tun.use_system_route_table_buffer_size);
    if (!watching.ok())
      logger_.Error("failed to subscribe to system route changes", {{"error", watching.message()}});
  }

  for (int i = 0; i < settings_.routines; ++i) {
    net::UdpSocketOptions options;
    options.host = config_.listen.host;
    options.port = i == 0 ? config_.listen.port : listen_port_;
    options.reuse_port = settings_.routines > 1;
    options.recv_buffer = config_.listen.read_buffer;
    options.send_buffer = config_.listen.write_buffer;
    options.gro = true;
    auto socket = net::UdpSocket::Open(options);
    if (!socket.ok()) return socket.status().Wrap("listen");
    if (config_.listen.so_mark != 0) {
      // Like nebula: a mark that cannot be set is logged, and the node runs without it.
      if (Status marked = socket->SetMark(config_.listen.so_mark); !marked.ok())
        logger_.Error("Failed to set listen.so_mark", {{"error", marked.message()}});
      else if (i == 0)
        logger_.Info("listen.so_mark was set", {{"mark", int64_t(config_.listen.so_mark)}});
    }
    if (i == 0) {
      auto local = socket->LocalAddr();
      if (local.ok()) listen_port_ = local->port();
    }
    workers_.push_back(
        std::make_unique<Worker>(*this, i, std::move(*socket), tun_->queue(size_t(i))));
  }
  for (auto& worker : workers_) worker->Start();
  control_thread_ = std::thread([this] { RunControl(); });
  static_hosts_->Start();
  // Last, as nebula does: the overlay address exists now and may be lighthouse.dns.host.
  if (config_.lighthouse.am_lighthouse && config_.lighthouse.serve_dns) {
    dns_ = std::make_unique<LighthouseDns>(*this);
    dns_->Start();
  }
  if (config_.names.enabled) {
    names_ = std::make_unique<MemberNames>(MemberNames::Deps{
        config_.names, config_.lighthouse.hosts, credentials_.certificate->name,
        credentials_.networks, name_book_, logger_});
    names_->Start(tun_device_name_, int(if_nametoindex(tun_device_name_.c_str())));
  }

  logger_.Info("Nebula interface is active",
               {{"interface", tun_device_name_},
                {"network", credentials_.networks[0].ToString()},
                {"networks", "[" + credentials_.NetworksText() + "]"},
                {"build", std::string(FLATNET_VERSION)},
                {"udpAddr", config_.listen.host + ":" + std::to_string(listen_port_)},
                {"cipher", CipherName(settings_.cipher)},
                {"routines", settings_.routines},
                {"offloads", tun_->offloads().tso}});
  return Status::Ok();
}

void Node::Stop() {
  if (stopping_.exchange(true)) return;
  if (system_routes_) system_routes_->Stop();
  if (dns_) dns_->Stop();
  if (names_) names_->Stop();  // reverts systemd-resolved's link while the tun still exists
  if (control_thread_.joinable()) {
    control_queue_.Push(ControlEvent{});  // kWake
    control_thread_.join();
  }
  // After the control thread, which a reload may have had replace the resolver.
  if (static_hosts_) static_hosts_->Stop();
  // Tell every peer we are going, so a restart of ours can handshake again at once.
  if (!workers_.empty()) {
    auto snapshot = host_map_.Current();
    for (const auto& [vpn_ip, tunnel] : snapshot->by_primary)
      SendOnTunnel(*tunnel, wire::MessageType::kCloseTunnel, wire::MessageSubType::kNone, {});
  }
  if (tun_) tun_->Interrupt();
  for (auto& worker : workers_) worker->Stop();
}

void Node::RunControl() {
  // The timers that run from the start (control_timers.h lists every timer).
  int64_t now = NowNs();
  lighthouse_->Start(now);
  liveness_->Start(now);
  timers_.At(now + 1'000'000'000, [this](int64_t due) { PurgeDue(due); });
  timers_.At(now + 1'000'000'000, [this](int64_t due) { HousekeepingDue(due); });
  timers_.At(now + 100'000'000, [this](int64_t due) { ExpiryCheckDue(due, 0); });
  // One loop: the next event from the workers, or the next due timer, whichever is first.
  while (!stopping_.load()) {
    std::optional<int64_t> due = timers_.NextDue();
    int64_t deadline = due ? *due : NowNs() + 1'000'000'000;
    ControlEvent event;
    auto until = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline));
    if (control_queue_.PopUntil(until, event)) HandleControlEvent(event, NowNs());
    if (reload_->has_pending.load(std::memory_order_acquire)) InstallPendingReload();
    timers_.RunDue(NowNs());
    RefreshCertRoutes();
  }
}

void Node::PurgeDue(int64_t now_ns) {
  firewall_->PurgeExpired(now_ns);
  timers_.At(now_ns + 1'000'000'000, [this](int64_t now) { PurgeDue(now); });
}

void Node::ExpiryCheckDue(int64_t now_ns, int slice) {
  // pki.disconnect_invalid (invalid_certs.h): what time changes, one slice of the host map's
  // shards every 100 ms, each tunnel once a second; a reload checks everything at once.
  constexpr int kSlices = 10;
  const auto shards = HostMap::TunnelTable::SliceOfShards(slice, kSlices);
  CloseInvalidTunnels(*this, std::time(nullptr), CertCheckScope::kExpiriesOnly, shards.first,
                      shards.last);
  timers_.At(now_ns + 1'000'000'000 / kSlices,
             [this, slice](int64_t now) { ExpiryCheckDue(now, (slice + 1) % kSlices); });
}

void Node::HousekeepingDue(int64_t now_ns) {
  ApplyStaticHostChanges(*static_hosts_, *addresses_, logger_);
  HandshakeMissingGateways(now_ns);
  PublishKnownHosts();
  timers_.At(now_ns + 1'000'000'000, [this](int64_t now) { HousekeepingDue(now); });
}

void Node::PublishKnownHosts() {
  const uint64_t changes = addresses_->known_changes();
  const size_t names_count = pinger_->names().size();
  if (changes == published_known_.known_changes && names_count == published_known_.names &&
      ++published_known_.skipped < 10) {
    return;
  }
  published_known_ = {changes, names_count, 0};
  std::unordered_map<IpAddr, std::string> names;
  for (const auto& [name, vpn_ip] : pinger_->names()) names[vpn_ip] = name;
  std::vector<IpAddr> known = addresses_->Known();
  std::sort(known.begin(), known.end());
  auto hosts = std::make_shared<std::vector<std::pair<IpAddr, NodeStatus::KnownHostStatus>>>();
  for (const IpAddr& vpn_ip : known) {
    if (credentials_.IsOurAddress(vpn_ip)) continue;
    auto name = names.find(vpn_ip);
    hosts->emplace_back(vpn_ip, NodeStatus::KnownHostStatus{vpn_ip.ToString(),
                                                            name == names.end() ? "" : name->second,
                                                            addresses_->IsStatic(vpn_ip)});
  }
  known_hosts_.store(std::move(hosts));
}

void Node::HandleControlEvent(ControlEvent& event, int64_t now_ns) {
  using Kind = ControlEvent::Kind;
  auto snapshot = host_map_.Current();
  switch (event.kind) {
    case Kind::kWake:
      return;
    case Kind::kCall:
      if (event.call) event.call(now_ns);
      return;
    case Kind::kOutbound:
      // The tunnel may have come up since the worker looked.
      if (Tunnel* tunnel = snapshot->FindByVpnIp(event.vpn_ip)) {
        SendQueuedPacket(*tunnel, event.bytes);
      } else {
        handshakes_->QueueOutbound(
            event.vpn_ip,
            {wire::MessageType::kMessage, wire::MessageSubType::kNone, std::move(event.bytes)},
            now_ns);
        // An ECMP gateway without a tunnel: get tunnels to the others too (gateways.h).
        for (const IpAddr& other : OtherGateways(event.vpn_ip))
          if (!snapshot->FindByVpnIp(other)) handshakes_->Initiate(other, now_ns);
      }
      return;
    case Kind::kHandshake:
      handshakes_->HandlePacket(event.from, event.bytes, now_ns, event.via_relay);
      return;
    case Kind::kPunch:
      handshakes_->Punched(event.from);
      return;
    case Kind::kProven:
      handshakes_->Proven(event.local_index);
      return;
    case Kind::kRecvError: {
      // The peer at `from` has no tunnel for the index we send it: it restarted or dropped
      // the tunnel. Unauthenticated, so it only ever triggers a handshake (which a forger
      // cannot complete) and, after repeated errors from the tunnel's own address, the
      // tunnel's removal, as nebula does.
      for (const auto& [vpn_ip, tunnel] : snapshot->by_primary) {
        if (tunnel->remote_index() != event.local_index || !(tunnel->remote() == event.from))
          continue;
        handshakes_->Initiate(vpn_ip, now_ns);
        if (++tunnel->control().recv_errors > 3) CloseTunnel(*tunnel, "recv_error");
        return;
      }
      Counters::Add(control_counters_.rx_dropped_no_tunnel);
      return;
    }
    case Kind::kAuthenticated: {
      Tunnel* tunnel = snapshot->FindByIndex(event.local_index);
      if (!tunnel) return;
      auto type = wire::MessageType(event.type);
      if (type == wire::MessageType::kCloseTunnel) {
        logger_.Info("Close tunnel received, tearing down.",
                     {{"vpnIp", tunnel->vpn_ip().ToString()},
                      {"certName", tunnel->peer_cert().name},
                      {"udpAddr", event.from.ToString()}});
        CloseTunnel(*tunnel, "close_tunnel");
      } else if (type == wire::MessageType::kControl) {
        relays_->HandleMessage(*tunnel, event.bytes, now_ns);
      } else if (type == wire::MessageType::kLightHouse) {
        lighthouse_->HandleMessage(*tunnel, event.bytes, now_ns);
      } else if (type == wire::MessageType::kTest) {
        // A reply to a probe (workers pass only those): relayed ones have no direct source.
        pinger_->Answered(*tunnel, event.bytes,
                          event.via_relay.valid() ? net::UdpAddr() : event.from, now_ns);
      } else if (logger_.Enabled(log::Level::kDebug)) {
        logger_.Debug(
            "Ignoring message flatnet does not handle yet",
            {{"vpnIp", tunnel->vpn_ip().ToString()}, {"type", wire::TypeName(type)}});
      }
      return;
    }
  }
}

IpAddr Node::RouteFor(const firewall::Packet& packet, const HostMap::Snapshot& tunnels,
                      bool* unproven) const {
  const IpAddr& destination = packet.remote_ip;
  if (InOurNetwork(destination)) return destination;
  const std::shared_ptr<const UnsafeRouteTable> routes = unsafe_routes_.load();
  const UnsafeRouteEntry* configured = nullptr;
  for (const UnsafeRouteEntry& route : *routes) {
    if (route.network.Contains(destination)) {
      configured = &route;
      break;
    }
  }
  if (system_routes_) {
    std::shared_ptr<const void> hold;
    const SystemRoutes::Route* learned = system_routes_->Find(destination, &hold);
    if (learned && (!configured || learned->network.bits() >= configured->network.bits()))
      return learned->gateways.PickLive(packet, tunnels);
  }
  if (configured) return configured->gateways.PickLive(packet, tunnels);
  bool hinted = false;
  const IpAddr gateway = cert_routes_->GatewayFor(destination, &hinted);  // empty without the key
  // A hinted route's gateway with a tunnel: its certificate decides (the control thread
  // refutes the hint at its next turn; until then nothing goes out on the hint's word).
  if (hinted) {
    Tunnel* tunnel = tunnels.FindByVpnIp(gateway);
    if (tunnel && !CarriesNetworkOf(tunnel->peer_cert(), destination)) {
      if (unproven) *unproven = true;
      return IpAddr();
    }
  }
  return gateway;
}

bool Node::PeerMayReceive(const Tunnel& tunnel, const IpAddr& destination) const {
  if (InOurNetwork(destination) || CarriesNetworkOf(tunnel.peer_cert(), destination)) return true;
  for (const UnsafeRouteEntry& route : *unsafe_routes_.load())
    if (route.network.Contains(destination)) return true;
  if (system_routes_) {
    std::shared_ptr<const void> hold;
    if (system_routes_->Find(destination, &hold)) return true;
  }
  return false;
}

void Node::RefreshCertRoutes() {
  if (!routes_from_certs_ && !cert_routes_dirty_) return;
  const uint64_t version = host_map_.version();
  std::shared_ptr<const SystemRoutes::Table> system;
  if (system_routes_) system = system_routes_->Current();
  if (!cert_routes_dirty_ && version == cert_routes_host_map_version_ &&
      system == cert_routes_system_table_ && route_hints_->version() == cert_routes_hints_version_)
    return;
  cert_routes_dirty_ = false;
  cert_routes_host_map_version_ = version;
  cert_routes_system_table_ = system;
  cert_routes_hints_version_ = route_hints_->version();

  std::vector<CertRouteClaim> claims;  // none once the key is off: every route goes
  if (routes_from_certs_) {
    auto tunnels = host_map_.Current();
    claims = ClaimsOf(*tunnels);
    // The lighthouses' hints, for hosts without a tunnel; a tunnel's certificate that lacks a
    // hinted network refutes it for good (while the lighthouses keep listing it).
    RouteHints::SyncResult hints = route_hints_->Sync(
        *tunnels, [this](const IpAddr& ip) { return credentials_.IsOurAddress(ip); });
    for (const RefutedHint& refuted : hints.refuted) {
      Counters::Add(control_counters_.route_hints_refuted);
      logger_.Warn("Dropping a lighthouse's route hint: the host's certificate does not carry it",
                   {{"network", refuted.network.ToString()},
                    {"vpnIp", refuted.gateway.ToString()},
                    {"certName", refuted.cert_name}});
    }
    claims.insert(claims.end(), hints.claims.begin(), hints.claims.end());
  }
  CertRouteLimits limits;
  for (const IpPrefix& network : credentials_.networks) limits.own.push_back(network.Masked());
  for (const IpPrefix& network : credentials_.certificate->unsafe_networks)
    limits.own.push_back(network.Masked());
  for (const UnsafeRouteEntry& route : *unsafe_routes_.load())
    limits.configured.push_back(route.network);
  if (system)
    for (const SystemRoutes::Route& route : *system) limits.configured.push_back(route.network);
  std::optional<TunRouteSink> sink;
  if (tun_) sink.emplace(*tun_);
  cert_routes_->Update(claims, limits, sink ? &*sink : nullptr);
}

std::vector<const GatewaySet*> Node::EcmpGatewaySets(
    std::vector<std::shared_ptr<const void>>* hold) const {
  std::vector<const GatewaySet*> out;
  std::shared_ptr<const UnsafeRouteTable> configured = unsafe_routes_.load();
  for (const UnsafeRouteEntry& route : *configured)
    if (route.gateways.size() > 1) out.push_back(&route.gateways);
  hold->push_back(std::move(configured));
  if (system_routes_) {
    auto table = system_routes_->Current();
    for (const SystemRoutes::Route& route : *table)
      if (route.gateways.size() > 1) out.push_back(&route.gateways);
    hold->push_back(std::move(table));
  }
  return out;
}

void Node::HandshakeMissingGateways(int64_t now_ns) {
  auto snapshot = host_map_.Current();
  std::vector<std::shared_ptr<const void>> hold;
  for (const GatewaySet* set : EcmpGatewaySets(&hold)) {
    const std::vector<IpAddr>& gateways = set->addresses();
    bool in_use = std::any_of(gateways.begin(), gateways.end(),
                              [&](const IpAddr& g) { return snapshot->FindByVpnIp(g) != nullptr; });
    if (!in_use) continue;
    for (const IpAddr& g : gateways)
      if (!snapshot->FindByVpnIp(g)) handshakes_->Initiate(g, now_ns);  // no-op when pending
  }
}

std::vector<IpAddr> Node::OtherGateways(const IpAddr& gateway) const {
  std::vector<IpAddr> out;
  std::vector<std::shared_ptr<const void>> hold;
  for (const GatewaySet* set : EcmpGatewaySets(&hold)) {
    if (!set->Contains(gateway)) continue;
    for (const IpAddr& other : set->addresses())
      if (other != gateway && std::find(out.begin(), out.end(), other) == out.end())
        out.push_back(other);
  }
  return out;
}

void Node::Initiate(const IpAddr& vpn_ip, int64_t now_ns) { handshakes_->Initiate(vpn_ip, now_ns); }

void Node::Trigger(const IpAddr& vpn_ip) { handshakes_->Trigger(vpn_ip); }

bool Node::Pending(const IpAddr& vpn_ip) const { return handshakes_->Pending(vpn_ip); }

std::vector<net::UdpAddr> Node::RemotesOf(const IpAddr& vpn_ip) const {
  return PeerRemotes(host_map_, *addresses_, config_.lighthouse.calculated_remotes, vpn_ip);
}

void Node::SendToVpn(const IpAddr& vpn_ip, wire::MessageType type, wire::MessageSubType subtype,
                     ByteSpan payload) {
  auto snapshot = host_map_.Current();
  if (Tunnel* tunnel = snapshot->FindByVpnIp(vpn_ip)) {
    SendOnTunnel(*tunnel, type, subtype, payload);
    return;
  }
  handshakes_->QueueOutbound(vpn_ip, {type, subtype, Bytes(payload.begin(), payload.end())},
                             NowNs());
}

void Node::SendRaw(const net::UdpAddr& to, ByteSpan datagram) {
  // Handshakes are counted by their header; punches (a byte or two) have none.
  if (auto header = wire::ParseHeader(datagram); header.ok())
    CountMessage(control_counters_, Direction::kSent, header->type, header->subtype);
  SendDatagram(to, datagram);
}

void Node::SendDatagram(const net::UdpAddr& to, ByteSpan datagram) {
  if (raw_sender_) {
    Counters::Add(control_counters_.tx_packets);
    raw_sender_(to, datagram);
    return;
  }
  if (workers_.empty()) return;
  Status sent = workers_[0]->socket().SendTo(to, datagram);
  if (sent.ok()) {
    Counters::Add(control_counters_.tx_packets);
    return;
  }
  Counters::Add(control_counters_.tx_dropped_send);
  if (logger_.Enabled(log::Level::kDebug))
    logger_.Debug("Failed to send", {{"udpAddr", to.ToString()}, {"error", sent.message()}});
}

void Node::SendOnTunnel(Tunnel& tunnel, wire::MessageType type, wire::MessageSubType subtype,
                        ByteSpan payload) {
  Bytes datagram(wire::kHeaderSize + payload.size() + noise::TunnelCipher::kTagSize +
                 (tunnel.via_relay().valid() ? kRelayOverhead : 0));
  SealedDatagram sealed = SealForPeer(*host_map_.Current(), tunnel, kControlSlot, type, subtype,
                                      payload, MutableByteSpan(datagram));
  if (!sealed.ok()) {
    CountSealFailure(control_counters_, sealed.error);
    return;
  }
  CountMessage(control_counters_, Direction::kSent, type, subtype);
  SendDatagram(sealed.to, ByteSpan(datagram.data(), sealed.length));
}

void Node::SendQueuedPacket(Tunnel& tunnel, ByteSpan ip_packet) {
  // Held for a handshake a hinted route started: it goes only where the certificate we now
  // hold allows (a lighthouse's word is not enough), then through the firewall, parsed once.
  firewall::Packet parsed;
  firewall::Verdict verdict = firewall::ParsePacket(ip_packet, /*incoming=*/false, &parsed);
  if (verdict == firewall::Verdict::kAllow && !PeerMayReceive(tunnel, parsed.remote_ip)) {
    Counters::Add(control_counters_.tx_dropped_unproven_hint);
    return;
  }
  if (verdict == firewall::Verdict::kAllow)
    verdict = firewall_->CheckParsed(parsed, /*incoming=*/false, tunnel.identity(), NowNs());
  if (verdict != firewall::Verdict::kAllow) {
    CountFirewallRefusal(control_counters_, Direction::kSent, verdict);
    return;
  }
  SendOnTunnel(tunnel, wire::MessageType::kMessage, wire::MessageSubType::kNone, ip_packet);
}

void Node::TunnelEstablished(const Tunnel& tunnel) {
  name_book_.Remember(tunnel.peer_cert().name, tunnel.vpn_addrs());
  pinger_->TunnelUp(tunnel.vpn_ip(), tunnel.peer_cert().name, NowNs());
}

void Node::Ping(const PingRequest& request, std::function<void(PingResult)> done) {
  auto callback = std::make_shared<std::function<void(PingResult)>>(std::move(done));
  ControlEvent event;
  event.kind = ControlEvent::Kind::kCall;
  event.call = [this, request, callback](int64_t now_ns) {
    pinger_->Ping(request, now_ns, *callback);
  };
  if (!control_queue_.Push(std::move(event))) {
    PingResult result;
    result.error = "flatnet is too busy to ping now (its control queue is full); try again";
    (*callback)(std::move(result));
  }
}

void Node::Netcheck(std::function<void(NetcheckReport)> done) {
  auto callback = std::make_shared<std::function<void(NetcheckReport)>>(std::move(done));
  ControlEvent event;
  event.kind = ControlEvent::Kind::kCall;
  event.call = [this, callback](int64_t now_ns) { netchecker_->Run(now_ns, *callback); };
  if (!control_queue_.Push(std::move(event))) {
    NetcheckReport report;
    report.error = "flatnet is too busy for netcheck now (its control queue is full); try again";
    (*callback)(std::move(report));
  }
}

void Node::CloseTunnel(Tunnel& tunnel, const char* reason) {
  Counters::Add(control_counters_.tunnels_closed);
  logger_.Debug("Tunnel closed",
                {{"vpnIp", tunnel.vpn_ip().ToString()}, {"reason", reason}});
  host_map_.Remove(tunnel);
}

NodeStatus Node::Report() const {
  NodeStatus status;
  const int64_t now_ns = NowNs();
  status.now_unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  status.vpn_ip = credentials_.vpn_ip.ToString();
  {
    std::lock_guard lock(reload_->mutex);  // a reload may be replacing the certificate
    status.cert_name = credentials_.certificate->name;
    status.initiating_version = credentials_.initiating_version == cert::Version::kV2 ? 2 : 1;
    status.max_cert_version = credentials_.v2 ? 2 : 1;
  }
  status.routines = settings_.routines;
  status.tracked_flows = firewall_->tracked_flows();
  status.firewall_rules_version = firewall_->rules_version();
  for (const IpPrefix& network : credentials_.certificate->networks)
    status.networks.push_back(network.ToString());
  status.cert_expires_unix = credentials_.certificate->not_after;
  status.tun_device = tun_device_name_;
  status.listen_port = listen_port_;
  status.am_lighthouse = config_.lighthouse.am_lighthouse;
  std::vector<IpAddr> lighthouses;
  {
    std::lock_guard lock(reload_->mutex);  // relay and lighthouse.hosts as last reloaded
    status.am_relay = reload_->applied.relay.am_relay;
    lighthouses = reload_->applied.lighthouse.hosts;
  }
  status.pending_handshakes = handshakes_->pending_count();
  auto snapshot = host_map_.Current();
  status.tunnel_indexes = snapshot->by_local_index.size();
  status.relay_indexes = snapshot->relays_by_index.size();
  for (const IpAddr& lighthouse : lighthouses) {
    NodeStatus::LighthouseStatus l;
    l.vpn_ip = lighthouse.ToString();
    if (const Tunnel* tunnel = snapshot->FindByVpnIp(lighthouse)) {
      l.reached = true;
      l.cert_name = tunnel->peer_cert().name;
      l.remote = tunnel->via_relay().valid() ? "relay " + tunnel->via_relay().ToString()
                                             : tunnel->remote().ToString();
    }
    status.lighthouses.push_back(std::move(l));
  }
  const std::shared_ptr<const CertRouteTable> cert_routes = cert_routes_->Current();
  // In address order, so the table reads the same from one call to the next.
  std::vector<std::pair<IpAddr, const Tunnel*>> ordered;
  for (const auto& [vpn_ip, tunnel] : snapshot->by_primary) ordered.emplace_back(vpn_ip, tunnel.get());
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [vpn_ip, tunnel] : ordered) {
    NodeStatus::TunnelStatus t;
    t.vpn_ip = vpn_ip.ToString();
    const cert::Certificate& peer = tunnel->peer_cert();
    t.cert_name = peer.name;
    t.remote = tunnel->via_relay().valid() ? "relay " + tunnel->via_relay().ToString()
                                   : tunnel->remote().ToString();
    t.cipher = CipherName(settings_.cipher);
    t.local_index = tunnel->local_index();
    t.remote_index = tunnel->remote_index();
    t.messages_sent = tunnel->SendCounter();
    t.tx_bytes = tunnel->TxBytes();
    t.rx_bytes = tunnel->RxBytes();
    // The send counter is the nonce: one per message sealed, after the handshake's two.
    t.tx_packets = tunnel->SendCounter() > 2 ? tunnel->SendCounter() - 2 : 0;
    t.rx_packets = tunnel->RxPackets();
    t.initiator = tunnel->initiator();
    for (const IpPrefix& network : peer.networks) t.networks.push_back(network.ToString());
    t.groups = peer.groups;
    for (const CertRoute& route : *cert_routes)
      if (route.gateway == vpn_ip && !route.hinted) t.cert_routes.push_back(route.network.ToString());
    if (tunnel->via_relay().valid()) {
      t.relayed = true;
      t.relay_vpn_ip = tunnel->via_relay().ToString();
      if (const Tunnel* relay = snapshot->FindByVpnIp(tunnel->via_relay()))
        t.relay_name = relay->peer_cert().name;
    }
    t.created_unix_ns = tunnel->created_unix_ns();
    if (int64_t heard = tunnel->last_heard_ns(); heard != 0) t.last_heard_ago_ns = now_ns - heard;
    t.rtt_ns = tunnel->rtt_ns();
    t.cert_expires_unix = peer.not_after;
    status.tunnels.push_back(std::move(t));
  }
  for (const CertRoute& route : *cert_routes)
    if (route.hinted)
      status.hinted_routes.push_back({route.network.ToString(), route.gateway.ToString()});
  if (auto known = known_hosts_.load()) {
    for (const auto& [vpn_ip, host] : *known)
      if (!snapshot->FindByVpnIp(vpn_ip)) status.hosts_without_tunnel.push_back(host);
  }
  // Sum every thread's counters by name.
  std::vector<const Counters*> all = {&control_counters_};
  for (const auto& worker : workers_) {
    all.push_back(&worker->inside_counters());
    all.push_back(&worker->outside_counters());
  }
  for (const Counters* counters : all) {
    size_t i = 0;
    counters->ForEach([&](std::string_view name, uint64_t value) {
      if (status.counters.size() <= i) status.counters.emplace_back(std::string(name), 0);
      status.counters[i++].second += value;
    });
  }
  if (names_) names_->AppendCounters(&status.counters);
  return status;
}

}  // namespace flatnet::mesh
