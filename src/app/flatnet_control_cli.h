// The subcommands that ask a running flatnet over its status socket
// (control/status_server.h): `flatnet status`, `flatnet ping` and `flatnet netcheck`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace flatnet::app {

// `flatnet status [-config FILE | -socket PATH] [-json]`; returns the exit code.
int RunStatus(const std::vector<std::string>& args);
// `flatnet ping [-config FILE | -socket PATH] [-c COUNT] [-i INTERVAL] [-W TIMEOUT]
// NAME|ADDRESS`; returns ping's exit codes: 0 when a reply came, 1 when none did, 2 on an
// error (bad flags, unknown peer, daemon unreachable).
int RunPing(const std::vector<std::string>& args);
// `flatnet netcheck [-config FILE | -socket PATH] [-json]`: 0 when a lighthouse answered,
// 1 when none did, 2 on an error (bad flags, daemon unreachable, no lighthouses).
int RunNetcheck(const std::vector<std::string>& args);

// The flags `flatnet status` and `flatnet netcheck` share: -config, -socket and -json, and
// no positional argument. Returns nullopt to go on, or the exit code to return at once
// (0 after -help, 2 for bad flags or an argument), having printed usage or the error.
struct ControlQueryFlags {
  std::string config_path, socket_path;
  bool json = false;
};
std::optional<int> ParseControlQueryFlags(const std::string& command, const std::string& json_help,
                                          const std::vector<std::string>& args,
                                          ControlQueryFlags* out);

// The socket to ask: -socket, else control.socket of -config's file, else the default.
Result<std::string> ControlSocketPath(const std::string& socket_flag,
                                      const std::string& config_path);

// A ping flag's seconds: a number ("0.5", as ping takes it) or a Go duration ("500ms").
// Errors name the flag and its bounds.
Result<int64_t> ParsePingSeconds(const std::string& flag, const std::string& text,
                                 int64_t min_ms, int64_t max_ms);

}  // namespace flatnet::app
