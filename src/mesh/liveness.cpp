#include "mesh/liveness.h"

#include <ctime>
#include <utility>
#include <vector>

#include "base/duration.h"
#include "mesh/host_map.h"
#include "mesh/pinger.h"
#include "mesh/tunnel.h"

namespace flatnet::mesh {

namespace {
constexpr int64_t kCheckIntervalNs = 1'000'000'000;
constexpr size_t kShards = HostMap::TunnelTable::shard_count();
}

void Liveness::Start(int64_t now_ns) { ArmSlice(now_ns, 0); }

void Liveness::ArmSlice(int64_t now_ns, int slice) {
  deps_.timers.At(now_ns + kCheckIntervalNs / kSlices, [this, slice](int64_t now) {
    const auto shards = HostMap::TunnelTable::SliceOfShards(slice, kSlices);
    CheckShards(now, shards.first, shards.last);
    ArmSlice(now, (slice + 1) % kSlices);
  });
}

void Liveness::Check(int64_t now_ns) { CheckShards(now_ns, 0, kShards); }

void Liveness::CheckShards(int64_t now_ns, size_t first_shard, size_t last_shard) {
  const NodeSettings& settings = deps_.settings;
  auto snapshot = deps_.host_map.Current();
  std::vector<Tunnel*> dead, spent;
  std::vector<std::pair<Tunnel*, int64_t>> inactive;
  snapshot->by_primary.ForEachInShards(first_shard, last_shard, [&](const auto& entry) {
    const IpAddr& vpn_ip = entry.first;
    const std::shared_ptr<Tunnel>& tunnel = entry.second;
    Tunnel::ControlState& state = tunnel->control();
    // The send counter is the nonce: a tunnel that can send no more goes at once (no
    // closeTunnel: it cannot be sealed; the peer learns by recv_error), and one past its
    // rehandshake threshold is replaced by a new handshake while it still works.
    if (tunnel->SendSpent()) {
      spent.push_back(tunnel.get());
      return;
    }
    if (tunnel->SendWornOut() && !deps_.handshakes.Pending(vpn_ip)) {
      deps_.logger.Info("Re-handshaking with remote",
                        {{"vpnIp", vpn_ip.ToString()},
                         {"reason", "message counter rehandshake threshold reached"}});
      Counters::Add(deps_.counters.tunnels_rekeyed);
      deps_.handshakes.Initiate(vpn_ip, now_ns);
    }
    // Take the workers' flags every tick, for the inactivity clock; the checks below judge
    // what accumulated since they last looked.
    const bool in = tunnel->TakeIn(), out = tunnel->TakeOut();
    const bool in_tick_before = std::exchange(state.in_tick_before, in);
    if (in || out || state.last_used_ns == 0) state.last_used_ns = now_ns;
    if (in) tunnel->set_last_heard_ns(now_ns);
    // One round-trip probe on each new tunnel, so `flatnet status` shows every tunnel's.
    if (!state.rtt_probed) {
      state.rtt_probed = true;
      deps_.pinger.Probe(*tunnel, now_ns);
    }
    state.seen_in = state.seen_in || in;
    state.seen_out = state.seen_out || out;
    auto take_in = [&state] { return std::exchange(state.seen_in, false); };
    auto take_out = [&state] { return std::exchange(state.seen_out, false); };
    if (settings.drop_inactive && state.pending_deletion_since_ns == 0 &&
        now_ns - state.last_used_ns >= settings.inactivity_timeout_ns) {
      inactive.emplace_back(tunnel.get(), now_ns - state.last_used_ns);
      return;
    }
    if (state.pending_deletion_since_ns != 0) {
      if (take_in()) {
        state.pending_deletion_since_ns = 0;
        state.next_check_ns = 0;
      } else if (now_ns - state.pending_deletion_since_ns >=
                 settings.pending_deletion_interval_ns) {
        dead.push_back(tunnel.get());
      }
      return;
    }
    if (state.next_check_ns == 0) {
      // Watch a tunnel once we send on it. What came in this tick or the one before counts,
      // as in Nebula (whose in flag stays set until the check): an answer to the peer's
      // message (a lighthouse's ack of an update) is the peer alive, not a reason to probe
      // it, and a busy control thread may answer an update the tick after it arrived (at
      // 50,000 hosts that race probed some 5,000 hosts a second). Older traffic says nothing.
      if (take_out()) {
        state.seen_in = in || in_tick_before;
        state.next_check_ns = now_ns + settings.alive_interval_ns;
      }
      return;
    }
    if (now_ns < state.next_check_ns) return;
    state.next_check_ns = 0;
    if (take_in()) return;  // alive, passively
    deps_.logger.Debug("Tunnel status",
                       {{"vpnIp", vpn_ip.ToString()},
                        {"tunnelCheck", log::Object{{"state", "testing"}, {"method", "active"}}}});
    deps_.pinger.Probe(*tunnel, now_ns);  // a test request that also measures the round trip
    state.pending_deletion_since_ns = now_ns;
  });
  for (Tunnel* tunnel : spent) {
    deps_.logger.Error("Dropping tunnel, message counter is exhausted",
                       {{"vpnIp", tunnel->vpn_ip().ToString()},
                        {"certName", tunnel->peer_cert().name}});
    deps_.tunnels.CloseTunnel(*tunnel, "message counter exhausted");
  }
  for (Tunnel* tunnel : dead) {
    deps_.logger.Info("Tunnel status",
                      {{"vpnIp", tunnel->vpn_ip().ToString()},
                       {"tunnelCheck", log::Object{{"state", "dead"}, {"method", "active"}}},
                       {"certName", tunnel->peer_cert().name}});
    deps_.tunnels.CloseTunnel(*tunnel, "dead");
  }
  for (auto [tunnel, idle_ns] : inactive) {
    // Nebula: tell the peer, then forget the tunnel; the next packet handshakes anew.
    deps_.logger.Info("Dropping tunnel due to inactivity",
                      {{"vpnIp", tunnel->vpn_ip().ToString()},
                       {"inactiveDuration", FormatGoDuration(std::chrono::nanoseconds(idle_ns))},
                       {"certName", tunnel->peer_cert().name}});
    deps_.send.SendOnTunnel(*tunnel, wire::MessageType::kCloseTunnel, wire::MessageSubType::kNone,
                            {});
    deps_.tunnels.CloseTunnel(*tunnel, "inactive");
  }
}

}  // namespace flatnet::mesh
