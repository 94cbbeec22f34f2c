// flatnet-cert run in-process, the way a user runs it: defaults, outputs, and every kind of
// bad input giving a one-line "Error:" that names the flag or file, exit code 1, and no
// output file left behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/flatnet_cert_cli.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "cert/certificate_format.h"
#include "cert/key_pem.h"
#include "cert/pem.h"
#include "crypto/ed25519.h"

namespace flatnet::app {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string out;
  std::string err;
  std::string first_error_line() const { return err.substr(0, err.find('\n')); }
};

class CertCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flatnet-cert-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  CliRun Cli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    int code = RunFlatnetCert("flatnet-cert", args, out, err);
    return CliRun{code, out.str(), err.str()};
  }

  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream(Path(name), std::ios::binary) << content;
  }
  bool Exists(const std::string& name) const { return fs::exists(fs::symlink_status(Path(name))); }
  // Files in the directory, so a test can assert a failed run left nothing behind.
  std::vector<std::string> Listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  cert::Certificate ParsedCert(const std::string& name) const {
    Result<cert::Certificate> c = cert::ParseCertificatePem(Read(name));
    EXPECT_TRUE(c.ok()) << name << ": " << c.status().message();
    return c.ok() ? *c : cert::Certificate{};
  }

  // A CA at ca.crt / ca.key, optionally restricted.
  void MakeCa(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"ca",           "-name",    "Test CA",     "-out-crt",
                                     Path("ca.crt"), "-out-key", Path("ca.key")};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun r = Cli(args);
    ASSERT_EQ(r.code, 0) << r.err;
  }

  // Certificates with chosen validity, signed by ca.key, for expiry tests.
  void WriteSignedCert(const std::string& name, int64_t not_before, int64_t not_after) {
    Result<crypto::Ed25519PrivateKey> key = cert::ParseEd25519PrivateKeyPem(Read("ca.key"));
    ASSERT_TRUE(key.ok());
    cert::Certificate ca = ParsedCert("ca.crt");
    cert::Certificate c;
    c.version = ca.version;
    c.name = name;
    c.networks = {IpPrefix::From(IpAddr::V4(0x0a000001), 24)};
    c.not_before = not_before;
    c.not_after = not_after;
    c.public_key.assign(32, 5);
    c.issuer = ca.Fingerprint();
    ASSERT_TRUE(c.Sign(cert::Curve::kCurve25519, *key).ok());
    Write(name, c.MarshalToPem());
  }

  std::string dir_;
};

// --- what a user sees when things go right ---

