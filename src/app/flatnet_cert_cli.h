// flatnet-cert's command line: global flags (-version, -h, -help), then a mode (ca, keygen,
// sign, print, verify) with its own flags, as nebula-cert 1.11.1 reads it. Output and exit
// codes follow nebula-cert: results on `out` (and any output flag set to "-"); errors
// ("Error: ..."), help and the passphrase prompt on `err`; input flags set to "-" read `in`;
// 0 on success or help, 1 on any error.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flatnet::app {

// What a passphrase reader returns when standard input is not a terminal: nebula-cert then
// refuses to ask ("out-key must be encrypted interactively").
inline constexpr std::string_view kNoTerminal = "cannot read password from nonexistent terminal";

struct CertCliIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  // One passphrase line typed without echo; Status kNoTerminal when there is no terminal.
  std::function<Result<std::string>()> read_passphrase;
  // The environment (NEBULA_CA_PASSPHRASE); nullopt for an unset variable.
  std::function<std::optional<std::string>(std::string_view name)> getenv;
};

// The process's own: std::cin/cout/cerr, the controlling terminal on standard input, getenv.
CertCliIo ProcessCertCliIo();

// `program` is how the binary was invoked (argv[0]), used in usage text; `args` the rest.
int RunFlatnetCert(std::string_view program, const std::vector<std::string>& args,
                   const CertCliIo& io);
// With empty standard input, no terminal and an empty environment (tests, embedding).
int RunFlatnetCert(std::string_view program, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err);

}  // namespace flatnet::app
