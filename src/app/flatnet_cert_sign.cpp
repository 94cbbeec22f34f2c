// flatnet-cert sign: issues a host certificate from a CA, with nebula-cert 1.11.1's flags,
// defaults (ca.crt/ca.key, NAME.crt/NAME.key, the CA's version and curve, valid until 1 second
// before the CA expires), checks and messages, in its order. One run makes one certificate of
// one version; a host file holding both versions is two runs over the same -in-pub, their
// outputs concatenated (docs/flatnet-cert.md).
//
// Differences: a CA certificate not marked as a CA is refused, and -out-qr is never
// overwritten. And one friendlier answer: a -duration that would outlive the CA (nebula-cert:
// "error while signing: certificate expires after signing certificate", the most common
// first error in tutorials) signs the certificate to expire 1 second before the CA, as the
// default does, with a warning on stderr naming both dates.
#include "app/flatnet_cert_command.h"
#include "app/flatnet_cert_output.h"
#include "base/duration.h"
#include "cert/certificate.h"
#include "cert/certificate_format.h"
#include "cert/key_pem.h"
#include "cert/pem.h"
#include "cert/root_constraints.h"
#include "cert/utf8.h"

namespace flatnet::app {
namespace {

struct SignOptions {
  uint64_t version = 0;
  std::string ca_key;
  std::string ca_crt;
  std::string name;
  std::string networks;
  std::string unsafe_networks;
  std::chrono::nanoseconds duration;
  std::string in_pub;
  std::string out_key;
  std::string out_crt;
  std::string out_qr;
  std::string groups;
  std::string ip;       // deprecated -networks
  std::string subnets;  // deprecated -unsafe-networks
};

void DefineFlags(FlagSet& flags, SignOptions* o) {
  flags.Uint(&o->version, "version", 0,
             "Optional: version of the certificate format to use. The default is to match the "
             "version of the signing CA");
  flags.String(&o->ca_key, "ca-key", "ca.key", "Optional: path to the signing CA key");
  flags.String(&o->ca_crt, "ca-crt", "ca.crt", "Optional: path to the signing CA cert");
  flags.String(&o->name, "name", "", "Required: name of the cert, usually a hostname");
  flags.String(&o->networks, "networks", "",
               "Required: comma separated list of ip address and network in CIDR notation to "
               "assign to this cert");
  flags.String(&o->unsafe_networks, "unsafe-networks", "",
               "Optional: comma separated list of ip address and network in CIDR notation. "
               "Unsafe networks this cert can route for");
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
  flags.String(&o->ip, "ip", "", "Deprecated, see -networks");
  flags.String(&o->subnets, "subnets", "", "Deprecated, see -unsafe-networks");
}

ByteSpan AsBytes(const std::string& text) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// The CA key as nebula-cert reads it: a plain Ed25519 / ECDSA P256 key, or an encrypted one
// (then *encrypted is set and the key is still to be decrypted).
Result<cert::PrivateKey> ParseSigningKey(const std::string& pem, bool* encrypted) {
  std::optional<cert::PemBlock> block = cert::DecodePem(pem);
  if (!block) return Status::Error("input did not contain a valid PEM encoded block");
  *encrypted = block->type == cert::kEncryptedEd25519PrivateKeyBanner ||
               block->type == cert::kEncryptedEcdsaP256PrivateKeyBanner;
  if (*encrypted) return cert::ParsePrivateKeyPem(pem);
  cert::PrivateKey key;
  key.is_ca_key = true;
  if (block->type == cert::kEd25519PrivateKeyBanner) {
    if (block->bytes.size() != 64) {
      return Status::Error("key was not 64 bytes, is invalid Ed25519 private key");
    }
    key.curve = cert::Curve::kCurve25519;
  } else if (block->type == cert::kEcdsaP256PrivateKeyBanner) {
    if (block->bytes.size() != 32) {
      return Status::Error("key was not 32 bytes, is invalid ECDSA P256 private key");
    }
    key.curve = cert::Curve::kP256;
  } else {
    return Status::Error("bytes did not contain a proper Ed25519/ECDSA private key banner");
  }
  key.key = block->bytes;
  return key;
}

// A host public key as nebula-cert's -in-pub takes it (X25519 or P256, not a CA's key).
Result<cert::PublicKey> ParseHostPublicKey(const std::string& pem) {
  std::optional<cert::PemBlock> block = cert::DecodePem(pem);
  if (!block) return Status::Error("input did not contain a valid PEM encoded block");
  cert::PublicKey key;
  size_t expected = 32;
  if (block->type == cert::kX25519PublicKeyBanner) {
    key.curve = cert::Curve::kCurve25519;
  } else if (block->type == cert::kP256PublicKeyBanner) {
    key.curve = cert::Curve::kP256;
    expected = 65;
  } else {
    return Status::Error("bytes did not contain a proper public key banner");
  }
  if (block->bytes.size() != expected) {
    return Status::Error("key was not " + std::to_string(expected) + " bytes, is invalid " +
                         std::string(cert::CurveName(key.curve)) + " public key");
  }
  key.key = block->bytes;
  return key;
}

// Decrypts an encrypted CA key with NEBULA_CA_PASSPHRASE or a passphrase typed at the terminal.
Result<cert::PrivateKey> DecryptCaKey(const cert::PrivateKey& encrypted, const CertCliIo& io) {
  std::string passphrase = EnvironmentPassphrase(io);
  if (passphrase.empty()) {
    Result<std::string> typed = AskPassphrase(io);
    if (!typed.ok()) {
      if (typed.status().message() == kNoTerminal) {
        return Status::Error("ca-key is encrypted and must be decrypted interactively");
      }
      return Status::Error("error reading password: " + typed.status().message());
    }
    if (typed->empty()) return Status::Error("cannot open encrypted ca-key without passphrase");
    passphrase = *typed;
  }
  Result<cert::PrivateKey> key = cert::DecryptPrivateKey(encrypted, AsBytes(passphrase));
  if (!key.ok()) return key.status().Wrap("error while parsing encrypted ca-key");
  return key;
}

struct SplitNetworks {
  std::vector<IpPrefix> v4, v6;
};
SplitNetworks ByFamily(const std::vector<IpPrefix>& nets) {
  SplitNetworks split;
  for (const IpPrefix& net : nets) (net.is_v4() ? split.v4 : split.v6).push_back(net);
  return split;
}

}  // namespace

Result<cert::PrivateKey> ReadCaKey(const std::string& path, const CertCliIo& io) {
  Result<std::string> pem = ReadInput(path, io);
  if (!pem.ok()) return Status::Error("error while reading ca-key: " + pem.status().message());
  bool encrypted = false;
  Result<cert::PrivateKey> key = ParseSigningKey(*pem, &encrypted);
  if (!key.ok()) {
    return Status::Error(
        (encrypted ? "error while parsing encrypted ca-key: " : "error while parsing ca-key: ") +
        key.status().message());
  }
  if (encrypted) return DecryptCaKey(*key, io);
  return key;
}

namespace {

CommandOutcome RunSign(const std::vector<std::string>& args, const CertCliIo& io) {
  SignOptions o;
  FlagSet flags("sign");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;

  if (o.ca_key.empty()) return Required("ca-key");
  if (o.ca_crt.empty()) return Required("ca-crt");
  if (o.name.empty()) return Required("name");
  if (!o.in_pub.empty() && !o.out_key.empty()) {
    return CommandOutcome::UsageError("cannot set both -in-pub and -out-key");
  }
  // The deprecated spellings count only when the new flag is empty, as in nebula-cert.
  if (o.networks.empty()) o.networks = o.ip;
  if (o.unsafe_networks.empty()) o.unsafe_networks = o.subnets;
  if (o.networks.empty()) return Required("networks");
  if (o.version > 2) return CommandOutcome::UsageError("-version must be either 1 or 2");
  if (!cert::IsValidUtf8(o.name)) return CommandOutcome::UsageError("-name is not valid UTF-8");
  if (o.out_key.empty()) o.out_key = o.name + ".key";
  if (o.out_crt.empty()) o.out_crt = o.name + ".crt";

  StdioClaims claims;
  if (Status s =
          claims.ReserveInputs({{"ca-key", o.ca_key}, {"ca-crt", o.ca_crt}, {"in-pub", o.in_pub}});
      !s.ok()) {
    return CommandOutcome::Error(s.message());
  }
  // nebula-cert claims stdout for -out-key even with -in-pub, where no key is written.
  if (Status s = claims.ReserveOutputs(
          {{"out-key", o.out_key}, {"out-crt", o.out_crt}, {"out-qr", o.out_qr}});
      !s.ok()) {
    return CommandOutcome::Error(s.message());
  }

  Result<std::string> ca_key_pem = ReadInput(o.ca_key, io);
  if (!ca_key_pem.ok()) {
    return CommandOutcome::Error("error while reading ca-key: " + ca_key_pem.status().message());
  }
  bool encrypted = false;
  Result<cert::PrivateKey> ca_key = ParseSigningKey(*ca_key_pem, &encrypted);
  if (!ca_key.ok()) {
    return CommandOutcome::Error(
        (encrypted ? "error while parsing encrypted ca-key: " : "error while parsing ca-key: ") +
        ca_key.status().message());
  }
  if (encrypted) {
    ca_key = DecryptCaKey(*ca_key, io);
    if (!ca_key.ok()) return CommandOutcome::Error(ca_key.status().message());
  }

  Result<std::string> ca_pem = ReadInput(o.ca_crt, io);
  if (!ca_pem.ok()) {
    return CommandOutcome::Error("error while reading ca-crt: " + ca_pem.status().message());
  }
  Result<cert::Certificate> ca = cert::ParseCertificatePem(*ca_pem);
  if (!ca.ok()) {
    return CommandOutcome::Error("error while parsing ca-crt: " + ca.status().message());
  }
  if (!ca->VerifyPrivateKey(ca_key->curve, ca_key->key).ok()) {
    return CommandOutcome::Error("refusing to sign, root certificate does not match private key");
  }
  if (!ca->is_ca) {
    return CommandOutcome::Error("refusing to sign, " + o.ca_crt + " is not a CA certificate");
  }
  WallClock now = Now();
  if (ca->Expired(now.seconds)) return CommandOutcome::Error("ca certificate is expired");
  cert::Version version = o.version == 0   ? ca->version
                          : o.version == 1 ? cert::Version::kV1
                                           : cert::Version::kV2;
  cert::Curve curve = ca_key->curve;

  Result<std::vector<IpPrefix>> networks = ParseNetList(o.networks, "networks");
  if (!networks.ok()) return CommandOutcome::UsageError(networks.status().message());
  Result<std::vector<IpPrefix>> unsafe_networks =
      ParseNetList(o.unsafe_networks, "unsafe-networks");
  if (!unsafe_networks.ok()) return CommandOutcome::UsageError(unsafe_networks.status().message());
  SplitNetworks nets = ByFamily(*networks);
  SplitNetworks unsafe_nets = ByFamily(*unsafe_networks);

  cert::Certificate host;
  host.version = version;
  host.curve = curve;
  host.name = o.name;
  host.groups = SplitGroups(o.groups);
  for (const std::string& group : host.groups) {
    if (!cert::IsValidUtf8(group)) return CommandOutcome::UsageError("-groups is not valid UTF-8");
  }

  std::optional<GeneratedKey> generated;
  if (!o.in_pub.empty()) {
    Result<std::string> pub_pem = ReadInput(o.in_pub, io);
    if (!pub_pem.ok()) {
      return CommandOutcome::Error("error while reading in-pub: " + pub_pem.status().message());
    }
    Result<cert::PublicKey> pub = ParseHostPublicKey(*pub_pem);
    if (!pub.ok()) {
      return CommandOutcome::Error("error while parsing in-pub: " + pub.status().message());
    }
    if (pub->curve != curve) return CommandOutcome::Error("curve of in-pub does not match ca");
    host.public_key = pub->key;
  } else {
    Result<GeneratedKey> pair = GenerateKey(curve, /*for_ca=*/false);
    if (!pair.ok()) {
      return CommandOutcome::Error("error while generating keys: " + pair.status().message());
    }
    generated = *pair;
    host.public_key = generated->public_key;
  }

  OutputFiles outputs;
  outputs.Add("out-crt", o.out_crt, "cert");
  if (generated) outputs.Add("out-key", o.out_key, "key");
  if (!o.out_qr.empty()) outputs.Add("out-qr", o.out_qr, "QR code");
  if (Status s = outputs.CheckWritable("out-crt"); !s.ok()) {
    return CommandOutcome::Error(s.message());
  }

  if (version == cert::Version::kV1) {
    if (nets.v4.size() != 1) {
      return CommandOutcome::UsageError(
          "invalid -networks definition: v1 certificates can only have a single ipv4 address");
    }
    if (!nets.v6.empty()) {
      return CommandOutcome::UsageError(
          "invalid -networks definition: v1 certificates can only contain ipv4 addresses");
    }
    if (!unsafe_nets.v6.empty()) {
      return CommandOutcome::UsageError(
          "invalid -unsafe-networks definition: v1 certificates can only contain ipv4 addresses");
    }
  }
  host.networks = nets.v4;
  host.networks.insert(host.networks.end(), nets.v6.begin(), nets.v6.end());
  host.unsafe_networks = unsafe_nets.v4;
  host.unsafe_networks.insert(host.unsafe_networks.end(), unsafe_nets.v6.begin(),
                              unsafe_nets.v6.end());

  host.not_before = now.seconds;
  // Without -duration the cert ends 1 second before its CA does (Go: now + (NotAfter - now -
  // 1s), which is NotAfter - 1s to the second).
  host.not_after = o.duration.count() > 0 ? SecondsAfter(now, o.duration) : ca->not_after - 1;
  if (host.not_after > ca->not_after) {  // equal is valid, as nebula-cert signs it
    int64_t asked = host.not_after;
    host.not_after = ca->not_after - 1;
    io.err << "Warning: -duration " << FormatGoDuration(o.duration) << " would end at "
           << cert::FormatRfc3339(asked) << ", after the CA " << o.ca_crt << " expires at "
           << cert::FormatRfc3339(ca->not_after) << "; the certificate expires at "
           << cert::FormatRfc3339(host.not_after) << " instead\n";
  }
  host.issuer = ca->Fingerprint();
  if (Status s = cert::CheckRootConstraints(host, *ca); !s.ok()) {
    return CommandOutcome::Error("error while signing: " + s.message());
  }
  if (Status s = host.Sign(curve, ca_key->key); !s.ok()) {
    return CommandOutcome::Error("error while signing: " + s.message());
  }
  if (Status s = outputs.CheckWritable(); !s.ok()) return CommandOutcome::Error(s.message());

  std::string pem = host.MarshalToPem();
  outputs.SetContent("out-crt", pem);
  if (generated) {
    outputs.SetContent("out-key", cert::FormatPrivateKeyPem(curve, false, generated->private_key));
  }
  if (!o.out_qr.empty()) {
    if (Status qr = outputs.SetQrCode(pem); !qr.ok()) return CommandOutcome::Error(qr.message());
  }
  if (Status s = outputs.Commit(io.out); !s.ok()) return CommandOutcome::Error(s.message());
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
