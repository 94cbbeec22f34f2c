// Reloading a running flatnet: the daemon's SIGHUP handling and `flatnet reload`.
//
// The daemon answers each SIGHUP in a small file beside its control socket, SOCKET.reload
// (mode 0600, replaced atomically by rename): its pid, how many reloads it has answered
// since start (0 when it has just started), and "accepted" with the keys applied and those
// waiting for a restart, or "refused" with the errors, one per line, each naming its key.
//
// `flatnet reload [-config FILE | -socket PATH]` finds the daemon through its control socket
// (as `flatnet status` does; the pid is the socket peer's, SO_PEERCRED, so no pid file can be
// stale), notes the answer count, sends SIGHUP, and waits (bounded) for the next answer from
// that pid: exit 0 when accepted, 1 with the daemon's errors when refused, when no daemon
// answers on the socket, or when -config itself does not load (then nothing is sent). Two
// reloads at the same moment may each report the later answer.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "mesh/node.h"

namespace flatnet::app {

std::string ReloadAnswerPath(const std::string& socket_path);

struct ReloadAnswer {
  int64_t pid = 0;
  uint64_t answered = 0;  // reloads answered since the daemon started
  bool accepted = true;
  std::vector<std::string> lines;  // applied/restart-needed keys, or the errors
};

Status WriteReloadAnswer(const std::string& path, const ReloadAnswer& answer);
Result<ReloadAnswer> ReadReloadAnswer(const std::string& path);

// The daemon's SIGHUP: reloads `config_path` into `node` (refusing it whole when it does not
// load), logs the outcome and writes answer number `answered` to `answer_path`.
void ReloadDaemon(const std::string& config_path, mesh::Node& node, const log::Logger& logger,
                  const std::string& answer_path, uint64_t answered);

// `flatnet reload ...` (arguments after "reload"); returns the exit code.
int RunReload(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flatnet::app
