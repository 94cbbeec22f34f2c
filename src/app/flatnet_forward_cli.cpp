#include "app/flatnet_forward_cli.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include "app/go_flags.h"
#include "forward/platform.h"
#include "forward/target_resolver.h"
#include "forward/tcp_forwarder.h"
#include "forward/udp_forwarder.h"

#ifndef _WIN32
#include "base/log.h"
#include "forward/logger_event_log.h"
#endif

namespace flatnet::app {

namespace {

using forward::EventLog;
using forward::SocketAddress;

// Re-running a command more often than this would keep a CPU busy for nothing.
constexpr std::chrono::milliseconds kMinResolveInterval{100};
constexpr int64_t kMaxSessionsLimit = 100000;

struct FlagValues {
  std::chrono::nanoseconds idle_timeout{};
  std::chrono::nanoseconds resolve_interval{};
  int64_t target_port = 0;
  int64_t max_sessions = 0;
  std::chrono::nanoseconds tcp_idle_timeout{};
  int64_t max_connections = 0;
  std::string log_level;
  bool version = false;
};

void DefineFlags(FlagSet& flags, FlagValues& values) {
  flags.Duration(&values.idle_timeout, "idle-timeout", std::chrono::seconds(60),
                 "Close a UDP session after this long without a datagram either way");
  flags.Duration(&values.resolve_interval, "resolve-interval", std::chrono::seconds(10),
                 "Resolve a host name or cmd: TARGET again this often; 0 resolves it once");
  flags.Int(&values.target_port, "target-port", 0,
            "Port of the target when TARGET has none (default: LISTEN's port)");
  flags.Int(&values.max_sessions, "max-sessions", 1024,
            "UDP sessions at once; a new client then replaces the least recently active session "
            "the target never answered, else the least recently active one");
  flags.Duration(&values.tcp_idle_timeout, "tcp-idle-timeout", std::chrono::hours(1),
                 "Close a TCP connection after this long without a byte either way; 0 never does");
  flags.Int(&values.max_connections, "max-connections", 256,
            "TCP connections at once (each holds 128 KiB of buffers); more are refused");
  flags.String(&values.log_level, "log-level", "info", "error, warning, info or debug");
  flags.Bool(&values.version, "version", false, "Print version");
}

Status BadFlag(const char* name, const std::string& problem) {
  return Status::Error(std::string("invalid value for flag -") + name + ": " + problem);
}

}  // namespace

Result<ForwardCommandLine> ParseForwardCommandLine(const std::vector<std::string>& args) {
  FlagSet flags("forward");
  FlagValues values;
  DefineFlags(flags, values);

  // Go's flag package stops at the first positional argument; flags after it are read by
  // parsing again from the next word, so `udp :4242 HOST -idle-timeout 30s` works too.
  ForwardCommandLine line;
  std::vector<std::string> positional;
  std::vector<std::string> remaining = args;
  bool flags_ended = false;
  while (!remaining.empty()) {
    if (flags_ended) {
      positional.insert(positional.end(), remaining.begin(), remaining.end());
      break;
    }
    if (Status parsed = flags.Parse(remaining); !parsed.ok()) return parsed;
    if (flags.help_requested()) {
      line.help = true;
      return line;
    }
    std::vector<std::string> rest = flags.args();
    size_t consumed = remaining.size() - rest.size();
    flags_ended = consumed > 0 && remaining[consumed - 1] == "--";
    if (rest.empty()) break;
    if (flags_ended) {
      remaining = rest;
      continue;
    }
    positional.push_back(rest.front());
    remaining.assign(rest.begin() + 1, rest.end());
    // A fourth argument is an error of its own (often an unquoted command); say so rather
    // than complain about a word of that command that looks like a flag.
    if (positional.size() > 3) break;
  }
  line.version = values.version;
  if (line.version) return line;

  if (positional.empty()) return Status::Error("missing arguments: want udp|tcp LISTEN TARGET");
  Result<forward::Protocol> protocol = forward::ParseProtocol(positional[0]);
  if (!protocol.ok()) return protocol.status();
  if (positional.size() < 2) return Status::Error("missing LISTEN and TARGET after the protocol");
  if (positional.size() < 3) return Status::Error("missing TARGET after LISTEN");
  if (positional.size() > 3) {
    return Status::Error("unexpected argument \"" + positional[3] +
                         "\" after TARGET (a cmd: TARGET with spaces must be quoted as one "
                         "argument: \"cmd:wsl hostname -I\")");
  }

  if (values.idle_timeout <= std::chrono::nanoseconds::zero()) {
    return BadFlag("idle-timeout", "must be more than 0s");
  }
  if (values.resolve_interval < std::chrono::nanoseconds::zero() ||
      (values.resolve_interval > std::chrono::nanoseconds::zero() &&
       values.resolve_interval < kMinResolveInterval)) {
    return BadFlag("resolve-interval", "must be 0 (resolve once) or at least 100ms");
  }
  if (values.target_port < 0 || values.target_port > 65535) {
    return BadFlag("target-port", std::to_string(values.target_port) + " is not in 1..65535");
  }
  if (flags.WasSet("target-port") && values.target_port == 0) {
    return BadFlag("target-port", "0 is not in 1..65535");
  }
  if (values.max_sessions < 1 || values.max_sessions > kMaxSessionsLimit) {
    return BadFlag("max-sessions", std::to_string(values.max_sessions) + " is not in 1.." +
                                       std::to_string(kMaxSessionsLimit));
  }
  if (values.tcp_idle_timeout < std::chrono::nanoseconds::zero()) {
    return BadFlag("tcp-idle-timeout", "must be 0 (never) or more");
  }
  if (values.max_connections < 1 || values.max_connections > kMaxSessionsLimit) {
    return BadFlag("max-connections", std::to_string(values.max_connections) + " is not in 1.." +
                                          std::to_string(kMaxSessionsLimit));
  }
  Result<forward::LogLevel> level = forward::ParseLogLevel(values.log_level);
  if (!level.ok()) return BadFlag("log-level", level.status().message());

  ForwardCommand& command = line.command;
  command.protocol = *protocol;
  Result<SocketAddress> listen = forward::ParseListen(positional[1]);
  if (!listen.ok()) return listen.status();
  command.listen = *listen;
  std::optional<uint16_t> target_port;
  if (values.target_port != 0) target_port = static_cast<uint16_t>(values.target_port);
  Result<forward::TargetSpec> target =
      forward::ParseTarget(positional[2], target_port, command.listen.port());
  if (!target.ok()) return target.status();
  command.target = *target;
  command.idle_timeout = values.idle_timeout;
  command.resolve_interval = values.resolve_interval;
  command.max_sessions = static_cast<size_t>(values.max_sessions);
  command.tcp_idle_timeout = values.tcp_idle_timeout;
  command.max_connections = static_cast<size_t>(values.max_connections);
  command.log_level = *level;
  return line;
}

std::string ForwardUsage(const std::string& program) {
  FlagSet flags("forward");
  FlagValues values;
  DefineFlags(flags, values);
  return "Usage: " + program + " [flags] udp|tcp LISTEN TARGET [flags]\n" +
         "\n"
         "Forwards UDP datagrams or TCP connections arriving at LISTEN to TARGET, e.g. from a\n"
         "Windows host to a flatnet lighthouse inside WSL2, whose address changes at reboot:\n"
         "  " +
         program +
         " udp 0.0.0.0:4242 \"cmd:wsl hostname -I\"\n"
         "\n"
         "LISTEN  ADDRESS:PORT, [IPV6]:PORT or :PORT (all IPv4 addresses)\n"
         "TARGET  ADDRESS[:PORT], HOST[:PORT], or cmd:COMMAND, run with " +
         forward::platform::ShellName() +
         ", whose output's\n"
         "        first IP address is the target. Without a port, the target's port is\n"
         "        -target-port, else LISTEN's port. Host names and commands are resolved\n"
         "        again every -resolve-interval; a new address moves the UDP sessions to it.\n"
         "\n"
         "Each UDP client gets its own session (its own socket towards the target), so\n"
         "replies reach only the client they belong to.\n"
         "\n"
         "Flags:\n" +
         flags.Usage();
}

namespace {

template <typename Forwarder>
int Forward(const ForwardCommand& command, const SocketAddress& target, EventLog& log,
            const std::atomic<bool>& stop, std::string* error) {
  forward::ForwarderOptions options;
  options.listen = command.listen;
  options.idle_timeout = command.idle_timeout;
  options.max_sessions = command.max_sessions;
  options.tcp_idle_timeout = command.tcp_idle_timeout;
  options.max_connections = command.max_connections;
  Forwarder forwarder(options, log);
  if (Status started = forwarder.Start(target); !started.ok()) {
    *error = started.message();
    return 1;
  }
  std::unique_ptr<forward::TargetWatcher> watcher;
  if (command.target.changes() && command.resolve_interval.count() > 0) {
    int socket_type = command.protocol == forward::Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
    watcher = std::make_unique<forward::TargetWatcher>(command.target, socket_type,
                                                       command.resolve_interval);
    watcher->Start();
  }
  const char* protocol = forward::ProtocolName(command.protocol);
  log.Info("forwarding", {{"protocol", protocol},
                          {"listen", forwarder.listen_address().ToString()},
                          {"target", target.ToString()},
                          {"target_spec", command.target.text}});
  forwarder.Run(stop, watcher.get());
  const forward::ForwarderTotals& totals = forwarder.totals();
  if (command.protocol == forward::Protocol::kUdp) {
    log.Info("forwarder stopped", {{"protocol", protocol},
                                   {"sessions", totals.sessions_started.load()},
                                   {"target_changes", totals.retargets.load()},
                                   {"idle_closed", totals.idle_closed.load()},
                                   {"evicted_unanswered", totals.evicted_unanswered.load()},
                                   {"evicted_answered", totals.evicted_answered.load()}});
  } else {
    log.Info("forwarder stopped", {{"protocol", protocol},
                                   {"sessions", totals.sessions_started.load()},
                                   {"target_changes", totals.retargets.load()},
                                   {"idle_closed", totals.idle_closed.load()},
                                   {"refused", totals.refused.load()}});
  }
  return 0;
}

std::atomic<bool> stop_requested{false};

extern "C" void RequestStop(int) { stop_requested.store(true); }

}  // namespace

int RunForwardCommand(const ForwardCommand& command, EventLog& log, const std::atomic<bool>& stop,
                      std::string* error) {
  if (Status started = forward::platform::Startup(); !started.ok()) {
    *error = started.message();
    return 1;
  }
  int socket_type = command.protocol == forward::Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  Result<SocketAddress> target = forward::ResolveTarget(command.target, socket_type);
  if (!target.ok()) {
    *error = target.status().message();
    return 1;
  }
  if (command.protocol == forward::Protocol::kUdp) {
    return Forward<forward::UdpForwarder>(command, *target, log, stop, error);
  }
  return Forward<forward::TcpForwarder>(command, *target, log, stop, error);
}

int RunForward(const std::vector<std::string>& args, const std::string& program) {
  Result<ForwardCommandLine> line = ParseForwardCommandLine(args);
  if (!line.ok()) {
    std::fprintf(stderr, "%s: %s\nRun '%s -h' for usage.\n", program.c_str(),
                 line.status().message().c_str(), program.c_str());
    return 2;
  }
  if (line->help) {
    std::fputs(ForwardUsage(program).c_str(), stdout);
    return 0;
  }
  if (line->version) {
    std::printf("Version: %s\n", FLATNET_VERSION);
    return 0;
  }
  const ForwardCommand& command = line->command;
#ifdef _WIN32
  forward::TextEventLog log(stdout, command.log_level);
#else
  log::Options options = log::Default().options();
  options.level = forward::LoggerEventLog::ToLoggerLevel(command.log_level);
  log::Default().Configure(options);
  forward::LoggerEventLog log(log::Default());
#endif
  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
#ifdef SIGBREAK
  std::signal(SIGBREAK, RequestStop);  // Ctrl-Break in a Windows console
#endif
  std::string error;
  int status = RunForwardCommand(command, log, stop_requested, &error);
  if (status != 0) std::fprintf(stderr, "%s: %s\n", program.c_str(), error.c_str());
  return status;
}

}  // namespace flatnet::app
