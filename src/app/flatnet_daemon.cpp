#include "app/flatnet_daemon.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app/flatnet_control_cli.h"
#include "app/flatnet_forward_cli.h"
#include "app/flatnet_join.h"
#include "app/flatnet_reload.h"
#include "app/flatnet_service.h"
#include "app/go_flags.h"
#include "app/sd_notify.h"
#include "base/log.h"
#include "config/config.h"
#include "control/dashboard_server.h"
#include "control/metrics_server.h"
#include "control/status_server.h"
#include "mesh/node.h"

namespace flatnet::app {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

std::string SocketPathOf(const config::Config& config) {
  return config.control.socket.empty() ? control::kDefaultSocketPath : config.control.socket;
}

int RunDaemon(const std::string& config_path, bool test_only) {
  std::vector<config::Warning> warnings;
  auto config = config::LoadConfig(config_path, &warnings);
  if (!config.ok()) return Fail("failed to load config: " + config.status().message());
  log::Logger& logger = log::Default();
  logger.Configure(config->logging.ToOptions());
  for (const config::Warning& warning : warnings) logger.Warn(warning.ToString());

  const bool prometheus = config->stats.type == "prometheus";
  if (prometheus) {
    if (auto listen = control::ParseListenAddress("stats.listen", config->stats.listen);
        !listen.ok())
      return Fail("failed to load config: " + listen.status().message());
  }
  auto node = mesh::Node::Create(*config, logger);
  if (!node.ok()) return Fail("failed to start: " + node.status().message());
  // The dashboard's address must be loopback or ours on the overlay: the certificate says
  // which are ours, so this waits for the node's credentials.
  const bool dashboard = !config->dashboard.listen.empty();
  if (dashboard) {
    std::vector<IpAddr> ours;
    for (const IpPrefix& network : (*node)->credentials().networks) ours.push_back(network.addr());
    if (auto listen = control::CheckDashboardListen(config->dashboard.listen, ours); !listen.ok())
      return Fail("failed to load config: " + listen.status().message());
  }
  if (test_only) return 0;

  // Signals are taken by sigwait below, so block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (Status started = (*node)->Start(); !started.ok())
    return Fail("failed to start: " + started.message());
  control::StatusServer status_server;
  mesh::Node* raw = node->get();
  if (Status serving = status_server.Start(
          SocketPathOf(*config), [raw] { return raw->Report(); },
          [raw](const mesh::PingRequest& request, std::function<void(mesh::PingResult)> done) {
            raw->Ping(request, std::move(done));
          },
          [raw](std::function<void(mesh::NetcheckReport)> done) { raw->Netcheck(std::move(done)); });
      !serving.ok()) {
    logger.Warn("control socket unavailable; `flatnet status` will not work",
                {{"error", serving.message()}});
  }
  control::MetricsServer metrics_server;
  if (prometheus) {
    Status serving = metrics_server.Start(
        config->stats.listen, config->stats.path,
        {config->stats.namespace_name, config->stats.subsystem},
        {config->stats.message_metrics, config->stats.lighthouse_metrics},
        [raw] { return raw->Report(); });
    if (!serving.ok()) {
      status_server.Stop();
      (*node)->Stop();
      return Fail("failed to start: " + serving.message());
    }
    logger.Info("Prometheus metrics served",
                {{"listen", config->stats.listen}, {"path", config->stats.path}});
  }
  // After Start: an overlay address exists once the TUN device has it.
  control::DashboardServer dashboard_server;
  if (dashboard) {
    if (Status serving =
            dashboard_server.Start(config->dashboard.listen, [raw] { return raw->Report(); });
        !serving.ok()) {
      metrics_server.Stop();
      status_server.Stop();
      (*node)->Stop();
      return Fail("failed to start: " + serving.message());
    }
    logger.Info("Dashboard served", {{"listen", config->dashboard.listen}});
  }
  // Under systemd (Type=notify): the tun, sockets and status socket are up.
  if (Status ready = NotifySystemd("READY=1", std::getenv("NOTIFY_SOCKET")); !ready.ok()) {
    logger.Warn("could not tell systemd we are ready", {{"error", ready.message()}});
  }
  // `flatnet reload` waits for an answer newer than this one (flatnet_reload.h).
  const std::string reload_answer = ReloadAnswerPath(SocketPathOf(*config));
  uint64_t reloads_answered = 0;
  (void)WriteReloadAnswer(reload_answer, {::getpid(), 0, true, {"started"}});
  for (;;) {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal == SIGHUP) {
      ReloadDaemon(config_path, **node, logger, reload_answer, ++reloads_answered);
      continue;
    }
    logger.Info("Caught signal, shutting down",
                {{"signal", signal == SIGINT ? "interrupt" : "terminated"}});
    break;
  }
  dashboard_server.Stop();
  metrics_server.Stop();
  status_server.Stop();
  ::unlink(reload_answer.c_str());
  (*node)->Stop();
  logger.Info("Goodbye");
  return 0;
}

}  // namespace

int RunFlatnet(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "status") return RunStatus({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "reload") {
    return RunReload({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "ping") return RunPing({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "netcheck") return RunNetcheck({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "service") {
    return RunService({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "join") {
    return RunJoin({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "forward") {
    return RunForward({args.begin() + 1, args.end()}, "flatnet forward");
  }

  FlagSet flags("flatnet");
  std::string config_path;
  bool test_only = false, print_version = false;
  flags.String(&config_path, "config", "",
               "Path to either a file or directory to load configuration from");
  flags.Bool(&test_only, "test", false,
             "Test the config and print the end result. Non zero exit indicates a faulty config");
  flags.Bool(&print_version, "version", false, "Print version");
  if (Status parsed = flags.Parse(args); !parsed.ok()) {
    std::fprintf(stderr, "%s\nUsage of flatnet:\n%s", parsed.message().c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::printf(
        "Usage of flatnet:\n%s\nSubcommands:\n"
        "  status\tshow the peers, paths, round trips and drop counters of a running flatnet\n"
        "  reload\tmake a running flatnet reread its config, and say whether it took it\n"
        "  ping NAME|ADDRESS\toverlay pings (test messages): round trip, direct or relayed\n"
        "  netcheck\twhether the lighthouses answer, what they see of us, our NAT's kind\n"
        "  join INVITE\tjoin a team with an invite from flatnet-cert invite (docs/onboarding.md)\n"
        "  service unit|install|uninstall|status\tflatnet as a systemd service\n"
        "  forward udp|tcp LISTEN TARGET\tforward a port (the WSL2 helper; see docs/forward.md)\n",
        flags.Usage().c_str());
    return 0;
  }
  if (print_version) {
    std::printf("Version: %s\n", FLATNET_VERSION);
    return 0;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "-config flag must be set\nUsage of flatnet:\n%s", flags.Usage().c_str());
    return 1;
  }
  return RunDaemon(config_path, test_only);
}

}  // namespace flatnet::app
