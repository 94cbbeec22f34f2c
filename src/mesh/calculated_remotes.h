// lighthouse.calculated_remotes: an underlay address guessed from a peer's overlay address,
// tried while the lighthouse has not answered yet (Nebula 1.11.1 calculated_remote.go and
// its handshake manager).
//
// Contract: CalculatedRemotesFor takes the entry whose overlay CIDR is the longest one
// holding `vpn_ip` (none: no addresses) and gives, for each of its {mask, port}, the address
// made of the mask's network bits and the overlay address's host bits, at that port:
// 10.0.10.123 under {10.0.10.0/24: [{mask: 192.168.1.0/24, port: 4242}]} is 192.168.1.123:4242.
// Node::RemotesOf adds them for hosts that are not in static_host_map (as Nebula does only
// for those), after what the lighthouses said, each subject to lighthouse.remote_allow_list.
// Both families: an IPv6 overlay address under an IPv6 CIDR with an IPv6 mask gives an IPv6
// underlay address (1.11.1's ApplyV6). Pure; any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

std::vector<net::UdpAddr> CalculatedRemotesFor(const std::vector<config::CalculatedRemotes>& table,
                                               const IpAddr& vpn_ip);

}  // namespace flatnet::mesh
