#include "mesh/lighthouse.h"

#include <ifaddrs.h>
#include <net/if.h>

#include "cert/ip_net.h"
#include "mesh/handshake_manager.h"
#include "mesh/lighthouse_addresses.h"
#include "mesh/node.h"
#include "mesh/tunnel.h"
#include "net/resolve.h"
#include "wire/messages.h"

namespace flatnet::mesh {
namespace {

using nebula::NebulaMeta;

// How often punchy.punch refreshes NAT mappings (nebula's fixed 10 s).
constexpr int64_t kPunchKeepaliveNs = 10'000'000'000;

ByteSpan AsSpan(const Bytes& bytes) { return ByteSpan(bytes.data(), bytes.size()); }

}  // namespace

Lighthouse::Lighthouse(Node& node)
    : node_(node),
      am_lighthouse_(node.config().lighthouse.am_lighthouse),
      addresses_(node.config().lighthouse.remote_allow_list, node.config().preferred_ranges,
                 node.credentials().vpn_ip, node.credentials().prefix_length) {
  // A lighthouse doesn't query other lighthouses (nebula ignores lighthouse.hosts there).
  if (!am_lighthouse_)
    for (const auto& host : node.config().lighthouse.hosts)
      if (host.is_v4()) lighthouses_.push_back(host.v4());
}

bool Lighthouse::IsLighthouse(uint32_t vpn_ip) const {
  return std::find(lighthouses_.begin(), lighthouses_.end(), vpn_ip) != lighthouses_.end();
}

void Lighthouse::RunAt(int64_t due_ns, std::function<void()> action) {
  delayed_.push(Delayed{due_ns, sequence_++, std::move(action)});
}

int64_t Lighthouse::Tick(int64_t now_ns) {
  const config::Config& config = node_.config();
  if (!lighthouses_.empty() && config.lighthouse.interval_seconds > 0 && now_ns >= next_update_ns_) {
    SendUpdate();
    next_update_ns_ = now_ns + int64_t(config.lighthouse.interval_seconds) * 1'000'000'000;
  }
  if (config.punchy.punch && now_ns >= next_punch_ns_) {
    static const uint8_t kPunch[1] = {1};
    auto snapshot = node_.host_map().Current();
    for (const auto& [vpn_ip, tunnel] : snapshot->by_vpn_ip)
      if (!tunnel->via_relay()) node_.SendRaw(tunnel->remote(), kPunch);
    next_punch_ns_ = now_ns + kPunchKeepaliveNs;
  }
  while (!delayed_.empty() && delayed_.top().due_ns <= now_ns) {
    auto action = delayed_.top().action;
    delayed_.pop();
    action();
  }
  int64_t next = now_ns + 1'000'000'000;
  if (!delayed_.empty()) next = std::min(next, delayed_.top().due_ns);
  return next;
}

std::vector<net::UdpAddr> Lighthouse::OwnAddresses() const {
  const config::Config& config = node_.config();
  uint16_t port = node_.listen_port();
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
    socklen_t length = i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    auto address = net::UdpAddr::FromSockaddr(i->ifa_addr, length);
    if (!address) continue;
    address->set_port(port);
    const auto& b = address->bytes();
    bool loopback = address->is_v4() ? (address->v4().value() >> 24) == 127
                                     : address->IpString() == "::1";
    bool link_local = address->is_v4() ? (address->v4().value() >> 16) == 0xa9fe
                                       : (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
    if (loopback || link_local || !allow.Allows(ToConfigIp(*address))) continue;
    if (address->is_v4() && node_.InOurNetwork(address->v4().value())) continue;
    if (std::find(out.begin(), out.end(), *address) == out.end()) out.push_back(*address);
  }
  freeifaddrs(interfaces);
  return out;
}

void Lighthouse::SendUpdate() {
  NebulaMeta meta;
  meta.set_type(NebulaMeta::HostUpdateNotification);
  auto* details = meta.mutable_details();
  details->set_vpnip(node_.credentials().vpn_ip);
  for (const net::UdpAddr& address : OwnAddresses()) AddAddress(details, address);
  for (const auto& relay : node_.config().relay.relays)
    if (relay.is_v4()) details->add_relayvpnip(relay.v4());
  Bytes payload = wire::EncodeMessage(meta);
  for (uint32_t lighthouse : lighthouses_)
    node_.SendToVpn(lighthouse, wire::MessageType::kLightHouse, wire::MessageSubType::kNone, AsSpan(payload));
}

void Lighthouse::Query(uint32_t vpn_ip) {
  if (am_lighthouse_ || IsLighthouse(vpn_ip)) return;
  NebulaMeta meta;
  meta.set_type(NebulaMeta::HostQuery);
  meta.mutable_details()->set_vpnip(vpn_ip);
  Bytes payload = wire::EncodeMessage(meta);
  for (uint32_t lighthouse : lighthouses_)
    node_.SendToVpn(lighthouse, wire::MessageType::kLightHouse, wire::MessageSubType::kNone, AsSpan(payload));
}

void Lighthouse::HandleMessage(Tunnel& from, ByteSpan payload, int64_t now_ns) {
  auto meta = wire::DecodeMeta(payload);
  if (!meta.ok() || !meta->has_details()) {
    node_.logger().Error("Failed to unmarshal lighthouse packet",
                         {{"vpnIp", cert::FormatIpv4(from.vpn_ip())},
                          {"udpAddr", from.remote().ToString()}});
    return;
  }
  switch (meta->type()) {
    case NebulaMeta::HostQuery: HandleQuery(from, *meta); break;
    case NebulaMeta::HostQueryReply: HandleQueryReply(from, *meta); break;
    case NebulaMeta::HostUpdateNotification: HandleUpdate(from, *meta); break;
    case NebulaMeta::HostPunchNotification: HandlePunchNotification(from, *meta, now_ns); break;
    default: break;  // HostMoved, Whoami, PathCheck: not used by nebula 1.6.1 either
  }
}

void Lighthouse::HandleUpdate(Tunnel& from, const NebulaMeta& meta) {
  if (!am_lighthouse_) return;
  // A host speaks only for itself.
  if (meta.details().vpnip() != from.vpn_ip()) return;
  addresses_.SetReported(from.vpn_ip(), from.vpn_ip(), AddressesOf(meta.details()));
  SetRelaysFrom(from.vpn_ip(), from.vpn_ip(), meta);
}

void Lighthouse::SetRelaysFrom(uint32_t vpn_ip, uint32_t owner, const NebulaMeta& meta) {
  const auto& relays = meta.details().relayvpnip();
  size_t kept = addresses_.SetRelays(vpn_ip, owner, {relays.begin(), relays.end()});
  if (size_t(relays.size()) > kept)
    Counters::Add(node_.control_counters().relay_refused, size_t(relays.size()) - kept);
}

void Lighthouse::HandleQuery(Tunnel& from, const NebulaMeta& meta) {
  if (!am_lighthouse_) return;
  uint32_t target = meta.details().vpnip();
  auto snapshot = node_.host_map().Current();
  // Where each side is: its tunnel's remote (the outside of its NAT) first, then what it
  // reported about itself (its LAN addresses, advertised ones).
  auto known = [&](uint32_t vpn_ip) {
    std::vector<net::UdpAddr> all;
    Tunnel* tunnel = snapshot->FindByVpnIp(vpn_ip);
    if (tunnel && !tunnel->via_relay()) all.push_back(tunnel->remote());
    for (const net::UdpAddr& a : addresses_.Reported(vpn_ip))
      if (std::find(all.begin(), all.end(), a) == all.end()) all.push_back(a);
    return all;
  };
  std::vector<net::UdpAddr> target_addresses = known(target);
  if (target_addresses.empty()) return;  // unknown host: nebula stays silent too

  NebulaMeta reply;
  reply.set_type(NebulaMeta::HostQueryReply);
  reply.mutable_details()->set_vpnip(target);
  for (const auto& a : target_addresses) AddAddress(reply.mutable_details(), a);
  for (uint32_t relay : addresses_.Relays(target)) reply.mutable_details()->add_relayvpnip(relay);
  Bytes reply_bytes = wire::EncodeMessage(reply);
  node_.SendOnTunnel(from, wire::MessageType::kLightHouse, wire::MessageSubType::kNone, AsSpan(reply_bytes));

  NebulaMeta punch;
  punch.set_type(NebulaMeta::HostPunchNotification);
  punch.mutable_details()->set_vpnip(from.vpn_ip());
  for (const auto& a : known(from.vpn_ip())) AddAddress(punch.mutable_details(), a);
  for (uint32_t relay : addresses_.Relays(from.vpn_ip())) punch.mutable_details()->add_relayvpnip(relay);
  Bytes punch_bytes = wire::EncodeMessage(punch);
  node_.SendToVpn(target, wire::MessageType::kLightHouse, wire::MessageSubType::kNone, AsSpan(punch_bytes));
}

void Lighthouse::HandleQueryReply(Tunnel& from, const NebulaMeta& meta) {
  if (!IsLighthouse(from.vpn_ip())) return;
  uint32_t target = meta.details().vpnip();
  addresses_.SetReported(target, from.vpn_ip(), AddressesOf(meta.details()));
  SetRelaysFrom(target, from.vpn_ip(), meta);
  node_.handshakes().Trigger(target);
}

void Lighthouse::HandlePunchNotification(Tunnel& from, const NebulaMeta& meta, int64_t now_ns) {
  if (!IsLighthouse(from.vpn_ip())) return;
  const config::PunchyConfig& punchy = node_.config().punchy;
  std::vector<net::UdpAddr> targets = AddressesOf(meta.details());
  uint32_t asker = meta.details().vpnip();
  // Kept for punchy.respond's handshake, which then needs no query of its own.
  addresses_.SetReported(asker, from.vpn_ip(), targets);
  // Our 1-byte datagram opens our NAT towards the asker just as its handshake arrives.
  RunAt(now_ns + punchy.delay.count(), [this, targets] {
    static const uint8_t kPunch[1] = {0};
    for (const net::UdpAddr& target : targets) node_.SendRaw(target, kPunch);
  });
  if (punchy.respond) {
    RunAt(now_ns + punchy.respond_delay.count(), [this, asker] {
      node_.SendToVpn(asker, wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
    });
  }
}

}  // namespace flatnet::mesh
