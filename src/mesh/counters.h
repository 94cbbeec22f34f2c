// Counters of what each thread did with packets: every packet that is dropped is counted
// under a reason (including our own failures: sealing, relay-wrapping, sending and TUN
// writes), so an operator (and the lab tests) can see that garbage, replays and forgeries
// were refused rather than crashing anything. Besides the drops: control messages by type
// and direction, lighthouse messages by kind, and the firewall's refusals by reason, as
// Nebula 1.11.1's metrics count them (message_metrics.h says where each is counted;
// control/metrics_text.h exports them under Nebula's names).
//
// Each thread owns one Counters and only it writes there (relaxed atomics, no contention):
// each worker's inside and outside threads, and the control thread (Node::Stop writes the
// control thread's after joining it). `flatnet status` sums all of them, by name. A counter
// is one line of FLATNET_COUNTERS below, which gives both the field and its name.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace flatnet::mesh {

#define FLATNET_COUNTERS(X)                                                                        \
  X(rx_packets)                     /* datagrams received on the UDP port */                       \
  X(rx_dropped_short)               /* shorter than a header, or not version 1 */                  \
  X(rx_dropped_unknown_type)        /* a message type flatnet does not know */                     \
  X(rx_dropped_oversize)            /* larger than any packet a peer may send */                   \
  X(rx_dropped_no_tunnel)           /* names a tunnel index we don't have */                       \
  X(rx_dropped_replay)              /* counter already seen or too old for the replay window */    \
  X(rx_dropped_auth)                /* failed AEAD authentication: corrupted or forged */          \
  X(rx_dropped_bad_inner)           /* decrypted, but not a valid IPv4/IPv6 packet */              \
  X(rx_dropped_firewall)            /* inbound firewall said no */                                 \
  X(rx_dropped_self)                /* underlay source inside our own overlay network */           \
  X(rx_dropped_queue_stranger)      /* punch or recv_error refused: strangers' queue share full */ \
  X(rx_dropped_queue_authenticated) /* lighthouse/relay/close message refused: queue full */       \
  X(rx_dropped_recv_error) /* recv_error from a sender listen.accept_recv_error refuses */         \
  X(rx_rejected)           /* inbound refusals answered with a reject through the tunnel */        \
  X(rx_delivered)          /* packets written to the TUN device */                                 \
  X(rx_dropped_tun_write)  /* decrypted and allowed, but the TUN write failed (a coalesced         \
                              frame, or a reject written into the TUN, counts once) */             \
  X(tx_packets)            /* datagrams sent */                                                    \
  X(tx_dropped_firewall)   /* outbound firewall said no */                                         \
  X(tx_dropped_no_route)   /* destination not in our network, or its relay path is gone */         \
  X(tx_rejected)           /* outbound refusals answered with a reject into the TUN */             \
  X(tx_dropped_local)      /* broadcast/multicast/self, dropped as configured */                   \
  X(tx_dropped_bad_packet) /* read from the TUN but not a valid IPv4/IPv6 packet */                \
  X(tx_dropped_seal)       /* sealing failed, or would not fit its buffer */                       \
  X(tx_dropped_wrap)       /* wrapping for a relay failed, or would not fit its buffer */          \
  X(tx_dropped_send)       /* the UDP send itself failed (sendmmsg/sendto error) */                \
  X(tx_dropped_send_limit) /* the tunnel's send counter is spent (tunnel.h SendLimits) */          \
  X(tx_queued_handshake)   /* held while a handshake was pending */                                \
  X(tx_dropped_queue_full) /* pending-handshake queue full */                                      \
  X(handshakes_initiated)  /* stage 1s we started (nebula's handshake_manager.initiated) */   \
  X(handshakes_received)   /* handshake datagrams accepted for processing */                       \
  X(handshakes_dropped)    /* handshake datagrams refused: flood, invalid, or bad cert */          \
  X(handshakes_completed)                                                                          \
  X(handshakes_timed_out)                                                                          \
  X(tunnels_closed)                                                                                \
  X(tunnels_rekeyed) /* new handshake: the send counter passed SendLimits::rehandshake_after */    \
  X(handshakes_refused_pending) /* not started: kMaxPendingHandshakes are pending */               \
  X(relay_refused)              /* relay legs or relays past their bounds, refused */              \
  X(relay_forwarded)            /* relayed messages we passed on as a relay */              \
  X(tx_sent_after_handshake) /* packets held for a handshake, sent once it completed */         \
  /* Route hints (route_hints.h, tun.routes_from_certs). */                                      \
  X(rx_dropped_route_hints)  /* malformed route hints, or a reply from no lighthouse of ours */  \
  X(tx_dropped_unproven_hint) /* to a hinted network its gateway's certificate did not carry */  \
  X(route_hints_refuted)     /* hinted networks a gateway's certificate turned out to lack */   \
  X(route_hints_left_out)    /* lighthouse: hosts past a reply's bound, not hinted */           \
  X(route_hints_queries_refused) /* lighthouse: a query within a second of the asker's last */   \
  /* The firewall's refusals by reason (rx_/tx_dropped_firewall are their sums). */              \
  X(firewall_in_remote_addr)  /* the source is not an address of the peer's certificate */     \
  X(firewall_in_local_addr)   /* the destination is not an address of ours */                  \
  X(firewall_in_no_rule)      /* no inbound rule matched */                                    \
  X(firewall_out_remote_addr) /* the destination is not an address of the peer's certificate */\
  X(firewall_out_local_addr)  /* the source is not an address of ours */                       \
  X(firewall_out_no_rule)     /* no outbound rule matched */                                   \
  /* Messages other than tunnelled packets, by type, received (rx_) and sent (tx_). */           \
  X(rx_message_handshake)                                                                          \
  X(rx_message_recv_error)                                                                         \
  X(rx_message_lighthouse)                                                                         \
  X(rx_message_test_request)                                                                       \
  X(rx_message_test_reply)                                                                         \
  X(rx_message_close_tunnel)                                                                       \
  X(rx_message_other)   /* control (relay setup) messages */                                      \
  X(rx_message_invalid) /* not a valid header, type or subtype, or from our own network */        \
  X(tx_message_handshake)                                                                          \
  X(tx_message_recv_error)                                                                         \
  X(tx_message_lighthouse)                                                                         \
  X(tx_message_test_request)                                                                       \
  X(tx_message_test_reply)                                                                         \
  X(tx_message_close_tunnel)                                                                       \
  X(tx_message_other)                                                                              \
  /* Lighthouse messages by kind (NebulaMeta's type), received and sent. */                     \
  X(rx_lighthouse_host_query)                                                                      \
  X(rx_lighthouse_host_query_reply)                                                                \
  X(rx_lighthouse_host_update_notification)                                                        \
  X(rx_lighthouse_host_punch_notification)                                                         \
  X(rx_lighthouse_host_update_notification_ack)                                                    \
  X(rx_lighthouse_other)                                                                           \
  X(tx_lighthouse_host_query)                                                                      \
  X(tx_lighthouse_host_query_reply)                                                                \
  X(tx_lighthouse_host_update_notification)                                                        \
  X(tx_lighthouse_host_punch_notification)                                                         \
  X(tx_lighthouse_host_update_notification_ack)                                                    \
  X(tx_lighthouse_other)

struct alignas(64) Counters {
#define FLATNET_DECLARE_COUNTER(name) std::atomic<uint64_t> name{0};
  FLATNET_COUNTERS(FLATNET_DECLARE_COUNTER)
#undef FLATNET_DECLARE_COUNTER

  // Only the owning thread calls this, so a relaxed load+store is enough and cheaper
  // than an atomic read-modify-write.
  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  // Calls visit(name, value) for every counter, in declaration order.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
#define FLATNET_VISIT_COUNTER(name) \
  visit(std::string_view(#name), name.load(std::memory_order_relaxed));
    FLATNET_COUNTERS(FLATNET_VISIT_COUNTER)
#undef FLATNET_VISIT_COUNTER
  }
};

}  // namespace flatnet::mesh
