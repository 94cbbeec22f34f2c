// Small helpers shared by the lab tools: argument parsing that names the bad flag, IPv4
// endpoints and endpoints of either family, deadlines. The tools are test equipment, so every error exits with status 2
// and a message that says which argument was wrong; nothing here throws.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace lab {

[[noreturn]] inline void Fail(const char* tool, const char* fmt, ...) {
  std::fprintf(stderr, "%s: ", tool);
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::exit(2);
}

// Parses a decimal integer in [lo, hi]; `what` names the flag in the error message.
inline uint64_t ParseNumber(const char* tool, const char* what, std::string_view text, uint64_t lo,
                            uint64_t hi) {
  if (text.empty() || text.size() > 19)
    Fail(tool, "%s: '%.*s' is not a number", what, int(text.size()), text.data());
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      Fail(tool, "%s: '%.*s' is not a number", what, int(text.size()), text.data());
    }
    value = value * 10 + uint64_t(c - '0');
  }
  if (value < lo || value > hi) {
    Fail(tool, "%s: %llu is outside %llu..%llu", what, (unsigned long long)value,
         (unsigned long long)lo, (unsigned long long)hi);
  }
  return value;
}

// Parses "A.B.C.D:PORT" into a sockaddr_in.
inline sockaddr_in ParseEndpoint(const char* tool, const char* what, const std::string& text) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) Fail(tool, "%s: '%s' is not ADDR:PORT", what, text.c_str());
  std::string host = text.substr(0, colon);
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    Fail(tool, "%s: '%s' is not an IPv4 address", what, host.c_str());
  }
  addr.sin_port = htons(uint16_t(ParseNumber(tool, what, text.substr(colon + 1), 1, 65535)));
  return addr;
}

inline std::string FormatEndpoint(const sockaddr_in& addr) {
  char host[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(ntohs(addr.sin_port));
}

// An endpoint of either address family, as the socket calls take it.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Parses "A.B.C.D:PORT", "[IPV6]:PORT" or "IPV6:PORT" (the port is what follows the last
// colon) into a SocketAddress.
inline SocketAddress ParseAnyEndpoint(const char* tool, const char* what, const std::string& text) {
  SocketAddress out;
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) Fail(tool, "%s: '%s' is not ADDR:PORT", what, text.c_str());
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  uint16_t port = htons(uint16_t(ParseNumber(tool, what, text.substr(colon + 1), 1, 65535)));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = port;
    out.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = port;
    out.length = sizeof(sockaddr_in6);
  } else {
    Fail(tool, "%s: '%s' is neither an IPv4 nor an IPv6 address", what, host.c_str());
  }
  return out;
}

// "A.B.C.D:PORT" or "[IPV6]:PORT"; an IPv4-mapped IPv6 address (what a dual-stack socket
// reports for an IPv4 peer) is shown as the IPv4 address it is.
inline std::string FormatAnyEndpoint(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    return FormatEndpoint(*reinterpret_cast<const sockaddr_in*>(addr));
  }
  if (addr->sa_family != AF_INET6) return "(address family " + std::to_string(addr->sa_family) + ")";
  const auto& v6 = *reinterpret_cast<const sockaddr_in6*>(addr);
  std::string port = std::to_string(ntohs(v6.sin6_port));
  if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
    inet_ntop(AF_INET, &v6.sin6_addr.s6_addr[12], host, sizeof(host));
    return std::string(host) + ":" + port;
  }
  inet_ntop(AF_INET6, &v6.sin6_addr, host, sizeof(host));
  return "[" + std::string(host) + "]:" + port;
}

// A point in time after which a bounded loop must stop.
class Deadline {
 public:
  explicit Deadline(double seconds)
      : end_(std::chrono::steady_clock::now() +
             std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                 std::chrono::duration<double>(seconds))) {}
  bool Passed() const { return std::chrono::steady_clock::now() >= end_; }
  // Milliseconds left, at least 0; fits poll()'s timeout argument.
  int RemainingMs() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end_ - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : int(left.count());
  }

 private:
  std::chrono::steady_clock::time_point end_;
};

}  // namespace lab
