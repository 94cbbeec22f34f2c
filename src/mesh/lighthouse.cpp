#include "mesh/lighthouse.h"

#include <ifaddrs.h>
#include <algorithm>
#include <chrono>
#include <net/if.h>

#include "mesh/host_credentials.h"
#include "mesh/host_map.h"
#include "mesh/lighthouse_addresses.h"
#include "mesh/metric_counts.h"
#include "mesh/peer_remotes.h"
#include "mesh/route_hint_codec.h"
#include "mesh/route_hints.h"
#include "mesh/tunnel.h"
#include "net/resolve.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

namespace flatnet::mesh {
namespace {

using nebula::NebulaMeta;

// metric_counts.h names NebulaMeta's types by their numbers.
static_assert(NebulaMeta::HostQuery == 1 && NebulaMeta::HostQueryReply == 2 &&
              NebulaMeta::HostUpdateNotification == 3 && NebulaMeta::HostPunchNotification == 5 &&
              NebulaMeta::HostUpdateNotificationAck == 10);

// How often punchy.punch refreshes NAT mappings (nebula's fixed 10 s).
constexpr int64_t kPunchKeepaliveNs = 10'000'000'000;

ByteSpan AsSpan(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }


}  // namespace

cert::Version Lighthouse::VersionTowards(const IpAddr& lighthouse) const {
  auto snapshot = deps_.host_map.Current();
  if (Tunnel* tunnel = snapshot->FindByVpnIp(lighthouse)) return tunnel->control().my_cert_version;
  return deps_.me.initiating_version;
}

cert::Version Lighthouse::PeerVersionOf(const IpAddr& vpn_ip) const {
  auto snapshot = deps_.host_map.Current();
  if (Tunnel* tunnel = snapshot->FindByVpnIp(vpn_ip)) return tunnel->peer_cert().version;
  return deps_.me.initiating_version;
}

Lighthouse::Lighthouse(Deps deps)
    : deps_(std::move(deps)), am_lighthouse_(deps_.config.lighthouse.am_lighthouse) {
  Adopt(deps_.config);
}

void Lighthouse::Adopt(const config::Config& config) {
  // A lighthouse doesn't query other lighthouses (nebula ignores lighthouse.hosts there).
  lighthouses_.clear();
  if (!am_lighthouse_) lighthouses_ = config.lighthouse.hosts;
  interval_seconds_ = config.lighthouse.interval_seconds;
  punchy_ = config.punchy;
  relays_ = config.relay.relays;
  ask_route_hints_ = !am_lighthouse_ && config.tun.routes_from_certs;
}

void Lighthouse::Reload(const config::Config& next, int64_t now_ns) {
  const bool update_changed = lighthouses_ != (am_lighthouse_ ? std::vector<IpAddr>()
                                                              : next.lighthouse.hosts) ||
                              interval_seconds_ != next.lighthouse.interval_seconds ||
                              relays_ != next.relay.relays ||
                              ask_route_hints_ != (!am_lighthouse_ && next.tun.routes_from_certs);
  const bool punch_changed = punchy_.punch != next.punchy.punch;
  Adopt(next);
  // A timer armed before stays armed but finds its generation outdated and does nothing.
  if (update_changed) ArmUpdate(now_ns);
  if (punch_changed) ArmPunchKeepalive(now_ns);
}

void Lighthouse::ArmUpdate(int64_t at_ns) {
  const uint64_t generation = ++update_generation_;
  if (lighthouses_.empty() || interval_seconds_ <= 0) return;
  deps_.timers.At(at_ns, [this, generation](int64_t now) {
    if (generation == update_generation_) UpdateDue(now);
  });
}

void Lighthouse::ArmPunchKeepalive(int64_t at_ns) {
  const uint64_t generation = ++punch_generation_;
  if (!punchy_.punch) return;
  deps_.timers.At(at_ns, [this, generation](int64_t now) {
    if (generation == punch_generation_) PunchKeepaliveDue(now);
  });
}

bool Lighthouse::IsLighthouse(const IpAddr& vpn_ip) const {
  return std::find(lighthouses_.begin(), lighthouses_.end(), vpn_ip) != lighthouses_.end();
}

bool Lighthouse::IsLighthouse(const Tunnel& tunnel) const {
  for (const IpAddr& address : tunnel.vpn_addrs())
    if (IsLighthouse(address)) return true;
  return false;
}

void Lighthouse::Start(int64_t now_ns) {
  ArmUpdate(now_ns);
  ArmPunchKeepalive(now_ns);
}

void Lighthouse::UpdateDue(int64_t now_ns) {
  SendUpdate();
  SendRouteHintsQuery(now_ns);
  ArmUpdate(now_ns + int64_t(interval_seconds_) * 1'000'000'000);
}

void Lighthouse::PunchKeepaliveDue(int64_t now_ns) {
  static const uint8_t kPunch[1] = {1};
  auto snapshot = deps_.host_map.Current();
  const config::Config& config = deps_.config;
  for (const auto& [vpn_ip, tunnel] : snapshot->by_primary) {
    if (tunnel->via_relay().valid()) continue;
    // punchy.target_all_remotes (1.11): every address the peer may be at, so the NAT
    // mappings towards its other addresses stay open too; lighthouses are left out, as
    // Nebula leaves them (their updates keep the way to them open).
    if (punchy_.target_all_remotes && !IsLighthouse(*tunnel)) {
      for (const net::UdpAddr& remote : PeerRemotes(deps_.host_map, deps_.addresses,
                                                    config.lighthouse.calculated_remotes, vpn_ip))
        deps_.send.SendRaw(remote, kPunch);
    } else {
      deps_.send.SendRaw(tunnel->remote(), kPunch);
    }
  }
  ArmPunchKeepalive(now_ns + kPunchKeepaliveNs);
}

std::vector<net::UdpAddr> Lighthouse::OwnAddresses() const {
  const config::Config& config = deps_.config;
  uint16_t port = deps_.listen_port();
  std::vector<net::UdpAddr> out;
  for (const config::HostPort& advertised : config.lighthouse.advertise_addrs) {
    uint16_t advertised_port = advertised.port ? advertised.port : port;
    auto resolved = net::Resolve(advertised.host, advertised_port);
    if (resolved.ok()) out.insert(out.end(), resolved->begin(), resolved->end());
  }
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return out;
  const config::LocalAllowList& allow = config.lighthouse.local_allow_list;
  for (ifaddrs* i = interfaces; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP)) continue;
    if (!allow.AllowsInterface(i->ifa_name)) continue;
    socklen_t length =
        i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    auto address = net::UdpAddr::FromSockaddr(i->ifa_addr, length);
    if (!address) continue;
    address->set_port(port);
    const auto& b = address->bytes();
    bool loopback =
        address->is_v4() ? (address->v4() >> 24) == 127 : address->IpString() == "::1";
    bool link_local = address->is_v4() ? (address->v4() >> 16) == 0xa9fe
                                       : (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
    if (loopback || link_local || !allow.Allows(address->ip())) continue;
    if (deps_.me.InOurNetwork(address->ip())) continue;
    if (std::find(out.begin(), out.end(), *address) == out.end()) out.push_back(*address);
  }
  freeifaddrs(interfaces);
  return out;
}

void Lighthouse::SendUpdate() {
  std::vector<net::UdpAddr> own = OwnAddresses();
  // One message per generation, each sent to the lighthouses whose tunnel carries it: v1
  // names us in OldVpnAddr by our v1 certificate's address, v2 names nobody (the tunnel
  // says who we are). v1 relay lists leave IPv6 relays out (AddMetaRelay), as Nebula does.
  auto update = [&](cert::Version version) {
    NebulaMeta meta;
    meta.set_type(NebulaMeta::HostUpdateNotification);
    auto* details = meta.mutable_details();
    if (version == cert::Version::kV1 &&
        !wire::SetMetaVpnAddr(details, version, deps_.me.AddressFor(version)).ok())
      return Bytes();  // no IPv4 address to be known by: no v1 update
    for (const net::UdpAddr& address : own) AddAddress(details, address);
    for (const auto& relay : relays_) wire::AddMetaRelay(details, version, relay);
    return wire::EncodeMessage(meta);
  };
  const Bytes v1 = update(cert::Version::kV1), v2 = update(cert::Version::kV2);
  for (const IpAddr& lighthouse : lighthouses_) {
    const Bytes& payload = VersionTowards(lighthouse) == cert::Version::kV2 ? v2 : v1;
    if (payload.empty()) continue;
    CountLighthouseMessage(deps_.counters, Direction::kSent, NebulaMeta::HostUpdateNotification);
    deps_.send.SendToVpn(lighthouse, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                         AsSpan(payload));
  }
}

void Lighthouse::SendRouteHintsQuery(int64_t now_ns) {
  if (!route_hints_) return;
  // Three intervals without a complete answer: that lighthouse's hints are stale (with the
  // key off, every answer is forgotten at once).
  const int64_t max_age_ns = int64_t(interval_seconds_) * 3'000'000'000;
  route_hints_->Expire(now_ns, max_age_ns,
                       ask_route_hints_ ? lighthouses_ : std::vector<IpAddr>());
  if (!ask_route_hints_) return;
  for (const IpAddr& lighthouse : lighthouses_) {
    const Bytes payload = EncodeRouteHintsQuery(route_hints_->NextQuery(lighthouse));
    CountLighthouseMessage(deps_.counters, Direction::kSent, int(kRouteHintsQueryType));
    deps_.send.SendToVpn(lighthouse, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                         AsSpan(payload));
  }
}

bool Lighthouse::HandleRouteHints(Tunnel& from, int type, ByteSpan payload, int64_t now_ns) {
  if (type != int(kRouteHintsQueryType) && type != int(kRouteHintsReplyType)) return false;
  auto message = DecodeRouteHints(payload);
  if (!message.ok()) {
    Counters::Add(deps_.counters.rx_dropped_route_hints);
    deps_.logger.Debug("Dropping malformed route hints", {{"vpnIp", from.vpn_ip().ToString()},
                                                          {"error", message.status().message()}});
    return true;
  }
  if (message->is_reply) {
    if (!route_hints_ || !ask_route_hints_) return true;  // not asked: nothing to do
    // Kept under the address lighthouse.hosts names it by (that NextQuery numbered).
    auto named = std::find_if(from.vpn_addrs().begin(), from.vpn_addrs().end(),
                              [this](const IpAddr& a) { return IsLighthouse(a); });
    if (named == from.vpn_addrs().end()) {
      Counters::Add(deps_.counters.rx_dropped_route_hints);
      return true;
    }
    const int64_t now_unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    route_hints_->Accept(*named, *message, now_ns, now_unix_ns);
    return true;
  }
  if (!am_lighthouse_) return true;  // a query for a member: Nebula's members ignore it too
  if (!hint_directory_.MayAnswer(from.vpn_ip(), now_ns)) {
    Counters::Add(deps_.counters.route_hints_queries_refused);
    return true;
  }
  // A host not heard from for three of our intervals (30 s at least) is not hinted.
  const int64_t stale_ns = std::max<int64_t>(30, 3 * int64_t(interval_seconds_)) * 1'000'000'000;
  const std::vector<RouteHintHost>& hosts =
      hint_directory_.Hosts(*deps_.host_map.Current(), now_ns, stale_ns);
  size_t left_out = 0;
  for (const Bytes& part :
       EncodeRouteHintsReply(message->query, hosts, &left_out, /*leave_out=*/from.vpn_ip())) {
    CountLighthouseMessage(deps_.counters, Direction::kSent, int(kRouteHintsReplyType));
    deps_.send.SendOnTunnel(from, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                            AsSpan(part));
  }
  if (left_out) Counters::Add(deps_.counters.route_hints_left_out, left_out);
  return true;
}

void Lighthouse::Query(const IpAddr& vpn_ip) {
  if (am_lighthouse_ || IsLighthouse(vpn_ip)) return;
  // v1 fields hold only IPv4: a lighthouse our tunnel speaks v1 with is not asked about an
  // IPv6 address (Nebula 1.11.1 skips it too, "Cannot query lighthouse for v6 address
  // using a v1 protocol").
  auto query = [vpn_ip](cert::Version version) {
    NebulaMeta meta;
    meta.set_type(NebulaMeta::HostQuery);
    if (!wire::SetMetaVpnAddr(meta.mutable_details(), version, vpn_ip).ok()) return Bytes();
    return wire::EncodeMessage(meta);
  };
  const Bytes v1 = query(cert::Version::kV1), v2 = query(cert::Version::kV2);
  for (const IpAddr& lighthouse : lighthouses_) {
    const Bytes& payload = VersionTowards(lighthouse) == cert::Version::kV2 ? v2 : v1;
    if (payload.empty()) continue;
    CountLighthouseMessage(deps_.counters, Direction::kSent, NebulaMeta::HostQuery);
    deps_.send.SendToVpn(lighthouse, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                         AsSpan(payload));
  }
}

void Lighthouse::QueryForUs(const IpAddr& lighthouse) {
  // Named as in our updates: by our v1 certificate's address in a v1 tunnel.
  const cert::Version version = VersionTowards(lighthouse);
  NebulaMeta meta;
  meta.set_type(NebulaMeta::HostQuery);
  if (!wire::SetMetaVpnAddr(meta.mutable_details(), version, deps_.me.AddressFor(version)).ok())
    return;
  const Bytes payload = wire::EncodeMessage(meta);
  CountLighthouseMessage(deps_.counters, Direction::kSent, NebulaMeta::HostQuery);
  deps_.send.SendToVpn(lighthouse, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                       AsSpan(payload));
}

void Lighthouse::HandleMessage(Tunnel& from, ByteSpan payload, int64_t now_ns) {
  auto meta = wire::DecodeMeta(payload);
  if (!meta.ok() || !meta->has_details()) {
    deps_.logger.Error(
        "Failed to unmarshal lighthouse packet",
        {{"vpnIp", from.vpn_ip().ToString()}, {"udpAddr", from.remote().ToString()}});
    return;
  }
  CountLighthouseMessage(deps_.counters, Direction::kReceived, meta->type());
  if (HandleRouteHints(from, int(meta->type()), payload, now_ns)) return;
  switch (meta->type()) {
    case NebulaMeta::HostQuery:
      HandleQuery(from, *meta);
      break;
    case NebulaMeta::HostQueryReply:
      HandleQueryReply(from, *meta);
      break;
    case NebulaMeta::HostUpdateNotification:
      HandleUpdate(from, *meta);
      break;
    case NebulaMeta::HostPunchNotification:
      HandlePunchNotification(from, *meta, now_ns);
      break;
    // HostUpdateNotificationAck (1.10+ answers our updates with it): nothing to do, as in
    // Nebula. HostMoved, Whoami, PathCheck: not sent by any Nebula we meet.
    default:
      break;
  }
}

void Lighthouse::HandleUpdate(Tunnel& from, const NebulaMeta& meta) {
  if (!am_lighthouse_) return;
  // A host speaks only for itself: a v1 update names it (OldVpnAddr), a v2 one may name it
  // (VpnAddr: any of its addresses) or nobody, and then the tunnel says who it is.
  const auto& details = meta.details();
  cert::Version version = cert::Version::kV2;
  IpAddr named_addr = from.vpn_ip();
  if (auto named = wire::MetaVpnAddrOf(details); named.ok()) {
    if (!from.HasVpnAddr(named->addr)) {
      deps_.logger.Debug(
          "Host sent invalid update",
          {{"vpnIp", from.vpn_ip().ToString()}, {"answer", named->addr.ToString()}});
      return;
    }
    version = named->version;
    named_addr = named->addr;
  }
  // Kept under every address of the host, so a query for any of them finds it (Nebula's
  // addrMap holds one RemoteList under each vpnAddr), each as the host's own report.
  const std::vector<net::UdpAddr> reported = AddressesOf(details);
  for (const IpAddr& address : from.vpn_addrs()) {
    deps_.addresses.SetReported(address, address, reported);
    SetRelaysFrom(address, address, meta);
  }
  // Nebula 1.10+ acknowledges every update, in the update's generation: v1 names the host,
  // v2 is empty.
  NebulaMeta ack;
  ack.set_type(NebulaMeta::HostUpdateNotificationAck);
  auto* ack_details = ack.mutable_details();
  if (version == cert::Version::kV1) ack_details->set_oldvpnaddr(named_addr.v4());
  Bytes ack_bytes = wire::EncodeMessage(ack);
  CountLighthouseMessage(deps_.counters, Direction::kSent, NebulaMeta::HostUpdateNotificationAck);
  deps_.send.SendOnTunnel(from, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                          AsSpan(ack_bytes));
}

void Lighthouse::SetRelaysFrom(const IpAddr& vpn_ip, const IpAddr& owner,
                               const NebulaMeta& meta) {
  // Relays from either generation's list, of either family.
  std::vector<IpAddr> relays = wire::MetaRelaysOf(meta.details());
  size_t announced = relays.size();
  size_t kept = deps_.addresses.SetRelays(vpn_ip, owner, std::move(relays));
  if (announced > kept) Counters::Add(deps_.counters.relay_refused, announced - kept);
}

void Lighthouse::HandleQuery(Tunnel& from, const NebulaMeta& meta) {
  if (!am_lighthouse_) return;
  auto named = wire::MetaVpnAddrOf(meta.details());
  if (!named.ok()) {
    deps_.logger.Debug("Dropping malformed HostQuery",
                       {{"vpnIp", from.vpn_ip().ToString()}});
    return;
  }
  const IpAddr target = named->addr;
  auto snapshot = deps_.host_map.Current();
  // Where each side is: its tunnel's remote (the outside of its NAT) first, then what it
  // reported about itself (its LAN addresses, advertised ones).
  auto known = [&](const IpAddr& vpn_ip) {
    std::vector<net::UdpAddr> all;
    Tunnel* tunnel = snapshot->FindByVpnIp(vpn_ip);
    if (tunnel && !tunnel->via_relay().valid()) all.push_back(tunnel->remote());
    for (const net::UdpAddr& a : deps_.addresses.Reported(vpn_ip))
      if (std::find(all.begin(), all.end(), a) == all.end()) all.push_back(a);
    return all;
  };
  std::vector<net::UdpAddr> target_addresses = known(target);
  if (target_addresses.empty()) return;  // unknown host: nebula stays silent too

  // The reply speaks the query's generation.
  NebulaMeta reply;
  reply.set_type(NebulaMeta::HostQueryReply);
  (void)wire::SetMetaVpnAddr(reply.mutable_details(), named->version, target);
  for (const auto& a : target_addresses) AddAddress(reply.mutable_details(), a);
  for (const IpAddr& relay : deps_.addresses.Relays(target))
    wire::AddMetaRelay(reply.mutable_details(), named->version, relay);
  Bytes reply_bytes = wire::EncodeMessage(reply);
  CountLighthouseMessage(deps_.counters, Direction::kSent, NebulaMeta::HostQueryReply);
  deps_.send.SendOnTunnel(from, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                          AsSpan(reply_bytes));

  // The punch notification speaks the generation of the target's certificate, and names
  // the asker by an address of it inside the target's networks (Nebula's
  // findNetworkUnion), else by its primary one; a v1 target hears of IPv4 askers only.
  cert::Version punch_version = PeerVersionOf(target);
  IpAddr asker = from.vpn_ip();
  if (Tunnel* to = snapshot->FindByVpnIp(target)) {
    for (const IpAddr& address : from.vpn_addrs()) {
      const auto& networks = to->peer_cert().networks;
      if (std::any_of(networks.begin(), networks.end(),
                      [&](const IpPrefix& n) { return n.Contains(address); })) {
        asker = address;
        break;
      }
    }
  }
  NebulaMeta punch;
  punch.set_type(NebulaMeta::HostPunchNotification);
  if (!wire::SetMetaVpnAddr(punch.mutable_details(), punch_version, asker).ok()) return;
  for (const auto& a : known(from.vpn_ip())) AddAddress(punch.mutable_details(), a);
  for (const IpAddr& relay : deps_.addresses.Relays(from.vpn_ip()))
    wire::AddMetaRelay(punch.mutable_details(), punch_version, relay);
  Bytes punch_bytes = wire::EncodeMessage(punch);
  CountLighthouseMessage(deps_.counters, Direction::kSent, NebulaMeta::HostPunchNotification);
  deps_.send.SendToVpn(target, wire::MessageType::kLightHouse, wire::MessageSubType::kNone,
                       AsSpan(punch_bytes));
}

void Lighthouse::HandleQueryReply(Tunnel& from, const NebulaMeta& meta) {
  if (!IsLighthouse(from)) return;
  auto named = wire::MetaVpnAddrOf(meta.details());
  if (!named.ok()) return;  // malformed
  const IpAddr target = named->addr;
  if (deps_.me.IsOurAddress(target)) {
    if (self_reply_) self_reply_(from, AddressesOf(meta.details()));
    return;
  }
  deps_.addresses.SetReported(target, from.vpn_ip(), AddressesOf(meta.details()));
  SetRelaysFrom(target, from.vpn_ip(), meta);
  deps_.handshakes.Trigger(target);
}

void Lighthouse::HandlePunchNotification(Tunnel& from, const NebulaMeta& meta, int64_t now_ns) {
  if (!IsLighthouse(from)) return;
  const config::PunchyConfig& punchy = punchy_;
  auto named = wire::MetaVpnAddrOf(meta.details());
  if (!named.ok()) return;  // malformed
  std::vector<net::UdpAddr> targets = AddressesOf(meta.details());
  const IpAddr asker = named->addr;
  // Kept for punchy.respond's handshake, which then needs no query of its own.
  deps_.addresses.SetReported(asker, from.vpn_ip(), targets);
  // Our 1-byte datagram opens our NAT towards the asker, whose handshake then gets in (a
  // flatnet asker resends it at once when our punch reaches it). The punch back timers: the
  // early one (flatnet's punchy.early_delay) makes a direct path in a fraction of a second;
  // the one at punchy.delay is Nebula's, kept for NATs that were not open towards us yet.
  auto punch_back = [this, targets](int64_t) {
    static const uint8_t kPunch[1] = {0};
    for (const net::UdpAddr& target : targets) deps_.send.SendRaw(target, kPunch);
  };
  if (punchy.early_delay < punchy.delay)
    deps_.timers.At(now_ns + punchy.early_delay.count(), punch_back);
  deps_.timers.At(now_ns + punchy.delay.count(), punch_back);
  if (punchy.respond) {  // the punch respond timer
    deps_.timers.At(now_ns + punchy.respond_delay.count(), [this, asker](int64_t) {
      deps_.send.SendToVpn(asker, wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
    });
  }
}

}  // namespace flatnet::mesh
