// lab-udp-probe: shows which public address:port a NAT gives one local UDP socket towards
// each destination, the way a STUN server would. A symmetric NAT gives a different port
// per destination; an endpoint-independent one (MASQUERADE) gives the same port.
//
//   lab-udp-probe serve --port P [--time-limit S]
//       answers every datagram with "seen ADDR:PORT" (the sender as this host sees it),
//       until the time limit (default 60 s) passes
//   lab-udp-probe ask --from-port P [--timeout S] SERVER:PORT...
//       sends from ONE socket bound to P to each server in turn (3 tries each, --timeout
//       seconds per try, default 1) and prints "SERVER:PORT seen ADDR:PORT" per answer
//
// Exit status: 0 when every server answered, 1 when one did not, 2 on bad usage.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tool_common.h"

namespace {

using lab::Fail;
constexpr const char* kTool = "lab-udp-probe";

int BoundSocket(uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) Fail(kTool, "socket: %s", std::strerror(errno));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    Fail(kTool, "bind to port %u: %s", port, std::strerror(errno));
  }
  return fd;
}

int Serve(uint16_t port, double time_limit) {
  int fd = BoundSocket(port);
  lab::Deadline deadline(time_limit);
  std::printf("%s: serving on port %u for %.0f s\n", kTool, port, time_limit);
  std::fflush(stdout);
  char buf[2048];
  while (!deadline.Passed()) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, deadline.RemainingMs()) <= 0) continue;
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) continue;
    std::string answer = "seen " + lab::FormatEndpoint(from);
    sendto(fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
  close(fd);
  return 0;
}

int Ask(uint16_t from_port, double timeout, const std::vector<sockaddr_in>& servers) {
  int fd = BoundSocket(from_port);
  int missing = 0;
  for (const sockaddr_in& server : servers) {
    std::string seen;
    for (int attempt = 0; attempt < 3 && seen.empty(); ++attempt) {
      const char probe[] = "probe";
      sendto(fd, probe, sizeof(probe) - 1, 0, reinterpret_cast<const sockaddr*>(&server),
             sizeof(server));
      lab::Deadline deadline(timeout);
      while (seen.empty() && !deadline.Passed()) {
        pollfd pfd{fd, POLLIN, 0};
        if (poll(&pfd, 1, deadline.RemainingMs()) <= 0) continue;
        char buf[256];
        sockaddr_in from{};
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, reinterpret_cast<sockaddr*>(&from), &len);
        // Answers from another server (a late retry) are ignored: they are not this one's.
        if (n <= 5 || from.sin_addr.s_addr != server.sin_addr.s_addr ||
            from.sin_port != server.sin_port || std::memcmp(buf, "seen ", 5) != 0) {
          continue;
        }
        seen.assign(buf + 5, size_t(n - 5));
      }
    }
    if (seen.empty()) {
      std::printf("%s no-answer\n", lab::FormatEndpoint(server).c_str());
      ++missing;
    } else {
      std::printf("%s seen %s\n", lab::FormatEndpoint(server).c_str(), seen.c_str());
    }
  }
  close(fd);
  return missing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc < 2) Fail(kTool, "usage: %s serve --port P | ask --from-port P SERVER:PORT...", kTool);
  std::string command = argv[1];
  uint16_t port = 0;
  double seconds = command == "serve" ? 60 : 1;
  std::vector<sockaddr_in> servers;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--port" || arg == "--from-port") {
      port = uint16_t(lab::ParseNumber(kTool, arg.c_str(), value(), 1, 65535));
    } else if (arg == "--time-limit" || arg == "--timeout") {
      seconds = double(lab::ParseNumber(kTool, arg.c_str(), value(), 1, 3600));
    } else if (!arg.empty() && arg[0] == '-') {
      Fail(kTool, "unknown flag %s", arg.c_str());
    } else {
      servers.push_back(lab::ParseEndpoint(kTool, "server", arg));
    }
  }
  if (port == 0) Fail(kTool, "%s needs --port / --from-port", command.c_str());
  if (command == "serve") return Serve(port, seconds);
  if (command == "ask") {
    if (servers.empty()) Fail(kTool, "ask needs at least one SERVER:PORT");
    return Ask(port, seconds, servers);
  }
  Fail(kTool, "unknown command '%s' (serve or ask)", command.c_str());
}
