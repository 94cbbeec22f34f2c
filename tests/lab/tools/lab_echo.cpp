// lab-echo: echo services and their clients, to check what a forwarder (flatnet forward)
// does to traffic: whose replies reach whom, which target answered, and whether a TCP
// stream arrives intact both ways.
//
//   lab-echo udp-serve --port P [--bind ADDR] [--name NAME] [--time-limit S]
//       answers every datagram with "NAME|PAYLOAD|SENDER" (SENDER = ADDR:PORT it came from)
//   lab-echo udp-ask --to ADDR:PORT --tag TAG [--count N] [--interval-ms M]
//                    [--min-replies K] [--expect-name NAME] [--time-limit S]
//       sends N datagrams "TAG-i" (default 20, M ms apart, default 20) from one socket,
//       collecting replies meanwhile and for 1 s after. Prints one summary line. Succeeds
//       when at least K (default N) replies carry its own TAG, none carries another's, and
//       (with --expect-name) every reply came from that service.
//   lab-echo tcp-serve --port P [--time-limit S]
//       accepts connections one after another and echoes each until the client closes
//   lab-echo tcp-ask --to ADDR:PORT --bytes N [--time-limit S]
//       sends N pseudo-random bytes, half-closes, reads the echo to its end and checks it
//       is the same N bytes
//
// Exit status: 0 success, 1 check failed or time limit (default 30 s) reached, 2 bad usage.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tool_common.h"

namespace {

using lab::Fail;
constexpr const char* kTool = "lab-echo";

struct Args {
  std::string command;
  uint16_t port = 0;
  sockaddr_in bind{};
  sockaddr_in to{};
  bool have_to = false;
  std::string name = "echo";
  std::string tag;
  std::string expect_name;
  uint64_t count = 20, interval_ms = 20, bytes = 0;
  int64_t min_replies = -1;
  double time_limit = 30;
};

int BoundSocket(int type, const sockaddr_in& address) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) Fail(kTool, "socket: %s", std::strerror(errno));
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    Fail(kTool, "bind to %s: %s", lab::FormatEndpoint(address).c_str(), std::strerror(errno));
  }
  return fd;
}

bool WaitFor(int fd, short events, const lab::Deadline& deadline) {
  while (!deadline.Passed()) {
    pollfd pfd{fd, events, 0};
    int r = poll(&pfd, 1, deadline.RemainingMs());
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
  return false;
}

int UdpServe(const Args& args) {
  sockaddr_in local = args.bind;
  local.sin_port = htons(args.port);
  int fd = BoundSocket(SOCK_DGRAM, local);
  lab::Deadline deadline(args.time_limit);
  std::printf("%s: %s serving udp on %s\n", kTool, args.name.c_str(),
              lab::FormatEndpoint(local).c_str());
  std::fflush(stdout);
  char buffer[65536];
  while (!deadline.Passed()) {
    if (!WaitFor(fd, POLLIN, deadline)) continue;
    sockaddr_in from{};
    socklen_t length = sizeof(from);
    ssize_t n =
        recvfrom(fd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) continue;
    std::string answer =
        args.name + "|" + std::string(buffer, size_t(n)) + "|" + lab::FormatEndpoint(from);
    sendto(fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), length);
  }
  close(fd);
  return 0;
}

