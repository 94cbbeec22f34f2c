// UdpForwarder on loopback: replies reach only their own client, idle sessions end, a full
// table evicts the least recently active session, and a cmd: target that changes moves the
// sessions to the new address. Each test runs the forwarder's loop on its own thread.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "forward/udp_forwarder.h"
#include "forward_test_support.h"

namespace flatnet::forward {
namespace {

using namespace std::chrono_literals;

// Remembers every entry as "message key=value ..." (fields in the order given).

// A blocking UDP socket bound to `ip`:port (0: any port), closed at the end of the test.
class TestSocket {
 public:
  explicit TestSocket(const char* ip = "127.0.0.1", uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    SocketAddress local = *SocketAddress::FromIpLiteral(ip, port);
    EXPECT_EQ(::bind(fd_, local.raw(), local.raw_length()), 0) << ip << ":" << port;
  }
  ~TestSocket() { ::close(fd_); }
  int fd() const { return fd_; }
  SocketAddress Local() const {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length);
    return SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
  }
  void SendTo(const std::string& text, const SocketAddress& to) {
    ASSERT_EQ(::sendto(fd_, text.data(), text.size(), 0, to.raw(), to.raw_length()),
              static_cast<ssize_t>(text.size()));
  }
  // The next datagram within `limit`, with its sender; empty optional on timeout.
  std::optional<std::pair<std::string, SocketAddress>> Receive(
      std::chrono::milliseconds limit = 2000ms) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(limit.count())) != 1) return std::nullopt;
    char buffer[2048];
    sockaddr_storage from{};
    socklen_t length = sizeof(from);
    ssize_t n =
        ::recvfrom(fd_, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return std::nullopt;
    return std::make_pair(std::string(buffer, static_cast<size_t>(n)),
                          SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&from), length));
  }

 private:
  int fd_ = -1;
};

// Answers every datagram with "<name>|<payload>|<sender address>", except those whose payload
// starts with "unanswered": what a nebula target does with garbage from a forged source.
class EchoTarget {
 public:
  EchoTarget(std::string name, const char* ip = "127.0.0.1", uint16_t port = 0)
      : name_(std::move(name)), socket_(ip, port), thread_([this] { Loop(); }) {}
  ~EchoTarget() {
    stop_ = true;
    thread_.join();
  }
  SocketAddress address() const { return socket_.Local(); }

 private:
  void Loop() {
    while (!stop_) {
      auto datagram = socket_.Receive(50ms);
      if (!datagram) continue;
      if (datagram->first.rfind("unanswered", 0) == 0) continue;
      std::string answer = name_ + "|" + datagram->first + "|" + datagram->second.ToString();
      ::sendto(socket_.fd(), answer.data(), answer.size(), 0, datagram->second.raw(),
               datagram->second.raw_length());
    }
  }

