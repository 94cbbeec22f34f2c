#include "load_messages.h"

#include "base/ip_prefix.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

namespace flatnet::bench {

Bytes UpdatePayload(uint32_t vpn_ip, const net::UdpAddr& underlay) {
  nebula::NebulaMeta meta;
  meta.set_type(nebula::NebulaMeta::HostUpdateNotification);
  auto* details = meta.mutable_details();
  (void)wire::SetMetaVpnAddr(details, cert::Version::kV1, IpAddr::V4(vpn_ip));
  auto* address = details->add_v4addrports();
  address->set_addr(underlay.v4());
  address->set_port(underlay.port());
  return wire::EncodeMessage(meta);
}

Bytes QueryPayload(uint32_t target_vpn_ip) {
  nebula::NebulaMeta meta;
  meta.set_type(nebula::NebulaMeta::HostQuery);
  (void)wire::SetMetaVpnAddr(meta.mutable_details(), cert::Version::kV1, IpAddr::V4(target_vpn_ip));
  return wire::EncodeMessage(meta);
}

std::optional<LighthouseMessage> ReadLighthouse(ByteSpan plain) {
  auto meta = wire::DecodeMeta(plain);
  if (!meta.ok()) return std::nullopt;
  LighthouseMessage out;
  out.type = meta->type();
  if (auto named = wire::MetaVpnAddrOf(meta->details()); named.ok() && named->addr.is_v4())
    out.vpn_ip = named->addr.v4();
  out.meta = std::move(*meta);
  return out;
}

bool HasAddress(const nebula::NebulaMeta& meta, const net::UdpAddr& addr) {
  for (const auto& a : meta.details().v4addrports())
    if (a.addr() == addr.v4() && a.port() == addr.port()) return true;
  return false;
}

}  // namespace flatnet::bench
