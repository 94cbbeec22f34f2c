// The status socket's requests and `flatnet ping`'s answers and lines
// (control/control_protocol.h), and the server answering pings while status asks go on.
#include "control/control_protocol.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "app/flatnet_control_cli.h"
#include "control/netcheck_report.h"
#include "control/status_server.h"

using namespace flatnet;
using namespace flatnet::control;

namespace {

mesh::PingResult DirectReply() {
  mesh::PingResult r;
  r.outcome = mesh::PingResult::Outcome::kReply;
  r.vpn_ip = "192.168.100.3";
  r.cert_name = "laptop";
  r.tunnel = true;
  r.rtt_ns = 1'520'000;
  r.remote = "203.0.113.3:4242";
  return r;
}

std::string SocketPath(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("flatnet-") + name + "-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

}  // namespace

TEST(ControlRequest, StatusRequestsAsBefore) {
  EXPECT_EQ(ParseControlRequest("json\n")->kind, ControlRequest::Kind::kStatusJson);
  EXPECT_EQ(ParseControlRequest("text\n")->kind, ControlRequest::Kind::kStatusText);
  // A client that sends nothing gets JSON, as it always did.
  EXPECT_EQ(ParseControlRequest("")->kind, ControlRequest::Kind::kStatusJson);
}

TEST(ControlRequest, PingNamesATimeoutAndATarget) {
  auto request = ParseControlRequest(PingRequestLine("my laptop", 2500));
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->kind, ControlRequest::Kind::kPing);
  EXPECT_EQ(request->timeout_ms, 2500);
  EXPECT_EQ(request->target, "my laptop");
  EXPECT_EQ(ParseControlRequest("ping 1000 192.168.100.3")->target, "192.168.100.3");
}

TEST(ControlRequest, BadRequestsSayWhatIsWrong) {
  auto unknown = ParseControlRequest("reload\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown request \"reload\""), std::string::npos);
  auto no_target = ParseControlRequest("ping 1000");
  ASSERT_FALSE(no_target.ok());
  EXPECT_NE(no_target.status().message().find("TIMEOUT_MS TARGET"), std::string::npos);
  for (const char* timeout : {"0", "99", "60001", "abc", "-5", "1e3"}) {
    auto bad = ParseControlRequest(std::string("ping ") + timeout + " x");
    ASSERT_FALSE(bad.ok()) << timeout;
    EXPECT_NE(bad.status().message().find("from 100 to 60000"), std::string::npos) << timeout;
  }
  EXPECT_FALSE(ParseControlRequest("ping 1000 a\x1b[2Jb").ok());
}

TEST(PingResultLine, RoundTripsEveryField) {
  mesh::PingResult r = DirectReply();
  r.handshake = true;
  r.handshake_ns = 31'000'000;
  auto decoded = DecodePingResult(EncodePingResult(r));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->outcome, mesh::PingResult::Outcome::kReply);
  EXPECT_EQ(decoded->vpn_ip, "192.168.100.3");
  EXPECT_EQ(decoded->cert_name, "laptop");
  EXPECT_TRUE(decoded->handshake);
  EXPECT_TRUE(decoded->tunnel);
  EXPECT_EQ(decoded->handshake_ns, 31'000'000);
  EXPECT_EQ(decoded->rtt_ns, 1'520'000);
  EXPECT_FALSE(decoded->relayed);
  EXPECT_EQ(decoded->remote, "203.0.113.3:4242");

  mesh::PingResult relayed;
  relayed.outcome = mesh::PingResult::Outcome::kTimeout;
  relayed.tunnel = relayed.relayed = true;
  relayed.relay_vpn_ip = "192.168.100.1";
  relayed.relay_name = "light\thouse\n";  // a certificate name can hold anything
  std::string line = EncodePingResult(relayed);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  decoded = DecodePingResult(line);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->outcome, mesh::PingResult::Outcome::kTimeout);
  EXPECT_TRUE(decoded->relayed);
  EXPECT_EQ(decoded->relay_vpn_ip, "192.168.100.1");
  EXPECT_EQ(decoded->relay_name, "light\\x09house\\x0a");  // escaped, never raw
}

TEST(PingResultLine, ErrorsAndGarbageAreErrors) {
  auto error = DecodePingResult("error: unknown request \"x\"\n");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().message(), "unknown request \"x\"");
  EXPECT_FALSE(DecodePingResult("{\"vpnIp\":1}").ok());
  EXPECT_FALSE(DecodePingResult("ping\tvpnIp=1.2.3.4").ok());  // no outcome
}

