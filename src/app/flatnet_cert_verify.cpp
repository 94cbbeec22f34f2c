// flatnet-cert verify: checks a certificate against a file of one or more CAs, as
// nebula-cert verify does: exit 0 and no output if it is valid now, else the reason.
#include "app/flatnet_cert_command.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"

namespace flatnet::app {
namespace {

struct VerifyOptions {
  std::string ca;
  std::string crt;
};

void DefineFlags(FlagSet& flags, VerifyOptions* o) {
  flags.String(&o->ca, "ca", "", "Required: path to a file containing one or more ca certificates");
  flags.String(&o->crt, "crt", "", "Required: path to a file containing a single certificate");
}

CommandOutcome RunVerify(const std::vector<std::string>& args, std::ostream&) {
  VerifyOptions o;
  FlagSet flags("verify");
  DefineFlags(flags, &o);
  CommandOutcome parsed = CommandOutcome::FromFlags(flags.Parse(args), flags);
  if (parsed.kind != CommandOutcome::Kind::kOk) return parsed;
  if (o.ca.empty()) return Required("ca");
  if (o.crt.empty()) return Required("crt");

  Result<std::string> ca_text = ReadWholeFile(o.ca);
  if (!ca_text.ok()) {
    return CommandOutcome::Error("error while reading ca: " + ca_text.status().message());
  }
  Result<cert::CaPool> pool = cert::CaPool::FromPem(*ca_text);
  if (!pool.ok()) {
    return CommandOutcome::Error("error while adding ca cert to pool " + o.ca + ": " +
                                 pool.status().message());
  }
  int64_t now = Now().seconds;
  // nebula-cert refuses a CA file with any expired CA in it, even one not needed here.
  std::vector<const cert::Certificate*> expired = pool->ExpiredCas(now);
  if (!expired.empty()) {
    return CommandOutcome::Error("error while adding ca cert to pool " + o.ca + ": " +
                                 expired.front()->name + ": certificate is expired");
  }

  Result<std::string> crt_text = ReadWholeFile(o.crt);
  if (!crt_text.ok()) {
    return CommandOutcome::Error("unable to read crt; " + crt_text.status().message());
  }
  Result<cert::Certificate> c = cert::ParseCertificatePem(*crt_text);
  if (!c.ok()) {
    return CommandOutcome::Error("error while parsing crt " + o.crt + ": " + c.status().message());
  }
  if (Status s = pool->Verify(*c, now); !s.ok()) {
    return CommandOutcome::Error(s.message() + " (" + o.crt + ")");
  }
  return CommandOutcome::Ok();
}

}  // namespace

Subcommand VerifySubcommand() {
  return Subcommand{"verify",
                    "verify <flags>: verifies a certificate isn't expired and was signed by a "
                    "trusted authority.",
                    [] {
                      VerifyOptions o;
                      FlagSet flags("verify");
                      DefineFlags(flags, &o);
                      return flags.Usage();
                    },
                    RunVerify};
}

}  // namespace flatnet::app
