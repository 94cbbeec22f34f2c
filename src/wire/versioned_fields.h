// Which fields of Nebula's control messages carry overlay addresses, per certificate version,
// as Nebula 1.10+ (checked against 1.11.1's lighthouse.go and relay_manager.go) fills and
// reads them. Nebula 1.6.1 knows only the v1 fields.
//
// NebulaMetaDetails (lighthouse messages):
//   v1: OldVpnAddr (uint32 IPv4), OldRelayVpnAddrs (uint32 IPv4s; IPv6 relays left out)
//   v2: VpnAddr (Addr), RelayVpnAddrs (Addrs)
//   Reading: OldVpnAddr != 0 means v1; else a present VpnAddr means v2; else the message
//   names no address (an error, "invalid packet, malformed detailsVpnAddr", except for a v2
//   HostUpdateNotification, which Nebula sends without it). Relays are read from both lists.
// NebulaControl (relay requests and responses):
//   v1: OldRelayFromAddr, OldRelayToAddr; v2: RelayFromAddr, RelayToAddr.
//   Reading: either old field != 0 means v1 (both taken from the old fields); otherwise both
//   Addr fields must be present.
// NebulaHandshakeDetails.CertVersion: the version of Cert; 0 (1.6.1 sends none) means v1.
//
// Addr is an address's 16 bytes in two big-endian halves; IPv4 travels IPv4-mapped
// (::ffff:a.b.c.d) and is read back as IPv4 (Go's netip Unmap).
#pragma once

#include <vector>

#include "base/ip_prefix.h"
#include "base/status.h"
#include "cert/certificate.h"
#include "wire/proto/nebula.pb.h"

namespace flatnet::wire {

nebula::Addr ToProtoAddr(const IpAddr& addr);
IpAddr FromProtoAddr(const nebula::Addr& addr);

// The address a lighthouse message is about and the version of its fields.
struct MetaVpnAddr {
  IpAddr addr;
  cert::Version version = cert::Version::kV1;
};
Result<MetaVpnAddr> MetaVpnAddrOf(const nebula::NebulaMetaDetails& details);
// Sets the version's field (and clears the other). v1 needs an IPv4 address (an error names
// it otherwise, and nothing is set).
Status SetMetaVpnAddr(nebula::NebulaMetaDetails* details, cert::Version version,
                      const IpAddr& addr);
// Relays from both lists, old first.
std::vector<IpAddr> MetaRelaysOf(const nebula::NebulaMetaDetails& details);
// Appends to the version's list; v1 skips what is not IPv4, as Nebula does.
void AddMetaRelay(nebula::NebulaMetaDetails* details, cert::Version version, const IpAddr& relay);

struct ControlRelayAddrs {
  IpAddr from;
  IpAddr to;
  cert::Version version = cert::Version::kV1;
};
// Errors: "control message has no relay from address" / "... to address".
Result<ControlRelayAddrs> ControlRelayAddrsOf(const nebula::NebulaControl& control);
// v1 needs both addresses IPv4 (an error otherwise, nothing set).
Status SetControlRelayAddrs(nebula::NebulaControl* control, cert::Version version,
                            const IpAddr& from, const IpAddr& to);

// NebulaHandshakeDetails.CertVersion: 0 -> v1; 1, 2 as they are; others an error
// ("unknown certificate version N").
Result<cert::Version> HandshakeCertVersionOf(const nebula::NebulaHandshakeDetails& details);

}  // namespace flatnet::wire
