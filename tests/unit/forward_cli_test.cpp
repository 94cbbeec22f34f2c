// The `flatnet forward` command line: flags anywhere, defaults, and one clear error for each
// kind of bad input; startup failures (a command that fails, a taken port) are exit 1 with
// the reason. Also the Windows build's text log format.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/flatnet_forward_cli.h"

namespace flatnet::app {
namespace {

using namespace std::chrono_literals;
using forward::LogLevel;
using forward::Protocol;
using forward::TargetSpec;

std::string ErrorOf(const std::vector<std::string>& args) {
  Result<ForwardCommandLine> line = ParseForwardCommandLine(args);
  return line.ok() ? "(accepted)" : line.status().message();
}

TEST(ForwardCli, TheWsl2CommandLineWithDefaults) {
  ForwardCommandLine line =
      *ParseForwardCommandLine({"udp", "0.0.0.0:4242", "cmd:wsl hostname -I"});
  const ForwardCommand& command = line.command;
  EXPECT_FALSE(line.help);
  EXPECT_EQ(command.protocol, Protocol::kUdp);
  EXPECT_EQ(command.listen.ToString(), "0.0.0.0:4242");
  EXPECT_EQ(command.target.kind, TargetSpec::Kind::kCommand);
  EXPECT_EQ(command.target.command, "wsl hostname -I");
  EXPECT_EQ(command.target.port, 4242);
  EXPECT_EQ(command.idle_timeout, 60s);
  EXPECT_EQ(command.resolve_interval, 10s);
  EXPECT_EQ(command.max_sessions, 1024u);
  EXPECT_EQ(command.tcp_idle_timeout, 1h);
  EXPECT_EQ(command.max_connections, 256u);
  EXPECT_EQ(command.log_level, LogLevel::kInfo);
}

TEST(ForwardCli, FlagsBeforeBetweenAndAfterTheArguments) {
  ForwardCommand command =
      ParseForwardCommandLine({"-idle-timeout", "30s", "tcp", "--max-sessions=8", ":8080",
                               "cmd:cat /tmp/addr", "-target-port", "3000", "-log-level=debug",
                               "-resolve-interval", "0"})
          ->command;
  EXPECT_EQ(command.protocol, Protocol::kTcp);
  EXPECT_EQ(command.listen.ToString(), "0.0.0.0:8080");
  EXPECT_EQ(command.target.port, 3000);
  EXPECT_EQ(command.idle_timeout, 30s);
  EXPECT_EQ(command.resolve_interval, 0s);
  EXPECT_EQ(command.max_sessions, 8u);
  EXPECT_EQ(command.log_level, LogLevel::kDebug);
  ForwardCommand tcp = ParseForwardCommandLine({"tcp", ":3000", "192.0.2.1", "-tcp-idle-timeout",
                                                "10m", "-max-connections=32"})
                           ->command;
  EXPECT_EQ(tcp.tcp_idle_timeout, 10min);
  EXPECT_EQ(tcp.max_connections, 32u);
  EXPECT_EQ(ParseForwardCommandLine({"tcp", ":3000", "192.0.2.1", "-tcp-idle-timeout", "0"})
                ->command.tcp_idle_timeout,
            0s);
  // After "--" everything is an argument, even what looks like a flag.
  EXPECT_EQ(ErrorOf({"--", "udp", ":1", "-x"}),
            "TARGET \"-x\": \"-x\" is neither an IP address nor a host name (to run a command, "
            "write cmd:COMMAND)");
}

TEST(ForwardCli, HelpAndVersion) {
  EXPECT_TRUE(ParseForwardCommandLine({"-h"})->help);
  EXPECT_TRUE(ParseForwardCommandLine({"udp", ":1", "-help"})->help);
  EXPECT_TRUE(ParseForwardCommandLine({"-version"})->version);
  std::string usage = ForwardUsage("flatnet forward");
  EXPECT_NE(usage.find("Usage: flatnet forward [flags] udp|tcp LISTEN TARGET"), std::string::npos);
  EXPECT_NE(usage.find("-idle-timeout duration"), std::string::npos);
  EXPECT_NE(usage.find("cmd:COMMAND, run with sh -c"), std::string::npos);
}

TEST(ForwardCli, BadCommandLinesSayWhatIsWrong) {
  EXPECT_EQ(ErrorOf({}), "missing arguments: want udp|tcp LISTEN TARGET");
  EXPECT_EQ(ErrorOf({"icmp", ":1", "h"}), "unknown protocol \"icmp\" (want udp or tcp)");
  EXPECT_EQ(ErrorOf({"udp"}), "missing LISTEN and TARGET after the protocol");
  EXPECT_EQ(ErrorOf({"udp", ":4242"}), "missing TARGET after LISTEN");
  EXPECT_EQ(ErrorOf({"udp", ":4242", "cmd:wsl", "hostname", "-I"}),
            "unexpected argument \"hostname\" after TARGET (a cmd: TARGET with spaces must be "
            "quoted as one argument: \"cmd:wsl hostname -I\")");
  EXPECT_EQ(ErrorOf({"udp", "4242", "192.0.2.1"}),
            "LISTEN \"4242\": want ADDRESS:PORT, e.g. 0.0.0.0:4242 or :4242");
  EXPECT_EQ(ErrorOf({"udp", ":4242", "cmd:"}), "TARGET \"cmd:\": no command after cmd:");
  EXPECT_EQ(ErrorOf({"-bogus", "udp", ":1", "h"}), "flag provided but not defined: -bogus");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h", "-idle-timeout", "soon"}),
            "invalid value \"soon\" for flag -idle-timeout: parse error");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h", "-idle-timeout", "0s"}),
            "invalid value for flag -idle-timeout: must be more than 0s");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h", "-resolve-interval", "1ms"}),
            "invalid value for flag -resolve-interval: must be 0 (resolve once) or at least 100ms");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h", "-target-port", "70000"}),
            "invalid value for flag -target-port: 70000 is not in 1..65535");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h", "-target-port", "0"}),
            "invalid value for flag -target-port: 0 is not in 1..65535");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h:2", "-target-port", "3"}),
            "TARGET \"h:2\" has a port and -target-port is set too; give only one");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h", "-max-sessions", "0"}),
            "invalid value for flag -max-sessions: 0 is not in 1..100000");
  EXPECT_EQ(ErrorOf({"tcp", ":1", "h", "-tcp-idle-timeout", "-5m"}),
            "invalid value for flag -tcp-idle-timeout: must be 0 (never) or more");
  EXPECT_EQ(ErrorOf({"tcp", ":1", "h", "-tcp-idle-timeout", "idle"}),
            "invalid value \"idle\" for flag -tcp-idle-timeout: parse error");
  EXPECT_EQ(ErrorOf({"tcp", ":1", "h", "-max-connections", "0"}),
            "invalid value for flag -max-connections: 0 is not in 1..100000");
  EXPECT_EQ(ErrorOf({"tcp", ":1", "h", "-max-connections", "100001"}),
            "invalid value for flag -max-connections: 100001 is not in 1..100000");
  EXPECT_EQ(ErrorOf({"udp", ":1", "h", "-log-level", "loud"}),
            "invalid value for flag -log-level: not a valid log level: \"loud\" (error, warning, "
            "info or debug)");
}

