#include "forward/udp_forwarder.h"

#include <thread>
#include <utility>

#include "forward/poll_set.h"

namespace flatnet::forward {

namespace {

// Datagrams read per socket per wakeup, so one busy client cannot starve the others.
constexpr int kBatch = 64;
// The largest UDP payload, plus one byte.
constexpr size_t kBufferSize = 65536;
// How often at most a failure to open a session socket is logged (they come per datagram).
constexpr std::chrono::seconds kFailureLogInterval{1};

}  // namespace

UdpForwarder::UdpForwarder(ForwarderOptions options, EventLog& log)
    : options_(std::move(options)), log_(log), sessions_(options_.max_sessions) {}

Status UdpForwarder::Start(const SocketAddress& target) {
  const std::string what = "udp listener";
  Result<Socket> socket = Socket::Open(options_.listen.family(), SOCK_DGRAM);
  if (!socket.ok()) return socket.status().Wrap(what);
  if (Status bound = socket->Bind(options_.listen); !bound.ok()) return bound.Wrap(what);
  Result<SocketAddress> local = socket->LocalAddress();
  if (!local.ok()) return local.status().Wrap(what);
  listen_ = std::move(*socket);
  listen_address_ = *local;
  target_ = TargetTracker(target);
  buffer_.resize(kBufferSize);
  return Status::Ok();
}

void UdpForwarder::Run(const std::atomic<bool>& stop, TargetWatcher* watcher) {
  PollSet<UdpSession*> poll;
  while (!stop.load()) {
    poll.Clear();
    poll.Add(listen_.handle(), POLLIN, nullptr);
    sessions_.ForEach(
        [&poll](UdpSession& session) { poll.Add(session.upstream.handle(), POLLIN, &session); });
    int ready = poll.Wait(static_cast<int>(kLoopTick.count()));
    SteadyTime now = std::chrono::steady_clock::now();
    if (ready < 0) {
      int error = platform::LastError();
      if (platform::Classify(error) != platform::ErrorKind::kInterrupted) {
        log_.Error("waiting for datagrams failed", {{"error", platform::ErrorText(error)}});
        // A poll that fails at once would fail again at once; don't spin on it.
        std::this_thread::sleep_for(kLoopTick);
      }
    } else if (ready > 0) {
      // Replies first: handling client datagrams may evict sessions, which would leave
      // dangling pointers in `poll`.
      for (size_t i = 1; i < poll.size(); ++i) {
        if (poll.revents(i) != 0) ReceiveFromTarget(*poll.owner(i), now);
      }
      if (poll.revents(0) != 0) ReceiveFromClients(now);
    }
    for (UdpSession& session : sessions_.TakeIdle(now, options_.idle_timeout)) {
      ++totals_.idle_closed;
      EndSession(std::move(session), "idle");
    }
    CheckTarget(watcher);
  }
  for (UdpSession& session : sessions_.TakeAll()) EndSession(std::move(session), "stopped");
}

void UdpForwarder::ReceiveFromClients(SteadyTime now) {
  for (int i = 0; i < kBatch; ++i) {
    SocketAddress client;
    IoResult io = listen_.RecvFrom(buffer_.data(), buffer_.size(), &client);
    if (!io.ok()) {
      if (!io.would_block() && io.kind() != platform::ErrorKind::kInterrupted) {
        log_.Debug("receiving from clients failed", {{"error", platform::ErrorText(io.error)}});
      }
      return;
    }
    HandleClientDatagram(client, buffer_.data(), static_cast<size_t>(io.bytes), now);
  }
}

void UdpForwarder::HandleClientDatagram(const SocketAddress& client, const char* data, size_t size,
                                        SteadyTime now) {
  UdpSession* session = sessions_.Find(client);
  if (session == nullptr) session = OpenSession(client, now);
  if (session == nullptr) return;
  sessions_.Touch(*session, now);
  IoResult io = session->upstream.Send(data, size);
  if (io.ok()) {
    session->to_target.Add(size);
  } else {
    ++session->dropped;
    log_.Debug("datagram to target dropped",
               {{"session", session->id}, {"error", platform::ErrorText(io.error)}});
  }
}

UdpSession* UdpForwarder::OpenSession(const SocketAddress& client, SteadyTime now) {
  UdpSession session;
  session.id = next_session_id_;
  session.client = client;
  session.started = now;
  session.last_active = now;
  // The socket first: if it cannot be had (out of descriptors, no route), nobody is evicted.
  if (Status connected = ConnectUpstream(session); !connected.ok()) {
    if (now - last_open_failure_log_ >= kFailureLogInterval) {
      last_open_failure_log_ = now;
      log_.Warn("cannot open a udp session; dropping the client's datagrams",
                {{"client", client.ToString()}, {"error", connected.message()}});
    }
    return nullptr;
  }
  if (sessions_.full()) {
    UdpSession evicted = sessions_.Evict();
    ++(evicted.answered ? totals_.evicted_answered : totals_.evicted_unanswered);
    EndSession(std::move(evicted), "evicted: -max-sessions reached");
  }
  ++next_session_id_;
  ++totals_.sessions_started;
  UdpSession& added = sessions_.Insert(std::move(session));
  log_.Info("udp session start", {{"session", added.id},
                                  {"client", added.client.ToString()},
                                  {"upstream", added.upstream_local.ToString()},
                                  {"target", added.target.ToString()}});
  return &added;
}

Status UdpForwarder::ConnectUpstream(UdpSession& session) {
  const SocketAddress& target = target_.current();
  Result<Socket> socket = Socket::Open(target.family(), SOCK_DGRAM);
  if (!socket.ok()) return socket.status();
  bool in_progress = false;
  if (Status connected = socket->Connect(target, &in_progress); !connected.ok()) {
    return connected;
  }
  Result<SocketAddress> local = socket->LocalAddress();
  if (!local.ok()) return local.status();
  session.upstream = std::move(*socket);
  session.upstream_local = *local;
  session.target = target;
  return Status::Ok();
}

bool UdpForwarder::ReceiveFromTarget(UdpSession& session, SteadyTime now) {
  for (int i = 0; i < kBatch; ++i) {
    IoResult io = session.upstream.Recv(buffer_.data(), buffer_.size());
    if (!io.ok()) {
      switch (io.kind()) {
        case platform::ErrorKind::kWouldBlock:
        case platform::ErrorKind::kInterrupted:
          return true;
        case platform::ErrorKind::kConnectionRefused:
          // ICMP port unreachable for an earlier datagram: nothing listens at the target
          // (yet). The session stays; the client's next datagram may find it.
          log_.Debug("target port unreachable",
                     {{"session", session.id}, {"target", session.target.ToString()}});
          continue;
        default:
          EndSession(sessions_.Remove(session),
                     ("upstream socket failed: " + platform::ErrorText(io.error)).c_str());
          return false;
      }
    }
    size_t size = static_cast<size_t>(io.bytes);
    sessions_.MarkAnswered(session);
    sessions_.Touch(session, now);
    IoResult sent = listen_.SendTo(buffer_.data(), size, session.client);
    if (sent.ok()) {
      session.to_client.Add(size);
    } else {
      ++session.dropped;
      log_.Debug("datagram to client dropped",
                 {{"session", session.id}, {"error", platform::ErrorText(sent.error)}});
    }
  }
  return true;
}

void UdpForwarder::CheckTarget(TargetWatcher* watcher) {
  SocketAddress old = target_.current();
  if (std::optional<SocketAddress> changed = target_.Update(watcher, log_)) {
    Retarget(old, *changed);
  }
}

void UdpForwarder::Retarget(const SocketAddress& old, const SocketAddress& target) {
  ++totals_.retargets;
  std::vector<UdpSession*> sessions;
  sessions_.ForEach([&sessions](UdpSession& session) { sessions.push_back(&session); });
  uint64_t moved = 0;
  for (UdpSession* session : sessions) {
    if (Status connected = ConnectUpstream(*session); !connected.ok()) {
      EndSession(sessions_.Remove(*session),
                 ("cannot move to the new target: " + connected.message()).c_str());
      continue;
    }
    ++moved;
    log_.Debug("udp session moved", {{"session", session->id},
                                     {"upstream", session->upstream_local.ToString()},
                                     {"target", target.ToString()}});
  }
  log_.Info("target address changed",
            {{"old", old.ToString()}, {"new", target.ToString()}, {"sessions", moved}});
}

void UdpForwarder::EndSession(UdpSession session, const char* reason) {
  ++totals_.sessions_ended;
  log_.Info("udp session end",
            {{"session", session.id},
             {"client", session.client.ToString()},
             {"target", session.target.ToString()},
             {"reason", reason},
             {"packets_to_target", session.to_target.packets},
             {"bytes_to_target", session.to_target.bytes},
             {"packets_to_client", session.to_client.packets},
             {"bytes_to_client", session.to_client.bytes},
             {"dropped", session.dropped},
             {"active_for", FormatSeconds(session.last_active - session.started)}});
}

}  // namespace flatnet::forward
