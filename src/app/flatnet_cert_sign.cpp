// flatnet-cert sign: issues a host certificate from a CA, with nebula-cert 1.6's flags,
// defaults (ca.crt/ca.key, NAME.crt/NAME.key, valid until 1 second before the CA expires)
// and refusals (a CA key that does not match, an expired CA, the CA's constraints).
#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "cert/root_constraints.h"
#include "cert/utf8.h"
#include "crypto/x25519.h"

namespace flatnet::app {
namespace {

struct SignOptions {
  std::string ca_key;
  std::string ca_crt;
  std::string name;
  std::string ip;
  std::chrono::nanoseconds duration;
  std::string in_pub;
  std::string out_key;
  std::string out_crt;
  std::string out_qr;
  std::string groups;
  std::string subnets;
};

void DefineFlags(FlagSet& flags, SignOptions* o) {
  flags.String(&o->ca_key, "ca-key", "ca.key", "Optional: path to the signing CA key");
  flags.String(&o->ca_crt, "ca-crt", "ca.crt", "Optional: path to the signing CA cert");
  flags.String(&o->name, "name", "", "Required: name of the cert, usually a hostname");
  flags.String(&o->ip, "ip", "",
               "Required: ipv4 address and network in CIDR notation to assign the cert");
  flags.Duration(&o->duration, "duration", std::chrono::nanoseconds(0),
                 "Optional: how long the cert should be valid for. The default is 1 second "
                 "before the signing cert expires. Valid time units are seconds: \"s\", minutes: "
                 "\"m\", hours: \"h\"");
  flags.String(&o->in_pub, "in-pub", "",
               "Optional (if out-key not set): path to read a previously generated public key");
  flags.String(&o->out_key, "out-key", "",
               "Optional (if in-pub not set): path to write the private key to");
  flags.String(&o->out_crt, "out-crt", "", "Optional: path to write the certificate to");
  flags.String(&o->out_qr, "out-qr", "",
               "Optional: output a qr code image (png) of the certificate");
  flags.String(&o->groups, "groups", "", "Optional: comma separated list of groups");
  flags.String(&o->subnets, "subnets", "",
               "Optional: comma separated list of ipv4 address and network in CIDR notation. "
               "Subnets this cert can serve for");
}

// "error while parsing ca-key ca.key: <why>": the flag and the file it named.
CommandOutcome FileError(std::string_view doing, std::string_view flag, const std::string& path,
                         const Status& why) {
  return CommandOutcome::Error(std::string(doing) + " " + std::string(flag) + " " + path + ": " +
                               why.message());
}

CommandOutcome RunSign(const std::vector<std::string>& args, std::ostream&) {
  SignOptions o;
  FlagSet flags("sign");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;

  if (o.ca_key.empty()) return Required("ca-key");
  if (o.ca_crt.empty()) return Required("ca-crt");
  if (o.name.empty()) return Required("name");
  if (o.ip.empty()) return Required("ip");
  if (!o.in_pub.empty() && !o.out_key.empty()) {
    return CommandOutcome::UsageError("cannot set both -in-pub and -out-key");
  }
  if (!cert::IsValidUtf8(o.name)) return CommandOutcome::UsageError("-name is not valid UTF-8");

  Result<std::string> ca_key_pem = ReadWholeFile(o.ca_key);
  if (!ca_key_pem.ok()) {
    return CommandOutcome::Error("error while reading ca-key: " + ca_key_pem.status().message());
  }
  Result<crypto::Ed25519PrivateKey> ca_key = cert::ParseEd25519PrivateKeyPem(*ca_key_pem);
  if (!ca_key.ok()) return FileError("error while parsing", "ca-key", o.ca_key, ca_key.status());

  Result<std::string> ca_pem = ReadWholeFile(o.ca_crt);
  if (!ca_pem.ok()) {
    return CommandOutcome::Error("error while reading ca-crt: " + ca_pem.status().message());
  }
  Result<cert::Certificate> ca = cert::ParseCertificatePem(*ca_pem);
  if (!ca.ok()) return FileError("error while parsing", "ca-crt", o.ca_crt, ca.status());
  if (!ca->is_ca) {
    return CommandOutcome::Error("refusing to sign, " + o.ca_crt + " is not a CA certificate");
  }
  if (!ca->VerifyPrivateKey(cert::Curve::kCurve25519, *ca_key).ok()) {
    return CommandOutcome::Error("refusing to sign, root certificate does not match private key (" +
                                 o.ca_crt + ", " + o.ca_key + ")");
  }
  WallClock now = Now();
  if (ca->Expired(now.seconds)) {
    return CommandOutcome::Error("ca certificate is expired: " + o.ca_crt);
  }

  Result<IpPrefix> ip = ParseIpv4Cidr(o.ip);
  if (!ip.ok())
    return CommandOutcome::UsageError(ip.status().Wrap("invalid -ip definition").message());

  cert::Certificate host;
  host.name = o.name;
  host.networks = {*ip};
  host.groups = SplitGroups(o.groups);
  for (const std::string& group : host.groups) {
    if (!cert::IsValidUtf8(group)) return CommandOutcome::UsageError("-groups is not valid UTF-8");
  }
  Result<std::vector<IpPrefix>> subnets = ParseNetList(o.subnets, "subnets", false);
  if (!subnets.ok()) return CommandOutcome::UsageError(subnets.status().message());
  host.unsafe_networks = *subnets;

  std::optional<crypto::X25519KeyPair> generated;
  if (!o.in_pub.empty()) {
    Result<std::string> pub_pem = ReadWholeFile(o.in_pub);
    if (!pub_pem.ok()) {
      return CommandOutcome::Error("error while reading in-pub: " + pub_pem.status().message());
    }
    Result<crypto::X25519Key> pub = cert::ParseX25519PublicKeyPem(*pub_pem);
    if (!pub.ok()) return FileError("error while parsing", "in-pub", o.in_pub, pub.status());
    host.public_key.assign(pub->begin(), pub->end());
  } else {
    generated = crypto::X25519Generate();
    host.public_key.assign(generated->public_key.begin(), generated->public_key.end());
  }

  host.not_before = now.seconds;
  // Without -duration the cert ends 1 second before its CA does.
  host.not_after = o.duration.count() > 0 ? SecondsAfter(now, o.duration) : ca->not_after - 1;
  host.issuer = ca->Fingerprint();
  if (Status s = cert::CheckRootConstraints(host, *ca); !s.ok()) {
    return CommandOutcome::Error("refusing to sign, root certificate constraints violated: " +
                                 s.message());
  }

  std::string out_crt = o.out_crt.empty() ? o.name + ".crt" : o.out_crt;
  std::string out_key = o.out_key.empty() ? o.name + ".key" : o.out_key;
  OutputFiles outputs;
  outputs.Add("out-crt", out_crt, "cert");
  if (generated) outputs.Add("out-key", out_key, "key");
  if (!o.out_qr.empty()) outputs.Add("out-qr", o.out_qr, "QR code");
  if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());

  if (Status s = host.Sign(cert::Curve::kCurve25519, *ca_key); !s.ok()) {
    return FileError("error while signing with", "ca-key", o.ca_key, s);
  }
  std::string pem = host.MarshalToPem();
  outputs.SetContent("out-crt", pem);
  if (generated)
    outputs.SetContent("out-key", cert::FormatX25519PrivateKeyPem(generated->private_key));
  if (!o.out_qr.empty()) {
    if (Status qr = outputs.SetQrCode(pem); !qr.ok()) return CommandOutcome::Error(qr.message());
  }
  if (Status s = outputs.Commit(); !s.ok()) return CommandOutcome::Error(s.message());
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand SignSubcommand() {
  return Subcommand{"sign", "sign <flags>: create and sign a certificate",
                    [] {
                      SignOptions o;
                      FlagSet flags("sign");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunSign};
}

}  // namespace flatnet::app
