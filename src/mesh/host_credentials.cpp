#include "mesh/host_credentials.h"

#include <ctime>

#include "cert/key_pem.h"

namespace flatnet::mesh {

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
  auto certificate = cert::ParseCertificatePem(*cert_pem);
  if (!certificate.ok()) return certificate.status().Wrap("pki.cert");
  if (certificate->is_ca) return Status::Error("pki.cert: is a CA certificate, not a host's");
  if (certificate->Expired(now))
    return Status::Error("pki.cert: nebula certificate for this host is expired");
  const IpPrefix* overlay = certificate->FirstV4Network();
  if (overlay == nullptr) return Status::Error("pki.cert: no IPv4 network in the certificate");
  if (Status verified = out.ca_pool.Verify(*certificate, now); !verified.ok())
    logger.Warn("this host's certificate does not verify against pki.ca",
                {{"error", verified.message()}});

  auto key_pem = config::ReadPem(pki.key);
  if (!key_pem.ok()) return key_pem.status();
  auto key = cert::ParseX25519PrivateKeyPem(*key_pem);
  if (!key.ok()) return key.status().Wrap("pki.key");
  if (Status pair = certificate->VerifyPrivateKey(cert::Curve::kCurve25519, *key); !pair.ok())
    return Status::Error("pki.key: private key is not a pair with public key in nebula cert");
  std::copy(key->begin(), key->end(), out.static_keys.private_key.begin());
  std::copy(certificate->public_key.begin(), certificate->public_key.end(),
            out.static_keys.public_key.begin());

  out.vpn_ip = overlay->addr().v4();
  out.prefix_length = overlay->bits();
  out.certificate_without_key = certificate->MarshalForHandshakes();
  out.certificate = std::make_shared<const cert::Certificate>(std::move(*certificate));
  return out;
}

firewall::PeerIdentity IdentityOf(const cert::Certificate& peer, const cert::CaPool& pool) {
  firewall::PeerIdentity identity;
  identity.name = peer.name;
  const IpPrefix* overlay = peer.FirstV4Network();
  identity.overlay_ip = overlay ? overlay->addr().v4() : 0;
  identity.groups = peer.groups;
  identity.issuer = peer.issuer;
  if (auto ca = pool.GetCaForCert(peer); ca.ok()) identity.ca_name = (*ca)->name;
  for (const IpPrefix& network : peer.networks)
    if (network.is_v4() && &network != overlay)
      identity.other_networks.push_back(net::Ipv4Cidr(net::Ipv4(network.addr().v4()), 32));
  for (const IpPrefix& unsafe : peer.unsafe_networks)
    if (unsafe.is_v4())
      identity.other_networks.push_back(
          net::Ipv4Cidr(net::Ipv4(unsafe.addr().v4()), unsafe.bits()));
  return identity;
}

Result<uint32_t> OverlayIpOf(const cert::Certificate& peer) {
  const IpPrefix* overlay = peer.FirstV4Network();
  if (overlay == nullptr) return Status::Error("certificate has no IPv4 network");
  return overlay->addr().v4();
}

}  // namespace flatnet::mesh
