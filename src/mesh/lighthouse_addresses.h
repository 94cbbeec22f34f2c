// Underlay addresses in lighthouse messages: NebulaMetaDetails carries IPv4 ones as
// Ip4AndPort{ip as a host-order uint32, port} and IPv6 ones as Ip6AndPort{hi, lo: the 16
// address bytes as two big-endian uint64s, port} (nebula's NewIp6AndPort).
#pragma once

#include <vector>

#include "net/udp_addr.h"
#include "wire/proto/nebula.pb.h"

namespace flatnet::mesh {

std::vector<net::UdpAddr> AddressesOf(const nebula::NebulaMetaDetails& details);
void AddAddress(nebula::NebulaMetaDetails* details, const net::UdpAddr& address);

}  // namespace flatnet::mesh
