// flatnet-cert's process streams, environment, and passphrase entry on the terminal
// (ProcessCertCliIo in flatnet_cert_cli.h). The passphrase is read from standard input with
// echo off, as Go's term.ReadPassword does, and a newline is written to stderr afterwards
// because the user's Enter was not echoed.
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "app/flatnet_cert_cli.h"

namespace flatnet::app {
namespace {

Result<std::string> ReadPassphraseFromTerminal() {
  if (!isatty(STDIN_FILENO)) return Status::Error(std::string(kNoTerminal));
  struct termios saved;
  if (tcgetattr(STDIN_FILENO, &saved) != 0) return Status::Error(std::string(kNoTerminal));
  struct termios quiet = saved;
  quiet.c_lflag &= ~tcflag_t(ECHO);
  quiet.c_lflag |= ICANON | ISIG;
  quiet.c_iflag |= ICRNL;
  if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
    return Status::Error(std::string("error reading passphrase: ") + std::strerror(errno));
  }
  std::string line;
  bool failed = false;
  while (true) {
    char c;
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed = true;
    if (n <= 0 || c == '\n') break;
    line += c;
  }
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cerr << "\n" << std::flush;
  if (failed) return Status::Error("read /dev/stdin: input/output error");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

CertCliIo ProcessCertCliIo() {
  return CertCliIo{std::cin, std::cout, std::cerr, ReadPassphraseFromTerminal,
                   [](std::string_view name) -> std::optional<std::string> {
                     const char* value = std::getenv(std::string(name).c_str());
                     if (!value) return std::nullopt;
                     return std::string(value);
                   }};
}

}  // namespace flatnet::app