TEST_F(CertCli, CaUsesNebulaDefaultsInTheCurrentDirectory) {
  std::string cwd = fs::current_path();
  ASSERT_EQ(chdir(dir_.c_str()), 0);
  CliRun r = Cli({"ca", "-name", "Team"});
  ASSERT_EQ(chdir(cwd.c_str()), 0);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key"}));
  cert::Certificate ca = ParsedCert("ca.crt");
  EXPECT_EQ(ca.name, "Team");
  EXPECT_TRUE(ca.is_ca);
  EXPECT_EQ(ca.not_after - ca.not_before, 8760 * 3600);  // one year
  EXPECT_TRUE(ca.CheckSignature(ca.public_key));
  Result<crypto::Ed25519PrivateKey> key = cert::ParseEd25519PrivateKeyPem(Read("ca.key"));
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(ca.VerifyPrivateKey(cert::Curve::kCurve25519, *key).ok());
  EXPECT_EQ(fs::status(Path("ca.key")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(CertCli, CaConstraintsAndDuration) {
  MakeCa({"-duration", "48h", "-groups", " admins , ,servers", "-ips", "10.1.0.0/16, 10.2.3.0/24",
          "-subnets", "192.168.7.0/24"});
  cert::Certificate ca = ParsedCert("ca.crt");
  EXPECT_EQ(ca.not_after - ca.not_before, 48 * 3600);
  EXPECT_EQ(ca.groups, (std::vector<std::string>{"admins", "servers"}));
  ASSERT_EQ(ca.networks.size(), 2u);
  EXPECT_EQ(ca.networks[1].ToString(), "10.2.3.0/24");            // -ips is -networks, deprecated
  EXPECT_EQ(ca.unsafe_networks[0].ToString(), "192.168.7.0/24");  // -subnets: -unsafe-networks
  EXPECT_EQ(ca.version, cert::Version::kV2);
}

TEST_F(CertCli, SignDefaultsToNameFilesAndEndsOneSecondBeforeTheCa) {
  MakeCa();
  std::string cwd = fs::current_path();
  ASSERT_EQ(chdir(dir_.c_str()), 0);
  CliRun r =
      Cli({"sign", "-name", "lighthouse", "-networks", "192.168.100.1/24", "-groups", "servers"});
  ASSERT_EQ(chdir(cwd.c_str()), 0);
  ASSERT_EQ(r.code, 0) << r.err;
  cert::Certificate ca = ParsedCert("ca.crt");
  cert::Certificate host = ParsedCert("lighthouse.crt");
  EXPECT_EQ(host.name, "lighthouse");
  EXPECT_EQ(host.networks[0].ToString(), "192.168.100.1/24");
  EXPECT_EQ(host.groups, (std::vector<std::string>{"servers"}));
  EXPECT_EQ(host.not_after, ca.not_after - 1);
  EXPECT_EQ(host.issuer, ca.Fingerprint());
  Result<crypto::X25519Key> key = cert::ParseX25519PrivateKeyPem(Read("lighthouse.key"));
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(host.VerifyPrivateKey(cert::Curve::kCurve25519, *key).ok());
  Result<cert::CaPool> pool = cert::CaPool::FromPem(Read("ca.crt"));
  ASSERT_TRUE(pool.ok());
  EXPECT_TRUE(pool->Verify(host, host.not_before + 1).ok());
}

TEST_F(CertCli, KeygenThenSignWithInPubWritesNoPrivateKey) {
  MakeCa();
  ASSERT_EQ(Cli({"keygen", "-out-key", Path("h.key"), "-out-pub", Path("h.pub")}).code, 0);
  CliRun r =
      Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("ca.key"), "-name", "h", "-networks",
           "10.0.0.5/24", "-in-pub", Path("h.pub"), "-out-crt", Path("h.crt"), "-duration", "1h"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key", "h.crt", "h.key", "h.pub"}));
  cert::Certificate host = ParsedCert("h.crt");
  EXPECT_EQ(host.not_after - host.not_before, 3600);
  Result<crypto::X25519Key> priv = cert::ParseX25519PrivateKeyPem(Read("h.key"));
  ASSERT_TRUE(priv.ok());
  EXPECT_TRUE(host.VerifyPrivateKey(cert::Curve::kCurve25519, *priv).ok());
}

TEST_F(CertCli, PrintShowsEveryCertInAFile) {
  MakeCa();
  ASSERT_EQ(
      Cli({"ca", "-name", "Second", "-out-crt", Path("b.crt"), "-out-key", Path("b.key")}).code, 0);
  Write("both.crt", Read("ca.crt") + Read("b.crt"));
  CliRun text = Cli({"print", "-path", Path("both.crt")});
  ASSERT_EQ(text.code, 0) << text.err;
  // nebula-cert 1.11.1: each certificate as indented JSON, then one JSON array for -json.
  EXPECT_TRUE(text.out.starts_with("{\n\t\"curve\": \"CURVE25519\",\n\t\"details\": {\n"));
  EXPECT_NE(text.out.find("\t\t\"name\": \"Test CA\",\n"), std::string::npos);
  EXPECT_NE(text.out.find("}\n{\n\t\"curve\""), std::string::npos);
  EXPECT_NE(text.out.find("\t\t\"name\": \"Second\",\n"), std::string::npos);
  CliRun json = Cli({"print", "-json", "-path", Path("both.crt")});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(std::count(json.out.begin(), json.out.end(), '\n'), 1);
  EXPECT_TRUE(json.out.starts_with("[{\"curve\":\"CURVE25519\",\"details\":{\"groups\":null,"));
  EXPECT_NE(json.out.find("},{\"curve\":"), std::string::npos);
  EXPECT_NE(json.out.find("\"fingerprint\":\"" + ParsedCert("b.crt").Fingerprint() + "\""),
            std::string::npos);
}

TEST_F(CertCli, VerifyAcceptsACaFileWithSeveralCas) {
  MakeCa();
  ASSERT_EQ(
      Cli({"ca", "-name", "Other", "-out-crt", Path("o.crt"), "-out-key", Path("o.key")}).code, 0);
  ASSERT_EQ(Cli({"sign", "-ca-crt", Path("o.crt"), "-ca-key", Path("o.key"), "-name", "h",
                 "-networks", "10.0.0.1/24", "-out-crt", Path("h.crt"), "-out-key", Path("h.key")})
                .code,
            0);
  Write("cas.crt", Read("ca.crt") + "\n" + Read("o.crt"));
  CliRun r = Cli({"verify", "-ca", Path("cas.crt"), "-crt", Path("h.crt")});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out + r.err, "");
  r = Cli({"verify", "-ca", Path("ca.crt"), "-crt", Path("h.crt")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(), "Error: error while verifying certificate v2 h with issuer " +
                                      ParsedCert("h.crt").issuer +
                                      ": could not find ca for the certificate");
}

TEST_F(CertCli, VersionAndHelp) {
  CliRun r = Cli({"-version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("Version: ") + FLATNET_VERSION + "\n");
  r = Cli({"sign", "-h"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(
      r.err.starts_with("Usage of flatnet-cert sign <flags>: create and sign a certificate\n"
                        "  Pass \"-\" to any path flag to read from stdin or write to stdout.\n"
                        "  -ca-crt string\n"
                        "    \tOptional: path to the signing CA cert (default \"ca.crt\")\n"))
      << r.err;
  r = Cli({});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(), "Error: No mode was provided");
  r = Cli({"bogus"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Error: unknown mode: bogus\n");
}

// --- bad input: one clear line, exit 1, nothing written ---

TEST_F(CertCli, MissingOrMalformedFlags) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  } cases[] = {
      {{"ca"}, "Error: -name is required"},
      // Go's flag package prints its reason once itself, then nebula-cert's "Error:" line.
      {{"ca", "-name", "x", "-bogus"}, "flag provided but not defined: -bogus"},
      {{"ca", "-name"}, "flag needs an argument: -name"},
      {{"ca", "-name", "x", "-duration", "1y"},
       "invalid value \"1y\" for flag -duration: parse error"},
      {{"ca", "-name", "x", "-duration", "-1h"}, "Error: -duration must be greater than 0"},
      {{"ca", "-name", "x", "-ips", "10.0.0.0"}, "Error: invalid -networks definition: 10.0.0.0"},
      {{"ca", "-name", "x", "-version", "1", "-subnets", "fd00::/8"},
       "Error: invalid -unsafe-networks definition: v1 certificates can only be ipv4, have "
       "fd00::/8"},
      {{"ca", "-name", "bad\xff"}, "Error: -name is not valid UTF-8"},
      {{"keygen", "-out-key", "k"}, "Error: -out-pub is required"},
      {{"sign", "-name", "h"}, "Error: -networks is required"},
      {{"sign", "-networks", "10.0.0.1/24"}, "Error: -name is required"},
      {{"sign", "-name", "h", "-networks", "1.2.3.4/24", "-in-pub", "p", "-out-key", "k"},
       "Error: cannot set both -in-pub and -out-key"},
      {{"print"}, "Error: -path is required"},
      {{"print", "-json=yes", "-path", "x"},
       "invalid boolean value \"yes\" for -json: parse error"},
      {{"verify", "-ca", "ca.crt"}, "Error: -crt is required"},
  };
  for (const Case& c : cases) {
    // Run inside the test directory, so a file wrongly written would show in Listing().
    std::string cwd = fs::current_path();
    ASSERT_EQ(chdir(dir_.c_str()), 0);
    CliRun r = Cli(c.args);
    ASSERT_EQ(chdir(cwd.c_str()), 0);
    EXPECT_EQ(r.code, 1) << c.args[0];
    EXPECT_EQ(r.first_error_line(), c.error);
    EXPECT_TRUE(Listing().empty()) << c.error;
  }
}

TEST_F(CertCli, SignFlagValueErrorsShowUsage) {
  MakeCa();
  CliRun r = Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("ca.key"), "-name", "h",
                  "-networks", "10.0.0/24"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(), "Error: invalid -networks definition: 10.0.0/24");
  EXPECT_NE(r.err.find("Usage of flatnet-cert sign <flags>"), std::string::npos);
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key"}));
}

TEST_F(CertCli, ExistingOutputsAreNeverOverwritten) {
  MakeCa();
  std::string ca_before = Read("ca.crt");
  // ca.crt exists, ca2.key does not: the run must fail before writing ca2.key.
  CliRun r = Cli({"ca", "-name", "again", "-out-crt", Path("ca.crt"), "-out-key", Path("ca2.key")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(),
            "Error: refusing to overwrite existing CA cert: " + Path("ca.crt"));
  EXPECT_EQ(Read("ca.crt"), ca_before);
  EXPECT_FALSE(Exists("ca2.key"));

  Write("h.key", "precious");
  r = Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("ca.key"), "-name", "h", "-networks",
           "10.0.0.1/24", "-out-crt", Path("h.crt"), "-out-key", Path("h.key")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(), "Error: refusing to overwrite existing key: " + Path("h.key"));
  EXPECT_EQ(Read("h.key"), "precious");
  EXPECT_FALSE(Exists("h.crt"));

  // A dangling symlink counts as existing: writing through it would create its target.
  fs::create_symlink(Path("elsewhere"), Path("link.pub"));
  r = Cli({"keygen", "-out-key", Path("k.key"), "-out-pub", Path("link.pub")});
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(Exists("k.key"));
  EXPECT_FALSE(Exists("elsewhere"));

  r = Cli({"print", "-path", Path("ca.crt"), "-out-qr", Path("h.key")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(),
            "Error: refusing to overwrite existing QR code: " + Path("h.key"));
  EXPECT_EQ(r.out, "");  // refused before printing
  EXPECT_EQ(Read("h.key"), "precious");

  r = Cli({"keygen", "-out-key", Path("same"), "-out-pub", Path("same")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(),
            "Error: -out-key and -out-pub name the same file: " + Path("same"));
  EXPECT_FALSE(Exists("same"));
}

TEST_F(CertCli, AFailedWriteLeavesNoOutputBehind) {
  MakeCa();
  // The certificate and key can be written, the QR code cannot: none of them may remain.
  CliRun r = Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("ca.key"), "-name", "h",
                  "-networks", "10.0.0.1/24", "-out-crt", Path("h.crt"), "-out-key", Path("h.key"),
                  "-out-qr", Path("missing-dir/h.png")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(), "Error: error while writing out-qr: open " +
                                      Path("missing-dir/h.png") + ": no such file or directory");
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key"}));
}

TEST_F(CertCli, UnreadableAndMalformedInputFiles) {
  MakeCa();
  ASSERT_EQ(Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("ca.key"), "-name", "h",
                 "-networks", "10.0.0.1/24", "-out-crt", Path("h.crt"), "-out-key", Path("h.key")})
                .code,
            0);
  std::string ca_pem = Read("ca.crt");
  Write("garbage.crt", "not a certificate\n");
  Write("truncated.crt", ca_pem.substr(0, ca_pem.size() / 2));
  Write("short.key", cert::EncodePem(cert::kEd25519PrivateKeyBanner, Bytes(10, 1)));
  fs::create_directory(Path("adir"));
  std::vector<std::string> before = Listing();

  auto sign_with = [&](const std::string& ca_crt, const std::string& ca_key) {
    return Cli({"sign", "-ca-crt", Path(ca_crt), "-ca-key", Path(ca_key), "-name", "n", "-networks",
                "10.0.0.9/24", "-out-crt", Path("n.crt"), "-out-key", Path("n.key")});
  };
  struct Case {
    CliRun run;
    std::string error;
  } cases[] = {
      {sign_with("ca.crt", "nope.key"), "Error: error while reading ca-key: open " +
                                            Path("nope.key") + ": no such file or directory"},
      {sign_with("ca.crt", "h.key"),
       "Error: error while parsing ca-key: bytes did not contain a proper Ed25519/ECDSA private "
       "key banner"},
      {sign_with("ca.crt", "short.key"),
       "Error: error while parsing ca-key: key was not 64 bytes, is invalid Ed25519 private key"},
      {sign_with("garbage.crt", "ca.key"),
       "Error: error while parsing ca-crt: input did not contain a valid PEM encoded block"},
      {sign_with("truncated.crt", "ca.key"),
       "Error: error while parsing ca-crt: input did not contain a valid PEM encoded block "
       "(truncated or corrupt PEM)"},
      {Cli({"print", "-path", Path("adir")}),
       "Error: unable to read cert; read " + Path("adir") + ": is a directory"},
      {Cli({"print", "-path", Path("truncated.crt")}),
       "Error: error while unmarshaling cert: input did not contain a valid PEM encoded block "
       "(truncated or corrupt PEM)"},
      {Cli({"verify", "-ca", Path("garbage.crt"), "-crt", Path("h.crt")}),
       "Error: error while adding ca cert to pool: input did not contain a valid PEM encoded "
       "block"},
      {Cli({"verify", "-ca", Path("h.crt"), "-crt", Path("h.crt")}),
       "Error: error while adding ca cert to pool: h: certificate is not a CA"},
      {Cli({"verify", "-ca", Path("ca.crt"), "-crt", Path("garbage.crt")}),
       "Error: error while parsing crt: input did not contain a valid PEM encoded block"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.run.code, 1) << c.error;
    EXPECT_EQ(c.run.first_error_line(), c.error);
    EXPECT_EQ(std::count(c.run.err.begin(), c.run.err.end(), '\n'), 1) << c.run.err;
  }
  EXPECT_EQ(Listing(), before);
}

TEST_F(CertCli, CaKeyThatDoesNotMatchItsCert) {
  MakeCa();
  ASSERT_EQ(
      Cli({"ca", "-name", "Other", "-out-crt", Path("o.crt"), "-out-key", Path("o.key")}).code, 0);
  CliRun r =
      Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("o.key"), "-name", "h", "-networks",
           "10.0.0.1/24", "-out-crt", Path("h.crt"), "-out-key", Path("h.key")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(),
            "Error: refusing to sign, root certificate does not match private key");
  EXPECT_FALSE(Exists("h.crt"));
}

TEST_F(CertCli, CaConstraintsAreEnforcedWhenSigning) {
  MakeCa({"-ips", "10.1.0.0/16", "-groups", "servers", "-subnets", "192.168.0.0/16", "-duration",
          "10h"});
  auto sign = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "sign", "-ca-crt",  Path("ca.crt"), "-ca-key",  Path("ca.key"), "-name",
        "h",    "-out-crt", Path("h.crt"),  "-out-key", Path("h.key")};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(args);
  };
  const std::string prefix = "Error: error while signing: ";
  EXPECT_EQ(sign({"-networks", "10.2.0.1/24"}).first_error_line(),
            prefix +
                "certificate contained a network assignment outside the limitations of the "
                "signing ca: 10.2.0.1/24");
  EXPECT_EQ(sign({"-networks", "10.1.0.1/24", "-groups", "servers,laptops"}).first_error_line(),
            prefix + "certificate contained a group not present on the signing ca: laptops");
  EXPECT_EQ(sign({"-networks", "10.1.0.1/24", "-subnets", "172.16.0.0/12"}).first_error_line(),
            prefix +
                "certificate contained an unsafe network assignment outside the limitations of "
                "the signing ca: 172.16.0.0/12");
  EXPECT_EQ(Listing(), (std::vector<std::string>{"ca.crt", "ca.key"}));
  EXPECT_EQ(
      sign({"-networks", "10.1.0.1/24", "-groups", "servers", "-subnets", "192.168.3.0/24"}).code,
      0);
}

// nebula-cert 1.11.1 refuses a -duration past the CA's end ("certificate expires after
// signing certificate"); flatnet-cert signs to one second before the CA and says so.
TEST_F(CertCli, ADurationOutlivingTheCaEndsOneSecondBeforeItWithAWarning) {
  MakeCa({"-duration", "10h"});
  CliRun r = Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("ca.key"), "-name", "h",
                  "-networks", "10.1.0.1/24", "-duration", "8760h", "-out-crt", Path("h.crt"),
                  "-out-key", Path("h.key")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  cert::Certificate ca = ParsedCert("ca.crt");
  cert::Certificate host = ParsedCert("h.crt");
  EXPECT_EQ(host.not_after, ca.not_after - 1);
  // One line, naming the CA's end and what the certificate got.
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_TRUE(r.err.starts_with("Warning: -duration 8760h0m0s would end at ")) << r.err;
  EXPECT_NE(r.err.find("after the CA " + Path("ca.crt") + " expires at " +
                       cert::FormatRfc3339(ca.not_after)),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the certificate expires at " + cert::FormatRfc3339(ca.not_after - 1)),
            std::string::npos)
      << r.err;
  cert::CaPool pool;
  ASSERT_TRUE(pool.AddCa(ca).ok());
  EXPECT_TRUE(pool.Verify(host, host.not_before).ok());

  // A -duration within the CA's life signs as asked, silently.
  CliRun within = Cli({"sign", "-ca-crt", Path("ca.crt"), "-ca-key", Path("ca.key"), "-name",
                       "w", "-networks", "10.1.0.2/24", "-duration", "1h", "-out-crt",
                       Path("w.crt"), "-out-key", Path("w.key")});
  ASSERT_EQ(within.code, 0) << within.err;
  EXPECT_EQ(within.err, "");
  cert::Certificate w = ParsedCert("w.crt");
  EXPECT_EQ(w.not_after - w.not_before, 3600);
}

TEST_F(CertCli, VerifyRefusesBadSignaturesAndExpiredOrNotYetValidCerts) {
  MakeCa();
  cert::Certificate ca = ParsedCert("ca.crt");
  int64_t now = ca.not_before + 1;
  WriteSignedCert("old.crt", ca.not_before - 100, ca.not_before - 10);
  WriteSignedCert("future.crt", now + 3600, now + 7200);
  WriteSignedCert("good.crt", ca.not_before, ca.not_after - 1);
  cert::Certificate tampered = ParsedCert("good.crt");
  tampered.name = "mallory";
  tampered.raw_details.clear();  // a v2 certificate re-encodes its details only without it
  Write("tampered.crt", tampered.MarshalToPem());

  auto verify = [&](const std::string& crt) {
    return Cli({"verify", "-ca", Path("ca.crt"), "-crt", Path(crt)});
  };
  EXPECT_EQ(verify("good.crt").code, 0);
  // nebula-cert 1.11.1 names the certificate by its whole print text, then the reason.
  auto reason = [&](const std::string& crt) {
    CliRun r = verify(crt);
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.err.starts_with("Error: error while verifying certificate {\n")) << r.err;
    size_t end = r.err.rfind("}: ");
    return end == std::string::npos ? r.err : r.err.substr(end + 3);
  };
  EXPECT_EQ(reason("old.crt"), "certificate is expired\n");
  EXPECT_EQ(reason("future.crt"), "certificate is expired\n");
  EXPECT_EQ(reason("tampered.crt"), "certificate signature did not match\n");
}