  std::string name_;
  TestSocket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct Echo {
  std::string target, payload, seen_from;
};
Echo ParseEcho(const std::string& text) {
  size_t a = text.find('|'), b = text.rfind('|');
  return {text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
}

TEST(UdpForwarder, EachClientGetsOnlyItsOwnReplies) {
  RecordingLog log;
  EchoTarget target("echo");
  RunningForwarder<UdpForwarder> forwarder(LoopbackOptions(), target.address(), log);
  TestSocket a, b;
  constexpr int kEach = 50;
  // Interleaved, without waiting for replies, so a forwarder that shared one upstream socket
  // (and sent each reply to whoever spoke last) would cross them.
  for (int i = 0; i < kEach; ++i) {
    a.SendTo("a" + std::to_string(i), forwarder.address());
    b.SendTo("b" + std::to_string(i), forwarder.address());
  }
  for (auto [client, tag] : {std::pair{&a, 'a'}, std::pair{&b, 'b'}}) {
    std::set<std::string> payloads, seen_from;
    while (auto reply = client->Receive(1000ms)) {
      EXPECT_EQ(reply->second, forwarder.address()) << "replies come from LISTEN";
      Echo echo = ParseEcho(reply->first);
      EXPECT_EQ(echo.payload[0], tag) << "client " << tag << " got " << echo.payload;
      payloads.insert(echo.payload);
      seen_from.insert(echo.seen_from);
      if (payloads.size() == kEach) break;
    }
    EXPECT_EQ(payloads.size(), static_cast<size_t>(kEach)) << "client " << tag;
    EXPECT_EQ(seen_from.size(), 1u) << "one upstream socket per client";
  }
  forwarder.Stop();
  std::vector<std::string> ends = log.Matching("udp session end");
  ASSERT_EQ(ends.size(), 2u);
  for (const std::string& end : ends) {
    EXPECT_TRUE(Contains(end, "reason=stopped")) << end;
    EXPECT_TRUE(Contains(end, "packets_to_target=50 ")) << end;
    EXPECT_TRUE(Contains(end, "packets_to_client=50 ")) << end;
    EXPECT_TRUE(Contains(end, "dropped=0")) << end;
  }
  // Distinct upstream sockets are visible in the start lines too.
  std::vector<std::string> starts = log.Matching("udp session start");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_TRUE(Contains(starts[0], "client=" + a.Local().ToString()) ||
              Contains(starts[1], "client=" + a.Local().ToString()));
}

TEST(UdpForwarder, IdleSessionsEndAndTheClientGetsANewOne) {
  RecordingLog log;
  EchoTarget target("echo");
  ForwarderOptions options = LoopbackOptions();
  options.idle_timeout = 300ms;
  RunningForwarder<UdpForwarder> forwarder(options, target.address(), log);
  TestSocket client;
  client.SendTo("first", forwarder.address());
  ASSERT_TRUE(client.Receive());
  ASSERT_TRUE(log.WaitFor("udp session end", 1, 3000ms));
  std::string end = log.Matching("udp session end")[0];
  EXPECT_TRUE(Contains(end, "session=1 ")) << end;
  EXPECT_TRUE(Contains(end, "reason=idle")) << end;
  EXPECT_TRUE(Contains(end, "packets_to_target=1 bytes_to_target=5 ")) << end;
  client.SendTo("again", forwarder.address());
  auto reply = client.Receive();
  ASSERT_TRUE(reply);
  EXPECT_EQ(ParseEcho(reply->first).payload, "again");
  ASSERT_EQ(log.Matching("udp session start").size(), 2u);
  EXPECT_TRUE(Contains(log.Matching("udp session start")[1], "session=2 "));
}

TEST(UdpForwarder, FullTableEvictsTheLeastRecentlyActiveSession) {
  RecordingLog log;
  EchoTarget target("echo");
  ForwarderOptions options = LoopbackOptions();
  options.max_sessions = 2;
  RunningForwarder<UdpForwarder> forwarder(options, target.address(), log);
  TestSocket a, b, c;
  a.SendTo("a", forwarder.address());
  ASSERT_TRUE(a.Receive());
  b.SendTo("b", forwarder.address());
  auto b_first = b.Receive();
  ASSERT_TRUE(b_first);
  c.SendTo("c", forwarder.address());  // a is the least recently active: it goes
  auto c_reply = c.Receive();
  ASSERT_TRUE(c_reply);
  EXPECT_EQ(ParseEcho(c_reply->first).payload, "c");
  std::vector<std::string> ends = log.Matching("udp session end");
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_TRUE(Contains(ends[0], "client=" + a.Local().ToString())) << ends[0];
  EXPECT_TRUE(Contains(ends[0], "reason=evicted: -max-sessions reached")) << ends[0];
  EXPECT_EQ(forwarder.totals().evicted_answered.load(), 1u);
  // b kept its session: the target still sees it from the same upstream port.
  b.SendTo("b2", forwarder.address());
  auto b_second = b.Receive();
  ASSERT_TRUE(b_second);
  EXPECT_EQ(ParseEcho(b_second->first).seen_from, ParseEcho(b_first->first).seen_from);
}

// Finding: spoofed UDP floods churned the sessions. A flood of datagrams from addresses the
// target never answers, into a full table, must evict only the flood's own sessions.
TEST(UdpForwarder, AFloodTheTargetNeverAnswersEvictsOnlyItsOwnSessions) {
  RecordingLog log;
  EchoTarget target("echo");
  ForwarderOptions options = LoopbackOptions();
  options.max_sessions = 3;
  RunningForwarder<UdpForwarder> forwarder(options, target.address(), log);
  TestSocket a, b;
  a.SendTo("a", forwarder.address());
  auto a_first = a.Receive();
  ASSERT_TRUE(a_first);
  b.SendTo("b", forwarder.address());
  auto b_first = b.Receive();
  ASSERT_TRUE(b_first);
  constexpr size_t kFlood = 20;
  {
    std::vector<std::unique_ptr<TestSocket>> flood;
    for (size_t i = 0; i < kFlood; ++i) {
      flood.push_back(std::make_unique<TestSocket>());
      flood.back()->SendTo("unanswered " + std::to_string(i), forwarder.address());
    }
    // The first takes the free place; each later one evicts the one before it.
    ASSERT_TRUE(log.WaitFor("udp session end", kFlood - 1));
  }
  EXPECT_EQ(forwarder.totals().evicted_unanswered.load(), kFlood - 1);
  EXPECT_EQ(forwarder.totals().evicted_answered.load(), 0u);
  for (const std::string& end : log.Matching("udp session end")) {
    EXPECT_FALSE(Contains(end, "client=" + a.Local().ToString())) << end;
    EXPECT_FALSE(Contains(end, "client=" + b.Local().ToString())) << end;
  }
  // The live clients kept their sessions: the target sees them from the same ports.
  a.SendTo("a2", forwarder.address());
  auto a_second = a.Receive();
  ASSERT_TRUE(a_second);
  EXPECT_EQ(ParseEcho(a_second->first).seen_from, ParseEcho(a_first->first).seen_from);
  b.SendTo("b2", forwarder.address());
  auto b_second = b.Receive();
  ASSERT_TRUE(b_second);
  EXPECT_EQ(ParseEcho(b_second->first).seen_from, ParseEcho(b_first->first).seen_from);
}

TEST(UdpForwarder, CommandTargetThatChangesMovesTheSessions) {
  RecordingLog log;
  EchoTarget old_target("old", "127.0.0.2");
  uint16_t port = old_target.address().port();
  EchoTarget new_target("new", "127.0.0.3", port);
  char path[] = "/tmp/forward_udp_test.XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  auto write_address = [&path](const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  };
  write_address("127.0.0.2\n");
  TargetSpec spec = *ParseTarget(std::string("cmd:cat ") + path, port, 4242);
  Result<SocketAddress> first = ResolveTarget(spec, SOCK_DGRAM);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->ToString(), "127.0.0.2:" + std::to_string(port));

  TargetWatcher watcher(spec, SOCK_DGRAM, 100ms);
  RunningForwarder<UdpForwarder> forwarder(LoopbackOptions(), *first, log, &watcher);
  watcher.Start();
  TestSocket client;
  client.SendTo("before", forwarder.address());
  auto before = client.Receive();
  ASSERT_TRUE(before);
  EXPECT_EQ(ParseEcho(before->first).target, "old");

  write_address("  127.0.0.3  \n");
  std::string answered_by;
  for (int i = 0; i < 50 && answered_by != "new"; ++i) {  // 5 s at most
    client.SendTo("after", forwarder.address());
    if (auto reply = client.Receive(100ms)) answered_by = ParseEcho(reply->first).target;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(answered_by, "new");
  std::vector<std::string> changes = log.Matching("target address changed");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(Contains(changes[0], "old=127.0.0.2:" + std::to_string(port))) << changes[0];
  EXPECT_TRUE(Contains(changes[0], "new=127.0.0.3:" + std::to_string(port))) << changes[0];
  EXPECT_TRUE(Contains(changes[0], "sessions=1")) << changes[0];
  EXPECT_EQ(log.Matching("udp session start").size(), 1u) << "the session moved, not replaced";

  // A command that stops printing an address is reported once; forwarding goes on.
  write_address("no address today\n");
  ASSERT_TRUE(log.WaitFor("cannot resolve the target", 1, 3000ms));
  client.SendTo("still", forwarder.address());
  auto still = client.Receive();
  ASSERT_TRUE(still);
  EXPECT_EQ(ParseEcho(still->first).target, "new");
  std::string warning = log.Matching("cannot resolve the target")[0];
  EXPECT_TRUE(Contains(warning, "printed no IP address")) << warning;
  forwarder.Stop();
  unlink(path);
}

TEST(UdpForwarder, BindFailureNamesTheListener) {
  RecordingLog log;
  TestSocket taken;
  ForwarderOptions options;
  options.listen = taken.Local();
  UdpForwarder forwarder(options, log);
  Status started = forwarder.Start(taken.Local());
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.message(),
            "udp listener: cannot bind " + taken.Local().ToString() + ": Address already in use");
}

}  // namespace
}  // namespace flatnet::forward
