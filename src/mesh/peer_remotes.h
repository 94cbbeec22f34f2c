// PeerRemotes: every address a peer may be reached at, as the handshake manager and the
// punch keepalive (punchy.target_all_remotes) use them. The address book's candidates
// (static_host_map, lighthouse answers, what the peer came from), the address its direct
// tunnel uses first; then, for a host static_host_map does not name,
// lighthouse.calculated_remotes' guesses (calculated_remotes.h), each allowed by the remote
// allow list and not already listed; at most AddressBook::kMaxCandidates in all.
//
// Contract: control thread (it reads the AddressBook).
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "mesh/address_book.h"
#include "mesh/host_map.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

std::vector<net::UdpAddr> PeerRemotes(const HostMap& host_map, const AddressBook& book,
                                      const std::vector<config::CalculatedRemotes>& calculated,
                                      const IpAddr& vpn_ip);

}  // namespace flatnet::mesh
