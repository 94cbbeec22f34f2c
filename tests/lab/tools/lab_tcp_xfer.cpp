// lab-tcp-xfer: moves a byte stream over one TCP connection, so a lab can push a large
// file through a tunnel and compare checksums at both ends.
//
//   lab-tcp-xfer recv --port P [--time-limit S]
//       accepts ONE connection and copies it to stdout until the sender closes
//   lab-tcp-xfer send --to ADDR:PORT [--time-limit S]
//       connects (retrying while the receiver is not yet listening) and sends stdin
//
// Either address family: ADDR is A.B.C.D or an IPv6 address ([IPV6]:PORT, or IPV6:PORT with
// the port after the last colon). The receiver listens on every IPv6 and IPv4 address at
// once (one dual-stack socket), or on IPv4 only where the kernel has no IPv6 at all.
//
// Both stop at --time-limit (default 120 s) and then exit 1; on success they exit 0 and
// print "<verb> N bytes in T s (R Mbit/s)" to stderr. Bad usage exits 2.
//
// With --streams K on both sides, the stream is cut into K contiguous parts, each sent over
// a connection of its own, headed by its offset and length (two 64-bit big-endian numbers);
// the receiver accepts K connections, puts every part in its place and writes the whole
// stream to stdout, in order, once every part is complete (it holds it all in memory; at
// most 1 GiB). It fails if the parts do not tile the stream exactly. The fault lab needs
// this: one TCP connection over an underlay with 5 % loss and 0..200 ms jitter moves about
// 1 Mbit/s, so 100 MB take minutes unless many connections share the work.
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

// A socket listening on `port` on every address: IPv6 and IPv4 through one dual-stack socket,
// IPv4 alone when this kernel has no IPv6. Exits 2 when it cannot listen.
int Listen(uint16_t port, int backlog) {
  int on = 1, off = 0;
  int ls = socket(AF_INET6, SOCK_STREAM, 0);
  if (ls >= 0) {
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    sockaddr_in6 local{};
    local.sin6_family = AF_INET6;
    local.sin6_addr = in6addr_any;
    local.sin6_port = htons(port);
    if (bind(ls, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 || listen(ls, backlog) != 0) {
      Fail(kTool, "listen on port %u: %s", port, std::strerror(errno));
    }
    return ls;
  }
  if (errno != EAFNOSUPPORT) Fail(kTool, "socket: %s", std::strerror(errno));
  ls = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  if (bind(ls, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 || listen(ls, backlog) != 0) {
    Fail(kTool, "listen on port %u: %s", port, std::strerror(errno));
  }
  return ls;
}

void Report(const char* verb, uint64_t bytes, std::chrono::steady_clock::time_point start) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s: %s %llu bytes in %.2f s (%.0f Mbit/s)\n", kTool, verb,
               (unsigned long long)bytes, secs, secs > 0 ? bytes * 8 / secs / 1e6 : 0.0);
}

int Receive(uint16_t port, double time_limit) {
  lab::Deadline deadline(time_limit);
  int ls = Listen(port, 1);
  if (!WaitFor(ls, POLLIN, deadline)) {
    std::fprintf(stderr, "%s: no connection on port %u within %.0f s\n", kTool, port, time_limit);
    return 1;
  }
  sockaddr_storage peer{};
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
                 lab::FormatAnyEndpoint(reinterpret_cast<sockaddr*>(&peer)).c_str(), (unsigned long long)bytes, err.c_str());
    return 1;
  }
  Report("received", bytes, start);
  return 0;
}

