// What every flatnet-cert subcommand (ca, keygen, sign, print, verify) shares: how it reports
// its outcome to the dispatcher (flatnet_cert_cli.cpp), the streams and passphrase source it
// runs with, and the input helpers that keep their error messages uniform.
//
// A subcommand never prints errors itself. It returns an outcome; the dispatcher prints
// "Error: <message>" and, for usage errors and -h, the subcommand's flag list, exactly where
// nebula-cert 1.11.1 does, and turns the outcome into the exit code (0 ok or help, 1
// otherwise). The only text a subcommand writes to `err` itself is the passphrase prompt.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/flatnet_cert_cli.h"
#include "app/go_flags.h"
#include "base/bytes.h"
#include "base/ip_prefix.h"
#include "base/status.h"
#include "cert/curve.h"

namespace flatnet::app {

struct CommandOutcome {
  // kFlagError: the flag parser refused the command line; Go's flag package has already
  // printed the reason once, so nebula-cert shows it twice (plain, then "Error: ...").
  enum class Kind { kOk, kError, kUsageError, kHelp, kFlagError };
  Kind kind = Kind::kOk;
  std::string message;

  static CommandOutcome Ok() { return {}; }
  static CommandOutcome Error(std::string message) { return {Kind::kError, std::move(message)}; }
  // A mistake in the command line: the flag list is printed after the message.
  static CommandOutcome UsageError(std::string message) {
    return {Kind::kUsageError, std::move(message)};
  }
  static CommandOutcome Help() { return {Kind::kHelp, ""}; }
  // Flag parsing as nebula-cert reports it: -h is help, a bad flag a plain error.
  static CommandOutcome FromFlags(const Status& parsed, const FlagSet& flags);
};

struct Subcommand {
  std::string name;     // "ca"
  std::string summary;  // "ca <flags>: create a self signed certificate authority"
  // The flag list printed for -h and after usage errors (FlagSet::Usage()).
  std::function<std::string()> flag_usage;
  // `args` are the words after the subcommand's name.
  std::function<CommandOutcome(const std::vector<std::string>& args, const CertCliIo& io)> run;
};

Subcommand CaSubcommand();
Subcommand KeygenSubcommand();
Subcommand SignSubcommand();
Subcommand PrintSubcommand();
Subcommand VerifySubcommand();
// flatnet's own: onboarding (docs/onboarding.md).
Subcommand BundleSubcommand();
Subcommand InviteSubcommand();
Subcommand InventorySubcommand();
Subcommand ServeSubcommand();

// A system call failure the way Go prints one: "open ca.key: no such file or directory".
std::string SystemError(std::string_view operation, const std::string& path, int error_number);

// Reads a whole file. Errors read like Go's: "open ca.key: no such file or directory".
Result<std::string> ReadWholeFile(const std::string& path);

// The path "-" means standard input for an input flag and standard output for an output
// flag, and each stream may be claimed by one flag only (nebula-cert 1.11.1's rule).
inline constexpr std::string_view kStdioPath = "-";
class StdioClaims {
 public:
  // Claims stdin for each (flag, path) pair whose path is "-". Error: "-ca-key and -ca-crt
  // both set to "-", only one input may read from stdin".
  Status ReserveInputs(const std::vector<std::pair<std::string, std::string>>& flag_paths);
  // The same for stdout: "... only one output may write to stdout".
  Status ReserveOutputs(const std::vector<std::pair<std::string, std::string>>& flag_paths);

 private:
  std::string in_, out_;
};
// The whole of `path`, or of io.in when it is "-".
Result<std::string> ReadInput(const std::string& path, const CertCliIo& io);

// Asks for a passphrase the way nebula-cert does: "Enter passphrase: " on io.err, up to five
// times until one is not empty. Returns "" if all five were empty. Errors: the terminal's
// (kNoTerminal when standard input is not one).
Result<std::string> AskPassphrase(const CertCliIo& io);
// NEBULA_CA_PASSPHRASE from io's environment, "" if unset.
std::string EnvironmentPassphrase(const CertCliIo& io);

// -curve as nebula-cert reads it: "25519", "X25519", "Curve25519", "CURVE25519" or "P256".
// Error: "invalid curve: NAME".
Result<cert::Curve> ParseCurveFlag(const std::string& name);
// The usage error for a required flag left empty: "-name is required".
CommandOutcome Required(std::string_view flag);

// A comma-separated -groups value: items trimmed of white space, empty items dropped.
std::vector<std::string> SplitGroups(const std::string& list);

// A comma-separated list of prefixes for `flag` (-networks, -unsafe-networks) as nebula-cert
// 1.11.1 reads it: items trimmed of spaces, empty items dropped, each parsed as Go's
// netip.ParsePrefix (address kept as written, IPv4 or IPv6). Error: "invalid -networks
// definition: 10.0/8".
Result<std::vector<IpPrefix>> ParseNetList(const std::string& list, std::string_view flag);

// The wall clock as nebula-cert's time.Now(): whole unix seconds, and the nanoseconds past.
struct WallClock {
  int64_t seconds;
  int64_t nanoseconds;
};
WallClock Now();
// Seconds of `now + duration`, rounded down, without overflowing for long durations.
int64_t SecondsAfter(const WallClock& now, std::chrono::nanoseconds duration);

}  // namespace flatnet::app

namespace flatnet::cert {
struct PrivateKey;
}

namespace flatnet::app {

// A CA key file as `sign` reads it (plain, or encrypted: then decrypted with
// NEBULA_CA_PASSPHRASE or a passphrase typed at the terminal). Errors in sign's words.
Result<cert::PrivateKey> ReadCaKey(const std::string& path, const CertCliIo& io);

// A fresh key pair of `curve`: a signing pair (Ed25519 64-byte private key, ECDSA P256 scalar)
// for a CA, a key-agreement pair (X25519, P256 ECDH) for a host.
struct GeneratedKey {
  Bytes private_key;
  Bytes public_key;
};
Result<GeneratedKey> GenerateKey(cert::Curve curve, bool for_ca);

}  // namespace flatnet::app
