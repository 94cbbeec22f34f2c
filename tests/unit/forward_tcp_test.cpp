// TcpForwarder on loopback: a transfer both ways arrives intact with half-closes passed on,
// a target that refuses ends the client's connection, connections beyond -max-connections
// are refused (and counted) while the open one keeps working, and an idle connection is
// closed after -tcp-idle-timeout.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "forward/tcp_forwarder.h"
#include "forward_test_support.h"

namespace flatnet::forward {
namespace {

using namespace std::chrono_literals;

SocketAddress LocalOf(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
}

int Listener() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  SocketAddress any = *SocketAddress::FromIpLiteral("127.0.0.1", 0);
  EXPECT_EQ(::bind(fd, any.raw(), any.raw_length()), 0);
  EXPECT_EQ(::listen(fd, 8), 0);
  return fd;
}

int ConnectTo(const SocketAddress& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(::connect(fd, address.raw(), address.raw_length()), 0);
  timeval limit{5, 0};  // no test waits forever on a forwarder that loses bytes
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  for (size_t at = 0; at < data.size();) {
    ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// Reads until the peer closes (or an error / the 5 s receive timeout).
std::string ReadToEnd(int fd, bool* clean_end = nullptr) {
  std::string data;
  char buffer[65536];
  while (true) {
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      if (clean_end) *clean_end = n == 0;
      return data;
    }
    data.append(buffer, static_cast<size_t>(n));
  }
}

std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(random());
  return data;
}

TEST(TcpForwarder, CarriesBothDirectionsIntactThroughHalfCloses) {
  RecordingLog log;
  int listener = Listener();
  const std::string request = RandomBytes(3 << 20, 1);
  const std::string response = RandomBytes(5 << 20, 2);
  std::string received_by_target;
  // The target reads the whole request (until the client's FIN reaches it), then answers.
  std::thread target([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    timeval limit{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    received_by_target = ReadToEnd(fd);
    SendAll(fd, response);
    ::close(fd);
  });
  RunningForwarder<TcpForwarder> forwarder(LoopbackOptions(), LocalOf(listener), log);
  int client = ConnectTo(forwarder.address());
  ASSERT_TRUE(SendAll(client, request));
  ::shutdown(client, SHUT_WR);
  bool clean_end = false;
  std::string received_by_client = ReadToEnd(client, &clean_end);
  target.join();
  ::close(client);
  ::close(listener);

  EXPECT_TRUE(received_by_target == request) << received_by_target.size() << " bytes arrived";
  EXPECT_TRUE(received_by_client == response) << received_by_client.size() << " bytes arrived";
  EXPECT_TRUE(clean_end) << "the target's close reaches the client as end of stream";
  ASSERT_TRUE(log.WaitFor("tcp connection end", 1));
  std::string end = log.Matching("tcp connection end")[0];
  EXPECT_TRUE(Contains(end, "reason=closed")) << end;
  EXPECT_TRUE(Contains(end, "bytes_to_target=" + std::to_string(request.size()))) << end;
  EXPECT_TRUE(Contains(end, "bytes_to_client=" + std::to_string(response.size()))) << end;
  EXPECT_EQ(log.Matching("tcp connection start").size(), 1u);
}

TEST(TcpForwarder, RefusedTargetEndsTheClientConnection) {
  RecordingLog log;
  int listener = Listener();
  SocketAddress closed_port = LocalOf(listener);
  ::close(listener);  // nothing listens there any more
  RunningForwarder<TcpForwarder> forwarder(LoopbackOptions(), closed_port, log);
  int client = ConnectTo(forwarder.address());
  std::string data = ReadToEnd(client);
  ::close(client);
  EXPECT_TRUE(data.empty());
  ASSERT_TRUE(log.WaitFor("tcp connection end", 1));
  std::string end = log.Matching("tcp connection end")[0];
  EXPECT_TRUE(
      Contains(end, "reason=cannot connect to " + closed_port.ToString() + ": Connection refused"))
      << end;
}

TEST(TcpForwarder, ConnectionsBeyondTheCapAreRefused) {
  RecordingLog log;
  int listener = Listener();
  std::thread target([&] {  // echoes one connection
    int fd = ::accept(listener, nullptr, nullptr);
    char buffer[256];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) SendAll(fd, std::string(buffer, n));
    ::close(fd);
  });
  ForwarderOptions options = LoopbackOptions();
  options.max_connections = 1;
  RunningForwarder<TcpForwarder> forwarder(options, LocalOf(listener), log);
  int first = ConnectTo(forwarder.address());
  ASSERT_TRUE(SendAll(first, "ping"));
  char buffer[16] = {};
  ASSERT_EQ(::recv(first, buffer, sizeof(buffer), 0), 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");

  int second = ConnectTo(forwarder.address());
  EXPECT_EQ(ReadToEnd(second), "");  // closed at once
  ::close(second);
  ASSERT_TRUE(log.WaitFor("tcp connection refused", 1));
  EXPECT_TRUE(Contains(log.Matching("tcp connection refused")[0], "max_connections=1"));
  EXPECT_EQ(forwarder.totals().refused.load(), 1u);

  ASSERT_TRUE(SendAll(first, "pong"));  // the open connection is untouched
  ASSERT_EQ(::recv(first, buffer, sizeof(buffer), 0), 4);
  EXPECT_EQ(std::string(buffer, 4), "pong");
  ::shutdown(first, SHUT_WR);
  ReadToEnd(first);
  ::close(first);
  target.join();
  ::close(listener);
  EXPECT_EQ(log.Matching("tcp connection start").size(), 1u);
}

// Finding: TCP connections had no idle timeout, so a peer that vanished without a FIN held
// two sockets and 128 KiB for ever. Both ends here stay silent after one exchange.
TEST(TcpForwarder, AnIdleConnectionIsClosedAndCounted) {
  RecordingLog log;
  int listener = Listener();
  int target_side = -1;
  std::thread target([&] {
    target_side = ::accept(listener, nullptr, nullptr);
    char buffer[16];
    ssize_t n = ::recv(target_side, buffer, sizeof(buffer), 0);
    if (n > 0) SendAll(target_side, std::string(buffer, static_cast<size_t>(n)));
  });
  ForwarderOptions options = LoopbackOptions();
  options.tcp_idle_timeout = 300ms;
  RunningForwarder<TcpForwarder> forwarder(options, LocalOf(listener), log);
  int client = ConnectTo(forwarder.address());
  ASSERT_TRUE(SendAll(client, "ping"));
  char buffer[16] = {};
  ASSERT_EQ(::recv(client, buffer, sizeof(buffer), 0), 4);
  target.join();
  // Nobody sends again: the forwarder ends the pair, and the client sees its end of stream.
  bool clean_end = false;
  EXPECT_EQ(ReadToEnd(client, &clean_end), "");
  EXPECT_TRUE(clean_end);
  ASSERT_TRUE(log.WaitFor("tcp connection end", 1));
  std::string end = log.Matching("tcp connection end")[0];
  EXPECT_TRUE(Contains(end, "reason=idle")) << end;
  EXPECT_EQ(forwarder.totals().idle_closed.load(), 1u);
  // The target's side was closed too.
  timeval limit{5, 0};
  setsockopt(target_side, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  EXPECT_EQ(::recv(target_side, buffer, sizeof(buffer), 0), 0);
  ::close(target_side);
  ::close(client);
  ::close(listener);
}

// With -tcp-idle-timeout 0 a silent connection is never closed for it.
TEST(TcpForwarder, ZeroIdleTimeoutKeepsSilentConnections) {
  RecordingLog log;
  int listener = Listener();
  ForwarderOptions options = LoopbackOptions();
  options.tcp_idle_timeout = 0ms;
  RunningForwarder<TcpForwarder> forwarder(options, LocalOf(listener), log);
  int client = ConnectTo(forwarder.address());
  int target_side = ::accept(listener, nullptr, nullptr);
  ASSERT_TRUE(log.WaitFor("tcp connection start", 1));
  // Several loop ticks pass in silence; the connection still carries bytes afterwards.
  EXPECT_FALSE(log.WaitFor("tcp connection end", 1, 600ms));
  ASSERT_TRUE(SendAll(client, "late"));
  char buffer[16] = {};
  timeval limit{5, 0};
  setsockopt(target_side, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  EXPECT_EQ(::recv(target_side, buffer, sizeof(buffer), 0), 4);
  EXPECT_EQ(forwarder.totals().idle_closed.load(), 0u);
  ::close(target_side);
  ::close(client);
  ::close(listener);
}

}  // namespace
}  // namespace flatnet::forward
