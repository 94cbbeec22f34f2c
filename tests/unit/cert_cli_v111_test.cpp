// flatnet-cert's nebula-cert 1.11.1 flags run in-process: -version, -curve, -networks with
// IPv6, encrypted CA keys (environment and terminal passphrases, wrong ones), and "-" for
// standard input and output. Each bad input fails with nebula-cert's message and writes nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/flatnet_cert_cli.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"

namespace flatnet::app {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string out;
  std::string err;
  std::string first_error_line() const { return err.substr(0, err.find('\n')); }
};

class CertCliV111 : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-cert-v111-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Runs with `stdin_text` on standard input, `env` as the environment and `typed` as the
  // lines typed at the terminal (no terminal at all when `terminal` is false).
  CliRun Cli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    size_t next_line = 0;
    CertCliIo io{in, out, err,
                 [&]() -> Result<std::string> {
                   if (!terminal) return Status::Error(std::string(kNoTerminal));
                   ++prompts;
                   if (next_line >= typed.size()) return std::string();
                   return typed[next_line++];
                 },
                 [&](std::string_view name) -> std::optional<std::string> {
                   auto it = env.find(std::string(name));
                   if (it == env.end()) return std::nullopt;
                   return it->second;
                 }};
    int code = RunFlatnetCert("flatnet-cert", args, io);
    return CliRun{code, out.str(), err.str()};
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> Listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  cert::Certificate Parsed(const std::string& pem) const {
    Result<cert::Certificate> c = cert::ParseCertificatePem(pem);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? *c : cert::Certificate{};
  }
  // ca.crt/ca.key with extra flags.
  void MakeCa(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"ca",           "-name",    "CA",          "-out-crt",
                                     Path("ca.crt"), "-out-key", Path("ca.key")};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun r = Cli(args);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  CliRun Sign(std::vector<std::string> extra, const std::string& stdin_text = "") {
    std::vector<std::string> args = {
        "sign", "-ca-crt",  Path("ca.crt"), "-ca-key",  Path("ca.key"), "-name",
        "h",    "-out-crt", Path("h.crt"),  "-out-key", Path("h.key")};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(args, stdin_text);
  }

  std::string dir_;
  std::map<std::string, std::string> env;
  std::vector<std::string> typed;
  bool terminal = false;
  int prompts = 0;
};

const std::vector<std::string> kSmallArgon = {"-argon-memory",      "64", "-argon-iterations", "1",
                                              "-argon-parallelism", "1"};

TEST_F(CertCliV111, CaDefaultsToV2Curve25519AndTakesV1AndP256) {
  MakeCa({"-networks", "10.0.0.0/8,fd00::/8"});
  cert::Certificate ca = Parsed(Read("ca.crt"));
  EXPECT_EQ(ca.version, cert::Version::kV2);
  EXPECT_EQ(ca.curve, cert::Curve::kCurve25519);
  ASSERT_EQ(ca.networks.size(), 2u);
  EXPECT_EQ(ca.networks[1].ToString(), "fd00::/8");
  ASSERT_EQ(Cli({"ca", "-name", "v1", "-version", "1", "-curve", "P256", "-out-crt", Path("v1.crt"),
                 "-out-key", Path("v1.key")})
                .code,
            0);
  cert::Certificate v1 = Parsed(Read("v1.crt"));
  EXPECT_EQ(v1.version, cert::Version::kV1);
  EXPECT_EQ(v1.curve, cert::Curve::kP256);
  Result<cert::PrivateKey> key = cert::ParsePrivateKeyPem(Read("v1.key"));
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->is_ca_key);
  EXPECT_TRUE(v1.VerifyPrivateKey(key->curve, key->key).ok());
}

TEST_F(CertCliV111, SignFollowsTheCaVersionAndCurveUnlessToldOtherwise) {
  MakeCa({"-curve", "P256"});
  CliRun r = Sign({"-networks", "10.1.0.1/16,fd00::1/64", "-unsafe-networks", "192.168.0.0/24"});
  ASSERT_EQ(r.code, 0) << r.err;
  cert::Certificate host = Parsed(Read("h.crt"));
  EXPECT_EQ(host.version, cert::Version::kV2);
  EXPECT_EQ(host.curve, cert::Curve::kP256);
  EXPECT_EQ(host.networks.size(), 2u);
  Result<cert::PrivateKey> key = cert::ParsePrivateKeyPem(Read("h.key"));
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(key->is_ca_key);
  EXPECT_TRUE(host.VerifyPrivateKey(key->curve, key->key).ok());

  fs::remove(Path("h.crt"));
  fs::remove(Path("h.key"));
  r = Sign({"-version", "1", "-ip", "10.1.0.2/16"});
  ASSERT_EQ(r.code, 0) << r.err;
  host = Parsed(Read("h.crt"));
  EXPECT_EQ(host.version, cert::Version::kV1);  // a v1 host under a v2 CA: mixed is allowed
  Result<cert::CaPool> pool = cert::CaPool::FromPem(Read("ca.crt"));
  ASSERT_TRUE(pool.ok());
  EXPECT_TRUE(pool->Verify(host, host.not_before + 1).ok());
}

