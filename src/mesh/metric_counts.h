// The counts behind Nebula 1.11.1's metrics, into the thread's Counters (counters.h), so
// the Prometheus endpoint can export them under Nebula's names (control/metrics_text.h):
// messages by type and direction and lighthouse messages by kind (Nebula's
// message_metrics.go), and the firewall's refusals by reason (firewall.go's
// firewall.{incoming,outgoing}.dropped.*).
//
// Contract:
// - CountMessage counts one message of a type other than a tunnelled packet (message/none
//   and message/relay are never counted: the TUN's own counters show those, as Nebula
//   says): handshake, recv_error, lighthouse, test request/reply, close_tunnel each have
//   their counter, control (relay setup) is "other"; a type/subtype pairing Nebula does
//   not define is counted as invalid when received and as other when sent.
// - Where it is called, as Nebula: received, after the header is read and before anything
//   is decrypted (outside.cpp, relayed inner messages too); sent, wherever a control
//   message leaves (Node::SendRaw for handshakes, Node::SendOnTunnel, the outside path's
//   test replies and recv_errors). Each thread counts into its own Counters.
// - CountLighthouseMessage counts one lighthouse message by its NebulaMeta type: received
//   when the lighthouse decodes it, sent when it hands one over; kinds Nebula gives no
//   metric of its own are "other".
// - CountFirewallRefusal counts a packet the firewall refused (any verdict but kAllow) in
//   the direction's total (rx_/tx_dropped_firewall) and, for the three refusals Nebula
//   names (remote address, local address, no rule), under its reason too.
#pragma once

#include "firewall/verdict.h"
#include "mesh/counters.h"
#include "wire/message_type.h"

namespace flatnet::mesh {

enum class Direction { kReceived, kSent };

inline void CountMessage(Counters& counters, Direction direction, wire::MessageType type,
                         wire::MessageSubType subtype) {
  using wire::MessageSubType;
  using wire::MessageType;
  const bool rx = direction == Direction::kReceived;
  const bool none = subtype == MessageSubType::kNone;
  std::atomic<uint64_t>* counter = rx ? &counters.rx_message_invalid : &counters.tx_message_other;
  switch (type) {
    case MessageType::kMessage:
      if (subtype == MessageSubType::kNone || subtype == MessageSubType::kRelay) return;
      break;
    case MessageType::kHandshake:
      if (subtype == MessageSubType::kIxPsk0)
        counter = rx ? &counters.rx_message_handshake : &counters.tx_message_handshake;
      break;
    case MessageType::kRecvError:
      if (none) counter = rx ? &counters.rx_message_recv_error : &counters.tx_message_recv_error;
      break;
    case MessageType::kLightHouse:
      if (none) counter = rx ? &counters.rx_message_lighthouse : &counters.tx_message_lighthouse;
      break;
    case MessageType::kTest:
      if (subtype == MessageSubType::kTestRequest)
        counter = rx ? &counters.rx_message_test_request : &counters.tx_message_test_request;
      else if (subtype == MessageSubType::kTestReply)
        counter = rx ? &counters.rx_message_test_reply : &counters.tx_message_test_reply;
      break;
    case MessageType::kCloseTunnel:
      if (none)
        counter = rx ? &counters.rx_message_close_tunnel : &counters.tx_message_close_tunnel;
      break;
    case MessageType::kControl:
      if (none) counter = rx ? &counters.rx_message_other : &counters.tx_message_other;
      break;
  }
  Counters::Add(*counter);
}

// `meta_type`: NebulaMeta's MessageType (wire/proto/nebula.proto), as its integer.
inline void CountLighthouseMessage(Counters& counters, Direction direction, int meta_type) {
  const bool rx = direction == Direction::kReceived;
  std::atomic<uint64_t>* counter = rx ? &counters.rx_lighthouse_other : &counters.tx_lighthouse_other;
  switch (meta_type) {
    case 1:  // HostQuery
      counter = rx ? &counters.rx_lighthouse_host_query : &counters.tx_lighthouse_host_query;
      break;
    case 2:  // HostQueryReply
      counter = rx ? &counters.rx_lighthouse_host_query_reply
                   : &counters.tx_lighthouse_host_query_reply;
      break;
    case 3:  // HostUpdateNotification
      counter = rx ? &counters.rx_lighthouse_host_update_notification
                   : &counters.tx_lighthouse_host_update_notification;
      break;
    case 5:  // HostPunchNotification
      counter = rx ? &counters.rx_lighthouse_host_punch_notification
                   : &counters.tx_lighthouse_host_punch_notification;
      break;
    case 10:  // HostUpdateNotificationAck
      counter = rx ? &counters.rx_lighthouse_host_update_notification_ack
                   : &counters.tx_lighthouse_host_update_notification_ack;
      break;
    default:
      break;
  }
  Counters::Add(*counter);
}

inline void CountFirewallRefusal(Counters& counters, Direction direction,
                                 firewall::Verdict verdict) {
  const bool rx = direction == Direction::kReceived;
  Counters::Add(rx ? counters.rx_dropped_firewall : counters.tx_dropped_firewall);
  switch (verdict) {
    case firewall::Verdict::kDropRemoteIp:
      Counters::Add(rx ? counters.firewall_in_remote_addr : counters.firewall_out_remote_addr);
      break;
    case firewall::Verdict::kDropLocalIp:
      Counters::Add(rx ? counters.firewall_in_local_addr : counters.firewall_out_local_addr);
      break;
    case firewall::Verdict::kDropNoRule:
      Counters::Add(rx ? counters.firewall_in_no_rule : counters.firewall_out_no_rule);
      break;
    default:
      break;
  }
}

}  // namespace flatnet::mesh
