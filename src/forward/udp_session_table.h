// UdpSessionTable: the UDP forwarder's bookkeeping — one session per client address, each
// with its own upstream socket connected to the target, so whatever arrives on that socket
// is a reply for that client and nobody else.
//
// Contract:
//  - Sessions are kept in order of last activity (Touch), so the idle ones and the least
//    recently active one are found at the front without a scan.
//  - The table holds at most capacity() sessions. It does not decide what happens when a
//    new client comes to a full table; the forwarder evicts the least recently active
//    session (EvictLeastRecent) to make room — see udp_forwarder.h for why.
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
  uint64_t dropped = 0;  // datagrams that could not be passed on (either direction)
};

class UdpSessionTable {
 public:
  explicit UdpSessionTable(size_t capacity) : capacity_(capacity) {}
  UdpSessionTable(const UdpSessionTable&) = delete;
  UdpSessionTable& operator=(const UdpSessionTable&) = delete;

  size_t size() const { return sessions_.size(); }
  size_t capacity() const { return capacity_; }
  bool full() const { return sessions_.size() >= capacity_; }

  UdpSession* Find(const SocketAddress& client);
  // Adds a session for a client that has none; the table must not be full. Its
  // last_active time is taken as is.
  UdpSession& Insert(UdpSession session);
  // Records activity at `now` and moves the session to the back of the order.
  void Touch(UdpSession& session, SteadyTime now);
  // Removes and returns the least recently active session; the table must not be empty.
  UdpSession EvictLeastRecent();
  // Removes one session (after its socket failed, say).
  UdpSession Remove(UdpSession& session);
  // Removes and returns every session with no activity for `idle_timeout` or longer.
  std::vector<UdpSession> TakeIdle(SteadyTime now, std::chrono::nanoseconds idle_timeout);
  // Removes and returns all sessions, least recently active first.
  std::vector<UdpSession> TakeAll();
  // When the next session would turn idle; nullopt for an empty table.
  std::optional<SteadyTime> NextExpiry(std::chrono::nanoseconds idle_timeout) const;

  // Visits every session, least recently active first. `visit` must not add or remove.
  template <typename Visit>
  void ForEach(Visit visit) {
    for (UdpSession& session : sessions_) visit(session);
  }

 private:
  using Order = std::list<UdpSession>;

  size_t capacity_;
  Order sessions_;  // least recently active first
  std::unordered_map<SocketAddress, Order::iterator, SocketAddressHash> by_client_;
};

}  // namespace flatnet::forward