TEST_F(CertCliV111, V1RulesAndBadVersions) {
  MakeCa();
  struct Case {
    std::vector<std::string> extra;
    std::string error;
  } cases[] = {
      {{"-version", "1", "-networks", "10.1.0.1/16,10.1.0.2/16"},
       "Error: invalid -networks definition: v1 certificates can only have a single ipv4 "
       "address"},
      {{"-version", "1", "-networks", "fd00::1/64"},
       "Error: invalid -networks definition: v1 certificates can only have a single ipv4 "
       "address"},
      {{"-version", "1", "-networks", "10.1.0.1/16,fd00::1/64"},
       "Error: invalid -networks definition: v1 certificates can only contain ipv4 addresses"},
      {{"-version", "1", "-networks", "10.1.0.1/16", "-unsafe-networks", "fd01::/64"},
       "Error: invalid -unsafe-networks definition: v1 certificates can only contain ipv4 "
       "addresses"},
      {{"-version", "3", "-networks", "10.1.0.1/16"}, "Error: -version must be either 1 or 2"},
      {{"-version", "-1", "-networks", "10.1.0.1/16"},
       "invalid value \"-1\" for flag -version: parse error"},
      {{"-networks", "10.1.0.1"}, "Error: invalid -networks definition: 10.1.0.1"},
      {{"-networks", "10.1.0.1/16", "-unsafe-networks", "x"},
       "Error: invalid -unsafe-networks definition: x"},
  };
  for (const Case& c : cases) {
    CliRun r = Sign(c.extra);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.first_error_line(), c.error);
  }
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key"}));
  EXPECT_EQ(Cli({"ca", "-name", "x", "-curve", "P384"}).first_error_line(),
            "Error: invalid curve: P384");
  EXPECT_EQ(Cli({"keygen", "-out-key", "k", "-out-pub", "p", "-curve", "ed"}).first_error_line(),
            "Error: invalid curve: ed");
}

TEST_F(CertCliV111, InPubMustMatchTheCaCurve) {
  MakeCa();
  ASSERT_EQ(
      Cli({"keygen", "-curve", "P256", "-out-key", Path("p.key"), "-out-pub", Path("p.pub")}).code,
      0);
  CliRun r = Sign({"-networks", "10.1.0.1/16", "-in-pub", Path("p.pub"), "-out-key", ""});
  EXPECT_EQ(r.first_error_line(), "Error: curve of in-pub does not match ca");
  r = Sign({"-networks", "10.1.0.1/16", "-in-pub", Path("ca.crt"), "-out-key", ""});
  EXPECT_EQ(r.first_error_line(),
            "Error: error while parsing in-pub: bytes did not contain a proper public key banner");
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key", "p.key", "p.pub"}));
}

TEST_F(CertCliV111, EncryptedCaKeyFromTheEnvironment) {
  env["NEBULA_CA_PASSPHRASE"] = "correct horse";
  std::vector<std::string> flags = {"-encrypt"};
  flags.insert(flags.end(), kSmallArgon.begin(), kSmallArgon.end());
  MakeCa(flags);
  Result<cert::PrivateKey> key = cert::ParsePrivateKeyPem(Read("ca.key"));
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->is_encrypted);
  EXPECT_EQ(key->encrypted.argon2.memory_kib, 64u);
  ASSERT_EQ(Sign({"-networks", "10.1.0.1/16"}).code, 0);

  env["NEBULA_CA_PASSPHRASE"] = "wrong";
  fs::remove(Path("h.crt"));
  fs::remove(Path("h.key"));
  CliRun r = Sign({"-networks", "10.1.0.1/16"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "Error: error while parsing encrypted ca-key: invalid passphrase or corrupt private "
            "key\n");
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key"}));
}

