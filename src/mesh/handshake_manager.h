// HandshakeManager: Nebula's Noise IX handshake, both roles, on the control thread.
//
// Contract (the exchange itself is described in noise/handshake_state.h):
// - Initiator: QueueOutbound keeps packets for a peer without a tunnel (at most
//   kMaxQueuedPackets; more are dropped and counted) and starts one handshake per peer. Its
//   stage 1 goes to every known address of the peer at once, again after try_interval *
//   attempts (linear backoff, handshakes.try_interval / retries as nebula), until stage 2
//   arrives or retries run out ("Handshake timed out").
// - Responder: a stage 1 whose certificate verifies (CA pool, expiry, blocklist) and whose
//   key is the Noise static key gets a tunnel and a stage 2 at once. A resent stage 1 gets
//   the cached stage 2; a stage 1 older than the tunnel we hold is refused ("Handshake too
//   old"). When both ends initiate at once, the side with the higher overlay IP keeps its
//   own handshake and the other takes the peer's, so exactly one tunnel results (nebula's
//   rule, so mixed meshes agree).
// - Every refusal is logged with nebula's wording and counted; nothing a stranger sends can
//   remove an existing tunnel.
// Not thread-safe: the control thread owns it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "net/udp_addr.h"
#include "noise/handshake_state.h"
#include "wire/header.h"

namespace flatnet::mesh {

class Node;
class Tunnel;

class HandshakeManager {
 public:
  static constexpr size_t kMaxQueuedPackets = 100;

  explicit HandshakeManager(Node& node);
  ~HandshakeManager();

  // What waits for a handshake: an inside packet (type message) or a control message.
  struct QueuedMessage {
    wire::MessageType type;
    wire::MessageSubType subtype;
    std::string bytes;
  };

  void QueueOutbound(uint32_t vpn_ip, QueuedMessage message, int64_t now_ns);
  // New addresses arrived for vpn_ip (a lighthouse answered): send stage 1 there now.
  void Trigger(uint32_t vpn_ip);
  // A hole punch arrived from `from`: resend stage 1 to any pending peer known there.
  void Punched(const net::UdpAddr& from);
  // Starts a handshake with vpn_ip unless one is running. A tunnel we may hold stays in
  // use until the new one replaces it.
  void Initiate(uint32_t vpn_ip, int64_t now_ns);
  // `via_relay`: the packet came relayed through that host (and `from` is unset).
  void HandlePacket(const net::UdpAddr& from, ByteSpan packet, int64_t now_ns,
                    uint32_t via_relay = 0);
  // Resends and times out pending handshakes; returns when it next needs to run.
  int64_t Tick(int64_t now_ns);

  bool Pending(uint32_t vpn_ip) const { return pending_by_vpn_ip_.count(vpn_ip) > 0; }
  // Any thread (flatnet status reads it).
  size_t pending_count() const { return pending_count_.load(std::memory_order_relaxed); }

 private:
  struct PendingHandshake;

  void HandleStage1(const net::UdpAddr& from, const wire::Header& header, ByteSpan packet,
                    int64_t now_ns, uint32_t via_relay);
  void HandleStage2(const net::UdpAddr& from, const wire::Header& header, ByteSpan packet,
                    int64_t now_ns, uint32_t via_relay);
  // Answers the peer where its handshake came from: its address, or back through the relay.
  void Reply(const net::UdpAddr& from, uint32_t via_relay, uint32_t peer, ByteSpan datagram);
  void SendStage1(PendingHandshake& pending);
  // Makes the tunnel known to the workers (and DNS); then SendQueued sends what waited.
  void Publish(const std::shared_ptr<Tunnel>& tunnel);
  void SendQueued(Tunnel& tunnel, const std::deque<QueuedMessage>& queued);
  void DropPending(uint32_t vpn_ip);
  uint32_t NewLocalIndex() const;

  Node& node_;
  std::unordered_map<uint32_t, std::unique_ptr<PendingHandshake>> pending_by_vpn_ip_;
  std::unordered_map<uint32_t, PendingHandshake*> pending_by_index_;
  std::atomic<size_t> pending_count_{0};
  // Relays we need a tunnel to before a pending handshake can use them; started after the
  // pass over pending handshakes that found them.
  std::vector<uint32_t> relays_to_reach_;
};

}  // namespace flatnet::mesh