int Send(const lab::SocketAddress& to, double time_limit) {
  lab::Deadline deadline(time_limit);
  int fd = -1;
  std::string last_error = "no attempt";
  for (int attempt = 0; attempt < 100 && !deadline.Passed(); ++attempt) {
    fd = socket(to.family(), SOCK_STREAM, 0);
    if (connect(fd, to.get(), to.length) == 0) break;
    last_error = std::strerror(errno);
    close(fd);
    fd = -1;
    usleep(200 * 1000);  // the receiver may not be listening yet
  }
  if (fd < 0) {
    std::fprintf(stderr, "%s: cannot connect to %s: %s\n", kTool, lab::FormatAnyEndpoint(to.get()).c_str(),
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
                 lab::FormatAnyEndpoint(to.get()).c_str(), (unsigned long long)bytes, err.c_str());
    return 1;
  }
  Report("sent", bytes, start);
  return 0;
}

// ---- --streams K ---------------------------------------------------------------------

constexpr size_t kHeaderBytes = 16;
constexpr uint64_t kMaxStreamBytes = uint64_t(1) << 30;

void PutBigEndian(uint64_t v, unsigned char* out) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<unsigned char>(v & 0xff);
}
uint64_t GetBigEndian(const unsigned char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

bool SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// One connection's part of the stream, on either side.
struct Part {
  int fd = -1;
  unsigned char header[kHeaderBytes] = {};
  size_t header_done = 0;
  uint64_t offset = 0, length = 0, done = 0;
  bool finished = false;  // sender: all written and the receiver closed; receiver: EOF seen
};

int ReceiveStreams(uint16_t port, int streams, double time_limit) {
  lab::Deadline deadline(time_limit);
  int ls = Listen(port, streams);
  SetNonBlocking(ls);
  std::vector<Part> parts;
  std::vector<unsigned char> data;
  auto start = std::chrono::steady_clock::now();
  std::string err;
  size_t finished = 0;
  while (finished < size_t(streams) && err.empty()) {
    if (deadline.Passed()) {
      err = "timed out with " + std::to_string(finished) + " of " + std::to_string(streams) +
            " parts complete";
      break;
    }
    std::vector<pollfd> fds;
    if (parts.size() < size_t(streams)) fds.push_back({ls, POLLIN, 0});
    for (const Part& p : parts)
      if (!p.finished) fds.push_back({p.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), std::min(deadline.RemainingMs(), 1000)) <= 0) continue;
    if (parts.size() < size_t(streams)) {
      int fd = accept(ls, nullptr, nullptr);
      if (fd >= 0) {
        if (parts.empty()) start = std::chrono::steady_clock::now();
        SetNonBlocking(fd);
        parts.push_back(Part{});
        parts.back().fd = fd;
      }
    }
    for (Part& p : parts) {
      if (p.finished) continue;
      while (err.empty()) {
        ssize_t n;
        if (p.header_done < kHeaderBytes) {
          n = read(p.fd, p.header + p.header_done, kHeaderBytes - p.header_done);
        } else {
          unsigned char scratch[1];
          bool full = p.done == p.length;  // only EOF may follow
          n = full ? read(p.fd, scratch, 1)
                   : read(p.fd, data.data() + p.offset + p.done, size_t(p.length - p.done));
          if (full && n > 0) err = "a part is longer than its header says";
        }
        if (n < 0) {
          if (errno == EAGAIN || errno == EINTR) break;
          err = std::string("read: ") + std::strerror(errno);
          break;
        }
        if (n == 0) {
          if (p.header_done < kHeaderBytes || p.done != p.length)
            err = "a connection closed before its part was complete";
          p.finished = true;
          ++finished;
          break;
        }
        if (p.header_done < kHeaderBytes) {
          p.header_done += size_t(n);
          if (p.header_done == kHeaderBytes) {
            p.offset = GetBigEndian(p.header);
            p.length = GetBigEndian(p.header + 8);
            if (p.offset > kMaxStreamBytes || p.length > kMaxStreamBytes - p.offset) {
              err = "a part header names more than 1 GiB";
            } else if (data.size() < p.offset + p.length) {
              data.resize(size_t(p.offset + p.length));
            }
          }
        } else {
          p.done += uint64_t(n);
        }
      }
    }
  }
  close(ls);
  for (Part& p : parts) close(p.fd);  // each sender waits for this close
  if (err.empty()) {
    // The parts must tile [0, size) exactly: sorted by offset, each starts where the last ended.
    std::sort(parts.begin(), parts.end(),
              [](const Part& x, const Part& y) { return x.offset < y.offset; });
    uint64_t next = 0;
    for (const Part& p : parts) {
      if (p.offset != next) err = "the parts leave a gap or overlap";
      next = p.offset + p.length;
    }
    if (next != data.size()) err = "the parts do not cover the stream";
  }
  if (err.empty()) {
    for (size_t off = 0; off < data.size();) {
      ssize_t w = write(STDOUT_FILENO, data.data() + off, data.size() - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        err = std::string("write to stdout: ") + std::strerror(errno);
        break;
      }
      off += size_t(w);
    }
  }
  if (!err.empty()) {
    std::fprintf(stderr, "%s: receiving %d streams on port %u failed: %s\n", kTool, streams, port,
                 err.c_str());
    return 1;
  }
  Report("received", data.size(), start);
  return 0;
}

