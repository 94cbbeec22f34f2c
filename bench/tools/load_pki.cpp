#include "load_pki.h"

#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "cert/key_pem.h"
#include "crypto/ed25519.h"

namespace flatnet::bench {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kYear = 365 * 24 * kHour;

Status WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return Status::Error("cannot write " + path);
  }
  if (chmod(path.c_str(), mode) != 0) return Status::Error("cannot chmod " + path);
  return Status();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A host certificate for `address` within ca.network, signed; its key pair in *keys.
Result<cert::Certificate> SignHost(const TeamCa& ca, const std::string& name, uint32_t address,
                                   crypto::X25519KeyPair* keys) {
  *keys = crypto::X25519Generate();
  cert::Certificate host;
  host.version = cert::Version::kV1;
  host.curve = cert::Curve::kCurve25519;
  host.name = name;
  host.networks = {IpPrefix::From(IpAddr::V4(address), ca.network.bits())};
  int64_t now = int64_t(std::time(nullptr));
  host.not_before = now - 60;
  host.not_after = std::min<int64_t>(now + kYear, ca.certificate.not_after - 1);
  host.issuer = ca.certificate.Fingerprint();
  host.public_key.assign(keys->public_key.begin(), keys->public_key.end());
  if (Status s = host.Sign(cert::Curve::kCurve25519, ca.private_key); !s.ok())
    return s.Wrap("signing " + name);
  return host;
}

}  // namespace

Status WriteTeamPki(const std::string& dir, const IpPrefix& network) {
  if (!network.is_v4() || network.bits() > 30)
    return Status::Error("--network " + network.ToString() +
                         ": needs an IPv4 network of /30 or wider");
  TeamCa ca;
  ca.network = network.Masked();
  crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
  ca.private_key.assign(pair.private_key.begin(), pair.private_key.end());
  ca.certificate.version = cert::Version::kV1;
  ca.certificate.curve = cert::Curve::kCurve25519;
  ca.certificate.name = "flatnet lighthouse load ca";
  ca.certificate.is_ca = true;
  ca.certificate.networks = {ca.network};
  int64_t now = int64_t(std::time(nullptr));
  ca.certificate.not_before = now - kHour;
  ca.certificate.not_after = now + 2 * kYear;
  ca.certificate.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  if (Status s = ca.certificate.Sign(cert::Curve::kCurve25519, ca.private_key); !s.ok())
    return s.Wrap("signing the CA");

  crypto::X25519KeyPair keys;
  auto lighthouse = SignHost(ca, "lighthouse", ca.network.addr().v4() + 1, &keys);
  if (!lighthouse.ok()) return lighthouse.status();
  std::string stem = dir + "/";
  if (Status s = WriteFile(stem + "ca.crt", ca.certificate.MarshalToPem(), 0644); !s.ok()) return s;
  if (Status s = WriteFile(
          stem + "ca.key",
          cert::FormatPrivateKeyPem(cert::Curve::kCurve25519, true, ca.private_key), 0600);
      !s.ok())
    return s;
  if (Status s = WriteFile(stem + "lighthouse.crt", lighthouse->MarshalToPem(), 0644); !s.ok())
    return s;
  return WriteFile(
      stem + "lighthouse.key",
      cert::FormatPrivateKeyPem(cert::Curve::kCurve25519, false,
                                ByteSpan(keys.private_key.data(), keys.private_key.size())),
      0600);
}

Result<TeamCa> LoadTeamCa(const std::string& crt_path, const std::string& key_path) {
  auto crt_text = ReadFile(crt_path);
  if (!crt_text.ok()) return crt_text.status();
  auto crt = cert::ParseCertificatePem(*crt_text);
  if (!crt.ok()) return crt.status().Wrap(crt_path);
  if (!crt->is_ca || crt->version != cert::Version::kV1 || crt->curve != cert::Curve::kCurve25519)
    return Status::Error(crt_path + ": not a v1 Curve25519 CA certificate");
  const IpPrefix* network = crt->FirstV4Network();
  if (network == nullptr)
    return Status::Error(crt_path + ": the CA names no IPv4 network to give hosts addresses in");
  auto key_text = ReadFile(key_path);
  if (!key_text.ok()) return key_text.status();
  auto key = cert::ParsePrivateKeyPem(*key_text);
  if (!key.ok()) return key.status().Wrap(key_path);
  if (!key->is_ca_key || key->is_encrypted || key->curve != cert::Curve::kCurve25519)
    return Status::Error(key_path + ": not a plain Ed25519 CA key");
  if (Status s = crt->VerifyPrivateKey(cert::Curve::kCurve25519, key->key); !s.ok())
    return s.Wrap(key_path + " and " + crt_path);
  TeamCa ca;
  ca.network = network->Masked();
  ca.certificate = std::move(*crt);
  ca.private_key = std::move(key->key);
  return ca;
}

Result<std::vector<HostIdentity>> MakeHosts(const TeamCa& ca, size_t count) {
  uint64_t room = (uint64_t(1) << (32 - ca.network.bits())) - 3;  // network, lighthouse, broadcast
  if (count > room)
    return Status::Error(std::to_string(count) + " hosts do not fit the CA's network " +
                         ca.network.ToString() + " (room for " + std::to_string(room) + ")");
  std::vector<HostIdentity> hosts(count);
  uint32_t base = ca.network.addr().v4();
  for (size_t i = 0; i < count; ++i) {
    HostIdentity& h = hosts[i];
    h.vpn_ip = base + 2 + uint32_t(i);
    auto c = SignHost(ca, "load-" + std::to_string(i), h.vpn_ip, &h.keys);
    if (!c.ok()) return c.status();
    h.handshake_cert = c->MarshalForHandshakes();
  }
  return hosts;
}

}  // namespace flatnet::bench
