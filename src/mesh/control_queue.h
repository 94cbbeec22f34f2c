// ControlQueue: how workers hand the control thread what they can't finish on the packet
// path (handshake datagrams, packets waiting for a tunnel, authenticated control traffic).
//
// Contract: any thread may Push; only the control thread Pops. The queue is bounded per
// class of sender, so a flood from one class fills only its own budget and is dropped
// (Push returns false, the caller counts it) without crowding out the others or growing
// memory:
//   strangers      unauthenticated datagrams: handshakes (at most kMaxHandshakes of them),
//                  recv_errors and punches, together at most kMaxStrangers
//   authenticated  decrypted lighthouse/relay/close messages from peers and tunnels' first
//                  proofs, kMaxAuthenticated
//   local          packets from our own TUN waiting for a tunnel, and calls from the
//                  status socket (kCall), kMaxOutbound
// kWake is never refused. Pop waits until an event arrives or the deadline passes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "base/bytes.h"
#include "net/udp_addr.h"

namespace flatnet::mesh {

struct ControlEvent {
  enum class Kind : uint8_t {
    kHandshake,      // a handshake datagram (whole, header included) from `from`
    kOutbound,       // an inside packet for `vpn_ip`, which has no tunnel yet
    kAuthenticated,  // a decrypted lighthouse/close/control/test message on tunnel `local_index`
    kRecvError,      // a peer says it has no tunnel for `local_index` (our remote index there)
    kPunch,          // a hole-punch datagram from `from`: its NAT is open towards us now
    kProven,         // the first message opened on unproven tunnel `local_index` (tunnel.h)
    kCall,           // run `call` on the control thread (Node::Ping: a `flatnet ping`)
    kWake,           // nothing to do but run due timers (used to stop the thread)
  };
  Kind kind = Kind::kWake;
  uint8_t type = 0;  // wire message type, for kAuthenticated
  uint8_t subtype = 0;
  IpAddr vpn_ip;
  uint32_t local_index = 0;
  IpAddr via_relay;  // kHandshake: arrived relayed through this host (from is unset)
  net::UdpAddr from;
  Bytes bytes;  // the datagram, packet or message, as the kind says
  std::function<void(int64_t now_ns)> call;  // kCall
};

class ControlQueue {
 public:
  // How many events of each class may wait at once.
  static constexpr size_t kMaxHandshakes = 256;
  static constexpr size_t kMaxStrangers = 512;
  static constexpr size_t kMaxAuthenticated = 4096;
  static constexpr size_t kMaxOutbound = 4096;

  bool Push(ControlEvent event);
  // Waits until an event is available or `deadline`; false on timeout.
  bool PopUntil(std::chrono::steady_clock::time_point deadline, ControlEvent& out);

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  enum Class { kStranger, kAuthenticated, kLocal, kClassCount };
  static Class ClassOf(ControlEvent::Kind kind);

  std::deque<ControlEvent> events_;
  size_t handshakes_ = 0;
  size_t waiting_[kClassCount] = {};
};

}  // namespace flatnet::mesh
