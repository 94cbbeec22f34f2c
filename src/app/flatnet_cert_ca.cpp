// flatnet-cert ca: creates a self-signed CA certificate and its Ed25519 key, with
// nebula-cert 1.6's flags and defaults (one year, ca.crt, ca.key).
#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "cert/utf8.h"
#include "crypto/ed25519.h"

namespace flatnet::app {
namespace {

struct CaOptions {
  std::string name;
  std::chrono::nanoseconds duration;
  std::string out_key;
  std::string out_crt;
  std::string out_qr;
  std::string groups;
  std::string ips;
  std::string subnets;
};

void DefineFlags(FlagSet& flags, CaOptions* o) {
  flags.String(&o->name, "name", "", "Required: name of the certificate authority");
  flags.Duration(&o->duration, "duration", std::chrono::hours(8760),
                 "Optional: amount of time the certificate should be valid for. Valid time units "
                 "are seconds: \"s\", minutes: \"m\", hours: \"h\"");
  flags.String(&o->out_key, "out-key", "ca.key", "Optional: path to write the private key to");
  flags.String(&o->out_crt, "out-crt", "ca.crt", "Optional: path to write the certificate to");
  flags.String(&o->out_qr, "out-qr", "",
               "Optional: output a qr code image (png) of the certificate");
  flags.String(&o->groups, "groups", "",
               "Optional: comma separated list of groups. This will limit which groups "
               "subordinate certs can use");
  flags.String(&o->ips, "ips", "",
               "Optional: comma separated list of ipv4 address and network in CIDR notation. "
               "This will limit which ipv4 addresses and networks subordinate certs can use for "
               "ip addresses");
  flags.String(&o->subnets, "subnets", "",
               "Optional: comma separated list of ipv4 address and network in CIDR notation. "
               "This will limit which ipv4 addresses and networks subordinate certs can use in "
               "subnets");
}

CommandOutcome RunCa(const std::vector<std::string>& args, std::ostream&) {
  CaOptions o;
  FlagSet flags("ca");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;

  if (o.name.empty()) return Required("name");
  if (o.out_key.empty()) return Required("out-key");
  if (o.out_crt.empty()) return Required("out-crt");
  if (o.duration.count() <= 0) {
    return CommandOutcome::UsageError("-duration must be greater than 0");
  }
  if (!cert::IsValidUtf8(o.name)) return CommandOutcome::UsageError("-name is not valid UTF-8");

  cert::Certificate ca;
  ca.name = o.name;
  ca.is_ca = true;
  ca.groups = SplitGroups(o.groups);
  for (const std::string& group : ca.groups) {
    if (!cert::IsValidUtf8(group)) return CommandOutcome::UsageError("-groups is not valid UTF-8");
  }
  Result<std::vector<IpPrefix>> ips = ParseNetList(o.ips, "ips", /*keep_host=*/true);
  if (!ips.ok()) return CommandOutcome::UsageError(ips.status().message());
  ca.networks = *ips;
  Result<std::vector<IpPrefix>> subnets = ParseNetList(o.subnets, "subnets", false);
  if (!subnets.ok()) return CommandOutcome::UsageError(subnets.status().message());
  ca.unsafe_networks = *subnets;

  OutputFiles outputs;
  outputs.Add("out-key", o.out_key, "CA key");
  outputs.Add("out-crt", o.out_crt, "CA cert");
  if (!o.out_qr.empty()) outputs.Add("out-qr", o.out_qr, "QR code");
  if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());

  WallClock now = Now();
  ca.not_before = now.seconds;
  ca.not_after = SecondsAfter(now, o.duration);
  crypto::Ed25519KeyPair key = crypto::Ed25519Generate();
  ca.public_key.assign(key.public_key.begin(), key.public_key.end());
  if (Status s = ca.Sign(cert::Curve::kCurve25519, key.private_key); !s.ok()) {
    return CommandOutcome::Error("error while signing: " + s.message());
  }

  std::string pem = ca.MarshalToPem();
  outputs.SetContent("out-key", cert::FormatEd25519PrivateKeyPem(key.private_key));
  outputs.SetContent("out-crt", pem);
  if (!o.out_qr.empty()) {
    if (Status qr = outputs.SetQrCode(pem); !qr.ok()) return CommandOutcome::Error(qr.message());
  }
  if (Status s = outputs.Commit(); !s.ok()) return CommandOutcome::Error(s.message());
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand CaSubcommand() {
  return Subcommand{"ca", "ca <flags>: create a self signed certificate authority",
                    [] {
                      CaOptions o;
                      FlagSet flags("ca");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunCa};
}

}  // namespace flatnet::app
