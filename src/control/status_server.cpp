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
#include <cstring>
#include <filesystem>

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

Status StatusServer::Start(const std::string& path, std::function<mesh::NodeStatus()> report) {
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
  thread_ = std::thread([this] { Serve(); });
  return Status::Ok();
}

void StatusServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
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
      return;
    }
    if (fds[1].revents) return;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) continue;
    ServeClient(client);
    ::close(client);
  }
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

void StatusServer::ServeClient(int client) {
  // One client at a time, each within kClientTimeoutMs; Stop interrupts any wait, so a
  // client that connects and stalls (never asks, never reads) delays neither other clients
  // for long nor shutdown at all.
  const int64_t deadline = NowMs() + kClientTimeoutMs;
  // The client names the format it wants on one short line: "json" or "text".
  char request[16] = {};
  if (WaitFor(client, POLLIN, std::min(deadline, NowMs() + 1000))) {
    [[maybe_unused]] auto n = ::recv(client, request, sizeof request - 1, 0);
  }
  if (stopping_.load()) return;
  mesh::NodeStatus status = report_();
  std::string body =
      std::strncmp(request, "text", 4) == 0 ? StatusToText(status) : StatusToJson(status);
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

Result<std::string> FetchStatus(const std::string& path, bool json) {
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
  const char* request = json ? "json\n" : "text\n";
  ::send(fd, request, 5, MSG_NOSIGNAL);
  std::string body;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    body.append(buffer, size_t(n));
  }
  ::close(fd);
  if (body.empty()) return Status::Error("flatnet at " + path + " sent no status");
  return body;
}

}  // namespace flatnet::control
