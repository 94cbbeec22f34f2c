// The logger must print what nebula (logrus) prints, so the expected lines below are in the
// shape of real nebula 1.6.1 output (captured with `nebula -test`).
#include "base/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

namespace flatnet::log {
namespace {

using std::chrono::system_clock;

// 2026-11-22T07:40:00Z plus `nanos`.
system_clock::time_point FixedTime(long nanos = 0) {
  return system_clock::time_point(std::chrono::seconds(1795333200)) +
         std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(nanos));
}

// Options with a few fields changed, e.g. Opts([](Options& o) { o.format = Format::kJson; }).
template <typename Edit>
Options Opts(Edit edit) {
  Options options;
  edit(options);
  return options;
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { SetZone("UTC"); }
  void TearDown() override { SetZone("UTC"); }

  static void SetZone(const char* zone) {
    setenv("TZ", zone, 1);
    tzset();
  }

  Logger MakeLogger(Options options, bool terminal = false, long nanos = 0) {
    Logger logger([this](std::string_view line) { lines_.emplace_back(line); }, terminal);
    logger.Configure(options);
    logger.SetClockForTesting([nanos] { return FixedTime(nanos); });
    return logger;
  }

  std::vector<std::string> lines_;
};

TEST_F(LogTest, TextLineLooksLikeNebulas) {
  Logger logger = MakeLogger({});
  logger.Info("Handshake message received",
              {{"vpnIp", "192.168.100.2"}, {"udpAddr", "192.0.2.1:4242"}, {"certName", "host1"}});
  ASSERT_EQ(lines_.size(), 1u);
  // Fields sorted like logrus; a value with ':' is quoted, a plain one is not.
  EXPECT_EQ(lines_[0],
            "time=\"2026-11-22T07:40:00Z\" level=info msg=\"Handshake message received\" "
            "certName=host1 udpAddr=\"192.0.2.1:4242\" vpnIp=192.168.100.2\n");
}

TEST_F(LogTest, TextQuotesOnlyWhenLogrusWould) {
  Logger logger = MakeLogger(Opts([](Options& o) { o.disable_timestamp = true; }));
  logger.Info("x", {{"plain", "a-Z.0_9/@^+"},
                    {"empty", ""},
                    {"space", "a b"},
                    {"escapes", "say \"hi\"\\\n\t"},
                    {"control", std::string_view("\x01\x7f", 2)},
                    {"utf8", "h\xc3\xa9"},
                    {"badutf8", "\xff"}});
  EXPECT_EQ(lines_.at(0),
            "level=info msg=x badutf8=\"\\xff\" control=\"\\x01\\x7f\" empty= "
            "escapes=\"say \\\"hi\\\"\\\\\\n\\t\" plain=a-Z.0_9/@^+ space=\"a b\" "
            "utf8=\"h\xc3\xa9\"\n");
}

TEST_F(LogTest, TextPrintsNumbersMapsAndListsLikeGo) {
  Logger logger = MakeLogger(Opts([](Options& o) { o.disable_timestamp = true; }));
  Object handshake{{"style", "ix_psk0"}, {"stage", 1}};
  std::vector<std::string> fingerprints{"ab12", "cd34"};
  logger.Info("Handshake message sent", {{"handshake", handshake},
                                         {"initiatorIndex", uint32_t{3735928559}},
                                         {"offset", -5},
                                         {"cached", true},
                                         {"fingerprints", fingerprints}});
  EXPECT_EQ(lines_.at(0),
            "level=info msg=\"Handshake message sent\" cached=true fingerprints=\"[ab12 cd34]\" "
            "handshake=\"map[stage:1 style:ix_psk0]\" initiatorIndex=3735928559 offset=-5\n");
}

TEST_F(LogTest, EmptyMessageIsLeftOutOfText) {
  Logger logger = MakeLogger(Opts([](Options& o) { o.disable_timestamp = true; }));
  logger.Warn("", {{"k", "v"}});
  EXPECT_EQ(lines_.at(0), "level=warning k=v\n");
}

TEST_F(LogTest, KeepsCallerOrderWhenSortingIsOff) {
  Logger logger = MakeLogger(Opts([](Options& o) {
    o.disable_timestamp = true;
    o.sort_fields = false;
  }));
  logger.Info("m", {{"b", "1"}, {"a", "2"}});
  EXPECT_EQ(lines_.at(0), "level=info msg=m b=1 a=2\n");
}

TEST_F(LogTest, JsonLineLooksLikeNebulas) {
  Logger logger = MakeLogger(Opts([](Options& o) { o.format = Format::kJson; }));
  Object handshake{{"style", "ix_psk0"}, {"stage", 1}};
  std::vector<std::string> fingerprints{"ab12"};
  logger.Info("Handshake message received", {{"vpnIp", "192.168.100.2"},
                                             {"certName", "host1"},
                                             {"handshake", handshake},
                                             {"fingerprints", fingerprints},
                                             {"responderIndex", 0}});
  EXPECT_EQ(lines_.at(0),
            "{\"certName\":\"host1\",\"fingerprints\":[\"ab12\"],"
            "\"handshake\":{\"stage\":1,\"style\":\"ix_psk0\"},\"level\":\"info\","
            "\"msg\":\"Handshake message received\",\"responderIndex\":0,"
            "\"time\":\"2026-11-22T07:40:00Z\",\"vpnIp\":\"192.168.100.2\"}\n");
}

TEST_F(LogTest, JsonEscapesLikeGoEncodingJson) {
  Logger logger = MakeLogger(Opts([](Options& o) {
    o.format = Format::kJson;
    o.disable_timestamp = true;
  }));
  logger.Error("<a & b>", {{"s", "q\"\\\n\t\x01"}, {"bad", "\xff"}});
  EXPECT_EQ(lines_.at(0),
            "{\"bad\":\"\\ufffd\",\"level\":\"error\",\"msg\":\"\\u003ca \\u0026 b\\u003e\","
            "\"s\":\"q\\\"\\\\\\n\\t\\u0001\"}\n");
}

TEST_F(LogTest, FieldsNamedLikeBuiltInsAreRenamed) {
  Logger text = MakeLogger(Opts([](Options& o) { o.disable_timestamp = true; }));
  text.Info("real", {{"msg", "fake"}, {"level", "x"}, {"time", "t"}});
  EXPECT_EQ(lines_.at(0), "level=info msg=real fields.level=x fields.msg=fake fields.time=t\n");
  Logger json = MakeLogger(Opts([](Options& o) {
    o.format = Format::kJson;
    o.disable_timestamp = true;
  }));
  json.Info("real", {{"msg", "fake"}});
  EXPECT_EQ(lines_.at(1), "{\"fields.msg\":\"fake\",\"level\":\"info\",\"msg\":\"real\"}\n");
}

TEST_F(LogTest, LevelFilteringDropsQuieterEntries) {
  Logger logger = MakeLogger(Opts([](Options& o) {
    o.level = Level::kWarning;
    o.disable_timestamp = true;
  }));
  EXPECT_TRUE(logger.Enabled(Level::kError));
  EXPECT_TRUE(logger.Enabled(Level::kWarning));
  EXPECT_FALSE(logger.Enabled(Level::kInfo));
  logger.Debug("no");
  logger.Info("no");
  logger.Warn("yes");
  logger.Error("yes too");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0], "level=warning msg=yes\n");
  EXPECT_EQ(lines_[1], "level=error msg=\"yes too\"\n");

  logger.Configure(Opts([](Options& o) {
    o.level = Level::kTrace;
    o.disable_timestamp = true;
  }));
  logger.Trace("now");
  EXPECT_EQ(lines_.back(), "level=trace msg=now\n");
}

