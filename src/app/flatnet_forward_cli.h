// `flatnet forward` and the standalone flatnet-forward (flatnet-forward.exe on Windows): the
// command line of the UDP/TCP forwarder for a flatnet lighthouse inside WSL2.
//
//   flatnet forward [flags] udp|tcp LISTEN TARGET [flags]
//
//   -idle-timeout 60s      UDP sessions idle this long are closed
//   -resolve-interval 10s  how often a host name or cmd: TARGET is resolved again (0: once)
//   -target-port N         the target's port when TARGET has none (default: LISTEN's port)
//   -max-sessions 1024     UDP sessions at once (a new client evicts one never answered)
//   -tcp-idle-timeout 1h   TCP connections idle this long are closed (0: never)
//   -max-connections 256   TCP connections at once; more are refused
//   -log-level info        error, warning, info or debug
//
// LISTEN and TARGET are described in forward/endpoint_syntax.h and docs/forward.md. Flags
// are Go-style (app/go_flags.h) and may come before the protocol or after TARGET.
// Exit status: 0 after a clean stop (Ctrl-C, SIGTERM), 1 when forwarding cannot start
// (LISTEN cannot be bound, TARGET cannot be resolved), 2 for a bad command line. Every
// error is one line on stderr naming the argument or flag at fault.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "forward/endpoint_syntax.h"
#include "forward/event_log.h"
#include "forward/socket_address.h"

namespace flatnet::app {

struct ForwardCommand {
  forward::Protocol protocol = forward::Protocol::kUdp;
  forward::SocketAddress listen;
  forward::TargetSpec target;
  std::chrono::nanoseconds idle_timeout{};
  std::chrono::nanoseconds resolve_interval{};  // 0: resolve once at start
  size_t max_sessions = 0;
  std::chrono::nanoseconds tcp_idle_timeout{};  // 0: never
  size_t max_connections = 0;
  forward::LogLevel log_level = forward::LogLevel::kInfo;
};

struct ForwardCommandLine {
  bool help = false;     // -h / -help: print ForwardUsage() and exit 0
  bool version = false;  // -version
  ForwardCommand command;
};

// Parses the arguments after "forward" (or after flatnet-forward's program name).
Result<ForwardCommandLine> ParseForwardCommandLine(const std::vector<std::string>& args);

// The -h text; `program` is "flatnet forward" or "flatnet-forward".
std::string ForwardUsage(const std::string& program);

// Resolves the target, binds LISTEN and forwards until `stop` turns true. Returns the exit
// status; when it is not 0, *error holds the one-line reason.
int RunForwardCommand(const ForwardCommand& command, forward::EventLog& log,
                      const std::atomic<bool>& stop, std::string* error);

// The whole command: parse, log setup, Ctrl-C/SIGTERM handling, run. Returns the exit status.
int RunForward(const std::vector<std::string>& args, const std::string& program);

}  // namespace flatnet::app