int SendStreams(const lab::SocketAddress& to, int streams, double time_limit) {
  lab::Deadline deadline(time_limit);
  std::vector<unsigned char> data;
  std::vector<unsigned char> buf(1 << 18);
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Fail(kTool, "reading stdin: %s", std::strerror(errno));
    if (n == 0) break;
    data.insert(data.end(), buf.begin(), buf.begin() + n);
    if (data.size() > kMaxStreamBytes) Fail(kTool, "--streams: stdin holds more than 1 GiB");
  }
  std::vector<Part> parts(static_cast<size_t>(streams));
  uint64_t chunk = (data.size() + uint64_t(streams) - 1) / uint64_t(streams);
  for (int i = 0; i < streams; ++i) {
    Part& p = parts[size_t(i)];
    p.offset = std::min<uint64_t>(uint64_t(i) * chunk, data.size());
    p.length = std::min<uint64_t>(chunk, data.size() - p.offset);
    PutBigEndian(p.offset, p.header);
    PutBigEndian(p.length, p.header + 8);
  }
  // Connect all at once: over a lossy path a lost SYN costs a second, and one at a time
  // that would add up. A refused connection (receiver not yet listening) is tried again.
  std::string last_error = "no attempt";
  // Bounded by the deadline, by 100 rounds of retrying refused connections, and (should the
  // clock misbehave) by a count of polls.
  int refused_rounds = 0;
  for (int polls = 0; polls < 100000 && refused_rounds < 100 && !deadline.Passed(); ++polls) {
    std::vector<pollfd> fds;
    std::vector<Part*> owners;
    for (Part& p : parts) {
      if (p.finished) continue;  // "finished" marks a connected part during this phase
      if (p.fd < 0) {
        p.fd = socket(to.family(), SOCK_STREAM, 0);
        SetNonBlocking(p.fd);
        if (connect(p.fd, to.get(), to.length) == 0) {
          p.finished = true;
          continue;
        }
        if (errno != EINPROGRESS) {
          last_error = std::strerror(errno);
          close(p.fd);
          p.fd = -1;
          continue;
        }
      }
      fds.push_back({p.fd, POLLOUT, 0});
      owners.push_back(&p);
    }
    if (fds.empty() &&
        std::all_of(parts.begin(), parts.end(), [](const Part& p) { return p.finished; }))
      break;
    poll(fds.data(), fds.size(), std::min(deadline.RemainingMs(), 200));
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Part& p = *owners[i];
      int error = 0;
      socklen_t len = sizeof(error);
      getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error == 0) {
        p.finished = true;
      } else {
        last_error = std::strerror(error);
        close(p.fd);
        p.fd = -1;
      }
    }
    bool refused = std::any_of(parts.begin(), parts.end(), [](const Part& p) { return p.fd < 0; });
    if (refused) {
      ++refused_rounds;
      usleep(200 * 1000);  // the receiver may not be listening yet
    }
  }
  for (Part& p : parts) {
    if (!p.finished) {
      std::fprintf(stderr, "%s: cannot connect to %s: %s\n", kTool, lab::FormatAnyEndpoint(to.get()).c_str(),
                   last_error.c_str());
      return 1;
    }
    p.finished = false;
  }
  auto start = std::chrono::steady_clock::now();
  std::string err;
  size_t finished = 0;
  while (finished < parts.size() && err.empty()) {
    if (deadline.Passed()) {
      err = "timed out with " + std::to_string(finished) + " of " + std::to_string(streams) +
            " parts acknowledged";
      break;
    }
    std::vector<pollfd> fds;
    std::vector<Part*> owners;
    for (Part& p : parts) {
      if (p.finished) continue;
      bool writing = p.header_done < kHeaderBytes || p.done < p.length;
      fds.push_back({p.fd, short(writing ? POLLOUT : POLLIN), 0});
      owners.push_back(&p);
    }
    if (poll(fds.data(), fds.size(), std::min(deadline.RemainingMs(), 1000)) <= 0) continue;
    for (size_t i = 0; i < fds.size() && err.empty(); ++i) {
      if (fds[i].revents == 0) continue;
      Part& p = *owners[i];
      ssize_t n;
      if (p.header_done < kHeaderBytes) {
        n = write(p.fd, p.header + p.header_done, kHeaderBytes - p.header_done);
        if (n > 0) p.header_done += size_t(n);
      } else if (p.done < p.length) {
        n = write(p.fd, data.data() + p.offset + p.done, size_t(p.length - p.done));
        if (n > 0) p.done += uint64_t(n);
      } else {
        char c;
        n = read(p.fd, &c, 1);  // the receiver closes once it has every part
        if (n == 0) {
          p.finished = true;
          ++finished;
          continue;
        }
        if (n > 0) err = "the receiver sent data";
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) err = std::strerror(errno);
      if (p.header_done == kHeaderBytes && p.done == p.length && n > 0) shutdown(p.fd, SHUT_WR);
    }
  }
  for (Part& p : parts) close(p.fd);
  if (!err.empty()) {
    std::fprintf(stderr, "%s: sending to %s over %d streams failed: %s\n", kTool,
                 lab::FormatAnyEndpoint(to.get()).c_str(), streams, err.c_str());
    return 1;
  }
  Report("sent", data.size(), start);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Fail(kTool, "usage: %s recv --port P | send --to ADDR:PORT", kTool);
  std::string command = argv[1];
  uint16_t port = 0;
  lab::SocketAddress to;
  bool have_to = false;
  double time_limit = 120;
  int streams = 0;  // 0: one plain connection, no part headers
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--port") {
      port = uint16_t(lab::ParseNumber(kTool, "--port", value(), 1, 65535));
    } else if (arg == "--to") {
      to = lab::ParseAnyEndpoint(kTool, "--to", value());
      have_to = true;
    } else if (arg == "--streams") {
      streams = int(lab::ParseNumber(kTool, "--streams", value(), 1, 256));
    } else if (arg == "--time-limit") {
      time_limit = double(lab::ParseNumber(kTool, "--time-limit", value(), 1, 3600));
    } else {
      Fail(kTool, "unknown argument %s", arg.c_str());
    }
  }
  if (command == "recv") {
    if (port == 0) Fail(kTool, "recv needs --port");
    return streams > 0 ? ReceiveStreams(port, streams, time_limit) : Receive(port, time_limit);
  }
  if (command == "send") {
    if (!have_to) Fail(kTool, "send needs --to ADDR:PORT");
    return streams > 0 ? SendStreams(to, streams, time_limit) : Send(to, time_limit);
  }
  Fail(kTool, "unknown command '%s' (recv or send)", command.c_str());
}
