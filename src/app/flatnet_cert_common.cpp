// Input helpers shared by the flatnet-cert subcommands (see flatnet_cert_command.h).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "app/flatnet_cert_command.h"

namespace flatnet::app {

CommandOutcome CommandOutcome::FromFlags(const Status& parsed, const FlagSet& flags) {
  if (!parsed.ok()) return Error(parsed.message());
  if (flags.help_requested()) return Help();
  return Ok();
}

std::string SystemError(std::string_view operation, const std::string& path, int error_number) {
  std::string reason = std::strerror(error_number);
  // Go spells system errors in lower case ("no such file or directory").
  if (!reason.empty()) reason[0] = char(std::tolower(static_cast<unsigned char>(reason[0])));
  return std::string(operation) + " " + path + ": " + reason;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(SystemError("open", path, errno));
  std::string content;
  char buffer[8192];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;  // EISDIR for a directory: "read ca.crt: is a directory"
      close(fd);
      return Status::Error(SystemError("read", path, error));
    }
    if (n == 0) break;
    content.append(buffer, size_t(n));
  }
  close(fd);
  return content;
}

CommandOutcome Required(std::string_view flag) {
  return CommandOutcome::UsageError("-" + std::string(flag) + " is required");
}

namespace {

bool IsGoSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string> SplitComma(const std::string& list) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    items.push_back(list.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

bool IsSpaceOnly(char c) { return c == ' '; }

std::string Trim(std::string text, bool (*trimmed)(char)) {
  while (!text.empty() && trimmed(text.back())) text.pop_back();
  size_t first = 0;
  while (first < text.size() && trimmed(text[first])) ++first;
  return text.substr(first);
}

}  // namespace

std::vector<std::string> SplitGroups(const std::string& list) {
  std::vector<std::string> groups;
  if (list.empty()) return groups;
  for (const std::string& item : SplitComma(list)) {
    std::string group = Trim(item, IsGoSpace);
    if (!group.empty()) groups.push_back(group);
  }
  return groups;
}

Result<IpPrefix> ParseIpv4Cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash != std::string_view::npos &&
      text.substr(0, slash).find(':') != std::string_view::npos) {
    return Status::Error("can only be ipv4, have " + std::string(text));
  }
  Result<IpPrefix> prefix = ParseIpPrefix(text);
  if (!prefix.ok() || !prefix->is_v4()) {
    return Status::Error("invalid CIDR address: " + std::string(text));
  }
  return prefix;
}

Result<std::vector<IpPrefix>> ParseNetList(const std::string& list, std::string_view flag,
                                           bool keep_host) {
  std::vector<IpPrefix> nets;
  if (list.empty()) return nets;
  for (const std::string& raw : SplitComma(list)) {
    // nebula-cert trims only spaces here: "10.0.0.0/8, 10.1.0.0/16" works.
    std::string item = Trim(raw, IsSpaceOnly);
    if (item.empty()) continue;
    Result<IpPrefix> net = ParseIpv4Cidr(item);
    if (!net.ok()) return net.status().Wrap("invalid -" + std::string(flag) + " definition");
    nets.push_back(keep_host ? *net : net->Masked());
  }
  return nets;
}

WallClock Now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return WallClock{int64_t(ts.tv_sec), int64_t(ts.tv_nsec)};
}

int64_t SecondsAfter(const WallClock& now, std::chrono::nanoseconds duration) {
  constexpr int64_t kBillion = 1'000'000'000;
  int64_t whole = duration.count() / kBillion;
  int64_t fraction = duration.count() % kBillion + now.nanoseconds;
  // Round toward minus infinity, as Go's Time.Unix does for the sum.
  int64_t carry = fraction >= 0 ? fraction / kBillion : -((-fraction + kBillion - 1) / kBillion);
  return now.seconds + whole + carry;
}

}  // namespace flatnet::app
