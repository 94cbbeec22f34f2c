// Winsock half of the platform shim (Windows, built with mingw-w64). See platform.h.
#include <mswsock.h>
#include <stdio.h>

#include "forward/platform.h"

namespace flatnet::forward::platform {

Status Startup() {
  WSADATA data;
  int error = WSAStartup(MAKEWORD(2, 2), &data);
  if (error != 0) return Status::Error("cannot start Winsock: " + ErrorText(error));
  return Status::Ok();
}

void CloseSocket(SocketHandle socket) {
  if (socket != kNoSocket) closesocket(socket);
}

Status SetNonBlocking(SocketHandle socket) {
  u_long on = 1;
  if (ioctlsocket(socket, FIONBIO, &on) != 0) {
    return Status::Error("cannot make socket non-blocking: " + ErrorText(WSAGetLastError()));
  }
  return Status::Ok();
}

void IgnoreUdpConnectionReset(SocketHandle socket) {
#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif
  BOOL report = FALSE;
  DWORD returned = 0;
  WSAIoctl(socket, SIO_UDP_CONNRESET, &report, sizeof(report), nullptr, 0, &returned, nullptr,
           nullptr);
}

void AllowAddressReuse(SocketHandle) {}

int SendFlags() { return 0; }

int LastError() { return WSAGetLastError(); }

ErrorKind Classify(int error) {
  switch (error) {
    case WSAEWOULDBLOCK:
      return ErrorKind::kWouldBlock;
    case WSAEINPROGRESS:
    case WSAEALREADY:
      return ErrorKind::kInProgress;
    case WSAEINTR:
      return ErrorKind::kInterrupted;
    case WSAECONNREFUSED:
    case WSAECONNRESET:  // what a UDP socket reports for ICMP port unreachable
      return ErrorKind::kConnectionRefused;
    default:
      return ErrorKind::kOther;
  }
}

std::string ErrorText(int error) {
  char* text = nullptr;
  DWORD length = FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, static_cast<DWORD>(error), 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message;
  if (length > 0 && text != nullptr) {
    message.assign(text, length);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                                message.back() == ' ' || message.back() == '.')) {
      message.pop_back();
    }
  }
  if (text != nullptr) LocalFree(text);
  if (message.empty()) message = "error";
  return message + " (WSA error " + std::to_string(error) + ")";
}

int Poll(PollFd* fds, size_t count, int timeout_ms) {
  int ready = WSAPoll(fds, static_cast<ULONG>(count), timeout_ms);
  return ready == SOCKET_ERROR ? -1 : ready;
}

Result<CommandResult> RunShellCommand(const std::string& command) {
  // _popen runs `cmd.exe /c COMMAND` (it needs a console program, which we are).
  fflush(nullptr);
  FILE* pipe = _popen(command.c_str(), "rb");
  if (pipe == nullptr) return Status::Error("cannot run cmd.exe");
  CommandResult result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  result.exit_status = _pclose(pipe);
  return result;
}

const char* ShellName() { return "cmd /c"; }

}  // namespace flatnet::forward::platform
