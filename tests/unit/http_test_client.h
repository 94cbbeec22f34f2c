// A minimal HTTP/1.0 client for the tests of the web endpoints (metrics, dashboard): one
// request over loopback, read until the server closes, split into status, headers and body.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace flatnet::testing {

struct HttpReply {
  int status = 0;  // 0: no status line came back
  std::string headers, body;
  bool Has(const std::string& header) const { return headers.find(header) != std::string::npos; }
};

inline HttpReply SendHttp(uint16_t port, const std::string& method, const std::string& path,
                          const std::string& host = "127.0.0.1") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  std::string request =
      method + " " + path + " HTTP/1.0\r\nHost: " + host + "\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), ssize_t(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, size_t(n));
  ::close(fd);
  HttpReply reply;
  size_t end = response.find("\r\n\r\n");
  reply.headers = response.substr(0, end);
  reply.body = end == std::string::npos ? "" : response.substr(end + 4);
  if (response.rfind("HTTP/1.", 0) == 0 && response.size() > 12)
    reply.status = std::stoi(response.substr(9, 3));
  return reply;
}

}  // namespace flatnet::testing
