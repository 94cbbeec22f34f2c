// lab-http-serve: the lab's "web service on port 3000". A tiny HTTP/1.0 server with no
// dependencies, so a lab (or the demo) on a fresh Debian needs no python or busybox.
//
//   lab-http-serve --port P [--name TEXT] [--time-limit S]
//
// Answers every request with "200 OK" and a one-line body
//   "hello from TEXT; you are ADDR\n"
// where ADDR is the client's address as the service sees it: a request that came over the
// overlay shows the member's overlay address, which is what the NAT lab checks. Each
// request is logged on stdout ("GET / from ADDR:PORT"). One connection at a time; a
// client gets 5 s to send its request. Stops after the time limit (default 600 s).
//
// Exit status: 0 after the time limit, 2 on bad usage or when the port cannot be bound.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "tool_common.h"

namespace {

using lab::Fail;
constexpr const char* kTool = "lab-http-serve";
constexpr size_t kMaxRequest = 8192;

int Listener(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Fail(kTool, "socket: %s", std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    Fail(kTool, "--port %u: bind: %s", port, std::strerror(errno));
  }
  if (listen(fd, 16) != 0) Fail(kTool, "listen: %s", std::strerror(errno));
  return fd;
}

// Reads until the blank line that ends the request head; returns the first line ("" when
// the client sent nothing usable in time).
std::string ReadRequestLine(int fd) {
  std::string head;
  lab::Deadline deadline(5);
  char buf[1024];
  while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos &&
         head.size() < kMaxRequest && !deadline.Passed()) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, deadline.RemainingMs()) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    head.append(buf, size_t(n));
  }
  size_t eol = head.find_first_of("\r\n");
  return eol == std::string::npos ? "" : head.substr(0, eol);
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += size_t(n);
  }
}

void Answer(int fd, const sockaddr_in& client, const std::string& name) {
  std::string request = ReadRequestLine(fd);
  std::string peer = lab::FormatEndpoint(client);
  if (request.empty()) {
    std::printf("%s: no request from %s\n", kTool, peer.c_str());
    return;
  }
  std::string where = peer.substr(0, peer.rfind(':'));
  std::string body = "hello from " + name + "; you are " + where + "\n";
  SendAll(fd,
          "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  // Only the method and path: the rest of the line is the client's to choose.
  std::string shown = request.substr(0, request.rfind(' '));
  std::printf("%s from %s\n", shown.c_str(), peer.c_str());
}

int Serve(uint16_t port, const std::string& name, double time_limit) {
  int listener = Listener(port);
  lab::Deadline deadline(time_limit);
  std::printf("%s: serving \"%s\" on port %u for %.0f s\n", kTool, name.c_str(), port, time_limit);
  while (!deadline.Passed()) {
    pollfd pfd{listener, POLLIN, 0};
    if (poll(&pfd, 1, deadline.RemainingMs()) <= 0) continue;
    sockaddr_in client{};
    socklen_t len = sizeof(client);
    int fd = accept(listener, reinterpret_cast<sockaddr*>(&client), &len);
    if (fd < 0) continue;
    Answer(fd, client, name);
    shutdown(fd, SHUT_WR);
    close(fd);
  }
  close(listener);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  uint16_t port = 0;
  std::string name = "the lab's web service";
  double seconds = 600;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Fail(kTool, "%s needs a value", arg.c_str());
      return argv[++i];
    };
    if (arg == "--port") {
      port = uint16_t(lab::ParseNumber(kTool, "--port", value(), 1, 65535));
    } else if (arg == "--name") {
      name = value();
    } else if (arg == "--time-limit") {
      seconds = double(lab::ParseNumber(kTool, "--time-limit", value(), 1, 86400));
    } else {
      Fail(kTool, "unknown argument '%s' (usage: %s --port P [--name TEXT] [--time-limit S])",
           arg.c_str(), kTool);
    }
  }
  if (port == 0) Fail(kTool, "--port is required");
  return Serve(port, name, seconds);
}
