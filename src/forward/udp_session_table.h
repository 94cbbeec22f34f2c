// UdpSessionTable: the UDP forwarder's bookkeeping — one session per client address, each
// with its own upstream socket connected to the target, so whatever arrives on that socket
// is a reply for that client and nobody else.
//
// Contract:
//  - Sessions are kept in two lists in order of last activity (Touch): those the target has
//    never answered, and those it has (MarkAnswered moves a session over, once). The idle
//    ones and the least recently active one of either kind are found at the fronts without
//    a scan.
//  - The table holds at most capacity() sessions. It does not decide what happens when a
//    new client comes to a full table; the forwarder makes room with Evict, which takes the
//    least recently active session the target never answered, and only when every session
//    was answered the least recently active of all. Anyone can send datagrams from forged
//    source addresses; the target never answers those, so a flood of them evicts only its
//    own sessions, never a live answered one (see udp_forwarder.h).
//  - Times are passed in (steady clock), so tests drive expiry without sleeping. Sessions
//    handed out by Take*/Evict are removed; their sockets close when they are destroyed.
//  - A UdpSession* stays valid until that session is removed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

#include "forward/socket.h"
#include "forward/socket_address.h"
#include "forward/traffic_counters.h"

namespace flatnet::forward {

struct UdpSession {
  uint64_t id = 0;
  SocketAddress client;
  Socket upstream;               // connected to `target`
  SocketAddress upstream_local;  // the forwarder's address as the target sees it
  SocketAddress target;
  SteadyTime started{};
  SteadyTime last_active{};
  TrafficCounters to_target;
  TrafficCounters to_client;
  uint64_t dropped = 0;   // datagrams that could not be passed on (either direction)
  bool answered = false;  // the target has sent something back (UdpSessionTable::MarkAnswered)
};

class UdpSessionTable {
 public:
  explicit UdpSessionTable(size_t capacity) : capacity_(capacity) {}
  UdpSessionTable(const UdpSessionTable&) = delete;
  UdpSessionTable& operator=(const UdpSessionTable&) = delete;

  size_t size() const { return unanswered_.size() + answered_.size(); }
  size_t capacity() const { return capacity_; }
  bool full() const { return size() >= capacity_; }

  UdpSession* Find(const SocketAddress& client);
  // Adds a session for a client that has none; the table must not be full. Its
  // last_active time and answered flag are taken as they are.
  UdpSession& Insert(UdpSession session);
  // Records activity at `now` and moves the session to the back of its order.
  void Touch(UdpSession& session, SteadyTime now);
  // The target answered this session: it joins the answered ones (no-op when it had).
  void MarkAnswered(UdpSession& session);
  // Removes and returns the session to make room with: the least recently active of those
  // never answered, else the least recently active of all. The table must not be empty.
  UdpSession Evict();
  // Removes one session (after its socket failed, say).
  UdpSession Remove(UdpSession& session);
  // Removes and returns every session with no activity for `idle_timeout` or longer.
  std::vector<UdpSession> TakeIdle(SteadyTime now, std::chrono::nanoseconds idle_timeout);
  // Removes and returns all sessions, least recently active first.
  std::vector<UdpSession> TakeAll();
  // When the next session would turn idle; nullopt for an empty table.
  std::optional<SteadyTime> NextExpiry(std::chrono::nanoseconds idle_timeout) const;

  // Visits every session: the never answered ones, then the answered ones, each least
  // recently active first. `visit` must not add or remove.
  template <typename Visit>
  void ForEach(Visit visit) {
    for (UdpSession& session : unanswered_) visit(session);
    for (UdpSession& session : answered_) visit(session);
  }

 private:
  using Order = std::list<UdpSession>;

  Order& OrderOf(const UdpSession& session) { return session.answered ? answered_ : unanswered_; }
  // The list whose front is the least recently active session of all; null when empty.
  Order* Oldest();

  size_t capacity_;
  Order unanswered_;  // least recently active first
  Order answered_;    // least recently active first
  std::unordered_map<SocketAddress, Order::iterator, SocketAddressHash> by_client_;
};

}  // namespace flatnet::forward
