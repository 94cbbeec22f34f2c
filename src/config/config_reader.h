// Typed, validated access to a config tree by nebula's dotted key paths ("listen.port").
// Internal to src/config: section parsers use it; other modules use config.h.
//
// Contract:
//  - Getters return the fallback when a key is absent or empty (`key:` / `key: ~`), which
//    is how nebula treats them.
//  - A present value of the wrong type or out of range records an error
//    "file:line: key: what is wrong" and returns the fallback; parsing goes on so the user
//    sees every error at once.
//  - Accepted forms follow nebula (yaml.v2 + its getters): booleans true/false, yes/no, on/off,
//    y/n, t/f, 1/0 in any case; integers in decimal, 0x hex, 0o/0 octal, 0b binary, with
//    `_` separators; durations in Go syntax ("300ms", "1h30m").
//  - Every key read is remembered; UnknownKeyWarnings() reports keys nobody read.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/ip_address.h"
#include "config/warning.h"
#include "config/yaml_tree.h"

namespace flatnet::config {

class ConfigReader {
 public:
  explicit ConfigReader(const YamlNode& root) : root_(root) {}

  // The node at `path`, or nullptr if absent or empty. Marks `path` as read.
  const YamlNode* Get(std::string_view path);
  // Like Get, and also the whole subtree is the caller's to validate (no unknown-key checks).
  const YamlNode* GetOpaque(std::string_view path);
  bool IsSet(std::string_view path) { return Get(path) != nullptr; }

  bool Bool(std::string_view path, bool fallback);
  int64_t Int(std::string_view path, int64_t fallback, int64_t min, int64_t max);
  uint16_t Port(std::string_view path, uint16_t fallback);
  std::string String(std::string_view path, const std::string& fallback);
  std::chrono::nanoseconds Duration(std::string_view path, std::chrono::nanoseconds fallback);
  // A list of single values; absent gives an empty list.
  std::vector<std::string> StringList(std::string_view path);
  std::vector<IpAddr> IpList(std::string_view path);

  // The same conversions for a node found by other means (list items, rule fields). `path`
  // names it in messages. nullopt after recording an error.
  std::optional<bool> ToBool(const YamlNode& node, std::string_view path);
  std::optional<int64_t> ToInt(const YamlNode& node, std::string_view path, int64_t min,
                               int64_t max);
  std::optional<std::string> ToString(const YamlNode& node, std::string_view path);
  std::optional<IpAddr> ToIp(const YamlNode& node, std::string_view path);
  std::optional<IpPrefix> ToNetwork(const YamlNode& node, std::string_view path);
  std::optional<HostPort> ToHostPort(const YamlNode& node, std::string_view path);

  // "file:line: path: message" (line left out when unknown).
  void Error(const YamlNode* at, std::string_view path, const std::string& message);
  void Warn(const YamlNode* at, std::string_view path, const std::string& message);

  // Keys present in the tree that no getter asked for, as warnings.
  void WarnUnknownKeys();
  // The same for a map read as a whole (a firewall rule, a route): keys not in `known`.
  void WarnUnknownFields(const YamlNode& map, std::string_view path,
                         std::initializer_list<std::string_view> known);

  const std::vector<std::string>& errors() const { return errors_; }
  std::vector<Warning>& warnings() { return warnings_; }
  const YamlNode& root() const { return root_; }

 private:
  void Walk(const YamlNode& node, const std::string& path);
  bool IsKnownPrefix(const std::string& path) const;

  const YamlNode& root_;
  std::set<std::string, std::less<>> read_;
  std::set<std::string, std::less<>> opaque_;
  std::vector<std::string> errors_;
  std::vector<Warning> warnings_;
};

// nebula's boolean words (see above); nullopt for anything else.
std::optional<bool> ParseBoolWord(std::string_view text);

}  // namespace flatnet::config
