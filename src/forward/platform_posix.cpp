// POSIX half of the platform shim (Linux). See platform.h.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forward/platform.h"

namespace flatnet::forward::platform {

Status Startup() {
  // Each UDP session holds a socket and each TCP connection two, so the usual soft limit of
  // 1024 descriptors would cap -max-sessions below its default. The hard limit is ours to use.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);  // best effort: failing only lowers the session cap
  }
  return Status::Ok();
}

void CloseSocket(SocketHandle socket) {
  if (socket != kNoSocket) ::close(socket);
}

Status SetNonBlocking(SocketHandle socket) {
  int flags = fcntl(socket, F_GETFL, 0);
  if (flags < 0 || fcntl(socket, F_SETFL, flags | O_NONBLOCK) < 0) {
    return Status::Error(std::string("cannot make socket non-blocking: ") + strerror(errno));
  }
  return Status::Ok();
}

void IgnoreUdpConnectionReset(SocketHandle) {}

void AllowAddressReuse(SocketHandle socket) {
  int on = 1;
  setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
}

int SendFlags() { return MSG_NOSIGNAL; }

int LastError() { return errno; }

ErrorKind Classify(int error) {
  switch (error) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
      return ErrorKind::kWouldBlock;
    case EINPROGRESS:
      return ErrorKind::kInProgress;
    case EINTR:
      return ErrorKind::kInterrupted;
    case ECONNREFUSED:
      return ErrorKind::kConnectionRefused;
    default:
      return ErrorKind::kOther;
  }
}

std::string ErrorText(int error) { return strerror(error); }

int Poll(PollFd* fds, size_t count, int timeout_ms) {
  return ::poll(fds, static_cast<nfds_t>(count), timeout_ms);
}

Result<CommandResult> RunShellCommand(const std::string& command) {
  // popen runs `sh -c COMMAND`; fflush first so buffered output is not written twice by a
  // child that inherits our stdio buffers.
  fflush(nullptr);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::Error(std::string("cannot run sh: ") + strerror(errno));
  CommandResult result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  if (status == -1) {
    result.exit_status = -1;
  } else if (WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
  } else {
    result.exit_status = -1;  // killed by a signal
  }
  return result;
}

const char* ShellName() { return "sh -c"; }

}  // namespace flatnet::forward::platform
