// ECMP for unsafe routes: which of a route's `via` gateways carries a packet (Nebula 1.11's
// weighted `via` lists in tun.unsafe_routes; its routing/ and inside.go).
//
// Contract:
// - A GatewaySet holds one route's gateways (overlay IPs) and weights, and splits a 31-bit
//   hash space among them in proportion to the weights (hash-threshold mapping, RFC 2992,
//   which Nebula and the Linux kernel use too).
// - Pick gives every packet of one flow (addresses, protocol, ports) the same gateway, and
//   spreads many flows over the gateways by weight. The hash is flatnet's own over the whole
//   flow (Nebula hashes only the two ports); which gateway a flow takes is a local choice
//   that no peer sees.
// - PickLive is Pick unless the chosen gateway has no tunnel: then the first gateway in
//   config order that has one, so a flow keeps moving while its gateway is down (Nebula does
//   the same, and says it breaks the balance while it lasts); with none up, the chosen one.
//   The caller then hands the packet over for a handshake to that gateway, and the control
//   thread starts handshakes to the others as well (Node::OtherGateways); while a route is
//   in use, the control thread keeps handshaking its gateways that have no tunnel
//   (Node::HandshakeMissingGateways), so a flow goes back to its own gateway when it returns.
// Immutable after construction; safe to read from every worker.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "firewall/packet.h"
#include "mesh/host_map.h"

namespace flatnet::mesh {

class GatewaySet {
 public:
  GatewaySet() = default;
  // Gateways with weights >= 1 (config checks the weights, Node the gateways).
  explicit GatewaySet(const std::vector<config::Gateway>& gateways);

  size_t size() const { return addresses_.size(); }
  const std::vector<IpAddr>& addresses() const { return addresses_; }
  bool Contains(const IpAddr& gateway) const;

  // The invalid address when the set is empty.
  IpAddr Pick(const firewall::Packet& packet) const;
  IpAddr PickLive(const firewall::Packet& packet, const HostMap::Snapshot& tunnels) const;

  // The flow's place in the hash space, 0 .. 2^31 - 1 (exposed for tests).
  static uint32_t FlowHash(const firewall::Packet& packet);

 private:
  std::vector<IpAddr> addresses_;
  std::vector<uint32_t> upper_bounds_;  // gateway i takes hashes <= upper_bounds_[i]
};

}  // namespace flatnet::mesh
