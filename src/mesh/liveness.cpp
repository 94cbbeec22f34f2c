#include "mesh/liveness.h"

#include <vector>

#include "net/ip.h"
#include "mesh/node.h"

namespace flatnet::mesh {

int64_t Liveness::Tick(int64_t now_ns) {
  const NodeSettings& settings = node_.settings();
  auto snapshot = node_.host_map().Current();
  std::vector<Tunnel*> dead;
  for (const auto& [vpn_ip, tunnel] : snapshot->by_vpn_ip) {
    Tunnel::ControlState& state = tunnel->control();
    if (state.pending_deletion_since_ns != 0) {
      if (tunnel->TakeIn()) {
        state.pending_deletion_since_ns = 0;
        state.next_check_ns = 0;
      } else if (now_ns - state.pending_deletion_since_ns >= settings.pending_deletion_interval_ns) {
        dead.push_back(tunnel.get());
      }
      continue;
    }
    if (state.next_check_ns == 0) {
      // Watch a tunnel once we send on it; what came in before that says nothing.
      if (tunnel->TakeOut()) {
        tunnel->TakeIn();
        state.next_check_ns = now_ns + settings.alive_interval_ns;
      }
      continue;
    }
    if (now_ns < state.next_check_ns) continue;
    state.next_check_ns = 0;
    if (tunnel->TakeIn()) continue;  // alive, passively
    node_.logger().Debug("Tunnel status", {{"vpnIp", net::Ipv4(vpn_ip).ToString()},
                                           {"tunnelCheck", log::Object{{"state", "testing"}, {"method", "active"}}}});
    node_.SendOnTunnel(*tunnel, wire::MessageType::kTest, wire::MessageSubType::kTestRequest, {});
    state.pending_deletion_since_ns = now_ns;
  }
  for (Tunnel* tunnel : dead) {
    node_.logger().Info("Tunnel status",
                        {{"vpnIp", net::Ipv4(tunnel->vpn_ip()).ToString()},
                         {"tunnelCheck", log::Object{{"state", "dead"}, {"method", "active"}}},
                         {"certName", tunnel->peer_cert().name}});
    node_.CloseTunnel(*tunnel, "dead");
  }
  return now_ns + 1'000'000'000;
}

}  // namespace flatnet::mesh