class NullLog : public forward::EventLog {
 public:
  bool Enabled(LogLevel) const override { return false; }
  void Write(LogLevel, std::string_view, forward::LogFields) override {}
};

TEST(ForwardCli, StartupFailuresAreExitStatusOneWithTheReason) {
  NullLog log;
  std::atomic<bool> stop{true};
  std::string error;

  ForwardCommand failing = ParseForwardCommandLine({"udp", "127.0.0.1:9", "cmd:exit 7"})->command;
  EXPECT_EQ(RunForwardCommand(failing, log, stop, &error), 1);
  EXPECT_EQ(error,
            "TARGET \"cmd:exit 7\": the command (run with sh -c) exited with status 7, "
            "output \"\"");

  ForwardCommand silent =
      ParseForwardCommandLine({"udp", "127.0.0.1:9", "cmd:echo not ready"})->command;
  EXPECT_EQ(RunForwardCommand(silent, log, stop, &error), 1);
  EXPECT_EQ(error,
            "TARGET \"cmd:echo not ready\": the command printed no IP address, output "
            "\"not ready\"");

  ForwardCommand unknown_host =
      ParseForwardCommandLine({"tcp", "127.0.0.1:9", "no-such-host.invalid:80"})->command;
  EXPECT_EQ(RunForwardCommand(unknown_host, log, stop, &error), 1);
  EXPECT_EQ(error.rfind("TARGET \"no-such-host.invalid:80\": cannot resolve "
                        "\"no-such-host.invalid\": ",
                        0),
            0u)
      << error;

  // A port someone else holds.
  int taken = ::socket(AF_INET, SOCK_DGRAM, 0);
  forward::SocketAddress any = *forward::SocketAddress::FromIpLiteral("127.0.0.1", 0);
  ASSERT_EQ(::bind(taken, any.raw(), any.raw_length()), 0);
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  getsockname(taken, reinterpret_cast<sockaddr*>(&storage), &length);
  std::string listen =
      forward::SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&storage), length)
          .ToString();
  ForwardCommand busy = ParseForwardCommandLine({"udp", listen, "127.0.0.1:9"})->command;
  EXPECT_EQ(RunForwardCommand(busy, log, stop, &error), 1);
  EXPECT_EQ(error, "udp listener: cannot bind " + listen + ": Address already in use");
  ::close(taken);

  // A good one forwards until stopped (here: at once) and exits 0.
  ForwardCommand good = ParseForwardCommandLine({"udp", "127.0.0.1:9", "127.0.0.1:9"})->command;
  good.listen = any;
  error.clear();
  EXPECT_EQ(RunForwardCommand(good, log, stop, &error), 0);
  EXPECT_EQ(error, "");
}

TEST(ForwardTextLog, LogrusTextFormat) {
  using forward::TextEventLog;
  EXPECT_EQ(
      TextEventLog::FormatLine(
          "2024-05-01T10:00:00Z", LogLevel::kInfo, "udp session start",
          {{"session", uint64_t{3}}, {"client", "192.0.2.7:5000"}, {"target", "10.0.0.1:4242"}}),
      "time=\"2024-05-01T10:00:00Z\" level=info msg=\"udp session start\" "
      "client=\"192.0.2.7:5000\" session=3 target=\"10.0.0.1:4242\"\n");
  EXPECT_EQ(TextEventLog::FormatLine("", LogLevel::kWarning, "x",
                                     {{"reason", "say \"hi\"\n"}, {"plain", "a-b.c_d/e"}}),
            "level=warning msg=x plain=a-b.c_d/e reason=\"say \\\"hi\\\"\\n\"\n");
}

TEST(ForwardTextLog, LevelsFilter) {
  EXPECT_EQ(*forward::ParseLogLevel("WARN"), LogLevel::kWarning);
  EXPECT_EQ(*forward::ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_FALSE(forward::ParseLogLevel("trace").ok());
  forward::TextEventLog log(stdout, LogLevel::kWarning);
  EXPECT_TRUE(log.Enabled(LogLevel::kError));
  EXPECT_TRUE(log.Enabled(LogLevel::kWarning));
  EXPECT_FALSE(log.Enabled(LogLevel::kInfo));
}

}  // namespace
}  // namespace flatnet::app
