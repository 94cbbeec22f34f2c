// Turning a TARGET into the address to forward to, once (ResolveTarget) and again and again
// while the forwarder runs (TargetWatcher), because WSL2's address changes at every reboot.
//
// Contract:
//  - ResolveTarget() blocks: getaddrinfo for a host name (the first address it returns),
//    the shell for cmd: (see endpoint_syntax.h for which token counts). A command that exits
//    non-zero, or prints no address, is an error quoting the command and (a bit of) its
//    output. It never fails for a literal address.
//  - TargetWatcher resolves on its own thread every `interval`, so a slow command (wsl.exe
//    may take seconds to answer) never stalls forwarding. The forwarder polls TakeResult()
//    from its loop; a result is handed out once. The first resolution happens one interval
//    after Start(): the caller resolved once already before binding.
//  - A command that never exits stalls re-resolution (not forwarding) until it does; the
//    watcher's destructor does not wait for it beyond a short grace period.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "base/status.h"
#include "forward/endpoint_syntax.h"
#include "forward/socket_address.h"

namespace flatnet::forward {

// socket_type: SOCK_DGRAM or SOCK_STREAM (for getaddrinfo's hints).
Result<SocketAddress> ResolveTarget(const TargetSpec& spec, int socket_type);

class TargetWatcher {
 public:
  TargetWatcher(TargetSpec spec, int socket_type, std::chrono::nanoseconds interval);
  ~TargetWatcher();
  TargetWatcher(const TargetWatcher&) = delete;
  TargetWatcher& operator=(const TargetWatcher&) = delete;

  void Start();
  // The latest resolution not handed out yet, if one finished since the last call.
  std::optional<Result<SocketAddress>> TakeResult();

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace flatnet::forward
