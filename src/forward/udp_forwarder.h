// UdpForwarder: relays datagrams between clients of LISTEN and one target, the way the WSL2
// case needs it (a lighthouse inside WSL2, Windows forwarding UDP 4242 to it).
//
// Contract:
//  - One session per client address. A session owns one upstream socket connected to the
//    target; datagrams from the client go out through it, and datagrams arriving on it go
//    back to that client only, sent from LISTEN. Replies therefore never cross clients, and
//    the target sees each client as its own source port.
//  - A session with no traffic either way for idle_timeout ends. When max_sessions are in
//    use, a datagram from a new client ends a session to make room (UdpSessionTable::Evict):
//    the least recently active one the target never answered, else the least recently
//    active of all. Refusing would lock new clients out until something times out; a
//    session never answered is most likely a datagram from a forged source address, so a
//    spoofed flood churns only its own sessions and the answered, live ones stay. An
//    evicted client, if alive, gets a new session with its next datagram (the target sees
//    it move to another port, which nebula handles as roaming). Evictions are counted in
//    totals() (evicted_unanswered / evicted_answered), idle ends in idle_closed.
//  - Each session start and end is logged (info) with its counters: packets and bytes in
//    each direction, datagrams dropped, how long it was active, and why it ended.
//  - When the watcher reports a new target address, every session gets a new upstream
//    socket connected to it (logged once, with the number of sessions moved); counters and
//    clients stay. A failed re-resolution is logged and forwarding to the old address goes on.
//  - Run() returns when `stop` turns true (checked every kLoopTick) and ends all sessions.
//    Single-threaded: everything happens on the thread calling Run().
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "base/status.h"
#include "forward/event_log.h"
#include "forward/forwarder.h"
#include "forward/socket.h"
#include "forward/target_resolver.h"
#include "forward/udp_session_table.h"

namespace flatnet::forward {

class UdpForwarder {
 public:
  UdpForwarder(ForwarderOptions options, EventLog& log);
  UdpForwarder(const UdpForwarder&) = delete;
  UdpForwarder& operator=(const UdpForwarder&) = delete;

  // Binds LISTEN; the error names it ("udp 0.0.0.0:4242: cannot bind ...").
  Status Start(const SocketAddress& target);
  // LISTEN as bound (its port when LISTEN said 0).
  const SocketAddress& listen_address() const { return listen_address_; }

  // watcher may be null (the target never changes).
  void Run(const std::atomic<bool>& stop, TargetWatcher* watcher);

  const ForwarderTotals& totals() const { return totals_; }

 private:
  void ReceiveFromClients(SteadyTime now);
  void HandleClientDatagram(const SocketAddress& client, const char* data, size_t size,
                            SteadyTime now);
  UdpSession* OpenSession(const SocketAddress& client, SteadyTime now);
  // Returns false if the session's socket failed and the session was ended.
  bool ReceiveFromTarget(UdpSession& session, SteadyTime now);
  void CheckTarget(TargetWatcher* watcher);
  void Retarget(const SocketAddress& old, const SocketAddress& target);
  Status ConnectUpstream(UdpSession& session);
  void EndSession(UdpSession session, const char* reason);

  ForwarderOptions options_;
  EventLog& log_;
  Socket listen_;
  SocketAddress listen_address_;
  TargetTracker target_;
  UdpSessionTable sessions_;
  uint64_t next_session_id_ = 1;
  SteadyTime last_open_failure_log_{};
  std::vector<char> buffer_;
  ForwarderTotals totals_;
};

}  // namespace flatnet::forward
