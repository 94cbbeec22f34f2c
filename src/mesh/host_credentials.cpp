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
  if (certificate->ips.empty())
    return Status::Error("pki.cert: no IPs in the certificate");
  if (Status verified = out.ca_pool.Verify(*certificate, now); !verified.ok())
    logger.Warn("this host's certificate does not verify against pki.ca",
                {{"error", verified.message()}});

  auto key_pem = config::ReadPem(pki.key);
  if (!key_pem.ok()) return key_pem.status();
  auto key = cert::ParseX25519PrivateKeyPem(*key_pem);
  if (!key.ok()) return key.status().Wrap("pki.key");
  if (Status pair = certificate->VerifyPrivateKey(*key); !pair.ok())
    return Status::Error("pki.key: private key is not a pair with public key in nebula cert");
  std::copy(key->begin(), key->end(), out.static_keys.private_key.begin());
  std::copy(certificate->public_key.begin(), certificate->public_key.end(),
            out.static_keys.public_key.begin());

  out.vpn_ip = certificate->ips[0].ip;
  out.prefix_length = certificate->ips[0].PrefixLength();
  if (out.prefix_length < 0)
    return Status::Error("pki.cert: the certificate's IP " + certificate->ips[0].ToString() +
                         " has a mask that is not a prefix length");
  out.certificate_without_key = certificate->MarshalWithoutPublicKey();
  out.certificate = std::make_shared<const cert::Certificate>(std::move(*certificate));
  return out;
}

firewall::PeerIdentity IdentityOf(const cert::Certificate& peer, const cert::CaPool& pool) {
  firewall::PeerIdentity identity;
  identity.name = peer.name;
  identity.overlay_ip = peer.ips.empty() ? 0 : peer.ips[0].ip;
  identity.groups = peer.groups;
  identity.issuer = peer.issuer;
  if (auto ca = pool.GetCaForCert(peer); ca.ok()) identity.ca_name = (*ca)->name;
  for (size_t i = 1; i < peer.ips.size(); ++i)
    identity.other_networks.push_back(net::Ipv4Cidr(net::Ipv4(peer.ips[i].ip), 32));
  for (const auto& subnet : peer.subnets) {
    int prefix = subnet.PrefixLength();
    if (prefix < 0) continue;  // not a network a route can name
    identity.other_networks.push_back(net::Ipv4Cidr(net::Ipv4(subnet.ip), prefix));
  }
  return identity;
}

Result<uint32_t> OverlayIpOf(const cert::Certificate& peer) {
  if (peer.ips.empty()) return Status::Error("certificate has no IP");
  return peer.ips[0].ip;
}

}  // namespace flatnet::mesh