TEST_F(CertCli, AnExpiredCaCannotSign) {
  crypto::Ed25519KeyPair key = crypto::Ed25519Generate();
  cert::Certificate ca;
  ca.name = "old";
  ca.is_ca = true;
  ca.not_before = 1'000'000'000;
  ca.not_after = 1'000'003'600;
  ca.public_key.assign(key.public_key.begin(), key.public_key.end());
  ASSERT_TRUE(ca.Sign(cert::Curve::kCurve25519, key.private_key).ok());
  Write("old.crt", ca.MarshalToPem());
  Write("old.key", cert::FormatEd25519PrivateKeyPem(key.private_key));
  CliRun r =
      Cli({"sign", "-ca-crt", Path("old.crt"), "-ca-key", Path("old.key"), "-name", "h",
           "-networks", "10.0.0.1/24", "-out-crt", Path("h.crt"), "-out-key", Path("h.key")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.first_error_line(), "Error: ca certificate is expired");
  EXPECT_FALSE(Exists("h.crt"));
  // 1.11.1 keeps an expired CA in the pool; what it signed then fails on it.
  cert::Certificate host;
  host.version = cert::Version::kV1;
  host.name = "h";
  host.networks = {IpPrefix::From(IpAddr::V4(0x0a000001), 24)};
  host.not_before = ca.not_before;
  host.not_after = ca.not_after - 1;
  host.public_key.assign(32, 5);
  host.issuer = ca.Fingerprint();
  ASSERT_TRUE(host.Sign(cert::Curve::kCurve25519, key.private_key).ok());
  Write("h_old.crt", host.MarshalToPem());
  r = Cli({"verify", "-ca", Path("old.crt"), "-crt", Path("h_old.crt")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.err.ends_with("}: root certificate is expired\n")) << r.err;
}

}  // namespace
}  // namespace flatnet::app