TEST_F(LogTest, ParsesLogrusLevelNames) {
  EXPECT_EQ(*ParseLevel("panic"), Level::kPanic);
  EXPECT_EQ(*ParseLevel("fatal"), Level::kFatal);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarning);
  EXPECT_EQ(*ParseLevel("warn"), Level::kWarning);
  EXPECT_EQ(*ParseLevel("INFO"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("Debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("trace"), Level::kTrace);
  auto bad = ParseLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"verbose\""), std::string::npos);
  EXPECT_EQ(LevelName(Level::kWarning), "warning");
}

TEST_F(LogTest, WithAddsFieldsToEveryEntryAndCallFieldsWin) {
  Logger logger = MakeLogger(Opts([](Options& o) { o.disable_timestamp = true; }));
  Logger sshd = logger.With({{"subsystem", "sshd"}, {"user", "a"}});
  sshd.Info("login", {{"user", "b"}});
  logger.Info("plain");
  EXPECT_EQ(lines_.at(0), "level=info msg=login subsystem=sshd user=b\n");
  EXPECT_EQ(lines_.at(1), "level=info msg=plain\n");
  // Reconfiguring the parent reconfigures the child: they share one output.
  logger.Configure(Opts([](Options& o) { o.level = Level::kError; }));
  sshd.Info("dropped");
  EXPECT_EQ(lines_.size(), 2u);
}

