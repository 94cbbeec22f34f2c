#include "forward/tcp_forwarder.h"

#include <thread>
#include <utility>

#include "forward/poll_set.h"

namespace flatnet::forward {

namespace {

constexpr size_t kPipeSize = 64 * 1024;
// Connections taken per wakeup of the listening socket, so a burst cannot starve transfers.
constexpr int kAcceptBatch = 16;
constexpr int kListenBacklog = 128;
constexpr std::chrono::seconds kRefusalLogInterval{1};

bool Transient(const IoResult& io) {
  return io.kind() == platform::ErrorKind::kWouldBlock ||
         io.kind() == platform::ErrorKind::kInterrupted;
}

}  // namespace

TcpForwarder::TcpForwarder(ForwarderOptions options, EventLog& log)
    : options_(std::move(options)), log_(log) {}

Status TcpForwarder::Start(const SocketAddress& target) {
  const std::string what = "tcp listener";
  Result<Socket> socket = Socket::Open(options_.listen.family(), SOCK_STREAM);
  if (!socket.ok()) return socket.status().Wrap(what);
  platform::AllowAddressReuse(socket->handle());
  if (Status bound = socket->Bind(options_.listen); !bound.ok()) return bound.Wrap(what);
  if (Status listening = socket->Listen(kListenBacklog); !listening.ok()) {
    return listening.Wrap(what);
  }
  Result<SocketAddress> local = socket->LocalAddress();
  if (!local.ok()) return local.status().Wrap(what);
  listen_ = std::move(*socket);
  listen_address_ = *local;
  target_ = TargetTracker(target);
  return Status::Ok();
}

void TcpForwarder::Run(const std::atomic<bool>& stop, TargetWatcher* watcher) {
  PollSet<PollOwner> poll;
  while (!stop.load()) {
    poll.Clear();
    // After a failed accept (out of descriptors, say) the listener stays readable; leaving it
    // out for a tick keeps that from spinning the loop.
    if (std::chrono::steady_clock::now() >= accept_paused_until_) {
      poll.Add(listen_.handle(), POLLIN, {nullptr, false});
    }
    for (Connection& connection : connections_) {
      if (connection.connecting) {
        poll.Add(connection.upstream.handle(), POLLOUT, {&connection, true});
        continue;
      }
      // A socket with nothing wanted is left out: an unwanted POLLHUP would wake us forever.
      short client = static_cast<short>((connection.to_target.WantsRead() ? POLLIN : 0) |
                                        (connection.to_client.WantsWrite() ? POLLOUT : 0));
      short upstream = static_cast<short>((connection.to_client.WantsRead() ? POLLIN : 0) |
                                          (connection.to_target.WantsWrite() ? POLLOUT : 0));
      if (client != 0) poll.Add(connection.client_socket.handle(), client, {&connection, false});
      if (upstream != 0) poll.Add(connection.upstream.handle(), upstream, {&connection, true});
    }
    int ready = poll.Wait(static_cast<int>(kLoopTick.count()));
    SteadyTime now = std::chrono::steady_clock::now();
    if (ready < 0) {
      int error = platform::LastError();
      if (platform::Classify(error) != platform::ErrorKind::kInterrupted) {
        log_.Error("waiting for connections failed", {{"error", platform::ErrorText(error)}});
        // A poll that fails at once would fail again at once; don't spin on it.
        std::this_thread::sleep_for(kLoopTick);
      }
    } else if (ready > 0) {
      for (size_t i = 0; i < poll.size(); ++i) {
        const PollOwner& owner = poll.owner(i);
        if (owner.connection == nullptr) continue;  // the listener, below
        if (poll.revents(i) != 0 && owner.connection->end_reason.empty()) {
          HandleEvents(*owner.connection, owner.upstream, poll.revents(i), now);
        }
      }
      if (poll.size() > 0 && poll.owner(0).connection == nullptr && poll.revents(0) != 0) {
        Accept(now);
      }
    }
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->connecting && it->end_reason.empty() && now >= it->connect_deadline) {
        it->end_reason =
            "connect to target timed out after " + std::to_string(kConnectTimeout.count()) + "s";
      }
      if (!it->connecting && it->end_reason.empty() &&
          options_.tcp_idle_timeout > std::chrono::nanoseconds::zero() &&
          now - it->last_active >= options_.tcp_idle_timeout) {
        it->end_reason = "idle";
        ++totals_.idle_closed;
      }
      if (it->end_reason.empty()) {
        ++it;
        continue;
      }
      EndConnection(*it, now);
      it = connections_.erase(it);
    }
    SocketAddress old = target_.current();
    if (std::optional<SocketAddress> changed = target_.Update(watcher, log_)) {
      ++totals_.retargets;
      log_.Info("target address changed; new connections go there",
                {{"old", old.ToString()},
                 {"new", changed->ToString()},
                 {"open_connections", connections_.size()}});
    }
  }
  SteadyTime now = std::chrono::steady_clock::now();
  for (Connection& connection : connections_) {
    if (connection.end_reason.empty()) connection.end_reason = "stopped";
    EndConnection(connection, now);
  }
  connections_.clear();
}

