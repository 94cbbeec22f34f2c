// `flatnet ping NAME|ADDRESS`: overlay pings with Nebula's test messages, asked of the
// running daemon one at a time over its status socket (control/control_protocol.h), which
// sends each and times its reply on its control thread (mesh/pinger.h). Like ping: -c
// COUNT, -i INTERVAL, -W TIMEOUT (seconds), a line per probe, a summary, exit 0 when any
// reply came, 1 when none did, 2 on an error. Unlike ping, the count is bounded (default
// kDefaultCount), so a forgotten ping ends by itself.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "app/flatnet_control_cli.h"
#include "app/go_flags.h"
#include "base/duration.h"
#include "control/control_protocol.h"
#include "control/status_json.h"
#include "control/status_server.h"

namespace flatnet::app {
namespace {

constexpr int64_t kDefaultCount = 4, kMaxCount = 1000;
constexpr int64_t kMinIntervalMs = 100, kMaxIntervalMs = 60000;

int Usage(FlagSet& flags, const std::string& error) {
  std::fprintf(stderr, "%s\nUsage of flatnet ping: flatnet ping [flags] NAME|ADDRESS\n%s",
               error.c_str(), flags.Usage().c_str());
  return 2;
}

}  // namespace

Result<int64_t> ParsePingSeconds(const std::string& flag, const std::string& text,
                                 int64_t min_ms, int64_t max_ms) {
  double ms = -1;
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(seconds)) {
    ms = seconds * 1000;
  } else if (auto duration = ParseGoDuration(text); duration.ok()) {
    ms = double(duration->count()) / 1e6;
  }
  if (ms < double(min_ms) || ms > double(max_ms)) {
    char bounds[96];
    std::snprintf(bounds, sizeof bounds, "from %g to %g seconds", double(min_ms) / 1000,
                  double(max_ms) / 1000);
    return Status::Error("invalid value \"" + control::Printable(text) + "\" for flag -" + flag +
                         ": a number of seconds " + bounds);
  }
  return int64_t(std::llround(ms));
}

int RunPing(const std::vector<std::string>& args) {
  FlagSet flags("ping");
  std::string config_path, socket_path, interval_text, timeout_text;
  int64_t count = kDefaultCount;
  flags.String(&config_path, "config", "", "Path to the config.yml of the flatnet to ask");
  flags.String(&socket_path, "socket", "",
               "Path to the control socket (default: control.socket from -config, else " +
                   std::string(control::kDefaultSocketPath) + ")");
  flags.Int(&count, "c", kDefaultCount, "Stop after COUNT pings (1 to 1000)");
  flags.String(&interval_text, "i", "1", "Seconds between pings (0.1 to 60, or a duration: 500ms)");
  flags.String(&timeout_text, "W", "5", "Seconds to wait for each reply (0.1 to 60)");
  // Flags may come before or after the target, as with ping.
  std::string target;
  if (Status parsed = flags.Parse(args); !parsed.ok()) return Usage(flags, parsed.message());
  if (!flags.help_requested() && !flags.args().empty()) {
    std::vector<std::string> rest = flags.args();
    target = rest[0];
    if (Status parsed = flags.Parse({rest.begin() + 1, rest.end()}); !parsed.ok())
      return Usage(flags, parsed.message());
    if (!flags.args().empty())
      return Usage(flags, "flatnet ping: one target only, not also \"" + flags.args()[0] + "\"");
  }
  if (flags.help_requested()) {
    std::printf("Usage of flatnet ping: flatnet ping [flags] NAME|ADDRESS\n%s", flags.Usage().c_str());
    return 0;
  }
  if (target.empty()) return Usage(flags, "flatnet ping: name a peer (certificate name) or an overlay address");
  if (count < 1 || count > kMaxCount)
    return Usage(flags, "invalid value \"" + std::to_string(count) + "\" for flag -c: from 1 to " +
                            std::to_string(kMaxCount));
  auto interval_ms = ParsePingSeconds("i", interval_text, kMinIntervalMs, kMaxIntervalMs);
  if (!interval_ms.ok()) return Usage(flags, interval_ms.status().message());
  auto timeout_ms = ParsePingSeconds("W", timeout_text, control::kMinPingTimeoutMs,
                                     control::kMaxPingTimeoutMs);
  if (!timeout_ms.ok()) return Usage(flags, timeout_ms.status().message());
  auto path = ControlSocketPath(socket_path, config_path);
  if (!path.ok()) {
    std::fprintf(stderr, "flatnet ping: %s\n", path.status().message().c_str());
    return 2;
  }

  int received = 0;
  std::vector<int64_t> rtts;
  std::string peer = control::Printable(target);
  std::printf("PING %s with overlay test messages\n", peer.c_str());
  std::fflush(stdout);
  auto next = std::chrono::steady_clock::now();
  for (int seq = 1; seq <= count; ++seq) {
    if (seq > 1) std::this_thread::sleep_until(next);
    next = std::chrono::steady_clock::now() + std::chrono::milliseconds(*interval_ms);
    auto answer = control::AskDaemon(*path, control::PingRequestLine(target, *timeout_ms),
                                      *timeout_ms + 5000);
    if (!answer.ok()) {
      std::fprintf(stderr, "flatnet ping: %s\n", answer.status().message().c_str());
      return 2;
    }
    auto result = control::DecodePingResult(*answer);
    if (!result.ok()) {
      std::fprintf(stderr, "flatnet ping: %s\n", result.status().message().c_str());
      return 2;
    }
    if (result->outcome == mesh::PingResult::Outcome::kError) {
      std::fprintf(stderr, "flatnet ping: %s\n", control::Printable(result->error).c_str());
      return 2;
    }
    if (!result->cert_name.empty())
      peer = control::Printable(result->cert_name) + " (" + result->vpn_ip + ")";
    if (result->outcome == mesh::PingResult::Outcome::kReply) {
      ++received;
      rtts.push_back(result->rtt_ns);
    }
    std::printf("%s\n", control::FormatPingLine(*result, seq, *timeout_ms).c_str());
    std::fflush(stdout);
  }
  std::printf("\n--- %s flatnet ping statistics ---\n%lld sent, %d received, %lld%% loss",
              peer.c_str(), static_cast<long long>(count), received,
              static_cast<long long>((count - received) * 100 / count));
  if (!rtts.empty()) {
    int64_t sum = 0;
    for (int64_t r : rtts) sum += r;
    std::string min = control::FormatRtt(*std::min_element(rtts.begin(), rtts.end()));
    std::string avg = control::FormatRtt(sum / int64_t(rtts.size()));
    std::string max = control::FormatRtt(*std::max_element(rtts.begin(), rtts.end()));
    std::printf(", rtt min/avg/max %s / %s / %s", min.c_str(), avg.c_str(), max.c_str());
  }
  std::printf("\n");
  return received > 0 ? 0 : 1;
}

}  // namespace flatnet::app