TEST_F(LogTest, TerminalOutputIsColouredLikeLogrus) {
  Logger logger = MakeLogger({}, /*terminal=*/true);
  logger.Info("Firewall started", {{"firewallHash", "b6ee"}});
  logger.Warn("w");
  logger.Error("e");
  logger.Debug("hidden");
  ASSERT_EQ(lines_.size(), 3u);
  // No timestamp format: seconds since start, 4 digits. Message padded to 44 columns.
  const std::string& info = lines_[0];
  ASSERT_TRUE(info.starts_with("\x1b[36mINFO\x1b[0m["));
  std::string rest = info.substr(info.find(']') + 1);
  EXPECT_EQ(rest, " Firewall started" + std::string(44 - 16, ' ') + " " +
                      " \x1b[36mfirewallHash\x1b[0m=b6ee\n");
  EXPECT_TRUE(lines_[1].starts_with("\x1b[33mWARN\x1b[0m["));
  EXPECT_TRUE(lines_[2].starts_with("\x1b[31mERRO\x1b[0m["));

  Logger full =
      MakeLogger(Opts([](Options& o) { o.timestamp_format = "2006-01-02T15:04:05Z07:00"; }), true);
  full.Info("m");
  EXPECT_EQ(lines_.back(),
            "\x1b[36mINFO\x1b[0m[2026-11-22T07:40:00Z] m" + std::string(43, ' ') + " \n");
  Logger plain = MakeLogger(Opts([](Options& o) { o.color = Color::kNever; }), true);
  plain.Info("m");
  EXPECT_EQ(lines_.back(), "time=\"2026-11-22T07:40:00Z\" level=info msg=m\n");
}

TEST_F(LogTest, TimestampFormatUsesGoLayouts) {
  Logger logger =
      MakeLogger(Opts([](Options& o) { o.timestamp_format = "2006-01-02T15:04:05.000Z07:00"; }),
                 false, 123456789);
  logger.Info("m");
  EXPECT_EQ(lines_.at(0), "time=\"2026-11-22T07:40:00.123Z\" level=info msg=m\n");
}

TEST_F(LogTest, GoLayoutTokens) {
  auto t = FixedTime(120000000);  // a Sunday, 07:40:00.12 UTC
  EXPECT_EQ(FormatGoTime(t, "Mon Jan _2 15:04:05 MST 2006"), "Sun Nov 22 07:40:00 UTC 2026");
  EXPECT_EQ(FormatGoTime(t, "Monday, 02-Jan-06 3:04PM"), "Sunday, 22-Nov-26 7:40AM");
  EXPECT_EQ(FormatGoTime(t, "January 2, 2006 03:04:05.999999 pm"),
            "November 22, 2026 07:40:00.12 am");
  EXPECT_EQ(FormatGoTime(t, "2006-01-02 15:04:05.9"), "2026-11-22 07:40:00.1");
  EXPECT_EQ(FormatGoTime(FixedTime(0), "05.999"), "00");  // all-zero fraction vanishes
  EXPECT_EQ(FormatGoTime(t, "15:04:05,000"), "07:40:00,120");
  EXPECT_EQ(FormatGoTime(t, "002 __2 1/2"), "326 326 11/22");
  EXPECT_EQ(FormatGoTime(t, "Z07:00 -07:00 -0700 Z0700 -07"), "Z +00:00 +0000 Z +00");
  EXPECT_EQ(FormatGoTime(t, "Jant"), "Jant");  // "Jan" followed by lowercase is literal

  SetZone("XYZ-5:30");  // five and a half hours east of UTC
  EXPECT_EQ(FormatGoTime(t, "2006-01-02T15:04:05Z07:00 MST"), "2026-11-22T13:10:00+05:30 XYZ");
  EXPECT_EQ(FormatGoTime(t, "-0700 Z07"), "+0530 +05");
}

TEST_F(LogTest, ConcurrentWritersNeverInterleaveLines) {
  std::mutex mutex;
  std::vector<std::string> lines;
  Logger logger(
      [&](std::string_view line) {
        // The logger serialises calls; the mutex here only guards the vector for the checks.
        std::lock_guard lock(mutex);
        lines.emplace_back(line);
      },
      false);
  logger.Configure(Opts([](Options& o) { o.disable_timestamp = true; }));
  constexpr int kThreads = 8, kLines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) logger.Info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(lines.size(), size_t{kThreads * kLines});
  std::set<std::string> unique(lines.begin(), lines.end());
  EXPECT_EQ(unique.size(), lines.size());
  for (const auto& line : lines) {
    ASSERT_TRUE(line.starts_with("level=info msg=tick i=")) << line;
    ASSERT_EQ(line.find('\n'), line.size() - 1) << line;
  }
}

TEST_F(LogTest, DefaultLoggerWritesOneLinePerEntryToStdout) {
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  dup2(pipe_fds[1], STDOUT_FILENO);
  Logger& logger = Default();
  logger.Configure(Opts([](Options& o) {
    o.format = Format::kJson;
    o.disable_timestamp = true;
  }));
  logger.Info("to stdout", {{"k", "v"}});
  dup2(saved, STDOUT_FILENO);
  close(saved);
  close(pipe_fds[1]);
  char buffer[256] = {};
  ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer) - 1);
  close(pipe_fds[0]);
  EXPECT_EQ(std::string(buffer, n > 0 ? n : 0),
            "{\"k\":\"v\",\"level\":\"info\",\"msg\":\"to stdout\"}\n");
  logger.Configure({});
}

}  // namespace
}  // namespace flatnet::log
