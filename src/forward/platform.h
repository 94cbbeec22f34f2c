// The forwarder's platform shim: the few socket and process calls whose spelling differs
// between POSIX (Linux) and Winsock (Windows, built with mingw-w64). Everything else in
// src/forward is written once against this header, so the Windows build of
// flatnet-forward.exe shares every line of forwarding logic with the Linux one.
//
// Contract:
//  - Startup() must succeed before any socket is opened (WSAStartup on Windows; on POSIX it
//    raises the soft open-file limit to the hard one, since every UDP session is a socket).
//  - Socket handles are SocketHandle; kNoSocket is "none". Errors are the platform's codes
//    (errno / WSAGetLastError) read with LastError() right after the failing call and
//    described with ErrorText(); Classify() maps the handful the forwarder reacts to.
//  - Poll() is poll() / WSAPoll() over PollFd, which has fd/events/revents on both. Use only
//    POLLIN, POLLOUT (WSAPoll rejects POLLPRI); POLLERR/POLLHUP/POLLNVAL come back in revents.
//  - RunShellCommand() runs a command line through the system shell (`sh -c` / `cmd /c`),
//    waits for it and returns its standard output and exit status; the command's stderr goes
//    to ours. It blocks for as long as the command runs.
#pragma once

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#endif

#include <cstddef>
#include <string>

#include "base/status.h"

namespace flatnet::forward::platform {

#ifdef _WIN32
using SocketHandle = SOCKET;
using PollFd = WSAPOLLFD;
inline constexpr SocketHandle kNoSocket = INVALID_SOCKET;
#else
using SocketHandle = int;
using PollFd = pollfd;
inline constexpr SocketHandle kNoSocket = -1;
#endif

Status Startup();

void CloseSocket(SocketHandle socket);
Status SetNonBlocking(SocketHandle socket);
// Windows reports an ICMP port-unreachable for an earlier send as WSAECONNRESET on the next
// receive, even on an unconnected UDP socket, which would make a listening socket fail for
// every client because one target port was closed once. This turns that off; no-op on POSIX,
// where only connected sockets see such errors.
void IgnoreUdpConnectionReset(SocketHandle socket);
// Lets a restarted TCP listener bind while old connections linger in TIME_WAIT. POSIX only:
// SO_REUSEADDR on Windows would let another program steal the port, and Windows needs no
// help there.
void AllowAddressReuse(SocketHandle socket);

// Flags for send()/sendto(): MSG_NOSIGNAL on POSIX, so a peer that closed its end yields
// EPIPE instead of killing the process with SIGPIPE.
int SendFlags();

enum class ErrorKind { kWouldBlock, kInProgress, kInterrupted, kConnectionRefused, kOther };

int LastError();
ErrorKind Classify(int error);
std::string ErrorText(int error);

// Returns the number of ready entries, 0 on timeout, -1 on error (see LastError()).
int Poll(PollFd* fds, size_t count, int timeout_ms);

struct CommandResult {
  std::string output;   // everything the command wrote to stdout
  int exit_status = 0;  // 0 = success; -1 when it did not exit normally
};
// Fails only when the command could not be started at all.
Result<CommandResult> RunShellCommand(const std::string& command);
// "sh -c" or "cmd /c", for messages and docs.
const char* ShellName();

}  // namespace flatnet::forward::platform
