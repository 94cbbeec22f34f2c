#include "app/flatnet_reload.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/go_flags.h"
#include "config/config.h"
#include "control/status_server.h"
#include "mesh/reload.h"

namespace flatnet::app {
namespace {

std::string Join(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& key : keys) out += (out.empty() ? "" : ", ") + key;
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// The pid of the process serving the control socket at `path`. The connection is used as a
// `flatnet status` one (a request, then the answer is drained) so the server is not held up.
Result<int64_t> DaemonPid(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    return Status::Error("control socket path too long: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::string error = std::strerror(errno);
    ::close(fd);
    return Status::Error("no flatnet is running with control socket " + path + " (" + error +
                         "; see control.socket in config.yml)");
  }
  ucred peer{};
  socklen_t length = sizeof peer;
  const bool known = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0;
  ::send(fd, "text\n", 5, MSG_NOSIGNAL);
  char buffer[4096];
  while (::read(fd, buffer, sizeof buffer) > 0) {
  }
  ::close(fd);
  if (!known || peer.pid <= 0)
    return Status::Error("cannot tell which process serves " + path);
  return int64_t(peer.pid);
}

}  // namespace

std::string ReloadAnswerPath(const std::string& socket_path) { return socket_path + ".reload"; }

Status WriteReloadAnswer(const std::string& path, const ReloadAnswer& answer) {
  std::string text = "pid " + std::to_string(answer.pid) + "\nanswered " +
                     std::to_string(answer.answered) + "\n" +
                     (answer.accepted ? "accepted\n" : "refused\n");
  for (const std::string& line : answer.lines) text += line + "\n";
  const std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error(temporary + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string error = std::strerror(errno);
    ::unlink(temporary.c_str());
    return Status::Error(path + ": " + error);
  }
  return Status::Ok();
}

Result<ReloadAnswer> ReadReloadAnswer(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> lines = SplitLines(text.str());
  ReloadAnswer answer;
  if (lines.size() < 3 || lines[0].rfind("pid ", 0) != 0 || lines[1].rfind("answered ", 0) != 0 ||
      (lines[2] != "accepted" && lines[2] != "refused"))
    return Status::Error(path + ": not a reload answer");
  answer.pid = std::strtoll(lines[0].c_str() + 4, nullptr, 10);
  answer.answered = std::strtoull(lines[1].c_str() + 9, nullptr, 10);
  answer.accepted = lines[2] == "accepted";
  answer.lines.assign(lines.begin() + 3, lines.end());
  return answer;
}

void ReloadDaemon(const std::string& config_path, mesh::Node& node, const log::Logger& logger,
                  const std::string& answer_path, uint64_t answered) {
  logger.Info("Caught HUP, reloading config", {{"config", config_path}});
  ReloadAnswer answer;
  answer.pid = ::getpid();
  answer.answered = answered;
  std::vector<config::Warning> warnings;
  auto config = config::LoadConfig(config_path, &warnings);
  Result<mesh::ReloadOutcome> outcome =
      config.ok() ? node.Reload(*config) : Result<mesh::ReloadOutcome>(config.status());
  if (outcome.ok()) {
    for (const config::Warning& warning : warnings) logger.Warn(warning.ToString());
    answer.lines.push_back("applied: " + (outcome->changed.empty() ? std::string("nothing changed")
                                                                   : Join(outcome->changed)));
    if (!outcome->restart_needed.empty())
      answer.lines.push_back("restart needed for: " + Join(outcome->restart_needed));
  } else {
    answer.accepted = false;
    answer.lines = SplitLines(outcome.status().message());
    for (const std::string& line : answer.lines)
      logger.Error("Failed to reload config, keeping the running one",
                   {{"config", config_path}, {"error", line}});
  }
  if (Status written = WriteReloadAnswer(answer_path, answer); !written.ok())
    logger.Warn("could not write the reload answer for `flatnet reload`",
                {{"error", written.message()}});
}

int RunReload(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  FlagSet flags("reload");
  std::string config_path, socket_path;
  flags.String(&config_path, "config", "", "Path to the config.yml of the flatnet to reload");
  flags.String(&socket_path, "socket", "",
               "Path to the control socket (default: control.socket from -config, else " +
                   std::string(control::kDefaultSocketPath) + ")");
  if (Status parsed = flags.Parse(args); !parsed.ok()) {
    err << parsed.message() << "\nUsage of flatnet reload:\n" << flags.Usage();
    return 2;
  }
  if (flags.help_requested()) {
    out << "Usage of flatnet reload:\n" << flags.Usage();
    return 0;
  }
  if (!flags.args().empty()) {
    err << "flatnet reload: unexpected argument " << flags.args()[0] << "\n";
    return 2;
  }
  if (socket_path.empty() && !config_path.empty()) {
    // The config is needed for control.socket; one that does not load is reported here, and
    // the daemon is left alone.
    auto config = config::LoadConfig(config_path, nullptr);
    if (!config.ok()) {
      err << "flatnet reload: " << config_path
          << " does not load; nothing was sent to the daemon:\n"
          << config.status().message() << "\n";
      return 1;
    }
    socket_path = config->control.socket;
  }
  if (socket_path.empty()) socket_path = control::kDefaultSocketPath;

  auto pid = DaemonPid(socket_path);
  if (!pid.ok()) {
    err << "flatnet reload: " << pid.status().message() << "\n";
    return 1;
  }
  const std::string answer_path = ReloadAnswerPath(socket_path);
  auto before = ReadReloadAnswer(answer_path);
  const uint64_t last = before.ok() && before->pid == *pid ? before->answered : 0;
  const bool had_answer = before.ok() && before->pid == *pid;
  if (::kill(pid_t(*pid), SIGHUP) != 0) {
    err << "flatnet reload: cannot signal flatnet (pid " << *pid << "): " << std::strerror(errno)
        << "\n";
    return 1;
  }
  // The daemon answers after reading the files and installing the config: well under a
  // second; 15 s bounds a daemon that is stuck or too old to answer.
  for (int i = 0; i < 300; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto answer = ReadReloadAnswer(answer_path);
    if (!answer.ok() || answer->pid != *pid) continue;
    if (had_answer && answer->answered <= last) continue;
    if (answer->accepted) {
      out << "flatnet (pid " << *pid << ") reloaded " << (config_path.empty() ? "its config" : config_path)
          << "\n";
      for (const std::string& line : answer->lines) out << "  " << line << "\n";
      return 0;
    }
    err << "flatnet (pid " << *pid << ") refused the new config and keeps running the old one:\n";
    for (const std::string& line : answer->lines) err << "  " << line << "\n";
    return 1;
  }
  err << "flatnet reload: flatnet (pid " << *pid << ") did not answer within 15 s; see its log\n";
  return 1;
}

}  // namespace flatnet::app
