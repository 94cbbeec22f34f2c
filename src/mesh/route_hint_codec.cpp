#include "mesh/route_hint_codec.h"

#include <climits>
#include <string>

#include "wire/messages.h"
#include "wire/proto/flatnet_route_hints.pb.h"

namespace flatnet::mesh {
namespace {

std::string BytesOf(const IpAddr& addr) {
  ByteSpan bytes = addr.bytes();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Result<IpAddr> AddrOf(const std::string& bytes) {
  if (bytes.size() != 4 && bytes.size() != 16)
    return Status::Error("an address of " + std::to_string(bytes.size()) + " bytes");
  return IpAddr::FromBytes(ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

void FillHost(flatnet::RouteHintHost* out, const RouteHintHost& host) {
  out->set_vpnaddr(BytesOf(host.vpn_ip));
  size_t n = 0;
  for (const IpPrefix& network : host.networks) {
    if (++n > kMaxRouteHintNetworksPerHost) break;
    flatnet::RouteHintNetwork* encoded = out->add_networks();
    encoded->set_addr(BytesOf(network.addr()));
    encoded->set_bits(uint32_t(network.bits()));
  }
}

flatnet::RouteHintsMeta Skeleton(uint32_t type, uint32_t query) {
  flatnet::RouteHintsMeta meta;
  meta.set_type(type);
  meta.mutable_details();  // present, empty
  meta.mutable_hints()->set_query(query);
  return meta;
}

}  // namespace

Bytes EncodeRouteHintsQuery(uint32_t query) {
  return wire::EncodeMessage(Skeleton(kRouteHintsQueryType, query));
}

std::vector<Bytes> EncodeRouteHintsReply(uint32_t query, const std::vector<RouteHintHost>& hosts,
                                         size_t* left_out, const IpAddr& leave_out) {
  // Fill parts greedily; Parts is patched in once the count is known (a fixed-width varint
  // change of at most a byte or two, which the size margin below allows for).
  constexpr size_t kMargin = 16;
  std::vector<flatnet::RouteHintsMeta> parts(1, Skeleton(kRouteHintsReplyType, query));
  size_t skipped = 0;
  bool full = false;  // kMaxRouteHintsParts parts are full: the rest are only counted
  for (const RouteHintHost& host : hosts) {
    if (leave_out.valid() && host.vpn_ip == leave_out) continue;
    if (full) {
      ++skipped;
      continue;
    }
    flatnet::RouteHintHost encoded;
    FillHost(&encoded, host);
    flatnet::RouteHintsMeta* last = &parts.back();
    *last->mutable_hints()->add_hosts() = encoded;
    if (last->ByteSizeLong() + kMargin <= kMaxRouteHintsMessage) continue;
    last->mutable_hints()->mutable_hosts()->RemoveLast();
    if (parts.size() >= kMaxRouteHintsParts || last->hints().hosts_size() == 0) {
      ++skipped;  // no room left, or a host that could not fit in a message of its own
      full = full || parts.size() >= kMaxRouteHintsParts;
      continue;
    }
    parts.push_back(Skeleton(kRouteHintsReplyType, query));
    *parts.back().mutable_hints()->add_hosts() = encoded;
    if (parts.back().ByteSizeLong() + kMargin > kMaxRouteHintsMessage) {
      parts.pop_back();
      ++skipped;
    }
  }
  if (left_out) *left_out = skipped;
  std::vector<Bytes> out;
  for (size_t i = 0; i < parts.size(); ++i) {
    parts[i].mutable_hints()->set_part(uint32_t(i));
    parts[i].mutable_hints()->set_parts(uint32_t(parts.size()));
    out.push_back(wire::EncodeMessage(parts[i]));
  }
  return out;
}

Result<RouteHintsMessage> DecodeRouteHints(ByteSpan bytes) {
  flatnet::RouteHintsMeta meta;
  if (bytes.size() > kMaxRouteHintsMessage || bytes.size() > size_t(INT_MAX) ||
      !meta.ParseFromArray(bytes.data(), int(bytes.size())))
    return Status::Error("malformed route hints (" + std::to_string(bytes.size()) + " bytes)");
  if (meta.type() != kRouteHintsQueryType && meta.type() != kRouteHintsReplyType)
    return Status::Error("not a route hints message (type " + std::to_string(meta.type()) + ")");
  RouteHintsMessage out;
  out.is_reply = meta.type() == kRouteHintsReplyType;
  const flatnet::RouteHints& hints = meta.hints();
  out.query = hints.query();
  if (!out.is_reply) return out;
  out.part = hints.part();
  out.parts = hints.parts();
  if (out.parts == 0 || out.parts > kMaxRouteHintsParts || out.part >= out.parts)
    return Status::Error("route hints part " + std::to_string(out.part) + " of " +
                         std::to_string(out.parts));
  for (const flatnet::RouteHintHost& host : hints.hosts()) {
    RouteHintHost decoded;
    auto vpn_ip = AddrOf(host.vpnaddr());
    if (!vpn_ip.ok()) return Status::Error("route hints host: " + vpn_ip.status().message());
    decoded.vpn_ip = *vpn_ip;
    if (size_t(host.networks_size()) > kMaxRouteHintNetworksPerHost)
      return Status::Error("route hints host " + decoded.vpn_ip.ToString() + " with " +
                           std::to_string(host.networks_size()) + " networks");
    for (const flatnet::RouteHintNetwork& network : host.networks()) {
      auto addr = AddrOf(network.addr());
      if (!addr.ok()) return Status::Error("route hints network: " + addr.status().message());
      IpPrefix prefix = network.bits() <= 128 ? IpPrefix::From(*addr, int(network.bits()))
                                              : IpPrefix();
      if (!prefix.valid())
        return Status::Error("route hints network " + addr->ToString() + "/" +
                             std::to_string(network.bits()));
      decoded.networks.push_back(prefix);
    }
    out.hosts.push_back(std::move(decoded));
  }
  return out;
}

}  // namespace flatnet::mesh
