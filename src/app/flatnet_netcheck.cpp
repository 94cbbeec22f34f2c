// `flatnet netcheck`: asks the running daemon over its status socket
// (control/control_protocol.h) to query every lighthouse for where it sees us
// (mesh/netchecker.h) and prints the report (control/netcheck_report.h), text or -json.
// Exit 0 when a lighthouse answered, 1 when none did, 2 on an error (bad flags, daemon not
// running, no lighthouses configured), each error one line on stderr.
#include <cstdio>

#include "app/flatnet_control_cli.h"
#include "app/go_flags.h"
#include "control/control_protocol.h"
#include "control/status_json.h"
#include "control/status_server.h"

namespace flatnet::app {

int RunNetcheck(const std::vector<std::string>& args) {
  FlagSet flags("netcheck");
  std::string config_path, socket_path;
  bool json = false;
  flags.String(&config_path, "config", "", "Path to the config.yml of the flatnet to ask");
  flags.String(&socket_path, "socket", "",
               "Path to the control socket (default: control.socket from -config, else " +
                   std::string(control::kDefaultSocketPath) + ")");
  flags.Bool(&json, "json", false, "Print the report as JSON");
  if (Status parsed = flags.Parse(args); !parsed.ok()) {
    std::fprintf(stderr, "%s\nUsage of flatnet netcheck:\n%s", parsed.message().c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::printf("Usage of flatnet netcheck:\n%s", flags.Usage().c_str());
    return 0;
  }
  if (!flags.args().empty()) {
    std::fprintf(stderr, "flatnet netcheck: unexpected argument \"%s\"\n",
                 control::Printable(flags.args()[0]).c_str());
    return 2;
  }
  auto path = ControlSocketPath(socket_path, config_path);
  if (!path.ok()) {
    std::fprintf(stderr, "flatnet netcheck: %s\n", path.status().message().c_str());
    return 2;
  }
  auto answer = control::AskDaemon(*path, json ? "netcheck json\n" : "netcheck text\n",
                                   control::kNetcheckAnswerMs);
  if (!answer.ok()) {
    std::fprintf(stderr, "flatnet netcheck: %s\n", answer.status().message().c_str());
    return 2;
  }
  auto decoded = control::DecodeNetcheckAnswer(*answer);
  if (!decoded.ok()) {
    std::fprintf(stderr, "flatnet netcheck: %s\n", decoded.status().message().c_str());
    return 2;
  }
  std::fputs(decoded->body.c_str(), stdout);
  return decoded->reached > 0 ? 0 : 1;
}

}  // namespace flatnet::app
