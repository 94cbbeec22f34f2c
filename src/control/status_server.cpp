#include "control/status_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <cstring>
#include <filesystem>

#include "control/control_protocol.h"
#include "control/path_mtu_probe.h"
#include "control/status_json.h"

namespace flatnet::control {
namespace {

Result<sockaddr_un> AddressOf(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path))
    return Status::Error("control socket path \"" + path + "\" is empty or too long");
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status StatusServer::Start(const std::string& path, std::function<mesh::NodeStatus()> report,
                           PingFunction ping, NetcheckFunction netcheck) {
  auto address = AddressOf(path);
  if (!address.ok()) return address.status();
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  ::unlink(path.c_str());  // a stale socket from a daemon that died
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::Error(Errno("control socket " + path));
  mode_t old_mask = ::umask(0077);
  int bound = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&*address), sizeof(*address));
  ::umask(old_mask);
  if (bound != 0 || ::listen(listen_fd_, 8) != 0) {
    Status error = Status::Error(Errno("control socket " + path));
    ::close(listen_fd_);
    listen_fd_ = -1;
    return error;
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  path_ = path;
  report_ = std::move(report);
  ping_ = std::move(ping);
  netcheck_ = std::move(netcheck);
  thread_ = std::thread([this] { Serve(); });
  return Status::Ok();
}

void StatusServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();  // it joins its clients' threads
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void StatusServer::Serve() {
  while (!stopping_.load()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) continue;
    // Join the clients that finished, then serve this one on a thread of its own.
    std::erase_if(clients_, [](Client& c) {
      if (!c.done->load()) return false;
      c.thread.join();
      return true;
    });
    if (clients_.size() >= kMaxClients) {
      static constexpr char kBusy[] = "error: flatnet is serving other clients; try again\n";
      [[maybe_unused]] auto n = ::send(client, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL);
      ::close(client);
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    clients_.push_back({std::thread([this, client, done] {
                          ServeClient(client);
                          ::close(client);
                          done->store(true);
                        }),
                        done});
  }
  for (Client& c : clients_) c.thread.join();  // each ends at once on Stop (WaitFor)
  clients_.clear();
}

bool StatusServer::WaitFor(int client, short events, int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - NowMs();
    if (left <= 0 || stopping_.load()) return false;
    pollfd fds[2] = {{client, events, 0}, {wake_fd_, POLLIN, 0}};
    int ready = ::poll(fds, 2, int(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[1].revents) return false;  // timeout, error, or Stop
    return true;
  }
}

template <typename T>
std::optional<T> StatusServer::Await(const std::function<void(std::function<void(T)>)>& start,
                                     int64_t wait_ms) {
  // The node answers on its control thread; wait for it here.
  struct Wait {
    std::mutex mutex;
    std::condition_variable ready;
    std::optional<T> result;
  };
  auto wait = std::make_shared<Wait>();
  start([wait](T result) {
    std::lock_guard lock(wait->mutex);
    wait->result = std::move(result);
    wait->ready.notify_all();
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  std::unique_lock lock(wait->mutex);
  while (!wait->result && !stopping_.load() && std::chrono::steady_clock::now() < deadline)
    wait->ready.wait_for(lock, std::chrono::milliseconds(100));
  return wait->result;
}

std::string StatusServer::Answer(const std::string& line) {
  auto request = ParseControlRequest(line);
  if (!request.ok()) return "error: " + request.status().message() + "\n";
  switch (request->kind) {
    case ControlRequest::Kind::kStatusJson:
      return StatusToJson(report_());
    case ControlRequest::Kind::kStatusText:
      return StatusToText(report_());
    case ControlRequest::Kind::kNetcheckJson:
    case ControlRequest::Kind::kNetcheckText: {
      if (!netcheck_) return "error: this flatnet does not answer netcheck requests\n";
      auto report = Await<mesh::NetcheckReport>(netcheck_, kNetcheckWaitMs);
      if (!report) {
        return stopping_.load() ? "error: flatnet is shutting down\n"
                                : "error: flatnet did not finish the netcheck in time\n";
      }
      MeasureLargestPackets(*report);
      return EncodeNetcheckAnswer(*report,
                                  request->kind == ControlRequest::Kind::kNetcheckJson);
    }
    case ControlRequest::Kind::kPing:
      break;
  }
  if (!ping_) return "error: this flatnet does not answer ping requests\n";
  mesh::PingRequest ping{request->target, request->timeout_ms * 1'000'000};
  // The node times the ping out itself; the margin covers a control thread busy elsewhere.
  auto result = Await<mesh::PingResult>(
      [&](std::function<void(mesh::PingResult)> done) { ping_(ping, std::move(done)); },
      request->timeout_ms + 2000);
  if (!result) {
    if (stopping_.load()) return "error: flatnet is shutting down\n";
    mesh::PingResult late;
    late.outcome = mesh::PingResult::Outcome::kTimeout;
    late.vpn_ip = request->target;
    return EncodePingResult(late);
  }
  return EncodePingResult(*result);
}

void StatusServer::ServeClient(int client) {
  // Each client within its deadline; Stop interrupts any wait, so a client that connects
  // and stalls (never asks, never reads) delays neither other clients nor shutdown.
  std::string line;
  char buffer[kMaxRequestLine];
  const int64_t ask_deadline = NowMs() + 1000;
  while (line.size() < kMaxRequestLine && line.find('\n') == std::string::npos &&
         WaitFor(client, POLLIN, ask_deadline)) {
    ssize_t n = ::recv(client, buffer, kMaxRequestLine - line.size(), 0);
    if (n <= 0) break;
    line.append(buffer, size_t(n));
  }
  if (stopping_.load()) return;
  line = line.substr(0, line.find('\n'));
  std::string body = Answer(line);
  const int64_t deadline = NowMs() + kClientTimeoutMs;
  size_t sent = 0;
  while (sent < body.size()) {
    ssize_t n = ::send(client, body.data() + sent, body.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += size_t(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) &&
        WaitFor(client, POLLOUT, deadline))
      continue;
    return;  // gone, stalled past the deadline, or stopping
  }
}

Result<std::string> AskDaemon(const std::string& path, const std::string& request,
                              int64_t timeout_ms) {
  auto address = AddressOf(path);
  if (!address.ok()) return address.status();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(Errno("control socket " + path));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&*address), sizeof(*address)) != 0) {
    Status error = Status::Error(Errno("cannot reach flatnet at " + path +
                                       " (is it running? see control.socket in config.yml)"));
    ::close(fd);
    return error;
  }
  timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string body;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ::close(fd);
      return Status::Error("flatnet at " + path + " did not answer within " +
                           std::to_string(timeout_ms) + " ms");
    }
    if (n <= 0) break;
    body.append(buffer, size_t(n));
  }
  ::close(fd);
  if (body.empty()) return Status::Error("flatnet at " + path + " sent no answer");
  return body;
}

Result<std::string> FetchStatus(const std::string& path, bool json) {
  auto body = AskDaemon(path, json ? "json\n" : "text\n", 30000);
  if (!body.ok()) return body;
  if (body->rfind("error: ", 0) == 0)
    return Status::Error("flatnet at " + path + ": " + body->substr(7, body->find('\n') - 7));
  return body;
}

}  // namespace flatnet::control