int UdpAsk(const Args& args) {
  sockaddr_in any{};
  any.sin_family = AF_INET;
  int fd = BoundSocket(SOCK_DGRAM, any);
  lab::Deadline deadline(args.time_limit);
  uint64_t own = 0, foreign = 0, wrong_name = 0;
  std::set<std::string> names, seen_from;
  std::set<uint64_t> answered;
  auto receive_until = [&](const lab::Deadline& until) {
    char buffer[65536];
    while (!until.Passed() && !deadline.Passed()) {
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, until.RemainingMs()) <= 0) continue;
      ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n < 0) continue;
      std::string reply(buffer, size_t(n));
      size_t a = reply.find('|'), b = reply.rfind('|');
      if (a == std::string::npos || a == b) {
        ++foreign;
        continue;
      }
      std::string name = reply.substr(0, a), payload = reply.substr(a + 1, b - a - 1);
      names.insert(name);
      seen_from.insert(reply.substr(b + 1));
      if (!args.expect_name.empty() && name != args.expect_name) ++wrong_name;
      std::string prefix = args.tag + "-";
      if (payload.compare(0, prefix.size(), prefix) == 0) {
        if (answered.insert(std::strtoull(payload.c_str() + prefix.size(), nullptr, 10)).second) {
          ++own;
        }
      } else {
        ++foreign;
      }
    }
  };
  for (uint64_t i = 0; i < args.count && !deadline.Passed(); ++i) {
    std::string payload = args.tag + "-" + std::to_string(i);
    sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&args.to),
           sizeof(args.to));
    receive_until(lab::Deadline(double(args.interval_ms) / 1000));
  }
  receive_until(lab::Deadline(1.0));
  close(fd);
  auto join = [](const std::set<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ",") + item;
    return text.empty() ? std::string("-") : text;
  };
  uint64_t need = args.min_replies < 0 ? args.count : uint64_t(args.min_replies);
  bool ok = own >= need && foreign == 0 && wrong_name == 0;
  std::printf("%s: tag %s sent %llu own %llu foreign %llu from %s seen-as %s: %s\n", kTool,
              args.tag.c_str(), (unsigned long long)args.count, (unsigned long long)own,
              (unsigned long long)foreign, join(names).c_str(), join(seen_from).c_str(),
              ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

void EchoConnection(int fd, const lab::Deadline& deadline) {
  char buffer[65536];
  while (WaitFor(fd, POLLIN, deadline)) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    for (ssize_t at = 0; at < n;) {
      if (!WaitFor(fd, POLLOUT, deadline)) return;
      ssize_t w = send(fd, buffer + at, size_t(n - at), MSG_NOSIGNAL);
      if (w <= 0) return;
      at += w;
    }
  }
}

int TcpServe(const Args& args) {
  sockaddr_in local = args.bind;
  local.sin_port = htons(args.port);
  int listener = BoundSocket(SOCK_STREAM, local);
  if (listen(listener, 16) != 0) Fail(kTool, "listen: %s", std::strerror(errno));
  lab::Deadline deadline(args.time_limit);
  std::printf("%s: serving tcp echo on %s\n", kTool, lab::FormatEndpoint(local).c_str());
  std::fflush(stdout);
  while (WaitFor(listener, POLLIN, deadline)) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    EchoConnection(fd, deadline);
    close(fd);
  }
  close(listener);
  return 0;
}

