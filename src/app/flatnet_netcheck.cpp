// `flatnet netcheck`: asks the running daemon over its status socket
// (control/control_protocol.h) to query every lighthouse for where it sees us
// (mesh/netchecker.h) and prints the report (control/netcheck_report.h), text or -json.
// Exit 0 when a lighthouse answered, 1 when none did, 2 on an error (bad flags, daemon not
// running, no lighthouses configured), each error one line on stderr.
#include <cstdio>

#include "app/flatnet_control_cli.h"
#include "control/control_protocol.h"
#include "control/status_json.h"
#include "control/status_server.h"

namespace flatnet::app {

int RunNetcheck(const std::vector<std::string>& args) {
  ControlQueryFlags flags;
  if (auto exit = ParseControlQueryFlags("netcheck", "Print the report as JSON", args, &flags))
    return *exit;
  auto path = ControlSocketPath(flags.socket_path, flags.config_path);
  if (!path.ok()) {
    std::fprintf(stderr, "flatnet netcheck: %s\n", path.status().message().c_str());
    return 2;
  }
  auto answer = control::AskDaemon(*path, flags.json ? "netcheck json\n" : "netcheck text\n",
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