void TcpForwarder::Accept(SteadyTime now) {
  for (int i = 0; i < kAcceptBatch; ++i) {
    SocketAddress peer;
    int error = 0;
    Socket client = listen_.Accept(&peer, &error);
    if (!client.valid()) {
      platform::ErrorKind kind = platform::Classify(error);
      if (kind != platform::ErrorKind::kWouldBlock && kind != platform::ErrorKind::kInterrupted) {
        accept_paused_until_ = now + kLoopTick;
        if (now - last_refusal_log_ >= kRefusalLogInterval) {
          last_refusal_log_ = now;
          log_.Warn("accepting a tcp connection failed", {{"error", platform::ErrorText(error)}});
        }
      }
      return;
    }
    if (connections_.size() >= options_.max_connections) {
      ++totals_.refused;
      if (now - last_refusal_log_ >= kRefusalLogInterval) {
        last_refusal_log_ = now;
        log_.Warn("tcp connection refused: -max-connections connections are open",
                  {{"client", peer.ToString()},
                   {"max_connections", options_.max_connections},
                   {"refused", totals_.refused.load()}});
      }
      continue;  // `client` closes here
    }
    client.SetNoDelay();
    Connection& connection = connections_.emplace_back();
    connection.id = next_id_++;
    connection.client = peer;
    connection.client_socket = std::move(client);
    connection.target = target_.current();
    connection.started = now;
    connection.connect_deadline = now + kConnectTimeout;
    connection.to_target.buffer.resize(kPipeSize);
    connection.to_client.buffer.resize(kPipeSize);
    ++totals_.sessions_started;
    log_.Info("tcp connection start", {{"connection", connection.id},
                                       {"client", connection.client.ToString()},
                                       {"target", connection.target.ToString()}});
    Result<Socket> upstream = Socket::Open(connection.target.family(), SOCK_STREAM);
    if (!upstream.ok()) {
      connection.end_reason = "cannot connect to target: " + upstream.status().message();
      continue;
    }
    bool in_progress = false;
    Status connected = upstream->Connect(connection.target, &in_progress);
    connection.upstream = std::move(*upstream);
    if (!connected.ok()) {
      connection.end_reason = connected.message();
    } else if (!in_progress) {
      FinishConnect(connection, now);
    }
  }
}

void TcpForwarder::FinishConnect(Connection& connection, SteadyTime now) {
  if (int error = connection.upstream.TakeError(); error != 0) {
    connection.end_reason =
        "cannot connect to " + connection.target.ToString() + ": " + platform::ErrorText(error);
    return;
  }
  connection.connecting = false;
  connection.last_active = now;
  connection.upstream.SetNoDelay();
  if (Result<SocketAddress> local = connection.upstream.LocalAddress(); local.ok()) {
    connection.upstream_local = *local;
  }
  log_.Debug("tcp connected to target", {{"connection", connection.id},
                                         {"upstream", connection.upstream_local.ToString()},
                                         {"target", connection.target.ToString()}});
}