int TcpAsk(const Args& args) {
  lab::Deadline deadline(args.time_limit);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&args.to), sizeof(args.to)) != 0) {
    std::printf("%s: cannot connect to %s: %s\n", kTool, lab::FormatEndpoint(args.to).c_str(),
                std::strerror(errno));
    return 1;
  }
  // Sending and receiving interleave: an echo of N bytes does not fit in socket buffers.
  std::mt19937_64 sent_stream(42), expected_stream(42);
  uint64_t sent = 0, received = 0, mismatched_at = UINT64_MAX;
  bool closed = false, half_closed = false;
  std::vector<unsigned char> out(65536), in(65536);
  size_t out_begin = 0, out_end = 0;
  while (!closed && !deadline.Passed()) {
    if (out_begin == out_end && sent < args.bytes) {
      out_end = size_t(std::min<uint64_t>(out.size(), args.bytes - sent));
      out_begin = 0;
      for (size_t i = 0; i < out_end; ++i) out[i] = static_cast<unsigned char>(sent_stream());
    }
    if (out_begin == out_end && sent == args.bytes && !half_closed) {
      shutdown(fd, SHUT_WR);
      half_closed = true;
    }
    pollfd pfd{fd, short(POLLIN | (out_begin < out_end ? POLLOUT : 0)), 0};
    if (poll(&pfd, 1, deadline.RemainingMs()) <= 0) continue;
    if (pfd.revents & POLLOUT) {
      ssize_t w = send(fd, out.data() + out_begin, out_end - out_begin, MSG_NOSIGNAL);
      if (w > 0) {
        out_begin += size_t(w);
        sent += uint64_t(w);
      }
    }
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(fd, in.data(), in.size(), 0);
      if (n <= 0) {
        closed = true;
        continue;
      }
      for (ssize_t i = 0; i < n; ++i) {
        if (in[size_t(i)] != static_cast<unsigned char>(expected_stream()) &&
            mismatched_at == UINT64_MAX) {
          mismatched_at = received + uint64_t(i);
        }
      }
      received += uint64_t(n);
    }
  }
  close(fd);
  bool ok = closed && sent == args.bytes && received == args.bytes && mismatched_at == UINT64_MAX;
  std::printf("%s: sent %llu received %llu%s%s: %s\n", kTool, (unsigned long long)sent,
              (unsigned long long)received,
              mismatched_at == UINT64_MAX
                  ? ""
                  : (" first difference at byte " + std::to_string(mismatched_at)).c_str(),
              closed ? "" : " (no end of stream)", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Fail(kTool, "usage: %s udp-serve|udp-ask|tcp-serve|tcp-ask [flags]", kTool);
  Args args;
  args.command = argv[1];
  args.bind.sin_family = AF_INET;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--port") {
      args.port = uint16_t(lab::ParseNumber(kTool, "--port", value(), 1, 65535));
    } else if (arg == "--bind") {
      args.bind = lab::ParseEndpoint(kTool, "--bind", value() + ":1");
    } else if (arg == "--to") {
      args.to = lab::ParseEndpoint(kTool, "--to", value());
      args.have_to = true;
    } else if (arg == "--name") {
      args.name = value();
    } else if (arg == "--tag") {
      args.tag = value();
    } else if (arg == "--expect-name") {
      args.expect_name = value();
    } else if (arg == "--count") {
      args.count = lab::ParseNumber(kTool, "--count", value(), 1, 100000);
    } else if (arg == "--interval-ms") {
      args.interval_ms = lab::ParseNumber(kTool, "--interval-ms", value(), 0, 10000);
    } else if (arg == "--min-replies") {
      args.min_replies = int64_t(lab::ParseNumber(kTool, "--min-replies", value(), 0, 100000));
    } else if (arg == "--bytes") {
      args.bytes = lab::ParseNumber(kTool, "--bytes", value(), 1, uint64_t(1) << 34);
    } else if (arg == "--time-limit") {
      args.time_limit = double(lab::ParseNumber(kTool, "--time-limit", value(), 1, 3600));
    } else {
      Fail(kTool, "unknown argument %s", arg.c_str());
    }
  }
  if (args.command == "udp-serve" || args.command == "tcp-serve") {
    if (args.port == 0) Fail(kTool, "%s needs --port", args.command.c_str());
    return args.command == "udp-serve" ? UdpServe(args) : TcpServe(args);
  }
  if (args.command == "udp-ask" || args.command == "tcp-ask") {
    if (!args.have_to) Fail(kTool, "%s needs --to ADDR:PORT", args.command.c_str());
    if (args.command == "udp-ask") {
      if (args.tag.empty() || args.tag.find('|') != std::string::npos) {
        Fail(kTool, "udp-ask needs --tag without '|'");
      }
      return UdpAsk(args);
    }
    if (args.bytes == 0) Fail(kTool, "tcp-ask needs --bytes N");
    return TcpAsk(args);
  }
  Fail(kTool, "unknown command '%s' (udp-serve, udp-ask, tcp-serve or tcp-ask)",
       args.command.c_str());
}
