// What every flatnet-cert subcommand (ca, keygen, sign, print, verify) shares: how it reports
// its outcome to the dispatcher (flatnet_cert_cli.cpp), and the input helpers that keep
// their error messages uniform.
//
// A subcommand never prints errors itself. It returns an outcome; the dispatcher prints
// "Error: <message>" and, for usage errors and -h, the subcommand's flag list, exactly where
// nebula-cert does, and turns the outcome into the exit code (0 ok or help, 1 otherwise).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/go_flags.h"
#include "base/ip_prefix.h"
#include "base/status.h"

namespace flatnet::app {

struct CommandOutcome {
  enum class Kind { kOk, kError, kUsageError, kHelp };
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
  // `args` are the words after the subcommand's name; `out` receives normal output (print).
  std::function<CommandOutcome(const std::vector<std::string>& args, std::ostream& out)> run;
};

Subcommand CaSubcommand();
Subcommand KeygenSubcommand();
Subcommand SignSubcommand();
Subcommand PrintSubcommand();
Subcommand VerifySubcommand();

// A system call failure the way Go prints one: "open ca.key: no such file or directory".
std::string SystemError(std::string_view operation, const std::string& path, int error_number);

// Reads a whole file. Errors read like Go's: "open ca.key: no such file or directory".
Result<std::string> ReadWholeFile(const std::string& path);

// The usage error for a required flag left empty: "-name is required".
CommandOutcome Required(std::string_view flag);

// A comma-separated -groups value: items trimmed of white space, empty items dropped.
std::vector<std::string> SplitGroups(const std::string& list);

// A comma-separated list of CIDRs for `flag` (-ips, -subnets). keep_host keeps the address
// as written (-ips); otherwise the network address is kept (-subnets), as nebula-cert does.
// Error: "invalid -subnets definition: invalid CIDR address: 10.0/8".
Result<std::vector<IpPrefix>> ParseNetList(const std::string& list, std::string_view flag,
                                           bool keep_host);
// One IPv4 CIDR as nebula-cert 1.6's -ip takes it: "invalid CIDR address: TEXT", or "can only
// be ipv4, have TEXT" for an IPv6 one.
Result<IpPrefix> ParseIpv4Cidr(std::string_view text);

// The wall clock as nebula-cert's time.Now(): whole unix seconds, and the nanoseconds past.
struct WallClock {
  int64_t seconds;
  int64_t nanoseconds;
};
WallClock Now();
// Seconds of `now + duration`, rounded down, without overflowing for long durations.
int64_t SecondsAfter(const WallClock& now, std::chrono::nanoseconds duration);

}  // namespace flatnet::app
