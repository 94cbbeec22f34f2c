// Command-line flags the way Go's `flag` package reads them, because Nebula's binaries use
// it and flatnet accepts their command lines unchanged (tutorials, scripts, systemd units):
//
//   -name value   -name=value   --name value   --name=value
//   -json  -json=true  -json=false        (a bool flag takes no separate argument)
//
// Parsing stops at the first argument that is not a flag ("-" counts as one) or after "--";
// what is left is in args(). A flag given twice keeps its last value. Errors are Go's,
// word for word: "flag provided but not defined: -foo", "flag needs an argument: -name",
// "invalid value \"x\" for flag -duration: parse error" (or "...: value out of range" for a
// number too large), "invalid boolean value \"x\" for
// -json: parse error", "bad flag syntax: ---x". -h and -help, unless defined, stop parsing
// and set help_requested(). Usage() lists the flags as Go's PrintDefaults does.
//
// A FlagSet writes parsed values straight into the caller's variables, which it sets to
// their defaults when the flag is defined. Not thread-safe; used once per command line.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flatnet::app {

class FlagSet {
 public:
  explicit FlagSet(std::string name) : name_(std::move(name)) {}
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Each registers -name, sets *target to default_value, and keeps `target` to write to.
  void String(std::string* target, std::string_view name, std::string_view default_value,
              std::string_view usage);
  void Bool(bool* target, std::string_view name, bool default_value, std::string_view usage);
  void Int(int64_t* target, std::string_view name, int64_t default_value, std::string_view usage);
  // Go's flag.Uint: strconv.ParseUint(text, 0, 64) ("-1" is a parse error, too large a value
  // "value out of range").
  void Uint(uint64_t* target, std::string_view name, uint64_t default_value,
            std::string_view usage);
  // Go duration syntax ("8760h", "1h30m", "100ms"), see base/duration.h.
  void Duration(std::chrono::nanoseconds* target, std::string_view name,
                std::chrono::nanoseconds default_value, std::string_view usage);

  // Parses `args` (the words after the program or subcommand name).
  Status Parse(const std::vector<std::string>& args);

  bool help_requested() const { return help_requested_; }
  // Arguments left after the flags.
  const std::vector<std::string>& args() const { return rest_; }
  // True if the command line gave the flag (even with its default value).
  bool WasSet(std::string_view name) const;
  const std::string& name() const { return name_; }

  // One entry per flag, sorted by name, exactly as Go's PrintDefaults:
  //   "  -duration duration\n    \tHow long... (default 8760h0m0s)\n"
  std::string Usage() const;

 private:
  enum class Kind { kString, kBool, kInt, kUint, kDuration };
  struct Flag {
    Kind kind;
    void* target;
    std::string usage;
    std::string default_text;  // the default as Go prints it
    bool set = false;
  };

  void Define(std::string_view name, Kind kind, void* target, std::string_view usage,
              std::string default_text);
  // Stores `value` into the flag; "" on success, else Go's reason ("parse error", "value out
  // of range").
  static std::string Assign(const Flag& flag, std::string_view value);

  std::string name_;
  std::map<std::string, Flag, std::less<>> flags_;
  std::vector<std::string> rest_;
  bool help_requested_ = false;
};

// Go's strconv.Quote for the ASCII range: "a\"b" with \n, \t, \x01 escapes.
std::string GoQuote(std::string_view text);

}  // namespace flatnet::app
