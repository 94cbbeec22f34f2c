// StatusServer: a Unix socket where a running flatnet answers `flatnet status`,
// `flatnet ping` and `flatnet netcheck`.
//
// Contract: a client sends one short line (control_protocol.h: "json", "text" or "ping
// TIMEOUT_MS TARGET", "netcheck json|text"), gets one answer — the node's status
// (status_json.h), one ping's result line, or a netcheck's report — and the connection is closed. Nothing on the socket can change the node. The
// socket file is created with mode 0600 (root only, like the daemon) and removed on Stop. A
// stale socket file left by a crashed daemon is replaced. Up to kMaxClients clients are
// served at once, each on its own thread (a ping waits for its reply; status asks meanwhile
// are not held up); one more is told the server is busy. A status client gets at most
// kClientTimeoutMs, a ping client its timeout and that much again, a netcheck client
// kNetcheckWaitMs; Stop returns at once even
// while clients stall or wait for a ping.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "mesh/node.h"

namespace flatnet::control {

// The socket a daemon uses when config.yml doesn't name one (control.socket).
inline constexpr const char* kDefaultSocketPath = "/run/flatnet/flatnet.sock";

class StatusServer {
 public:
  // How long one client may take to ask and to read its answer.
  static constexpr int64_t kClientTimeoutMs = 5000;
  static constexpr size_t kMaxClients = 4;

  // Starts one ping (mesh::Node::Ping): calls `done` once, on any thread.
  using PingFunction =
      std::function<void(const mesh::PingRequest&, std::function<void(mesh::PingResult)> done)>;

  // Starts one netcheck (mesh::Node::Netcheck): calls `done` once, on any thread.
  using NetcheckFunction = std::function<void(std::function<void(mesh::NetcheckReport)> done)>;

  StatusServer() = default;
  ~StatusServer() { Stop(); }

  // Without `ping` (`netcheck`), ping (netcheck) requests are answered with an error.
  Status Start(const std::string& path, std::function<mesh::NodeStatus()> report,
               PingFunction ping = {}, NetcheckFunction netcheck = {});
  void Stop();

 private:
  struct Client {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void Serve();
  void ServeClient(int client);
  // The answer to `line`: status, a ping's result or a netcheck's report (after waiting for
  // it), or an error.
  std::string Answer(const std::string& line);
  // Starts `start` and waits for the result it hands its callback, in slices so Stop is
  // prompt; nullopt after wait_ms or on Stop.
  template <typename T>
  std::optional<T> Await(const std::function<void(std::function<void(T)>)>& start,
                         int64_t wait_ms);
  // Waits for `events` on client until deadline_ms (steady clock); false on timeout, error
  // or Stop.
  bool WaitFor(int client, short events, int64_t deadline_ms);

  std::string path_;
  std::function<mesh::NodeStatus()> report_;
  PingFunction ping_;
  NetcheckFunction netcheck_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<Client> clients_;  // the serving thread's
};

// Client side: sends `request` (a line, control_protocol.h) to the daemon at `path` and
// returns all it answers, waiting at most timeout_ms for it.
Result<std::string> AskDaemon(const std::string& path, const std::string& request,
                              int64_t timeout_ms);
// The status from the daemon at `path`, as JSON or as text.
Result<std::string> FetchStatus(const std::string& path, bool json);

}  // namespace flatnet::control
