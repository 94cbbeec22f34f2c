// Worker: one of the `routines` packet workers. It owns one TUN queue and one UDP socket and
// runs the two packet paths on two threads:
//   inside  (inside.cpp):  TUN read -> parse -> firewall out -> tunnel -> seal -> UDP send
//   outside (outside.cpp): UDP receive -> header -> tunnel -> replay -> open -> firewall in
//                          -> TUN write; handshakes and control traffic go to the control
//                          thread through the ControlQueue.
// Contract: both paths work in buffers allocated once here (no allocation per packet),
// read the HostMap through a SnapshotReader refreshed once per batch, seal everything they
// send through SealForPeer (seal.h), and count in their own Counters every packet they drop:
// refused input, and their own failures too (sealing, relay-wrapping, sends, TUN writes).
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "mesh/counters.h"
#include "mesh/host_map.h"
#include "mesh/relay_codec.h"
#include "net/udp_batch.h"
#include "net/udp_socket.h"
#include "tun/tun_device.h"
#include "wire/header.h"

namespace flatnet::mesh {

class Node;

class Worker {
 public:
  Worker(Node& node, int index, net::UdpSocket socket, tun::TunQueue& queue);
  ~Worker();

  void Start();
  // Wakes both threads and joins them.
  void Stop();

  // What the outside path writes into its reply buffers: at most a datagram a peer may send
  // (a test reply is as long as its request) wrapped for a relay, or a relayed datagram we
  // forward (never longer than what came in).
  static constexpr size_t kReplyBufferSize = net::kMaxDatagramSize + kRelayOverhead;

  net::UdpSocket& socket() { return socket_; }
  const Counters& inside_counters() const { return inside_counters_; }
  const Counters& outside_counters() const { return outside_counters_; }

 private:
  // The largest packet we seal: nebula receives datagrams into 9001-byte buffers, and a
  // datagram carries the 16-byte header and the 16-byte tag besides the packet.
  static constexpr size_t kMaxInsidePacket = 9001 - 32;

  void RunInside();
  void ConsumeInsidePacket(SnapshotReader& tunnels, ByteSpan ip_packet, int64_t now_ns,
                           net::SendBatchBuffers& out);
  bool TunReadable() const;
  void Flush(net::SendBatchBuffers& out);
  // The outside path's replies (test replies, rejects, recv_errors, relayed forwards).
  void SendReplies(net::SendBatchBuffers& replies);
  // firewall.outbound_action: reject: answers a refused inside packet into the TUN device.
  void RejectInside(ByteSpan ip_packet);
  // firewall.inbound_action: reject: answers a refused packet from `tunnel` through it.
  void RejectOutside(SnapshotReader& tunnels, Tunnel& tunnel, ByteSpan refused,
                     net::SendBatchBuffers& replies);
  void RunOutside();
  void ConsumeOutsidePacket(SnapshotReader& tunnels, const net::UdpAddr& from, uint8_t* datagram,
                            size_t length, int64_t now_ns, net::SendBatchBuffers& replies,
                            tun::TcpCoalescer* coalescer, const IpAddr& via_relay = {});
  // A message/relay datagram: forward it to the next hop, or unwrap it for us.
  void ConsumeRelayed(SnapshotReader& tunnels, const net::UdpAddr& from, const wire::Header& header,
                      uint8_t* datagram, size_t length, int64_t now_ns,
                      net::SendBatchBuffers& replies, tun::TcpCoalescer* coalescer);
  void Roam(Tunnel& tunnel, const net::UdpAddr& from, int64_t now_ns);
  // An authenticated message for the control thread (lighthouse, relay control, close,
  // probe replies): queued as a ControlEvent, counted when the queue refuses it.
  void HandToControl(const wire::Header& header, const net::UdpAddr& from,
                     const IpAddr& via_relay, ByteSpan payload);

  int inside_slot() const { return 1 + 2 * index_; }
  int outside_slot() const { return 2 + 2 * index_; }

  Node& node_;
  const int index_;
  net::UdpSocket socket_;
  tun::TunQueue& tun_;
  Counters inside_counters_;
  Counters outside_counters_;
  std::atomic<bool> stopping_{false};
  std::thread inside_thread_;
  std::thread outside_thread_;
};

}  // namespace flatnet::mesh