TEST(PingLine, SaysTheRoundTripAndThePath) {
  EXPECT_EQ(FormatPingLine(DirectReply(), 1, 5000),
            "reply from laptop (192.168.100.3): seq=1 time=1.52 ms, direct 203.0.113.3:4242");
  mesh::PingResult relayed = DirectReply();
  relayed.relayed = true;
  relayed.remote = "";
  relayed.relay_vpn_ip = "192.168.100.1";
  relayed.relay_name = "lighthouse";
  relayed.rtt_ns = 12'340'000;
  relayed.handshake = true;
  relayed.handshake_ns = 31'000'000;
  EXPECT_EQ(FormatPingLine(relayed, 2, 5000),
            "reply from laptop (192.168.100.3): seq=2 time=12.3 ms, relayed via lighthouse "
            "(192.168.100.1), handshake first (31.0 ms)");
}

TEST(PingLine, TimeoutsSayWhatIsKnown) {
  mesh::PingResult r = DirectReply();
  r.outcome = mesh::PingResult::Outcome::kTimeout;
  EXPECT_EQ(FormatPingLine(r, 3, 5000),
            "timeout for laptop (192.168.100.3): seq=3, no reply within 5s, direct "
            "203.0.113.3:4242");
  mesh::PingResult none;
  none.outcome = mesh::PingResult::Outcome::kTimeout;
  none.vpn_ip = "192.168.100.7";
  none.handshake = true;
  EXPECT_EQ(FormatPingLine(none, 1, 1500),
            "timeout for 192.168.100.7: seq=1, no reply within 1.5s, no tunnel: the handshake "
            "did not complete");
  EXPECT_EQ(FormatRtt(81'000), "0.081 ms");
  EXPECT_EQ(FormatRtt(123'400'000), "123 ms");
}

TEST(PingFlags, SecondsAsPingTakesThemOrADuration) {
  EXPECT_EQ(*app::ParsePingSeconds("i", "0.5", 100, 60000), 500);
  EXPECT_EQ(*app::ParsePingSeconds("i", "2", 100, 60000), 2000);
  EXPECT_EQ(*app::ParsePingSeconds("W", "250ms", 100, 60000), 250);
  auto low = app::ParsePingSeconds("i", "0.01", 100, 60000);
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.status().message(),
            "invalid value \"0.01\" for flag -i: a number of seconds from 0.1 to 60 seconds");
  EXPECT_FALSE(app::ParsePingSeconds("W", "soon", 100, 60000).ok());
  EXPECT_FALSE(app::ParsePingSeconds("W", "", 100, 60000).ok());
}

TEST(PingCommand, BadFlagsAndAnUnreachableDaemonExitTwo) {
  EXPECT_EQ(app::RunPing({}), 2);  // no target
  EXPECT_EQ(app::RunPing({"-c", "0", "laptop"}), 2);
  EXPECT_EQ(app::RunPing({"laptop", "-i", "0.001"}), 2);
  EXPECT_EQ(app::RunPing({"laptop", "other"}), 2);
  EXPECT_EQ(app::RunPing({"-socket", SocketPath("nobody-listens"), "laptop"}), 2);
}

// A ping waits for its reply on the server; a status request meanwhile is answered at once.
TEST(StatusServer, AnswersPingsWithoutHoldingUpStatus) {
  StatusServer server;
  std::string path = SocketPath("ping");
  std::mutex mutex;
  std::function<void(mesh::PingResult)> held;
  mesh::PingRequest asked;
  ASSERT_TRUE(server
                  .Start(
                      path,
                      [] {
                        mesh::NodeStatus s;
                        s.cert_name = "me";
                        return s;
                      },
                      [&](const mesh::PingRequest& request,
                          std::function<void(mesh::PingResult)> done) {
                        std::lock_guard lock(mutex);
                        asked = request;
                        held = std::move(done);
                      })
                  .ok());
  auto ping = std::async(std::launch::async,
                         [&] { return AskDaemon(path, PingRequestLine("laptop", 3000), 10000); });
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mutex);
      if (held) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto status = FetchStatus(path, /*json=*/true);
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_NE(status->find("\"certName\":\"me\""), std::string::npos);
  {
    std::lock_guard lock(mutex);
    ASSERT_TRUE(held) << "the server never passed the ping on";
    EXPECT_EQ(asked.target, "laptop");
    EXPECT_EQ(asked.timeout_ns, 3'000'000'000);
    held(DirectReply());
  }
  auto answer = ping.get();
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  auto result = DecodePingResult(*answer);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->rtt_ns, 1'520'000);
  EXPECT_EQ(result->remote, "203.0.113.3:4242");
  // A bad request gets an error line, not a status.
  auto bad = AskDaemon(path, "ping 5 laptop\n", 5000);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->rfind("error: ping timeout \"5\"", 0), 0u) << *bad;
  server.Stop();
}

