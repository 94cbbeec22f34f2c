// flatnet-cert invite, inventory and serve: the CA side of `flatnet join`
// (docs/onboarding.md).
//
//   invite     records an invite in the inventory (name, address or the next free one in
//              team.network, groups, lifetime) and prints the text to paste to the member
//   inventory  lists invites and members; -revoke ID closes an invite; -remove NAME marks a
//              member removed and prints the pki.blocklist every host should get
//   serve      answers joins (onboard/join_protocol.h) with the CA key, until -for has
//              passed or no invite is open any more
//
// The CA key is read only by serve, and only into memory; invite needs just ca.crt (its
// fingerprint is the pin) and so can run where the key is not.
#include <csignal>
#include <ctime>

#include "app/flatnet_cert_command.h"
#include "cert/certificate.h"
#include "cert/certificate_format.h"
#include "cert/key_pem.h"
#include "cert/root_constraints.h"
#include "onboard/inventory.h"
#include "onboard/invite.h"
#include "onboard/join_protocol.h"
#include "onboard/member_config.h"

namespace flatnet::app {
namespace {

struct CaSide {
  std::string ca_crt = "ca.crt", team = "team.yml", inventory = "inventory.txt";
};
void DefineCaSideFlags(FlagSet& flags, CaSide* o) {
  flags.String(&o->ca_crt, "ca-crt", "ca.crt", "Optional: path to the team's CA cert");
  flags.String(&o->team, "team", "team.yml",
               "Optional: the team's member config template (docs/onboarding.md)");
  flags.String(&o->inventory, "inventory", "inventory.txt",
               "Optional: the CA side's record of invites and members");
}

Result<cert::Certificate> ReadCa(const std::string& path) {
  Result<std::string> pem = ReadWholeFile(path);
  if (!pem.ok()) return Status::Error("error while reading ca-crt: " + pem.status().message());
  Result<cert::Certificate> ca = cert::ParseCertificatePem(*pem);
  if (!ca.ok()) return Status::Error("error while parsing ca-crt: " + ca.status().message());
  if (!ca->is_ca) return Status::Error(path + " is not a CA certificate");
  return ca;
}

// ---- invite ------------------------------------------------------------------------------

struct InviteOptions {
  CaSide side;
  std::string name, networks, groups, join;
  std::chrono::nanoseconds ttl{};
};

void DefineInviteFlags(FlagSet& flags, InviteOptions* o) {
  flags.String(&o->name, "name", "", "Required: the new member's name, usually a hostname");
  flags.String(&o->networks, "networks", "",
               "Optional: the member's address and network in CIDR notation (default: the next "
               "free address in team.network)");
  flags.String(&o->groups, "groups", "", "Optional: comma separated list of groups");
  flags.Duration(&o->ttl, "ttl", std::chrono::hours(24),
                 "Optional: how long the invite can be used");
  flags.String(&o->join, "join", "",
               "Optional: HOST:PORT where serve answers joins (default: team.join)");
  DefineCaSideFlags(flags, &o->side);
}

CommandOutcome RunInvite(const std::vector<std::string>& args, const CertCliIo& io) {
  InviteOptions o;
  FlagSet flags("invite");
  DefineInviteFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (o.name.empty()) return Required("name");
  if (o.name.find_first_of("\t\n") != std::string::npos) {
    return CommandOutcome::UsageError("-name must not contain tabs or newlines");
  }
  if (o.ttl.count() <= 0) return CommandOutcome::UsageError("-ttl must be positive");

  Result<cert::Certificate> ca = ReadCa(o.side.ca_crt);
  if (!ca.ok()) return CommandOutcome::Error(ca.status().message());
  Result<onboard::TeamTemplate> team = onboard::LoadTeamTemplate(o.side.team);
  if (!team.ok()) return CommandOutcome::Error(team.status().message());
  std::string join = o.join.empty() ? team->join_address : o.join;
  if (join.empty()) {
    return CommandOutcome::UsageError("-join is required when " + o.side.team +
                                      " has no team.join (where serve answers joins)");
  }
  std::vector<std::string> groups = SplitGroups(o.groups);
  for (const std::string& g : groups) {
    if (g.find_first_of("\t\n") != std::string::npos) {
      return CommandOutcome::UsageError("-groups must not contain tabs or newlines");
    }
  }
  std::optional<IpPrefix> wanted;
  if (!o.networks.empty()) {
    Result<std::vector<IpPrefix>> nets = ParseNetList(o.networks, "networks");
    if (!nets.ok()) return CommandOutcome::UsageError(nets.status().message());
    if (nets->size() != 1 || !(*nets)[0].is_v4()) {
      return CommandOutcome::UsageError("-networks takes one IPv4 address for an invite");
    }
    wanted = (*nets)[0];
  } else if (!team->network) {
    return CommandOutcome::UsageError("-networks is required when " + o.side.team +
                                      " has no team.network to pick the next free address in");
  }
  std::vector<IpAddr> reserved;
  for (const std::string& lh : team->lighthouses) {
    if (Result<IpAddr> ip = ParseIpAddr(lh); ip.ok()) reserved.push_back(*ip);
  }

  WallClock now = Now();
  int64_t expires = SecondsAfter(now, o.ttl);
  onboard::Invite invite = onboard::NewInvite(expires, ca->Fingerprint(), join);
  IpPrefix network;
  Status recorded = onboard::UpdateInventory(o.side.inventory, [&](onboard::Inventory& inv) {
    for (const onboard::MemberRecord& m : inv.members) {
      if (m.name == o.name && m.state == "active") {
        return Status::Error(o.name + " is already a member (flatnet-cert inventory -remove " +
                             o.name + " first)");
      }
    }
    for (const onboard::InviteRecord& i : inv.invites) {
      if (i.name == o.name && i.state == "open" && i.expires > now.seconds) {
        return Status::Error(o.name + " has an open invite already (flatnet-cert inventory " +
                             "-revoke " + i.id + " first)");
      }
    }
    if (wanted) {
      if (std::find(reserved.begin(), reserved.end(), wanted->addr()) != reserved.end() ||
          inv.AddressTaken(wanted->addr())) {
        return Status::Error(wanted->addr().ToString() + " is taken");
      }
      network = *wanted;
    } else {
      Result<IpPrefix> next = inv.NextFree(*team->network, reserved);
      if (!next.ok()) return next.status();
      network = *next;
    }
    if (Status s = cert::CheckRootConstraints(*ca, now.seconds, ca->not_after - 1, groups,
                                              {network}, {});
        !s.ok()) {
      return Status::Error("the CA would not sign this: " + s.message());
    }
    inv.invites.push_back(onboard::InviteRecord{invite.IdHex(), o.name, network.ToString(),
                                                groups, expires,
                                                onboard::SecretDigestHex(invite.secret), "open"});
    return Status::Ok();
  });
  if (!recorded.ok()) return CommandOutcome::Error(recorded.message());
  io.out << onboard::EncodeInvite(invite) << "\n";
  io.err << "invite " << invite.IdHex() << " for " << o.name << " (" << network.ToString()
         << "), usable once until " << cert::FormatRfc3339(expires)
         << ": run `flatnet join INVITE` as root on the new member while `flatnet-cert serve` "
            "answers at "
         << join << "\n";
  return CommandOutcome::Ok();
}

// ---- inventory ---------------------------------------------------------------------------

struct InventoryOptions {
  CaSide side;
  std::string revoke, remove;
};

void DefineInventoryFlags(FlagSet& flags, InventoryOptions* o) {
  flags.String(&o->revoke, "revoke", "", "Optional: close the open invite with this id");
  flags.String(&o->remove, "remove", "",
               "Optional: remove the member with this name (its cert goes on the blocklist)");
  DefineCaSideFlags(flags, &o->side);
}

std::string Groups(const std::vector<std::string>& groups) {
  std::string out;
  for (const std::string& g : groups) out += (out.empty() ? "" : ",") + g;
  return out.empty() ? "-" : out;
}

CommandOutcome RunInventory(const std::vector<std::string>& args, const CertCliIo& io) {
  InventoryOptions o;
  FlagSet flags("inventory");
  DefineInventoryFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (!o.revoke.empty() && !o.remove.empty()) {
    return CommandOutcome::UsageError("cannot set both -revoke and -remove");
  }
  int64_t now = Now().seconds;
  if (!o.revoke.empty()) {
    Status s = onboard::UpdateInventory(o.side.inventory, [&](onboard::Inventory& inv) {
      onboard::InviteRecord* r = inv.FindInvite(o.revoke);
      if (!r) return Status::Error("no invite " + o.revoke + " in " + o.side.inventory);
      if (r->state != "open") return Status::Error("invite " + o.revoke + " is " + r->state);
      r->state = "revoked";
      return Status::Ok();
    });
    if (!s.ok()) return CommandOutcome::Error(s.message());
    io.err << "invite " << o.revoke << " revoked\n";
    return CommandOutcome::Ok();
  }
  if (!o.remove.empty()) {
    std::vector<std::string> removed, blocklist;
    Status s = onboard::UpdateInventory(o.side.inventory, [&](onboard::Inventory& inv) {
      for (onboard::MemberRecord& m : inv.members) {
        if (m.name == o.remove && m.state == "active") {
          m.state = "removed";
          removed.push_back(m.fingerprint);
        }
      }
      if (removed.empty()) {
        return Status::Error("no active member " + o.remove + " in " + o.side.inventory);
      }
      blocklist = inv.Blocklist();
      return Status::Ok();
    });
    if (!s.ok()) return CommandOutcome::Error(s.message());
    io.err << o.remove << " removed; new members get the blocklist. Give every running host "
           << "this pki.blocklist (then SIGHUP or restart it):\n";
    io.out << "pki:\n  blocklist:\n";
    for (const std::string& fp : blocklist) io.out << "    - " << fp << "\n";
    return CommandOutcome::Ok();
  }
  Result<onboard::Inventory> inv = onboard::ReadInventory(o.side.inventory);
  if (!inv.ok()) return CommandOutcome::Error(inv.status().message());
  for (const onboard::MemberRecord& m : inv->members) {
    io.out << "member  " << m.name << "  " << m.network << "  groups " << Groups(m.groups)
           << "  " << m.state << "  until " << cert::FormatRfc3339(m.not_after) << "  via "
           << m.how << "  " << m.fingerprint << "\n";
  }
  for (const onboard::InviteRecord& i : inv->invites) {
    std::string state = i.state == "open" && i.expires <= now ? "expired" : i.state;
    io.out << "invite  " << i.name << "  " << i.network << "  groups " << Groups(i.groups) << "  "
           << state << "  until " << cert::FormatRfc3339(i.expires) << "  id " << i.id << "\n";
  }
  return CommandOutcome::Ok();
}

// ---- serve -------------------------------------------------------------------------------

struct ServeOptions {
  CaSide side;
  std::string ca_key = "ca.key", listen;
  std::chrono::nanoseconds for_{};
};

void DefineServeFlags(FlagSet& flags, ServeOptions* o) {
  flags.String(&o->ca_key, "ca-key", "ca.key", "Optional: path to the signing CA key");
  flags.String(&o->listen, "listen", "",
               "Optional: HOST:PORT to answer joins on (default: team.join's port on all "
               "addresses)");
  flags.Duration(&o->for_, "for", std::chrono::nanoseconds(0),
                 "Optional: stop after this long (default: when no invite is open any more)");
  DefineCaSideFlags(flags, &o->side);
}

volatile std::sig_atomic_t stop_serving = 0;

size_t OpenInvites(const std::string& path, int64_t now) {
  Result<onboard::Inventory> inv = onboard::ReadInventory(path);
  if (!inv.ok()) return 0;
  size_t open = 0;
  for (const onboard::InviteRecord& i : inv->invites) open += i.state == "open" && i.expires > now;
  return open;
}

CommandOutcome RunServe(const std::vector<std::string>& args, const CertCliIo& io) {
  ServeOptions o;
  FlagSet flags("serve");
  DefineServeFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;

  Result<cert::Certificate> ca = ReadCa(o.side.ca_crt);
  if (!ca.ok()) return CommandOutcome::Error(ca.status().message());
  Result<cert::PrivateKey> key = ReadCaKey(o.ca_key, io);
  if (!key.ok()) return CommandOutcome::Error(key.status().message());
  if (!ca->VerifyPrivateKey(key->curve, key->key).ok()) {
    return CommandOutcome::Error("refusing to serve, " + o.side.ca_crt +
                                 " does not match the private key " + o.ca_key);
  }
  Result<onboard::TeamTemplate> team = onboard::LoadTeamTemplate(o.side.team);
  if (!team.ok()) return CommandOutcome::Error(team.status().message());
  std::string listen = o.listen;
  if (listen.empty()) {
    size_t colon = team->join_address.rfind(':');
    if (colon == std::string::npos) {
      return CommandOutcome::UsageError("-listen is required when " + o.side.team +
                                        " has no team.join");
    }
    listen = "0.0.0.0" + team->join_address.substr(colon);
  }
  Result<std::unique_ptr<onboard::TlsServer>> server = onboard::TlsServer::Listen(listen);
  if (!server.ok()) return CommandOutcome::Error(server.status().message());

  Result<std::string> ca_pem = ReadWholeFile(o.side.ca_crt);
  onboard::JoinService service{*ca, ca_pem.ok() ? *ca_pem : ca->MarshalToPem(), key->key,
                               o.side.team, o.side.inventory, [] { return Now().seconds; }};
  WallClock start = Now();
  int64_t until = o.for_.count() > 0 ? SecondsAfter(start, o.for_) : 0;
  stop_serving = 0;
  auto previous_int = std::signal(SIGINT, [](int) { stop_serving = 1; });
  auto previous_term = std::signal(SIGTERM, [](int) { stop_serving = 1; });
  io.err << "serving joins for " << (team->name.empty() ? ca->name : team->name) << " on "
         << listen << " (port " << (*server)->port() << "), "
         << OpenInvites(o.side.inventory, start.seconds) << " invite(s) open\n";
  io.err.flush();
  size_t joined = 0, failed = 0;
  std::string why = "interrupted";
  while (!stop_serving) {
    int64_t now = Now().seconds;
    if (until && now >= until) {
      why = "-for has passed";
      break;
    }
    if (OpenInvites(o.side.inventory, now) == 0) {
      why = "no invite is open";
      break;
    }
    Result<std::unique_ptr<onboard::TlsConnection>> c =
        (*server)->Accept(std::chrono::milliseconds(1000), std::chrono::milliseconds(10000));
    if (!c.ok()) {
      ++failed;
      io.err << c.status().message() << "\n";
    } else if (*c) {
      onboard::JoinService::Outcome outcome = service.Handle(**c, (*server)->certificate_der());
      ++(outcome.joined ? joined : failed);
      io.err << outcome.line << "\n";
    }
    io.err.flush();
  }
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  io.err << "stopped: " << why << "; " << joined << " joined, " << failed
         << " refused or failed\n";
  return CommandOutcome::Ok();
}

template <typename Options>
Subcommand Make(std::string name, std::string summary,
                void (*define)(FlagSet&, Options*),
                CommandOutcome (*run)(const std::vector<std::string>&, const CertCliIo&)) {
  return Subcommand{name, summary,
                    [name, define] {
                      Options o;
                      FlagSet flags(name);
                      define(flags, &o);
                      return flags.Usage();
                    },
                    run};
}

}  // namespace

Subcommand InviteSubcommand() {
  return Make<InviteOptions>("invite",
                             "invite <flags>: make a one-time invite for `flatnet join`",
                             DefineInviteFlags, RunInvite);
}
Subcommand InventorySubcommand() {
  return Make<InventoryOptions>(
      "inventory", "inventory <flags>: list invites and members; revoke an invite; remove a member",
      DefineInventoryFlags, RunInventory);
}
Subcommand ServeSubcommand() {
  return Make<ServeOptions>("serve",
                            "serve <flags>: answer `flatnet join` while invites are open",
                            DefineServeFlags, RunServe);
}

}  // namespace flatnet::app
