// lab-tcp-xfer: moves a byte stream over one TCP connection, so a lab can push a large
// file through a tunnel and compare checksums at both ends.
//
//   lab-tcp-xfer recv --port P [--time-limit S]
//       accepts ONE connection and copies it to stdout until the sender closes
//   lab-tcp-xfer send --to ADDR:PORT [--time-limit S]
//       connects (retrying while the receiver is not yet listening) and sends stdin
//
// Both stop at --time-limit (default 120 s) and then exit 1; on success they exit 0 and
// print "<verb> N bytes in T s (R Mbit/s)" to stderr. Bad usage exits 2.
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "tool_common.h"

namespace {

using lab::Fail;
constexpr const char* kTool = "lab-tcp-xfer";

// Waits until fd is ready for `events` or the deadline passes.
bool WaitFor(int fd, short events, const lab::Deadline& deadline) {
  while (!deadline.Passed()) {
    pollfd pfd{fd, events, 0};
    int r = poll(&pfd, 1, deadline.RemainingMs());
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
  return false;
}

// Copies from `in` to `out` until EOF on `in`; false on error or timeout.
bool Copy(int in, int out, const lab::Deadline& deadline, uint64_t& bytes, std::string& err) {
  std::vector<char> buf(1 << 18);
  while (true) {
    if (!WaitFor(in, POLLIN, deadline)) {
      err = "timed out";
      return false;
    }
    ssize_t n = read(in, buf.data(), buf.size());
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      err = std::string("read: ") + std::strerror(errno);
      return false;
    }
    for (ssize_t off = 0; off < n;) {
      if (!WaitFor(out, POLLOUT, deadline)) {
        err = "timed out";
        return false;
      }
      ssize_t w = write(out, buf.data() + off, size_t(n - off));
      if (w < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        err = std::string("write: ") + std::strerror(errno);
        return false;
      }
      off += w;
    }
    bytes += uint64_t(n);
  }
}

void Report(const char* verb, uint64_t bytes, std::chrono::steady_clock::time_point start) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s: %s %llu bytes in %.2f s (%.0f Mbit/s)\n", kTool, verb,
               (unsigned long long)bytes, secs, secs > 0 ? bytes * 8 / secs / 1e6 : 0.0);
}

int Receive(uint16_t port, double time_limit) {
  lab::Deadline deadline(time_limit);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  if (bind(ls, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 || listen(ls, 1) != 0) {
    Fail(kTool, "listen on port %u: %s", port, std::strerror(errno));
  }
  if (!WaitFor(ls, POLLIN, deadline)) {
    std::fprintf(stderr, "%s: no connection on port %u within %.0f s\n", kTool, port, time_limit);
    return 1;
  }
  sockaddr_in peer{};
  socklen_t len = sizeof(peer);
  int fd = accept(ls, reinterpret_cast<sockaddr*>(&peer), &len);
  close(ls);
  if (fd < 0) Fail(kTool, "accept: %s", std::strerror(errno));
  auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  std::string err;
  bool ok = Copy(fd, STDOUT_FILENO, deadline, bytes, err);
  close(fd);
  if (!ok) {
    std::fprintf(stderr, "%s: receiving from %s failed after %llu bytes: %s\n", kTool,
                 lab::FormatEndpoint(peer).c_str(), (unsigned long long)bytes, err.c_str());
    return 1;
  }
  Report("received", bytes, start);
  return 0;
}

int Send(const sockaddr_in& to, double time_limit) {
  lab::Deadline deadline(time_limit);
  int fd = -1;
  std::string last_error = "no attempt";
  for (int attempt = 0; attempt < 100 && !deadline.Passed(); ++attempt) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) == 0) break;
    last_error = std::strerror(errno);
    close(fd);
    fd = -1;
    usleep(200 * 1000);  // the receiver may not be listening yet
  }
  if (fd < 0) {
    std::fprintf(stderr, "%s: cannot connect to %s: %s\n", kTool, lab::FormatEndpoint(to).c_str(),
                 last_error.c_str());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  std::string err;
  bool ok = Copy(STDIN_FILENO, fd, deadline, bytes, err);
  if (ok) {
    // Half-close, then wait for the receiver's close: it has read everything by then.
    shutdown(fd, SHUT_WR);
    char c;
    ok = WaitFor(fd, POLLIN, deadline) && read(fd, &c, 1) == 0;
    if (!ok) err = "receiver did not close the connection";
  }
  close(fd);
  if (!ok) {
    std::fprintf(stderr, "%s: sending to %s failed after %llu bytes: %s\n", kTool,
                 lab::FormatEndpoint(to).c_str(), (unsigned long long)bytes, err.c_str());
    return 1;
  }
  Report("sent", bytes, start);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Fail(kTool, "usage: %s recv --port P | send --to ADDR:PORT", kTool);
  std::string command = argv[1];
  uint16_t port = 0;
  sockaddr_in to{};
  bool have_to = false;
  double time_limit = 120;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--port") {
      port = uint16_t(lab::ParseNumber(kTool, "--port", value(), 1, 65535));
    } else if (arg == "--to") {
      to = lab::ParseEndpoint(kTool, "--to", value());
      have_to = true;
    } else if (arg == "--time-limit") {
      time_limit = double(lab::ParseNumber(kTool, "--time-limit", value(), 1, 3600));
    } else {
      Fail(kTool, "unknown argument %s", arg.c_str());
    }
  }
  if (command == "recv") {
    if (port == 0) Fail(kTool, "recv needs --port");
    return Receive(port, time_limit);
  }
  if (command == "send") {
    if (!have_to) Fail(kTool, "send needs --to ADDR:PORT");
    return Send(to, time_limit);
  }
  Fail(kTool, "unknown command '%s' (recv or send)", command.c_str());
}
