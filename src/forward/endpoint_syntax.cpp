#include "forward/endpoint_syntax.h"

#include <cctype>

namespace flatnet::forward {

namespace {

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

Result<uint16_t> ParsePort(std::string_view text) {
  uint32_t value = 0;
  bool digits = !text.empty() && text.size() <= 5;
  for (char c : text) {
    if (c < '0' || c > '9') digits = false;
    if (digits) value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (!digits || value < 1 || value > 65535) {
    return Status::Error("port " + Quote(text) + " is not a number in 1..65535");
  }
  return static_cast<uint16_t>(value);
}

bool IsHostNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Result<Protocol> ParseProtocol(std::string_view text) {
  if (text == "udp") return Protocol::kUdp;
  if (text == "tcp") return Protocol::kTcp;
  return Status::Error("unknown protocol " + Quote(text) + " (want udp or tcp)");
}

const char* ProtocolName(Protocol protocol) { return protocol == Protocol::kUdp ? "udp" : "tcp"; }

Result<HostPort> SplitHostPort(std::string_view text) {
  HostPort result;
  if (text.empty()) return Status::Error("is empty");
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Status::Error("has '[' without ']'");
    result.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return result;
    if (rest.front() != ':') return Status::Error("has text after ']' that is not :PORT");
    Result<uint16_t> port = ParsePort(rest.substr(1));
    if (!port.ok()) return port.status();
    result.port = *port;
    return result;
  }
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    result.host = std::string(text);
    return result;
  }
  if (text.find(':', colon + 1) != std::string_view::npos) {
    // Several colons and no brackets: an IPv6 address without a port.
    result.host = std::string(text);
    return result;
  }
  result.host = std::string(text.substr(0, colon));
  Result<uint16_t> port = ParsePort(text.substr(colon + 1));
  if (!port.ok()) return port.status();
  result.port = *port;
  return result;
}

Result<SocketAddress> ParseListen(std::string_view text) {
  const std::string what = "LISTEN " + Quote(text);
  Result<HostPort> parts = SplitHostPort(text);
  if (!parts.ok()) return parts.status().Wrap(what);
  if (!parts->port) {
    return Status::Error(what + ": want ADDRESS:PORT, e.g. 0.0.0.0:4242 or :4242");
  }
  std::string host = parts->host.empty() ? "0.0.0.0" : parts->host;
  std::optional<SocketAddress> address = SocketAddress::FromIpLiteral(host, *parts->port);
  if (!address) {
    return Status::Error(what + ": " + Quote(host) +
                         " is not an IP address (LISTEN takes an address, not a host name)");
  }
  return *address;
}

Result<TargetSpec> ParseTarget(std::string_view text, std::optional<uint16_t> target_port,
                               uint16_t listen_port) {
  const std::string what = "TARGET " + Quote(text);
  TargetSpec spec;
  spec.text = std::string(text);
  if (text.substr(0, 4) == "cmd:") {
    std::string_view command = Trim(text.substr(4));
    if (command.empty()) return Status::Error(what + ": no command after cmd:");
    spec.kind = TargetSpec::Kind::kCommand;
    spec.command = std::string(command);
    spec.port = target_port.value_or(listen_port);
    return spec;
  }
  Result<HostPort> parts = SplitHostPort(text);
  if (!parts.ok()) return parts.status().Wrap(what);
  if (parts->host.empty()) return Status::Error(what + ": no address or host name before the port");
  if (parts->port && target_port) {
    return Status::Error(what + " has a port and -target-port is set too; give only one");
  }
  spec.port = parts->port.value_or(target_port.value_or(listen_port));
  spec.host = parts->host;
  if (SocketAddress::FromIpLiteral(spec.host, spec.port)) {
    spec.kind = TargetSpec::Kind::kAddress;
    return spec;
  }
  // A name starts with a letter or digit; "-x" is more likely a misplaced flag.
  bool name = std::isalnum(static_cast<unsigned char>(spec.host.front())) != 0;
  for (char c : spec.host) name = name && IsHostNameCharacter(c);
  if (!name) {
    return Status::Error(what + ": " + Quote(spec.host) +
                         " is neither an IP address nor a host name (to run a command, write "
                         "cmd:COMMAND)");
  }
  spec.kind = TargetSpec::Kind::kHostName;
  return spec;
}

std::optional<std::string> FirstAddressToken(std::string_view output) {
  std::string text;
  text.reserve(output.size());
  for (char c : output) {
    if (c != '\0') text.push_back(c);
  }
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (start == i) break;
    std::string_view token = std::string_view(text).substr(start, i - start);
    if (size_t slash = token.find('/'); slash != std::string_view::npos) {
      std::string_view bits = token.substr(slash + 1);
      bool prefix_length = !bits.empty() && bits.size() <= 3;
      for (char c : bits) prefix_length = prefix_length && c >= '0' && c <= '9';
      if (!prefix_length) continue;
      token = token.substr(0, slash);
    }
    if (SocketAddress::FromIpLiteral(token, 0)) return std::string(token);
  }
  return std::nullopt;
}

}  // namespace flatnet::forward
