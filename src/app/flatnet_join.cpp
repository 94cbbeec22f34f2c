#include "app/flatnet_join.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "app/go_flags.h"
#include "cert/key_pem.h"
#include "onboard/invite.h"
#include "onboard/join_protocol.h"
#include "onboard/member_config.h"

namespace flatnet::app {

int RunJoin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  FlagSet flags("join");
  std::string root;
  std::chrono::nanoseconds timeout{};
  flags.String(&root, "root", "/etc/flatnet", "Directory to write the member's files to");
  flags.Duration(&timeout, "timeout", std::chrono::seconds(10),
                 "How long to wait for the CA side at each step");
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
  out << "joined " << joined->team_name << " as " << joined->name << ", " << joined->network
      << "; lighthouse " << lighthouses << "\n"
      << "wrote " << root << "/{ca.crt,host.crt,host.key,config.yml}; start it with: flatnet -config "
      << root << "/config.yml\n";
  return 0;
}

}  // namespace flatnet::app
