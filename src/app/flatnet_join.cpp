#include "app/flatnet_join.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <sstream>
#include <thread>

#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "app/flatnet_service.h"
#include "app/go_flags.h"
#include "cert/key_pem.h"
#include "config/config.h"
#include "control/status_server.h"
#include "onboard/invite.h"
#include "onboard/join_protocol.h"
#include "onboard/member_config.h"

namespace flatnet::app {
namespace {

// Starts the member's daemon: the systemd service where systemd runs, else a detached
// `flatnet -config CONFIG` logging to `log`. Returns what was started, for the user.
Result<std::string> StartMember(const std::string& config, const std::string& log) {
  ServiceSystem system;
  struct stat st;
  if (stat(system.systemd_marker.c_str(), &st) == 0) {
    std::ostringstream out, err;
    if (RunService({"install", "-config", config}, out, err, system) != 0) {
      return Status::Error(err.str().substr(0, err.str().find('\n')));
    }
    return std::string("started flatnet.service (systemctl status flatnet)");
  }
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error(SystemError("open", log, errno));
  std::string self = FlatnetBinaryPath();
  pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    return Status::Error(SystemError("fork", self, errno));
  }
  if (pid == 0) {
    setsid();
    dup2(fd, 1);
    dup2(fd, 2);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    execl(self.c_str(), self.c_str(), "-config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fd);
  return "started flatnet (pid " + std::to_string(pid) + ", log " + log +
         "); systemd is not running here, so it will not come back after a reboot";
}

// Polls the daemon's status socket until it has a tunnel to one of `lighthouses`; that
// lighthouse, or "" when `wait` passed first.
std::string WaitForLighthouse(const std::string& config_path,
                              const std::vector<std::string>& lighthouses,
                              std::chrono::nanoseconds wait) {
  Result<config::Config> config = config::LoadConfig(config_path, nullptr);
  std::string socket = config.ok() && !config->control.socket.empty()
                           ? config->control.socket
                           : std::string(control::kDefaultSocketPath);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Result<std::string> status = control::FetchStatus(socket, true); status.ok()) {
      size_t tunnels = status->find("\"tunnels\":[");
      for (const std::string& lh : lighthouses) {
        if (tunnels != std::string::npos &&
            status->find("{\"vpnIp\":\"" + lh + "\"", tunnels) != std::string::npos) {
          return lh;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return "";
}

}  // namespace

int RunJoin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  FlagSet flags("join");
  std::string root;
  std::chrono::nanoseconds timeout{};
  flags.String(&root, "root", "/etc/flatnet", "Directory to write the member's files to");
  flags.Duration(&timeout, "timeout", std::chrono::seconds(10),
                 "How long to wait for the CA side at each step");
  bool start = false;
  flags.Bool(&start, "start", false,
             "Then start flatnet (the systemd service where systemd runs, else in the "
             "background) and wait for the lighthouse");
  auto usage = [&] { return "Usage of flatnet join INVITE:\n" + flags.Usage(); };
  // Go's flag parsing stops at the first word that is not a flag; let the invite come first
  // too ("flatnet join INVITE -root DIR").
  std::vector<std::string> words = args;
  if (!words.empty() && !words[0].starts_with("-")) std::rotate(words.begin(), words.begin() + 1, words.end());
  if (Status s = flags.Parse(words); !s.ok()) {
    err << s.message() << "\n" << usage();
    return 2;
  }
  if (flags.help_requested()) {
    out << usage();
    return 0;
  }
  auto fail = [&](const std::string& message) {
    err << "Error: join: " << message << "\n";
    return 1;
  };
  if (flags.args().size() != 1) return fail("give exactly one invite (flatnet join INVITE)");
  if (timeout.count() <= 0) return fail("-timeout must be positive");
  Result<onboard::Invite> invite = onboard::DecodeInvite(flags.args()[0]);
  if (!invite.ok()) return fail(invite.status().message());
  while (root.size() > 1 && root.back() == '/') root.pop_back();

  // Refuse before asking the CA side: a used invite cannot be had back.
  OutputFiles files;
  files.Add("ca", root + "/ca.crt", "CA certificate");
  files.Add("cert", root + "/host.crt", "certificate");
  files.Add("key", root + "/host.key", "key");
  files.Add("config", root + "/config.yml", "config");
  if (Status s = files.CheckWritable(); !s.ok()) {
    return fail(s.message() + " (this host has joined already; move " + root +
                " away to join again)");
  }

  onboard::JoinRequest request;
  request.invite = *invite;
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  request.now = [] { return Now().seconds; };
  request.make_key = [](cert::Curve curve) -> Result<onboard::KeyPair> {
    Result<GeneratedKey> key = GenerateKey(curve, /*for_ca=*/false);
    if (!key.ok()) return key.status();
    return onboard::KeyPair{key->private_key, key->public_key};
  };
  Result<onboard::Joined> joined = onboard::Join(request);
  if (!joined.ok()) return fail(joined.status().message());

  Result<onboard::TeamTemplate> team =
      onboard::ParseTeamTemplate(joined->team_name + "'s team.yml", joined->team_yaml);
  if (!team.ok()) return fail("the CA side sent a team template that does not load: " +
                              team.status().message());
  Result<std::string> config = onboard::RenderMemberConfig(
      *team, joined->name, {root + "/ca.crt", root + "/host.crt", root + "/host.key"},
      joined->blocklist);
  if (!config.ok()) return fail(config.status().message());

  bool made_root = false;
  if (mkdir(root.c_str(), 0700) == 0) {
    made_root = true;
  } else if (errno != EEXIST) {
    return fail(SystemError("mkdir", root, errno));
  }
  files.SetContent("ca", joined->ca_pem);
  files.SetContent("cert", joined->cert_pem);
  files.SetContent("key", cert::FormatPrivateKeyPem(joined->curve, false, joined->key.private_key));
  files.SetContent("config", *config);
  if (Status s = files.Commit(out); !s.ok()) {
    if (made_root) rmdir(root.c_str());
    return fail(s.message());
  }
  std::string lighthouses;
  for (const std::string& lh : team->lighthouses) lighthouses += (lighthouses.empty() ? "" : ", ") + lh;
  const std::string config_path = root + "/config.yml";
  if (!start) {
    out << "joined " << joined->team_name << " as " << joined->name << ", " << joined->network
        << "; lighthouse " << lighthouses << "\n"
        << "wrote " << root << "/{ca.crt,host.crt,host.key,config.yml}; start it with: "
        << "flatnet -config " << config_path << " (or flatnet service install)\n";
    return 0;
  }
  Result<std::string> started = StartMember(config_path, root + "/flatnet.log");
  if (!started.ok()) {
    return fail("joined as " + joined->name + " (files in " + root +
                "), but flatnet did not start: " + started.status().message());
  }
  std::string reached = WaitForLighthouse(config_path, team->lighthouses, 3 * timeout);
  out << "joined " << joined->team_name << " as " << joined->name << ", " << joined->network
      << "; lighthouse "
      << (reached.empty() ? lighthouses + " not reachable yet (flatnet status -config " +
                                config_path + ")"
                          : reached + " reachable")
      << "\n"
      << *started << "\n";
  return reached.empty() ? 1 : 0;
}

}  // namespace flatnet::app
