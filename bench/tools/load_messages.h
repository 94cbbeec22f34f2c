// The lighthouse messages a simulated host sends and reads, in v1 fields (the generator's
// certificates are v1; wire/versioned_fields.h says which fields that means), built and
// decoded with flatnet's wire library.
//
//   UpdatePayload  HostUpdateNotification: OldVpnAddr = the host, V4AddrPorts = its one
//                  underlay address (what a Nebula member with one interface reports)
//   QueryPayload   HostQuery: OldVpnAddr = the host asked about
//   ReadLighthouse any NebulaMeta from the lighthouse: its type, the host it is about
//                  (0 when it names none) and whether its addresses include `expect`
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "net/udp_addr.h"
#include "wire/proto/nebula.pb.h"

namespace flatnet::bench {

Bytes UpdatePayload(uint32_t vpn_ip, const net::UdpAddr& underlay);
Bytes QueryPayload(uint32_t target_vpn_ip);

struct LighthouseMessage {
  nebula::NebulaMeta::MessageType type = nebula::NebulaMeta::None;
  uint32_t vpn_ip = 0;  // host order; IPv4 only (v1 fields, or a v2 Addr holding IPv4)
  nebula::NebulaMeta meta;
};
// nullopt for bytes that are not a NebulaMeta.
std::optional<LighthouseMessage> ReadLighthouse(ByteSpan plain);
// True when the message's V4AddrPorts hold `addr`.
bool HasAddress(const nebula::NebulaMeta& meta, const net::UdpAddr& addr);

}  // namespace flatnet::bench