void TcpForwarder::HandleEvents(Connection& connection, bool upstream, short revents,
                                SteadyTime now) {
  if (connection.connecting) {
    FinishConnect(connection, now);
    return;
  }
  Socket& socket = upstream ? connection.upstream : connection.client_socket;
  const char* name = upstream ? "target" : "client";
  if ((revents & (POLLERR | POLLNVAL)) != 0) {
    int error = socket.TakeError();
    connection.end_reason =
        std::string(name) + ": " + (error != 0 ? platform::ErrorText(error) : "socket error");
    return;
  }
  // What this socket reads feeds `in`; what it writes drains `out`.
  Pipe& in = upstream ? connection.to_client : connection.to_target;
  Pipe& out = upstream ? connection.to_target : connection.to_client;
  Socket& other = upstream ? connection.client_socket : connection.upstream;
  const char* other_name = upstream ? "client" : "target";
  // POLLHUP counts as readable: WSAPoll reports a peer's FIN that way, and recv() then
  // returns the end of stream.
  if ((revents & (POLLIN | POLLHUP)) != 0 && in.WantsRead()) {
    Pump(connection, in, socket, name, other, other_name, now);
  }
  if (connection.end_reason.empty() && (revents & (POLLOUT | POLLHUP)) != 0 && out.WantsWrite()) {
    Flush(connection, out, socket, name, now);
  }
  if (connection.end_reason.empty() && connection.to_target.passed_on &&
      connection.to_client.passed_on) {
    connection.end_reason = "closed";
  }
}

void TcpForwarder::Pump(Connection& connection, Pipe& pipe, Socket& from, const char* from_name,
                        Socket& to, const char* to_name, SteadyTime now) {
  if (pipe.begin == pipe.end) pipe.begin = pipe.end = 0;
  IoResult io = from.Recv(pipe.buffer.data() + pipe.end, pipe.buffer.size() - pipe.end);
  if (io.ok()) {
    if (io.bytes == 0) {
      pipe.source_closed = true;
    } else {
      pipe.end += static_cast<size_t>(io.bytes);
      connection.last_active = now;
    }
  } else if (!Transient(io)) {
    connection.end_reason = std::string(from_name) + ": " + platform::ErrorText(io.error);
    return;
  }
  Flush(connection, pipe, to, to_name, now);
}

void TcpForwarder::Flush(Connection& connection, Pipe& pipe, Socket& to, const char* to_name,
                         SteadyTime now) {
  while (pipe.WantsWrite()) {
    IoResult io = to.Send(pipe.buffer.data() + pipe.begin, pipe.end - pipe.begin);
    if (!io.ok()) {
      if (Transient(io)) break;
      connection.end_reason = std::string(to_name) + ": " + platform::ErrorText(io.error);
      return;
    }
    pipe.begin += static_cast<size_t>(io.bytes);
    pipe.bytes += static_cast<uint64_t>(io.bytes);
    connection.last_active = now;
  }
  if (pipe.begin == pipe.end) pipe.begin = pipe.end = 0;
  if (pipe.source_closed && !pipe.WantsWrite() && !pipe.passed_on) {
    to.ShutdownWrite();
    pipe.passed_on = true;
  }
}

void TcpForwarder::EndConnection(Connection& connection, SteadyTime now) {
  ++totals_.sessions_ended;
  bool clean = connection.end_reason == "closed" || connection.end_reason == "stopped" ||
               connection.end_reason == "idle";
  log_.Log(clean ? LogLevel::kInfo : LogLevel::kWarning, "tcp connection end",
           {{"connection", connection.id},
            {"client", connection.client.ToString()},
            {"target", connection.target.ToString()},
            {"reason", connection.end_reason},
            {"bytes_to_target", connection.to_target.bytes},
            {"bytes_to_client", connection.to_client.bytes},
            {"duration", FormatSeconds(now - connection.started)}});
}

}  // namespace flatnet::forward
