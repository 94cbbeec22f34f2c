// The command-line syntax of a forward: the protocol word, LISTEN and TARGET, and the way
// a `cmd:` TARGET's output names an address. Pure text handling, no sockets or lookups.
//
//   PROTOCOL  udp | tcp
//   LISTEN    ADDRESS:PORT | [IPV6]:PORT | :PORT        (":4242" listens on 0.0.0.0)
//   TARGET    ADDRESS[:PORT] | HOST[:PORT] | cmd:COMMAND
//
// ADDRESS is an IPv4 or IPv6 literal (IPv6 in brackets when a port follows), HOST a name
// for getaddrinfo. The target's port is the one written in TARGET; when TARGET has none
// (always so for cmd:), it is -target-port if given, else LISTEN's port — the WSL2 case
// forwards 4242 to 4242. -target-port together with a TARGET that has a port is an error,
// since one of the two would be ignored.
//
// Errors name the argument and its text: `LISTEN "4242": want ADDRESS:PORT, e.g. 0.0.0.0:4242`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "forward/socket_address.h"

namespace flatnet::forward {

enum class Protocol { kUdp, kTcp };

Result<Protocol> ParseProtocol(std::string_view text);
const char* ProtocolName(Protocol protocol);  // "udp" / "tcp"

// A host:port split without interpreting either part. `port` is nullopt when the text has
// none ("example.org", "2001:db8::1", "[2001:db8::1]"); a bad port is an error.
struct HostPort {
  std::string host;  // brackets removed; may be empty (":4242")
  std::optional<uint16_t> port;
};
Result<HostPort> SplitHostPort(std::string_view text);

// LISTEN: an address literal (or nothing, meaning 0.0.0.0) and a port in 1..65535.
Result<SocketAddress> ParseListen(std::string_view text);

struct TargetSpec {
  enum class Kind { kAddress, kHostName, kCommand };
  Kind kind = Kind::kAddress;
  std::string text;     // TARGET as given, for messages
  std::string host;     // kAddress: the literal; kHostName: the name
  std::string command;  // kCommand: what follows "cmd:"
  uint16_t port = 0;

  // Whether the address can change while we run (names and commands are looked up again).
  bool changes() const { return kind != Kind::kAddress; }
};

// target_port: the -target-port flag, when given.
Result<TargetSpec> ParseTarget(std::string_view text, std::optional<uint16_t> target_port,
                               uint16_t listen_port);

// The address a cmd: target printed: the first whitespace-separated token of `output` that
// is an IPv4 or IPv6 literal, optionally with a /prefix length (so `ip -o addr` output
// works: "inet 172.28.1.5/20" gives 172.28.1.5). NUL bytes are dropped first, because
// wsl.exe's own messages are UTF-16. nullopt when no token is an address.
std::optional<std::string> FirstAddressToken(std::string_view output);

}  // namespace flatnet::forward
