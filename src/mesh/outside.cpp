// The outside path: a datagram from the network, maybe from a peer, maybe from anyone.
//
//   UDP receive (recvmmsg batch; GRO-coalesced messages are split into datagrams)
//   -> too big, too short, wrong version: drop and count
//   -> an underlay source inside our own overlay network: drop (a loop through ourselves)
//   -> by message type:
//      handshake      -> the control thread (bounded queue: a flood is dropped and counted)
//      recvError      -> unless listen.accept_recv_error refuses its sender: the control
//                        thread (a peer lost our tunnel: handshake again)
//      message/relay  -> authenticated with the relay leg's tunnel; forwarded to the next hop
//                        (we are the relay) or unwrapped and handled like any datagram
//                        below, only without an address (we are its end)
//      message        -> tunnel by the index we gave the peer; replay window check; open in
//                        place with the header as associated data; IPv4 or IPv6; replay
//                        window update; inbound firewall (refused, with
//                        firewall.inbound_action: reject, a TCP RST or ICMP prohibited goes
//                        back through the tunnel); roaming; TUN write
//      test           -> same checks; a request is answered with a reply carrying its payload
//      lightHouse, control, closeTunnel -> same checks, then the control thread
//      anything else  -> drop and count
// Nothing here trusts a datagram before the AEAD has authenticated it, and nothing a
// stranger sends can change a tunnel.
#include <cstring>

#include "firewall/packet.h"
#include "firewall/reject.h"
#include "mesh/metric_counts.h"
#include "mesh/node.h"
#include "mesh/pinger.h"
#include "mesh/relay_codec.h"
#include "mesh/seal.h"
#include "mesh/tunnel.h"
#include "mesh/worker.h"
#include "wire/header.h"

