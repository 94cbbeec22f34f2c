// StatusServer: a Unix socket where a running flatnet answers `flatnet status`.
//
// Contract: a client sends one short line naming a format ("json" or "text"), gets the
// node's status in it (status_json.h), and the connection is closed. Nothing else is read,
// so the socket can't be used to change anything. The socket file is created with mode 0600 (root
// only, like the daemon) and removed on Stop. A stale socket file left by a crashed daemon is
// replaced. Each client gets at most kClientTimeoutMs; Stop returns at once even while a client
// stalls.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "base/status.h"
#include "mesh/node.h"

namespace flatnet::control {

// The socket a daemon uses when config.yml doesn't name one (control.socket).
inline constexpr const char* kDefaultSocketPath = "/run/flatnet/flatnet.sock";

class StatusServer {
 public:
  // How long one client may take to ask and to read its answer.
  static constexpr int64_t kClientTimeoutMs = 5000;

  StatusServer() = default;
  ~StatusServer() { Stop(); }

  Status Start(const std::string& path, std::function<mesh::NodeStatus()> report);
  void Stop();

 private:
  void Serve();
  void ServeClient(int client);
  // Waits for `events` on client until deadline_ms (steady clock); false on timeout, error
  // or Stop.
  bool WaitFor(int client, short events, int64_t deadline_ms);

  std::string path_;
  std::function<mesh::NodeStatus()> report_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Client side: the status from the daemon at `path`, as JSON or as text.
Result<std::string> FetchStatus(const std::string& path, bool json);

}  // namespace flatnet::control
