// `flatnet status`: the daemon's status, as a table or JSON (control/status_json.h).
#include <cstdio>

#include "app/flatnet_control_cli.h"
#include "app/go_flags.h"
#include "config/config.h"
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

int RunStatus(const std::vector<std::string>& args) {
  FlagSet flags("status");
  std::string config_path, socket_path;
  bool json = false;
  flags.String(&config_path, "config", "", "Path to the config.yml of the flatnet to ask");
  flags.String(&socket_path, "socket", "",
               "Path to the control socket (default: control.socket from -config, else " +
                   std::string(control::kDefaultSocketPath) + ")");
  flags.Bool(&json, "json", false, "Print the status as JSON");
  if (Status parsed = flags.Parse(args); !parsed.ok()) {
    std::fprintf(stderr, "%s\nUsage of flatnet status:\n%s", parsed.message().c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::printf("Usage of flatnet status:\n%s", flags.Usage().c_str());
    return 0;
  }
  if (!flags.args().empty()) {
    std::fprintf(stderr, "flatnet status: unexpected argument \"%s\"\n", flags.args()[0].c_str());
    return 2;
  }
  auto path = ControlSocketPath(socket_path, config_path);
  if (!path.ok()) {
    std::fprintf(stderr, "%s\n", path.status().message().c_str());
    return 1;
  }
  auto body = control::FetchStatus(*path, json);
  if (!body.ok()) {
    std::fprintf(stderr, "%s\n", body.status().message().c_str());
    return 1;
  }
  std::fputs(body->c_str(), stdout);
  return 0;
}

}  // namespace flatnet::app
