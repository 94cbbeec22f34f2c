// TcpForwarder: accepts connections on LISTEN, connects each to the target, and copies
// bytes both ways until both sides have closed (for `flatnet forward tcp`).
//
// Contract:
//  - Each accepted connection gets its own connection to the target's current address
//    (non-blocking; kConnectTimeout at most). Bytes flow both ways through a 64 KiB buffer
//    per direction; a full buffer stops reading from that side (back-pressure, no unbounded
//    memory). A side's end of stream (FIN) is passed on as a half-close, and the pair is
//    closed once both directions have ended; a reset or error on either side closes both.
//  - Start and end of each connection are logged (info), the end with bytes each way, how
//    long it lasted and why it ended; a failed connect to the target ends it with the error.
//  - A connection that moved no byte either way for tcp_idle_timeout (0: never) is closed,
//    reason "idle", counted in totals().idle_closed: a peer that vanished without a FIN or
//    RST must not hold two sockets and 128 KiB forever. The connect phase has its own limit.
//  - At max_connections connections, new ones are accepted and closed at once (logged at
//    most once a second, counted in totals().refused): the client learns at once instead of
//    hanging in the backlog, and live connections are never cut to make room.
//  - A new target address (from the watcher) applies to new connections; open ones stay with
//    the address they connected to, as a TCP connection cannot move.
//  - Run() returns when `stop` turns true (checked every kLoopTick) and closes everything.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <string>
#include <vector>

#include "base/status.h"
#include "forward/event_log.h"
#include "forward/forwarder.h"
#include "forward/socket.h"
#include "forward/target_resolver.h"
#include "forward/traffic_counters.h"

namespace flatnet::forward {

// Long enough for a target across a slow link, short enough that a client does not wait
// forever on an address that went away; also covers WSAPoll versions that never report a
// failed connect.
inline constexpr std::chrono::seconds kConnectTimeout{10};

class TcpForwarder {
 public:
  TcpForwarder(ForwarderOptions options, EventLog& log);
  TcpForwarder(const TcpForwarder&) = delete;
  TcpForwarder& operator=(const TcpForwarder&) = delete;

  Status Start(const SocketAddress& target);
  const SocketAddress& listen_address() const { return listen_address_; }
  void Run(const std::atomic<bool>& stop, TargetWatcher* watcher);
  const ForwarderTotals& totals() const { return totals_; }

 private:
  // One direction of a connection: bytes read from one socket, waiting to be written to the
  // other.
  struct Pipe {
    std::vector<char> buffer;
    size_t begin = 0, end = 0;   // unwritten bytes are buffer[begin, end)
    bool source_closed = false;  // the reading side sent its FIN
    bool passed_on = false;      // ... and we half-closed the writing side after it
    uint64_t bytes = 0;          // written onwards

    bool WantsRead() const { return !source_closed && end < buffer.size(); }
    bool WantsWrite() const { return end > begin; }
  };

  struct Connection {
    uint64_t id = 0;
    SocketAddress client, target, upstream_local;
    Socket client_socket, upstream;
    bool connecting = true;
    SteadyTime started{}, connect_deadline{};
    SteadyTime last_active{};  // connected, or last moved a byte either way
    Pipe to_target, to_client;
    std::string end_reason;  // set when the connection is finished; swept after each poll
  };

  struct PollOwner {
    Connection* connection;  // null: the listening socket
    bool upstream;
  };

  void Accept(SteadyTime now);
  void HandleEvents(Connection& connection, bool upstream, short revents, SteadyTime now);
  void FinishConnect(Connection& connection, SteadyTime now);
  // Reads what `from` has into `pipe`, then writes onwards; sets end_reason on failure.
  void Pump(Connection& connection, Pipe& pipe, Socket& from, const char* from_name, Socket& to,
            const char* to_name, SteadyTime now);
  void Flush(Connection& connection, Pipe& pipe, Socket& to, const char* to_name, SteadyTime now);
  void EndConnection(Connection& connection, SteadyTime now);

  ForwarderOptions options_;
  EventLog& log_;
  Socket listen_;
  SocketAddress listen_address_;
  TargetTracker target_;
  std::list<Connection> connections_;
  uint64_t next_id_ = 1;
  SteadyTime last_refusal_log_{};  // refusals and accept failures: logged once a second
  SteadyTime accept_paused_until_{};
  ForwarderTotals totals_;
};

}  // namespace flatnet::forward