namespace flatnet::mesh {
namespace {
// Nebula's: a peer seen at a new address is not moved back to the old one within this time,
// so two paths that both work don't make the tunnel flap.
constexpr int64_t kRoamingSuppressNs = 2'000'000'000;
}  // namespace

void Worker::RunOutside() {
  const NodeSettings& settings = node_.settings();
  net::RecvBatchBuffers in(size_t(settings.batch),
                           socket_.gro_enabled() ? net::kMaxGroMessageSize : net::kMaxDatagramSize);
  net::SendBatchBuffers replies(16, kReplyBufferSize);
  SnapshotReader tunnels(node_.host_map());
  // With vnet headers, consecutive TCP segments of a flow go to the kernel as one
  // super-packet: the receive-side half of the offload win.
  std::unique_ptr<tun::TcpCoalescer> coalescer;
  if (tun_.vnet_hdr()) coalescer = std::make_unique<tun::TcpCoalescer>(tun_);
  while (!stopping_.load(std::memory_order_relaxed)) {
    auto received = socket_.RecvBatch(in);
    if (!received.ok() || *received == 0) continue;
    tunnels.Refresh();
    int64_t now_ns = Node::NowNs();
    for (int i = 0; i < *received; ++i) {
      net::UdpAddr from = in.source(size_t(i));
      if (in.truncated(size_t(i))) {
        Counters::Add(outside_counters_.rx_packets);
        Counters::Add(outside_counters_.rx_dropped_oversize);
        continue;
      }
      in.ForEachDatagram(size_t(i), [&](ByteSpan datagram) {
        ConsumeOutsidePacket(tunnels, from, const_cast<uint8_t*>(datagram.data()), datagram.size(),
                             now_ns, replies, coalescer.get());
        if (replies.full()) SendReplies(replies);
      });
    }
    if (coalescer && !coalescer->Flush().ok())
      Counters::Add(outside_counters_.rx_dropped_tun_write);
    if (!replies.empty()) SendReplies(replies);
  }
}

void Worker::SendReplies(net::SendBatchBuffers& replies) {
  net::BatchSendResult result = socket_.SendBatch(replies);
  Counters::Add(outside_counters_.tx_packets, result.sent);
  Counters::Add(outside_counters_.tx_dropped_send, result.failed);
}

void Worker::ConsumeOutsidePacket(SnapshotReader& tunnels, const net::UdpAddr& from,
                                  uint8_t* datagram, size_t length, int64_t now_ns,
                                  net::SendBatchBuffers& replies, tun::TcpCoalescer* coalescer,
                                  const IpAddr& via_relay) {
  Counters& counters = outside_counters_;
  Counters::Add(counters.rx_packets);
  if (length > net::kMaxDatagramSize && !via_relay.valid()) {
    // No peer sends more than nebula can receive; a bigger one is noise or an attack.
    Counters::Add(counters.rx_dropped_oversize);
    return;
  }
  ByteSpan bytes(datagram, length);
  auto parsed = wire::ParseHeader(bytes);
  if (!parsed.ok()) {
    Counters::Add(counters.rx_dropped_short);
    // Nebula leaves punches (a byte or none) out of its invalid count.
    if (length > 1) Counters::Add(counters.rx_message_invalid);
    // A peer's 1-byte hole punch: if we are handshaking with it, now is the moment to
    // send stage 1 again rather than wait for the next retry.
    if (length <= 1 && !via_relay.valid()) {
      ControlEvent event;
      event.kind = ControlEvent::Kind::kPunch;
      event.from = from;
      if (!node_.control_queue().Push(std::move(event)))
        Counters::Add(counters.rx_dropped_queue_stranger);
    }
    return;
  }
  const wire::Header& header = *parsed;
  if (!via_relay.valid() && node_.InOurNetwork(from.ip())) {
    Counters::Add(counters.rx_dropped_self);
    Counters::Add(counters.rx_message_invalid);
    return;
  }

  using wire::MessageSubType;
  using wire::MessageType;
  // Before anything is decrypted, as Nebula counts (metric_counts.h); an undefined pairing
  // of type and subtype counts as invalid here and is dropped below.
  CountMessage(counters, Direction::kReceived, header.type, header.subtype);
  switch (header.type) {
    case MessageType::kRecvError:
      // listen.accept_recv_error: whose word that they lost our tunnel we take.
      if (!via_relay.valid() &&
          !config::RecvErrorAllowed(node_.settings().accept_recv_error, from.ip())) {
        Counters::Add(counters.rx_dropped_recv_error);
        return;
      }
      [[fallthrough]];
    case MessageType::kHandshake: {
      ControlEvent event;
      bool handshake = header.type == MessageType::kHandshake;
      event.kind = handshake ? ControlEvent::Kind::kHandshake : ControlEvent::Kind::kRecvError;
      event.from = from;
      event.via_relay = via_relay;
      event.local_index = header.remote_index;
      if (handshake) event.bytes.assign(datagram, datagram + length);
      if (!node_.control_queue().Push(std::move(event)))
        Counters::Add(handshake ? counters.handshakes_dropped : counters.rx_dropped_queue_stranger);
      return;
    }
    case MessageType::kMessage:
    case MessageType::kTest:
    case MessageType::kLightHouse:
    case MessageType::kControl:
    case MessageType::kCloseTunnel:
      break;
    default:
      Counters::Add(counters.rx_dropped_unknown_type);
      return;
  }
  if (header.type == MessageType::kMessage && header.subtype == MessageSubType::kRelay) {
    if (via_relay.valid()) {  // a relay inside a relay: nebula never sends one
      Counters::Add(counters.rx_dropped_unknown_type);
      return;
    }
    ConsumeRelayed(tunnels, from, header, datagram, length, now_ns, replies, coalescer);
    return;
  }
  if (header.type == MessageType::kMessage && header.subtype != MessageSubType::kNone) {
    Counters::Add(counters.rx_dropped_unknown_type);
    return;
  }

  Tunnel* tunnel = tunnels->FindByIndex(header.remote_index);
  if (!tunnel) {
    Counters::Add(counters.rx_dropped_no_tunnel);
    // Tell the sender we have no such tunnel so it can handshake again at once (a restart
    // on our side). 16 bytes for at least 16: no amplification.
    if (!via_relay.valid() &&
        config::RecvErrorAllowed(node_.settings().send_recv_error, from.ip()) &&
        !replies.full()) {
      wire::Header error;
      error.type = MessageType::kRecvError;
      error.remote_index = header.remote_index;
      wire::EncodeHeader(error, replies.next_buffer().data());
      replies.Commit(from, wire::kHeaderSize);
      CountMessage(counters, Direction::kSent, MessageType::kRecvError, MessageSubType::kNone);
    }
    return;
  }
  if (!tunnel->ReplayCheck(header.message_counter)) {
    Counters::Add(counters.rx_dropped_replay);
    return;
  }
  uint8_t* plaintext = datagram + wire::kHeaderSize;
  long opened = tunnel->CipherFor(outside_slot())
                    .Open(header.message_counter, bytes.first(wire::kHeaderSize),
                          bytes.subspan(wire::kHeaderSize), plaintext);
  if (opened < 0) {
    Counters::Add(counters.rx_dropped_auth);
    return;
  }
  ByteSpan payload(plaintext, size_t(opened));
  if (tunnel->NoteAuthenticated()) {
    // The first message under a responder tunnel's keys: the peer really made it.
    ControlEvent event;
    event.kind = ControlEvent::Kind::kProven;
    event.local_index = header.remote_index;
    if (!node_.control_queue().Push(std::move(event))) {
      tunnel->Unprove();  // the next message tries again
      Counters::Add(counters.rx_dropped_queue_authenticated);
    }
  }

  if (header.type == MessageType::kMessage) {
    firewall::Packet packet;
    if (firewall::ParsePacket(payload, /*incoming=*/true, &packet) != firewall::Verdict::kAllow) {
      Counters::Add(counters.rx_dropped_bad_inner);
      return;
    }
    if (!tunnel->ReplayUpdate(header.message_counter)) {
      Counters::Add(counters.rx_dropped_replay);
      return;
    }
    if (firewall::Verdict verdict =
            node_.firewall().CheckParsed(packet, /*incoming=*/true, tunnel->identity(), now_ns);
        verdict != firewall::Verdict::kAllow) {
      CountFirewallRefusal(counters, Direction::kReceived, verdict);
      if (node_.settings().inbound_reject) RejectOutside(tunnels, *tunnel, payload, replies);
      return;
    }
    if (!via_relay.valid()) Roam(*tunnel, from, now_ns);
    tunnel->MarkIn();
    tunnel->AddRxBytes(payload.size());
    bool written =
        coalescer ? coalescer->Add(payload).ok() : tun_.Write(payload.data(), payload.size()) >= 0;
    Counters::Add(written ? counters.rx_delivered : counters.rx_dropped_tun_write);
    return;
  }

  if (!tunnel->ReplayUpdate(header.message_counter)) {
    Counters::Add(counters.rx_dropped_replay);
    return;
  }
  if (header.type == MessageType::kTest) {
    if (header.subtype == MessageSubType::kTestRequest && !replies.full()) {
      // A request may come from a new address (the peer checking a better path): move
      // there first, then answer, as nebula does.
      if (!via_relay.valid()) Roam(*tunnel, from, now_ns);
      // The reply buffers hold the largest request's reply wrapped for a relay.
      SealedDatagram sealed =
          SealForPeer(*tunnels, *tunnel, outside_slot(), MessageType::kTest,
                      MessageSubType::kTestReply, payload, replies.next_buffer());
      if (sealed.ok()) {
        replies.Commit(sealed.to, sealed.length);
        CountMessage(counters, Direction::kSent, MessageType::kTest, MessageSubType::kTestReply);
      } else {
        CountSealFailure(counters, sealed.error);
      }
    } else if (header.subtype == MessageSubType::kTestReply && Pinger::LooksLikeProbe(payload)) {
      // The answer to one of our probes: the control thread times it (pinger.h).
      HandToControl(header, from, via_relay, payload);
    }
  } else {
    HandToControl(header, from, via_relay, payload);
    if (header.type == MessageType::kCloseTunnel) return;  // no roaming on a goodbye
  }
  if (!via_relay.valid()) Roam(*tunnel, from, now_ns);
  tunnel->MarkIn();
}

void Worker::HandToControl(const wire::Header& header, const net::UdpAddr& from,
                           const IpAddr& via_relay, ByteSpan payload) {
  ControlEvent event;
  event.kind = ControlEvent::Kind::kAuthenticated;
  event.type = uint8_t(header.type);
  event.subtype = uint8_t(header.subtype);
  event.local_index = header.remote_index;
  event.from = from;
  event.via_relay = via_relay;
  event.bytes.assign(payload.begin(), payload.end());
  if (!node_.control_queue().Push(std::move(event)))
    Counters::Add(outside_counters_.rx_dropped_queue_authenticated);
}

void Worker::RejectOutside(SnapshotReader& tunnels, Tunnel& tunnel, ByteSpan refused,
                           net::SendBatchBuffers& replies) {
  if (replies.full()) return;
  uint8_t reject[firewall::kMaxRejectSize];
  size_t length = firewall::BuildReject(refused, reject);
  if (length == 0) return;
  SealedDatagram sealed =
      SealForPeer(*tunnels, tunnel, outside_slot(), wire::MessageType::kMessage,
                  wire::MessageSubType::kNone, ByteSpan(reject, length), replies.next_buffer());
  if (!sealed.ok()) {
    CountSealFailure(outside_counters_, sealed.error);
    return;
  }
  replies.Commit(sealed.to, sealed.length);
  Counters::Add(outside_counters_.rx_rejected);
}

void Worker::ConsumeRelayed(SnapshotReader& tunnels, const net::UdpAddr& from,
                            const wire::Header& header, uint8_t* datagram, size_t length,
                            int64_t now_ns, net::SendBatchBuffers& replies,
                            tun::TcpCoalescer* coalescer) {
  Counters& counters = outside_counters_;
  const Relay* leg = tunnels->FindRelay(header.remote_index);
  Tunnel* via = leg ? tunnels->FindByVpnIp(leg->via) : nullptr;
  if (!via || leg->state != RelayState::kEstablished) {
    Counters::Add(counters.rx_dropped_no_tunnel);
    return;
  }
  ByteSpan inner;
  switch (UnwrapRelayed(*via, outside_slot(), header.message_counter, ByteSpan(datagram, length),
                        &inner)) {
    case UnwrapResult::kReplay:
      Counters::Add(counters.rx_dropped_replay);
      return;
    case UnwrapResult::kAuth:
      Counters::Add(counters.rx_dropped_auth);
      return;
    case UnwrapResult::kOk:
      break;
  }
  Roam(*via, from, now_ns);
  if (leg->type == RelayType::kTerminal) {
    // For us: the inner packet is a datagram from leg->peer that came the long way.
    ConsumeOutsidePacket(tunnels, from, const_cast<uint8_t*>(inner.data()), inner.size(), now_ns,
                         replies, coalescer, leg->via);
    return;
  }
  // We are the relay: pass the inner packet, untouched and unreadable to us, to the next hop.
  const Relay* onward = tunnels->FindRelay(leg->peer, leg->via);
  Tunnel* next = tunnels->FindByVpnIp(leg->peer);
  if (!onward || onward->state != RelayState::kEstablished || !next || next->via_relay().valid() ||
      replies.full() || inner.size() + kRelayOverhead > replies.buffer_size()) {
    Counters::Add(counters.rx_dropped_no_tunnel);
    return;
  }
  uint8_t* out = replies.next_buffer().data();
  std::memcpy(out + wire::kHeaderSize, inner.data(), inner.size());
  long wrapped = WrapRelayed(*next, outside_slot(), onward->remote_index, out,
                             replies.buffer_size(), inner.size());
  if (wrapped < 0) {
    Counters::Add(wrapped == kSendSpent ? counters.tx_dropped_send_limit
                                        : counters.tx_dropped_wrap);
    return;
  }
  replies.Commit(next->remote(), size_t(wrapped));
  Counters::Add(counters.relay_forwarded);
  if (replies.full()) SendReplies(replies);
}

void Worker::Roam(Tunnel& tunnel, const net::UdpAddr& from, int64_t now_ns) {
  if (!node_.addresses().Allowed(tunnel.vpn_ip(), from)) return;
  auto moved_from = tunnel.RoamTo(from, now_ns, kRoamingSuppressNs);
  if (moved_from) {
    node_.logger().Info("Host roamed to new udp ip/port.",
                        {{"vpnIp", tunnel.vpn_ip().ToString()},
                         {"udpAddr", moved_from->ToString()},
                         {"newAddr", from.ToString()}});
  }
}

}  // namespace flatnet::mesh
