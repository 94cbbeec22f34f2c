// Route hints on the wire: flatnet's own lighthouse messages (wire/proto/
// flatnet_route_hints.proto) by which a member with tun.routes_from_certs asks a flatnet
// lighthouse which hosts route which unsafe networks, and the lighthouse answers from the
// certificates it verified in its tunnels (route_hints.h says what the member does with it).
//
// Each message is a NebulaMeta (Type = 1, Details = 2) of a type Nebula does not define
// (kRouteHintsQueryType, kRouteHintsReplyType), with an empty Details and the hints in field
// 100: Nebula 1.11.1 decodes it, counts it as an "other" lighthouse message and ignores it.
//
// Contract:
// - EncodeRouteHintsReply splits the hosts over as many messages as needed, each at most
//   kMaxRouteHintsMessage bytes (it travels sealed in one datagram: the lighthouse
//   message's 16-byte header and 16-byte tag keep it under the 1300-byte tun MTU Nebula
//   defaults to), and at most kMaxRouteHintsParts of them; hosts past that are left out
//   (the return says how many were). A host's networks are never split over two parts.
// - DecodeRouteHints is for bytes from a peer: anything but a well-formed message of one of
//   the two types, with every address 4 or 16 bytes, every prefix length within its family,
//   Part < Parts <= kMaxRouteHintsParts and at most kMaxRouteHintNetworksPerHost networks a
//   host, is an error (the caller drops and counts it). It never throws or aborts.
#pragma once

#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/ip_prefix.h"
#include "base/status.h"

namespace flatnet::mesh {

// Far above Nebula's NebulaMeta types (0-10), so a future Nebula type will not collide soon.
inline constexpr uint32_t kRouteHintsQueryType = 100;
inline constexpr uint32_t kRouteHintsReplyType = 101;
inline constexpr size_t kMaxRouteHintsMessage = 1200;
inline constexpr uint32_t kMaxRouteHintsParts = 64;
inline constexpr size_t kMaxRouteHintNetworksPerHost = 32;

struct RouteHintHost {
  IpAddr vpn_ip;                   // the host's primary overlay address
  std::vector<IpPrefix> networks;  // the unsafe networks of its verified certificate
  bool operator==(const RouteHintHost&) const = default;
};

struct RouteHintsMessage {
  bool is_reply = false;
  uint32_t query = 0;  // the query's number; a reply's parts echo it
  uint32_t part = 0, parts = 1;
  std::vector<RouteHintHost> hosts;  // replies only
};

Bytes EncodeRouteHintsQuery(uint32_t query);
// The reply's parts, at least one (an empty reply says "no hosts"). `left_out`, when given,
// gets how many hosts did not fit in kMaxRouteHintsParts parts (their excess networks past
// kMaxRouteHintNetworksPerHost are dropped too and not counted there). A host whose address
// is `leave_out` (the asker itself) is not listed and not counted.
std::vector<Bytes> EncodeRouteHintsReply(uint32_t query, const std::vector<RouteHintHost>& hosts,
                                         size_t* left_out = nullptr,
                                         const IpAddr& leave_out = IpAddr());
Result<RouteHintsMessage> DecodeRouteHints(ByteSpan bytes);

}  // namespace flatnet::mesh
