// flatnet's encrypted CA key files open in the real nebula-cert 1.11.1: it signs a host
// certificate with them, reading the passphrase from NEBULA_CA_PASSPHRASE (nebula-cert 1.10+).
// Fails, never skips, when /opt/nebula/1.11.1/nebula-cert is missing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cert/key_pem.h"
#include "keys_test_data.h"

namespace flatnet::cert {
namespace {

constexpr const char* kNebulaCert = "/opt/nebula/1.11.1/nebula-cert";
const Bytes kPassphrase = {'c', 'o', 'r', 'r', 'e', 'c', 't', ' ', 'h', 'o', 'r', 's', 'e'};
constexpr crypto::Argon2idParams kFast{.memory_kib = 2000, .iterations = 2, .parallelism = 3};

class NebulaCertSign : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kNebulaCert, X_OK), 0) << kNebulaCert << " is not installed";
    char tmpl[] = "/tmp/flatnet_keys_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // Exit status of nebula-cert sign with this CA, the key file given and the passphrase.
  int Sign(const std::string& ca_crt, const std::string& ca_key, const std::string& passphrase) {
    std::string cmd = "NEBULA_CA_PASSPHRASE='" + passphrase + "' " + kNebulaCert +
                      " sign -ca-crt " + ca_crt + " -ca-key " + ca_key +
                      " -name host -networks 10.1.0.1/24 -duration 1h -out-crt " + dir_ +
                      "/host.crt -out-key " + dir_ + "/host.key > " + dir_ + "/out.txt 2>&1";
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string Output() {
    std::ifstream in(dir_ + "/out.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string dir_;
};

TEST_F(NebulaCertSign, AcceptsFlatnetEncryptedP256CaKey) {
  auto key = ParsePrivateKeyPem(ReadKeysData("p256_ca.key"));
  ASSERT_TRUE(key.ok()) << key.status().message();
  auto pem = FormatEncryptedPrivateKeyPem(Curve::kP256, key->key, kPassphrase, kFast);
  ASSERT_TRUE(pem.ok()) << pem.status().message();
  std::string ca_key = Write("ca.key", *pem);
  EXPECT_EQ(Sign(KeysDataPath("p256_ca.crt"), ca_key, "correct horse"), 0) << Output();
  // The host key nebula-cert made for a P256 CA is a P256 host key flatnet reads.
  std::ifstream in(dir_ + "/host.key");
  auto host = ParsePrivateKeyPem(std::string(std::istreambuf_iterator<char>(in), {}));
  ASSERT_TRUE(host.ok()) << host.status().message();
  EXPECT_EQ(host->curve, Curve::kP256);
  EXPECT_FALSE(host->is_ca_key);
  // And with a wrong passphrase nebula-cert refuses the same file.
  EXPECT_NE(Sign(KeysDataPath("p256_ca.crt"), ca_key, "wrong horse"), 0);
  EXPECT_NE(Output().find("invalid passphrase or corrupt private key"), std::string::npos)
      << Output();
}

TEST_F(NebulaCertSign, AcceptsFlatnetReencryptedEd25519CaKey) {
  auto encrypted = ParsePrivateKeyPem(ReadKeysData("enc_ed25519_ca.key"));
  ASSERT_TRUE(encrypted.ok()) << encrypted.status().message();
  auto key = DecryptPrivateKey(*encrypted, kPassphrase);
  ASSERT_TRUE(key.ok()) << key.status().message();
  const Bytes other = {'a', 'n', 'o', 't', 'h', 'e', 'r'};
  auto pem = FormatEncryptedPrivateKeyPem(Curve::kCurve25519, key->key, other, kFast);
  ASSERT_TRUE(pem.ok()) << pem.status().message();
  std::string ca_key = Write("ca.key", *pem);
  EXPECT_EQ(Sign(KeysDataPath("enc_ed25519_ca.crt"), ca_key, "another"), 0) << Output();
  EXPECT_NE(Sign(KeysDataPath("enc_ed25519_ca.crt"), ca_key, "correct horse"), 0);
}

}  // namespace
}  // namespace flatnet::cert
