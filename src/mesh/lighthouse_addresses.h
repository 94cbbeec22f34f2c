// Underlay addresses in lighthouse messages: NebulaMetaDetails carries IPv4 ones as
// V4AddrPort{addr as a host-order uint32, port} and IPv6 ones as V6AddrPort{hi, lo: the 16
// address bytes as two big-endian uint64s, port} (1.6.1 named them Ip4AndPort, Ip6AndPort;
// the wire is the same for every version).
#pragma once

#include <vector>

#include "net/udp_addr.h"
#include "wire/proto/nebula.pb.h"

namespace flatnet::mesh {

std::vector<net::UdpAddr> AddressesOf(const nebula::NebulaMetaDetails& details);
void AddAddress(nebula::NebulaMetaDetails* details, const net::UdpAddr& address);

}  // namespace flatnet::mesh