TEST_F(CertCliV111, PassphraseAtTheTerminal) {
  terminal = true;
  typed = {"", "s3cret"};  // an empty line is asked again
  std::vector<std::string> flags = {"-encrypt"};
  flags.insert(flags.end(), kSmallArgon.begin(), kSmallArgon.end());
  MakeCa(flags);
  EXPECT_EQ(prompts, 2);
  typed = {"s3cret"};
  prompts = 0;
  CliRun r = Sign({"-networks", "10.1.0.1/16"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "Enter passphrase: ");
  EXPECT_EQ(prompts, 1);

  // Five empty lines give up; no terminal is refused outright.
  typed = {};
  prompts = 0;
  r = Cli({"ca", "-name", "x", "-encrypt", "-out-crt", Path("x.crt"), "-out-key", Path("x.key")});
  EXPECT_EQ(prompts, 5);
  EXPECT_TRUE(r.err.ends_with(
      "Error: no passphrase specified, remove -encrypt flag to write out-key in plaintext\n"));
  fs::remove(Path("h.crt"));
  fs::remove(Path("h.key"));
  r = Sign({"-networks", "10.1.0.1/16"});
  EXPECT_TRUE(r.err.ends_with("Error: cannot open encrypted ca-key without passphrase\n"));
  terminal = false;
  r = Sign({"-networks", "10.1.0.1/16"});
  EXPECT_EQ(r.err,
            "Enter passphrase: Error: ca-key is encrypted and must be decrypted interactively\n");
  r = Cli({"ca", "-name", "x", "-encrypt", "-out-crt", Path("x.crt"), "-out-key", Path("x.key")});
  EXPECT_EQ(r.err, "Enter passphrase: Error: out-key must be encrypted interactively\n");
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key"}));
}

TEST_F(CertCliV111, ArgonParametersAreChecked) {
  env["NEBULA_CA_PASSPHRASE"] = "p";
  struct Case {
    std::vector<std::string> flags;
    std::string error;
  } cases[] = {
      {{"-argon-memory", "0"},
       "Error: -argon-memory must be be greater than 0 and no more than 4294967295 KiB"},
      {{"-argon-parallelism", "256"},
       "Error: -argon-parallelism must be be greater than 0 and no more than 255"},
      {{"-argon-iterations", "0"},
       "Error: -argon-iterations must be be greater than 0 and no more than 4294967295"},
      {{"-argon-memory", "3000000"},
       "Error: -argon-memory must be no more than 2097152 KiB, the most flatnet reads back from "
       "a key file"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"ca",       "-name",       "x",        "-encrypt",
                                     "-out-crt", Path("x.crt"), "-out-key", Path("x.key")};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.first_error_line(), c.error);
    EXPECT_NE(r.err.find("Usage of flatnet-cert ca"), std::string::npos);
  }
  // Without -encrypt the -argon-* flags are not looked at, as in nebula-cert.
  EXPECT_EQ(Cli({"ca", "-name", "x", "-argon-memory", "0", "-out-crt", Path("x.crt"), "-out-key",
                 Path("x.key")})
                .code,
            0);
}

TEST_F(CertCliV111, DashIsStandardInputAndOutput) {
  CliRun ca = Cli({"ca", "-name", "CA", "-out-crt", "-", "-out-key", Path("ca.key")});
  ASSERT_EQ(ca.code, 0) << ca.err;
  EXPECT_EQ(Parsed(ca.out).name, "CA");
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.key"}));

  // The CA certificate from stdin, the host certificate to stdout.
  CliRun host = Cli({"sign", "-ca-crt", "-", "-ca-key", Path("ca.key"), "-name", "h", "-networks",
                     "10.1.0.1/16", "-out-crt", "-", "-out-key", Path("h.key")},
                    ca.out);
  ASSERT_EQ(host.code, 0) << host.err;
  EXPECT_EQ(Parsed(host.out).issuer, Parsed(ca.out).Fingerprint());
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.key", "h.key"}));

  CliRun printed = Cli({"print", "-path", "-"}, host.out);
  EXPECT_EQ(printed.code, 0);
  EXPECT_NE(printed.out.find("\"name\": \"h\""), std::string::npos);
  std::ofstream(Path("ca.crt")) << ca.out;
  EXPECT_EQ(Cli({"verify", "-ca", Path("ca.crt"), "-crt", "-"}, host.out).code, 0);

  // One stream, one flag; refused before anything is read or written.
  EXPECT_EQ(Cli({"verify", "-ca", "-", "-crt", "-"}).err,
            "Error: -ca and -crt both set to \"-\", only one input may read from stdin\n");
  EXPECT_EQ(Cli({"keygen", "-out-key", "-", "-out-pub", "-"}).err,
            "Error: -out-key and -out-pub both set to \"-\", only one output may write to "
            "stdout\n");
  CliRun qr = Cli({"print", "-path", Path("ca.crt"), "-out-qr", "-"});
  EXPECT_EQ(qr.code, 0);
  EXPECT_TRUE(qr.out.starts_with("\x89PNG")) << "the QR code replaces the text on stdout";
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key", "h.key"}));
}

}  // namespace
}  // namespace flatnet::app