TEST(StatusServer, StopDoesNotWaitForAPingThatNeverEnds) {
  StatusServer server;
  std::string path = SocketPath("ping-stop");
  std::atomic<bool> asked{false};
  ASSERT_TRUE(server
                  .Start(
                      path, [] { return mesh::NodeStatus{}; },
                      [&](const mesh::PingRequest&, std::function<void(mesh::PingResult)>) {
                        asked = true;  // and never answers
                      })
                  .ok());
  auto ping = std::async(std::launch::async,
                         [&] { return AskDaemon(path, PingRequestLine("x", 60000), 70000); });
  for (int i = 0; i < 200 && !asked; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(asked);
  auto stopped = std::async(std::launch::async, [&] { server.Stop(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(3)), std::future_status::ready);
  stopped.wait();
  auto answer = ping.get();
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->rfind("error: flatnet is shutting down", 0), 0u) << *answer;
}

TEST(ControlRequest, NetcheckAsksForJsonOrText) {
  auto json = ParseControlRequest("netcheck json\n");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->kind, ControlRequest::Kind::kNetcheckJson);
  auto text = ParseControlRequest("netcheck text");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->kind, ControlRequest::Kind::kNetcheckText);
  auto bad = ParseControlRequest("netcheck yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown request \"netcheck yaml\" (expected json, text, ping TIMEOUT_MS TARGET or "
            "netcheck json|text)");
}

namespace {

mesh::NetcheckReport OneOfTwoAnswered() {
  mesh::NetcheckReport report;
  report.ipv4 = true;
  report.local_addrs = {"10.0.0.2:4242"};
  mesh::NetcheckLighthouse lh1;
  lh1.vpn_ip = "192.168.100.1";
  lh1.cert_name = "lh1";
  lh1.answered = true;
  lh1.rtt_ns = 2'000'000;
  lh1.seen = {"198.51.100.7:4242"};
  mesh::NetcheckLighthouse lh2;
  lh2.vpn_ip = "192.168.100.2";
  report.lighthouses = {lh1, lh2};
  return report;
}

}  // namespace

TEST(NetcheckAnswerLine, SaysHowManyAnsweredThenTheReport) {
  const std::string encoded = EncodeNetcheckAnswer(OneOfTwoAnswered(), /*json=*/true);
  EXPECT_EQ(encoded.rfind("netcheck reached=1 of=2\n{\"ipv4\":true,", 0), 0u) << encoded;
  auto decoded = DecodeNetcheckAnswer(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->reached, 1u);
  EXPECT_EQ(decoded->lighthouses, 2u);
  EXPECT_EQ(decoded->body, NetcheckToJson(OneOfTwoAnswered()));

  mesh::NetcheckReport none;
  none.error = "no lighthouses configured (lighthouse.hosts)";
  EXPECT_EQ(EncodeNetcheckAnswer(none, false),
            "error: no lighthouses configured (lighthouse.hosts)\n");
  auto error = DecodeNetcheckAnswer(EncodeNetcheckAnswer(none, false));
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().message(), "no lighthouses configured (lighthouse.hosts)");

  for (const char* garbage : {"", "netcheck\n", "netcheck reached=3 of=2\n",
                              "netcheck reached=x of=2\n", "netcheck reached=1 of=2"}) {
    SCOPED_TRACE(garbage);
    EXPECT_FALSE(DecodeNetcheckAnswer(garbage).ok());
  }
}

TEST(StatusServer, AnswersNetcheckAndTheCommandExitsByWhatItFound) {
  StatusServer server;
  std::string path = SocketPath("netcheck");
  std::atomic<int> mode{0};  // 0: one of two answered, 1: none answered, 2: not configured
  ASSERT_TRUE(server
                  .Start(
                      path, [] { return mesh::NodeStatus{}; }, {},
                      [&](std::function<void(mesh::NetcheckReport)> done) {
                        mesh::NetcheckReport report = OneOfTwoAnswered();
                        if (mode == 1) report.lighthouses[0].answered = false;
                        if (mode == 2) report = {}, report.error = "no lighthouses configured";
                        // From another thread, as the node's control thread answers.
                        std::thread([done, report] { done(report); }).detach();
                      })
                  .ok());
  auto text = AskDaemon(path, "netcheck text\n", 10000);
  ASSERT_TRUE(text.ok()) << text.status().message();
  auto decoded = DecodeNetcheckAnswer(*text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->body, NetcheckToText(OneOfTwoAnswered()));
  EXPECT_EQ(app::RunNetcheck({"-socket", path}), 0);
  EXPECT_EQ(app::RunNetcheck({"-socket", path, "-json"}), 0);
  mode = 1;
  EXPECT_EQ(app::RunNetcheck({"-socket", path}), 1);
  mode = 2;
  EXPECT_EQ(app::RunNetcheck({"-socket", path}), 2);
  EXPECT_EQ(app::RunNetcheck({"-socket", SocketPath("nobody-listens")}), 2);
  EXPECT_EQ(app::RunNetcheck({"-socket", path, "extra"}), 2);
  // A server without a netcheck function says so.
  StatusServer old;
  std::string old_path = SocketPath("netcheck-none");
  ASSERT_TRUE(old.Start(old_path, [] { return mesh::NodeStatus{}; }).ok());
  auto refused = AskDaemon(old_path, "netcheck json\n", 5000);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(*refused, "error: this flatnet does not answer netcheck requests\n");
  old.Stop();
  server.Stop();
}
