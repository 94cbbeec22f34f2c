#include "mesh/host_credentials.h"

#include <algorithm>
#include <ctime>

#include "cert/key_pem.h"

namespace flatnet::mesh {

bool HostCredentials::InOurNetwork(const IpAddr& ip) const {
  for (const IpPrefix& network : networks)
    if (network.Contains(ip)) return true;
  return false;
}

bool HostCredentials::IsOurAddress(const IpAddr& ip) const {
  for (const IpPrefix& network : networks)
    if (network.addr() == ip) return true;
  return false;
}

std::string HostCredentials::NetworksText() const {
  std::string out;
  for (const IpPrefix& network : networks) out += (out.empty() ? "" : ", ") + network.ToString();
  return out;
}

const HandshakeCredential* HostCredentials::For(cert::Version version) const {
  return version == cert::Version::kV2 ? v2.get() : v1.get();
}

Result<HostCredentials> HostCredentials::Load(const config::PkiConfig& pki,
                                              const log::Logger& logger) {
  HostCredentials out;
  int64_t now = std::time(nullptr);

  auto ca_pem = config::ReadPem(pki.ca);
  if (!ca_pem.ok()) return ca_pem.status();
  auto pool = cert::CaPool::FromPem(*ca_pem);
  if (!pool.ok()) return pool.status().Wrap("pki.ca");
  auto expired = pool->ExpiredCas(now);
  if (!expired.empty() && expired.size() == pool->size())
    return Status::Error("pki.ca: every CA in the bundle has expired");
  for (const cert::Certificate* ca : expired)
    logger.Warn("expired CA certificate in pki.ca", {{"name", ca->name}});
  for (const std::string& fingerprint : pki.blocklist) pool->Blocklist(fingerprint);
  out.ca_pool = std::move(*pool);

  auto cert_pem = config::ReadPem(pki.cert);
  if (!cert_pem.ok()) return cert_pem.status();
  auto certificates = cert::ParseCertificatesPem(*cert_pem);
  if (!certificates.ok()) return certificates.status().Wrap("pki.cert");
  if (certificates->empty()) return Status::Error("pki.cert: no certificates found in pki.cert");
  const cert::Certificate *v1 = nullptr, *v2 = nullptr;
  for (const cert::Certificate& c : *certificates) {
    if (c.is_ca) return Status::Error("pki.cert: host certificate is a CA certificate");
    if (c.Expired(now))
      return Status::Error("pki.cert: nebula certificate for this host is expired");
    if (c.networks.empty()) return Status::Error("pki.cert: no networks encoded in certificate");
    const cert::Certificate*& slot = c.version == cert::Version::kV2 ? v2 : v1;
    if (slot)
      return Status::Error(std::string("pki.cert: ") +
                           (c.version == cert::Version::kV2 ? "v2" : "v1") +
                           " certificate already found in pki.cert");
    slot = &c;
  }
  if (v1 && v2) {
    if (v1->public_key != v2->public_key)
      return Status::Error("pki.cert: v1 and v2 public keys are not the same");
    if (v1->curve != v2->curve) return Status::Error("pki.cert: v1 and v2 curve are not the same");
    if (!(v1->networks[0] == v2->networks[0]))
      return Status::Error("pki.cert: v1 and v2 networks are not the same");
  }
  int wanted = pki.initiating_version ? pki.initiating_version : (v1 ? 1 : 2);
  if (wanted == 1 && !v1)
    return Status::Error(
        "pki.initiating_version: can not use pki.initiating_version 1 without a v1 certificate "
        "in pki.cert");
  out.initiating_version = (wanted == 2 && v2) ? cert::Version::kV2 : cert::Version::kV1;
  if (!v1) out.initiating_version = cert::Version::kV2;

  const cert::Certificate& defining = v2 ? *v2 : *v1;
  for (const cert::Certificate* c : {v1, v2}) {
    if (!c) continue;
    if (Status verified = out.ca_pool.Verify(*c, now); !verified.ok())
      logger.Warn("this host's certificate does not verify against pki.ca",
                  {{"version", int(c->version)}, {"error", verified.message()}});
  }

  auto key_pem = config::ReadPem(pki.key);
  if (!key_pem.ok()) return key_pem.status();
  auto key = cert::ParsePrivateKeyPem(*key_pem);
  if (!key.ok()) return key.status().Wrap("pki.key");
  if (key->is_ca_key || key->is_encrypted)
    return Status::Error("pki.key: is a CA's signing key, not a host's private key");
  for (const cert::Certificate* c : {v1, v2}) {
    if (c && !c->VerifyPrivateKey(key->curve, key->key).ok())
      return Status::Error("pki.key: private key is not a pair with public key in nebula cert");
  }
  out.curve = defining.curve;
  out.dh = out.curve == cert::Curve::kP256 ? noise::DhKind::kP256 : noise::DhKind::kCurve25519;
  out.static_keys = noise::DhKeyPair(key->key, defining.public_key);

  out.networks = defining.networks;
  out.vpn_ip = out.networks[0].addr();
  if (v1) out.v1_vpn_ip = v1->networks[0].addr();
  auto credential = [](const cert::Certificate& c) {
    auto made = std::make_shared<HandshakeCredential>();
    made->certificate = std::make_shared<const cert::Certificate>(c);
    made->handshake_bytes = c.MarshalForHandshakes();
    return std::shared_ptr<const HandshakeCredential>(std::move(made));
  };
  if (v1) out.v1 = credential(*v1);
  if (v2) out.v2 = credential(*v2);
  out.certificate = (v2 ? out.v2 : out.v1)->certificate;
  return out;
}

firewall::PeerIdentity IdentityOf(const cert::Certificate& peer, const cert::CaPool& pool) {
  firewall::PeerIdentity identity;
  identity.name = peer.name;
  if (!peer.networks.empty()) identity.overlay_ip = peer.networks[0].addr();
  identity.groups = peer.groups;
  identity.issuer = peer.issuer;
  if (auto ca = pool.GetCaForCert(peer); ca.ok()) identity.ca_name = (*ca)->name;
  for (size_t i = 1; i < peer.networks.size(); ++i) {
    const IpAddr& address = peer.networks[i].addr();
    identity.other_networks.push_back(IpPrefix::From(address, address.bit_length()));
  }
  for (const IpPrefix& unsafe : peer.unsafe_networks) identity.other_networks.push_back(unsafe);
  return identity;
}

Result<IpAddr> OverlayIpOf(const cert::Certificate& peer) {
  if (peer.networks.empty()) return Status::Error("certificate has no networks");
  return peer.networks[0].addr();
}

std::vector<IpAddr> OverlayAddressesOf(const cert::Certificate& peer) {
  std::vector<IpAddr> out;
  for (const IpPrefix& network : peer.networks)
    if (std::find(out.begin(), out.end(), network.addr()) == out.end())
      out.push_back(network.addr());
  return out;
}

}  // namespace flatnet::mesh
