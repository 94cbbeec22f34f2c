// Input helpers shared by the flatnet-cert subcommands (see flatnet_cert_command.h).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>

#include "app/flatnet_cert_command.h"
#include "crypto/ed25519.h"
#include "crypto/p256.h"
#include "crypto/x25519.h"

namespace flatnet::app {

CommandOutcome CommandOutcome::FromFlags(const Status& parsed, const FlagSet& flags) {
  if (!parsed.ok()) return {Kind::kFlagError, parsed.message()};
  if (flags.help_requested()) return Help();
  return Ok();
}

Status StdioClaims::ReserveInputs(
    const std::vector<std::pair<std::string, std::string>>& flag_paths) {
  for (const auto& [flag, path] : flag_paths) {
    if (path != kStdioPath) continue;
    if (!in_.empty() && in_ != flag) {
      return Status::Error("-" + in_ + " and -" + flag +
                           " both set to \"-\", only one input may read from stdin");
    }
    in_ = flag;
  }
  return Status::Ok();
}

Status StdioClaims::ReserveOutputs(
    const std::vector<std::pair<std::string, std::string>>& flag_paths) {
  for (const auto& [flag, path] : flag_paths) {
    if (path != kStdioPath) continue;
    if (!out_.empty() && out_ != flag) {
      return Status::Error("-" + out_ + " and -" + flag +
                           " both set to \"-\", only one output may write to stdout");
    }
    out_ = flag;
  }
  return Status::Ok();
}

Result<std::string> ReadInput(const std::string& path, const CertCliIo& io) {
  if (path != kStdioPath) return ReadWholeFile(path);
  std::string content((std::istreambuf_iterator<char>(io.in)), std::istreambuf_iterator<char>());
  if (io.in.bad()) return Status::Error("read /dev/stdin: input/output error");
  return content;
}

Result<std::string> AskPassphrase(const CertCliIo& io) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    io.err << "Enter passphrase: " << std::flush;
    Result<std::string> typed = io.read_passphrase
                                    ? io.read_passphrase()
                                    : Result<std::string>(Status::Error(std::string(kNoTerminal)));
    if (!typed.ok()) return typed.status();
    if (!typed->empty()) return typed;
  }
  return std::string();
}

std::string EnvironmentPassphrase(const CertCliIo& io) {
  if (!io.getenv) return "";
  return io.getenv("NEBULA_CA_PASSPHRASE").value_or("");
}

Result<cert::Curve> ParseCurveFlag(const std::string& name) {
  if (name == "25519" || name == "X25519" || name == "Curve25519" || name == "CURVE25519") {
    return cert::Curve::kCurve25519;
  }
  if (name == "P256") return cert::Curve::kP256;
  return Status::Error("invalid curve: " + name);
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

Result<std::vector<IpPrefix>> ParseNetList(const std::string& list, std::string_view flag) {
  std::vector<IpPrefix> nets;
  if (list.empty()) return nets;
  for (const std::string& raw : SplitComma(list)) {
    // nebula-cert trims only spaces here: "10.0.0.0/8, 10.1.0.0/16" works.
    std::string item = Trim(raw, IsSpaceOnly);
    if (item.empty()) continue;
    Result<IpPrefix> net = ParseIpPrefix(item);
    if (!net.ok()) {
      return Status::Error("invalid -" + std::string(flag) + " definition: " + item);
    }
    nets.push_back(*net);
  }
  return nets;
}

Result<GeneratedKey> GenerateKey(cert::Curve curve, bool for_ca) {
  GeneratedKey key;
  if (curve == cert::Curve::kP256) {
    // One P-256 key serves ECDSA (CA) and ECDH (host) alike; only the file banner differs.
    Result<crypto::P256KeyPair> pair = crypto::GenerateP256KeyPair();
    if (!pair.ok()) return pair.status();
    key.private_key = pair->private_key;
    key.public_key = pair->public_key;
  } else if (for_ca) {
    crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
    key.private_key.assign(pair.private_key.begin(), pair.private_key.end());
    key.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  } else {
    crypto::X25519KeyPair pair = crypto::X25519Generate();
    key.private_key.assign(pair.private_key.begin(), pair.private_key.end());
    key.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  }
  return key;
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
