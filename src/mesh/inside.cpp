// The inside path: a packet the kernel routed into our TUN device, on its way to a peer.
//
//   TUN read (one frame; with offloads a TCP super-packet is split into MTU-sized packets)
//   -> parse the IPv4 or IPv6 header (firewall::ParsePacket, outgoing orientation)
//   -> local drops: broadcast/multicast as configured, any of our own overlay addresses
//   -> the peer: the destination itself, or the gateway of an unsafe route (with several,
//      the flow's ECMP choice: gateways.h); else no route
//   -> find the tunnel by the peer's overlay IP (any of its addresses, either family)
//        none yet: copy the packet to the control thread, which queues it and handshakes
//   -> outbound firewall (conntrack first, then rules)
//        refused (or no route above) with firewall.outbound_action: reject -> a TCP RST or
//        ICMP prohibited is written back into the TUN device, to the local sender
//   -> next message counter; header and sealed packet written straight into a send-batch
//      buffer, the header as associated data
//      (a tunnel through a relay: that packet is wrapped in a relay message for the relay)
//   -> the batch goes out with one sendmmsg (merged into GSO messages when the kernel can)
//      once the TUN has nothing more to read or the batch is full.
#include <poll.h>

#include "firewall/packet.h"
#include "firewall/reject.h"
#include "mesh/metric_counts.h"
#include "mesh/node.h"
#include "mesh/seal.h"
#include "mesh/tunnel.h"
#include "mesh/worker.h"
#include "wire/header.h"

namespace flatnet::mesh {

bool Worker::TunReadable() const {
  pollfd fd{tun_.fd(), POLLIN, 0};
  return poll(&fd, 1, 0) == 1 && (fd.revents & POLLIN);
}

void Worker::RunInside() {
  const NodeSettings& settings = node_.settings();
  // A super-packet splits into up to ~45 packets; the batch holds at least one whole frame.
  const size_t batch = std::max<size_t>(size_t(settings.batch), 64);
  // Room for a relay message around the packet: two headers and two tags.
  net::SendBatchBuffers out(
      batch, 2 * (wire::kHeaderSize + noise::TunnelCipher::kTagSize) + kMaxInsidePacket);
  tun::TunReadBatch frame;
  SnapshotReader tunnels(node_.host_map());
  while (!stopping_.load(std::memory_order_relaxed)) {
    // Block for the first frame, then take more while they are ready and fit.
    auto read = tun_.ReadPackets(frame);
    if (!read.ok() || *read == 0) continue;
    tunnels.Refresh();
    int64_t now_ns = Node::NowNs();
    for (;;) {
      for (size_t i = 0; i < frame.size(); ++i) {
        if (out.full()) Flush(out);
        ConsumeInsidePacket(tunnels, frame.packet(i), now_ns, out);
      }
      if (out.size() + 64 > out.capacity() || !TunReadable()) break;
      read = tun_.ReadPackets(frame);
      if (!read.ok() || *read == 0) break;
    }
    Flush(out);
  }
}

void Worker::Flush(net::SendBatchBuffers& out) {
  if (out.empty()) return;
  net::BatchSendResult result = socket_.SendBatch(out);
  Counters::Add(inside_counters_.tx_packets, result.sent);
  Counters::Add(inside_counters_.tx_dropped_send, result.failed);
  if (result.failed && node_.logger().Enabled(log::Level::kDebug))
    node_.logger().Debug("Failed to write outgoing packets",
                         {{"count", result.failed}, {"error", result.first_error.message()}});
}

void Worker::RejectInside(ByteSpan ip_packet) {
  if (!node_.settings().outbound_reject) return;
  uint8_t reject[firewall::kMaxRejectSize];
  size_t length = firewall::BuildReject(ip_packet, reject);
  if (length == 0) return;
  if (tun_.Write(reject, length) >= 0)
    Counters::Add(inside_counters_.tx_rejected);
  else
    Counters::Add(inside_counters_.rx_dropped_tun_write);
}

void Worker::ConsumeInsidePacket(SnapshotReader& tunnels, ByteSpan ip_packet, int64_t now_ns,
                                 net::SendBatchBuffers& out) {
  const NodeSettings& settings = node_.settings();
  firewall::Packet packet;
  if (ip_packet.size() > kMaxInsidePacket ||
      firewall::ParsePacket(ip_packet, /*incoming=*/false, &packet) != firewall::Verdict::kAllow) {
    Counters::Add(inside_counters_.tx_dropped_bad_packet);
    return;
  }
  const IpAddr& destination = packet.remote_ip;
  if (settings.local_drops.ShouldDrop(destination) ||
      node_.credentials().IsOurAddress(destination)) {
    Counters::Add(inside_counters_.tx_dropped_local);
    return;
  }
  // Our network, or a network behind one of its hosts (tun.unsafe_routes).
  bool unproven = false;
  const IpAddr peer = node_.RouteFor(packet, *tunnels, &unproven);
  if (!peer.valid()) {
    Counters::Add(unproven ? inside_counters_.tx_dropped_unproven_hint
                           : inside_counters_.tx_dropped_no_route);
    RejectInside(ip_packet);
    return;
  }
  Tunnel* tunnel = tunnels->FindByVpnIp(peer);
  if (!tunnel) {
    ControlEvent event;
    event.kind = ControlEvent::Kind::kOutbound;
    event.vpn_ip = peer;
    event.bytes.assign(ip_packet.begin(), ip_packet.end());
    if (!node_.control_queue().Push(std::move(event)))
      Counters::Add(inside_counters_.tx_dropped_queue_full);
    return;
  }
  if (firewall::Verdict verdict =
          node_.firewall().CheckParsed(packet, /*incoming=*/false, tunnel->identity(), now_ns);
      verdict != firewall::Verdict::kAllow) {
    CountFirewallRefusal(inside_counters_, Direction::kSent, verdict);
    RejectInside(ip_packet);
    return;
  }
  // A relayed tunnel's packet goes inside a relay message for the relay.
  SealedDatagram sealed = SealForPeer(*tunnels, *tunnel, inside_slot(), wire::MessageType::kMessage,
                                      wire::MessageSubType::kNone, ip_packet, out.next_buffer());
  if (!sealed.ok()) {
    CountSealFailure(inside_counters_, sealed.error);
    return;
  }
  out.Commit(sealed.to, sealed.length);
}

}  // namespace flatnet::mesh
