// lab-notify-listen: stands in for systemd's notify socket. Binds a unix datagram socket
// at PATH and prints each message received (one a line, as sent) until one contains
// "READY=1" or the time limit passes.
//
//   lab-notify-listen PATH [--time-limit S]     (default 20 s)
//
// Exit status: 0 when READY=1 arrived, 1 when the time ran out, 2 on bad usage.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tool_common.h"

int main(int argc, char** argv) {
  constexpr const char* kTool = "lab-notify-listen";
  if (argc != 2 && argc != 4) lab::Fail(kTool, "usage: lab-notify-listen PATH [--time-limit S]");
  std::string path = argv[1];
  uint64_t limit = 20;
  if (argc == 4) {
    if (std::string(argv[2]) != "--time-limit") lab::Fail(kTool, "unknown flag %s", argv[2]);
    limit = lab::ParseNumber(kTool, "--time-limit", argv[3], 1, 3600);
  }
  struct sockaddr_un address {};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) lab::Fail(kTool, "PATH too long: %s", path.c_str());
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  unlink(path.c_str());
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    lab::Fail(kTool, "cannot bind %s: %s", path.c_str(), std::strerror(errno));
  }
  std::printf("listening\n");
  std::fflush(stdout);
  for (uint64_t waited_ms = 0; waited_ms < limit * 1000; waited_ms += 100) {
    struct pollfd p {fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    std::string message(buf, size_t(n));
    std::printf("%s\n", message.c_str());
    std::fflush(stdout);
    if (message.find("READY=1") != std::string::npos) return 0;
  }
  return 1;
}
