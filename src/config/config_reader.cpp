#include "config/config_reader.h"

#include <algorithm>
#include <charconv>

#include "base/duration.h"

namespace flatnet::config {
namespace {

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string Lower(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(tolower(static_cast<unsigned char>(c))));
  return out;
}

// yaml.v2 then strconv.Atoi: an optional sign, a base prefix, digits and `_` separators.
// A leading 0 means octal when every digit allows it (yaml.v2's reading of `0755`).
std::optional<int64_t> ParseInteger(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != '_') digits.push_back(c);
  }
  bool negative = false;
  std::string_view s = digits;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0' &&
             s.find_first_not_of("01234567") == std::string_view::npos) {
    base = 8;
  }
  if (s.empty()) return std::nullopt;
  uint64_t magnitude = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (negative) {
    if (magnitude > uint64_t{1} << 63) return std::nullopt;
    return magnitude == 0 ? 0 : -static_cast<int64_t>(magnitude - 1) - 1;
  }
  if (magnitude > uint64_t(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

}  // namespace

const YamlNode* ConfigReader::Get(std::string_view path) {
  read_.emplace(path);
  const YamlNode* node = &root_;
  size_t start = 0;
  while (node) {
    size_t dot = path.find('.', start);
    node = node->Find(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return node && !node->is_null() ? node : nullptr;
}

const YamlNode* ConfigReader::GetOpaque(std::string_view path) {
  opaque_.emplace(path);
  return Get(path);
}

void ConfigReader::Error(const YamlNode* at, std::string_view path, const std::string& message) {
  const YamlNode& where = at ? *at : root_;
  std::string line = at && at->line > 0 ? ":" + std::to_string(at->line) : "";
  errors_.push_back(where.source + line + ": " + std::string(path) + ": " + message);
}

void ConfigReader::Warn(const YamlNode* at, std::string_view path, const std::string& message) {
  const YamlNode& where = at ? *at : root_;
  warnings_.push_back({where.source, at ? at->line : 0, std::string(path) + ": " + message});
}

std::optional<bool> ParseBoolWord(std::string_view text) {
  std::string word = Lower(text);
  for (const char* yes : {"true", "yes", "on", "y", "t", "1"}) {
    if (word == yes) return true;
  }
  for (const char* no : {"false", "no", "off", "n", "f", "0"}) {
    if (word == no) return false;
  }
  return std::nullopt;
}

std::optional<bool> ConfigReader::ToBool(const YamlNode& node, std::string_view path) {
  if (!node.is_scalar()) {
    Error(&node, path, "must be true or false, not " + std::string(node.KindName()));
    return std::nullopt;
  }
  auto value = ParseBoolWord(node.scalar);
  if (!value) Error(&node, path, Quoted(node.scalar) + " is not a boolean (use true or false)");
  return value;
}

std::optional<int64_t> ConfigReader::ToInt(const YamlNode& node, std::string_view path, int64_t min,
                                           int64_t max) {
  if (!node.is_scalar()) {
    Error(&node, path, "must be a number, not " + std::string(node.KindName()));
    return std::nullopt;
  }
  auto value = ParseInteger(node.scalar);
  if (!value) {
    Error(&node, path, Quoted(node.scalar) + " is not a whole number");
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    Error(
        &node, path,
        node.scalar + " is out of range (" + std::to_string(min) + "-" + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> ConfigReader::ToString(const YamlNode& node, std::string_view path) {
  if (node.is_scalar()) return node.scalar;
  Error(&node, path, "must be a single value, not " + std::string(node.KindName()));
  return std::nullopt;
}

std::optional<IpAddr> ConfigReader::ToIp(const YamlNode& node, std::string_view path) {
  auto text = ToString(node, path);
  if (!text) return std::nullopt;
  auto ip = ParseIp(*text);
  if (!ip) Error(&node, path, Quoted(*text) + " is not an IP address");
  return ip;
}

std::optional<IpPrefix> ConfigReader::ToNetwork(const YamlNode& node, std::string_view path) {
  auto text = ToString(node, path);
  if (!text) return std::nullopt;
  auto network = ParseNetwork(*text);
  if (!network) Error(&node, path, Quoted(*text) + " is not a CIDR (like 10.0.0.0/8)");
  return network;
}

std::optional<HostPort> ConfigReader::ToHostPort(const YamlNode& node, std::string_view path) {
  auto text = ToString(node, path);
  if (!text) return std::nullopt;
  auto parsed = HostPort::Parse(*text);
  if (!parsed.ok()) {
    Error(&node, path, Quoted(*text) + " is not host:port (" + parsed.status().message() + ")");
    return std::nullopt;
  }
  return std::move(parsed.value());
}

bool ConfigReader::Bool(std::string_view path, bool fallback) {
  const YamlNode* node = Get(path);
  if (!node) return fallback;
  return ToBool(*node, path).value_or(fallback);
}

int64_t ConfigReader::Int(std::string_view path, int64_t fallback, int64_t min, int64_t max) {
  const YamlNode* node = Get(path);
  if (!node) return fallback;
  return ToInt(*node, path, min, max).value_or(fallback);
}

uint16_t ConfigReader::Port(std::string_view path, uint16_t fallback) {
  const YamlNode* node = Get(path);
  if (!node) return fallback;
  auto value = node->is_scalar() ? ParseInteger(node->scalar) : std::nullopt;
  if (!value || *value < 0 || *value > 65535) {
    std::string shown = node->is_scalar() ? Quoted(node->scalar) : std::string(node->KindName());
    Error(node, path, shown + " is not a port number (0-65535)");
    return fallback;
  }
  return static_cast<uint16_t>(*value);
}

std::string ConfigReader::String(std::string_view path, const std::string& fallback) {
  const YamlNode* node = Get(path);
  if (!node) return fallback;
  return ToString(*node, path).value_or(fallback);
}

std::chrono::nanoseconds ConfigReader::Duration(std::string_view path,
                                                std::chrono::nanoseconds fallback) {
  const YamlNode* node = Get(path);
  if (!node) return fallback;
  auto text = ToString(*node, path);
  if (!text) return fallback;
  auto duration = flatnet::ParseGoDuration(*text);
  if (!duration.ok()) {
    Error(node, path,
          Quoted(*text) +
              " is not a duration (a number with a unit: \"300ms\", \"2s\", "
              "\"1h30m\")");
    return fallback;
  }
  if (duration->count() < 0) {
    Error(node, path, Quoted(*text) + " is negative");
    return fallback;
  }
  return *duration;
}

std::vector<std::string> ConfigReader::StringList(std::string_view path) {
  std::vector<std::string> out;
  const YamlNode* node = Get(path);
  if (!node) return out;
  if (!node->is_sequence()) {
    Error(node, path, "must be a list (one `- value` per line, or [a, b])");
    return out;
  }
  for (const YamlNode& item : node->items) {
    if (auto text = ToString(item, path)) out.push_back(*text);
  }
  return out;
}

std::vector<IpAddr> ConfigReader::IpList(std::string_view path) {
  std::vector<IpAddr> out;
  const YamlNode* node = Get(path);
  if (!node) return out;
  if (!node->is_sequence()) {
    Error(node, path, "must be a list of IP addresses");
    return out;
  }
  for (const YamlNode& item : node->items) {
    if (auto ip = ToIp(item, path)) out.push_back(*ip);
  }
  return out;
}

bool ConfigReader::IsKnownPrefix(const std::string& path) const {
  auto it = read_.lower_bound(path + ".");
  return it != read_.end() && it->starts_with(path + ".");
}

void ConfigReader::Walk(const YamlNode& node, const std::string& path) {
  for (const auto& [key, value] : node.entries) {
    std::string child = path.empty() ? key : path + "." + key;
    if (opaque_.count(child)) continue;
    bool read = read_.count(child) > 0;
    bool prefix = IsKnownPrefix(child);
    if (!read && !prefix) {
      warnings_.push_back({value.source, value.line, "unknown key " + Quoted(child)});
    } else if (prefix && value.is_map()) {
      Walk(value, child);
    }
  }
}

void ConfigReader::WarnUnknownKeys() { Walk(root_, ""); }

void ConfigReader::WarnUnknownFields(const YamlNode& map, std::string_view path,
                                     std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : map.entries) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      warnings_.push_back(
          {value.source, value.line, "unknown key " + Quoted(std::string(path) + "." + key)});
    }
  }
}

}  // namespace flatnet::config
