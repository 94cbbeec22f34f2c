// Resolve: names in static_host_map ("lighthouse.example.com") to underlay addresses.
//
// Contract: a literal IP comes back as itself without touching DNS; a name is looked up
// with getaddrinfo (both families, in the resolver's preference order, duplicates
// removed). It blocks for as long as the resolver does, so call it from the control
// thread, never a packet worker. Errors name the host and the resolver's reason.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "net/udp_addr.h"

namespace flatnet::net {

Result<std::vector<UdpAddr>> Resolve(const std::string& host, uint16_t port);

}  // namespace flatnet::net
