// `flatnet status`: the daemon's status, as a table or JSON (control/status_json.h).
#include <cstdio>

#include "app/flatnet_control_cli.h"
#include "app/go_flags.h"
#include "config/config.h"
#include "control/status_json.h"
#include "control/status_server.h"

namespace flatnet::app {

Result<std::string> ControlSocketPath(const std::string& socket_flag,
                                      const std::string& config_path) {
  if (!socket_flag.empty()) return socket_flag;
  if (!config_path.empty()) {
    auto config = config::LoadConfig(config_path, nullptr);
    if (!config.ok()) return Status::Error("failed to load config: " + config.status().message());
    if (!config->control.socket.empty()) return config->control.socket;
  }
  return std::string(control::kDefaultSocketPath);
}

std::optional<int> ParseControlQueryFlags(const std::string& command, const std::string& json_help,
                                          const std::vector<std::string>& args,
                                          ControlQueryFlags* out) {
  FlagSet flags(command);
  flags.String(&out->config_path, "config", "", "Path to the config.yml of the flatnet to ask");
  flags.String(&out->socket_path, "socket", "",
               "Path to the control socket (default: control.socket from -config, else " +
                   std::string(control::kDefaultSocketPath) + ")");
  flags.Bool(&out->json, "json", false, json_help);
  if (Status parsed = flags.Parse(args); !parsed.ok()) {
    std::fprintf(stderr, "%s\nUsage of flatnet %s:\n%s", parsed.message().c_str(),
                 command.c_str(), flags.Usage().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::printf("Usage of flatnet %s:\n%s", command.c_str(), flags.Usage().c_str());
    return 0;
  }
  if (!flags.args().empty()) {
    std::fprintf(stderr, "flatnet %s: unexpected argument \"%s\"\n", command.c_str(),
                 control::Printable(flags.args()[0]).c_str());
    return 2;
  }
  return std::nullopt;
}

int RunStatus(const std::vector<std::string>& args) {
  ControlQueryFlags flags;
  if (auto exit = ParseControlQueryFlags("status", "Print the status as JSON", args, &flags))
    return *exit;
  auto path = ControlSocketPath(flags.socket_path, flags.config_path);
  if (!path.ok()) {
    std::fprintf(stderr, "%s\n", path.status().message().c_str());
    return 1;
  }
  auto body = control::FetchStatus(*path, flags.json);
  if (!body.ok()) {
    std::fprintf(stderr, "%s\n", body.status().message().c_str());
    return 1;
  }
  std::fputs(body->c_str(), stdout);
  return 0;
}

}  // namespace flatnet::app
