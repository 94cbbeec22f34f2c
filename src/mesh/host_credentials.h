// HostCredentials: who this host is in the mesh (pki.cert and pki.key) and whom it trusts
// (pki.ca, pki.blocklist), loaded once at start and checked the way nebula checks them.
//
// pki.cert may hold one v1 and one v2 certificate (Nebula 1.11.1 pki.go): both for the same
// key and curve and with the same first network, so a host can move from v1 to v2 while
// peers of either generation reach it. pki.key is an X25519 or P256 host key; its curve is
// the certificates' and picks the handshake's DH (Noise_IX_25519_* or Noise_IX_P256_*).
// pki.initiating_version picks the certificate sent when initiating: by default 1 if there
// is a v1 certificate, else 2; 1 without a v1 certificate is an error; 2 with only a v1 one
// sends v1 (as Nebula does).
//
// The overlay is every network of the v2 certificate when there is one (a superset of the
// v1's), else the v1's one IPv4 network: IPv4 and IPv6 alike, IPv6-only is legal (Nebula
// 1.11.1's myVpnNetworks). The first is the primary address (logs, status, the handshake
// race's tie-break, as Nebula's myVpnAddrs[0]). A peer whose tunnel carries our v1
// certificate knows us by that certificate's IPv4 address, which equals the v2 one's first.
//
// Contract: Load fails with one line naming the config key and what is wrong: unreadable or
// malformed PEM, a key that is not the certificates' pair, an expired certificate, two of
// one version, certificates that disagree, a certificate without networks, or a CA bundle
// in which every CA has expired.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "cert/ca_pool.h"
#include "cert/certificate.h"
#include "config/config.h"
#include "firewall/peer_identity.h"
#include "noise/dh.h"

namespace flatnet::mesh {

// One certificate of this host and what a handshake carries of it.
struct HandshakeCredential {
  std::shared_ptr<const cert::Certificate> certificate;
  Bytes handshake_bytes;  // MarshalForHandshakes(): the key travels as the Noise static key
};

struct HostCredentials {
  // The certificate that defines this host: v2 when there is one (a superset), else v1.
  std::shared_ptr<const cert::Certificate> certificate;
  std::shared_ptr<const HandshakeCredential> v1, v2;  // at least one is set
  cert::Version initiating_version = cert::Version::kV1;
  cert::Curve curve = cert::Curve::kCurve25519;
  noise::DhKind dh = noise::DhKind::kCurve25519;
  noise::DhKeyPair static_keys;  // the certificates' key pair: Noise's static key
  cert::CaPool ca_pool;
  // Our overlay networks, in the defining certificate's order (never empty after Load).
  std::vector<IpPrefix> networks;
  IpAddr vpn_ip;     // networks[0]'s address: the primary one
  IpAddr v1_vpn_ip;  // our v1 certificate's address (IPv4), invalid without a v1 certificate

  // Is `ip` in one of our overlay networks?
  bool InOurNetwork(const IpAddr& ip) const;
  // Is `ip` one of our own overlay addresses?
  bool IsOurAddress(const IpAddr& ip) const;
  // The address a peer knows us by when our tunnel to it carries our certificate of
  // `version`: v1's IPv4 address, else the primary one.
  const IpAddr& AddressFor(cert::Version version) const {
    return version == cert::Version::kV1 && v1_vpn_ip.valid() ? v1_vpn_ip : vpn_ip;
  }
  // "10.1.0.2/16, fd00::2/64": for error messages.
  std::string NetworksText() const;

  // The credential of `version`, or nullptr when pki.cert has none of it.
  const HandshakeCredential* For(cert::Version version) const;

  static Result<HostCredentials> Load(const config::PkiConfig& pki, const log::Logger& logger);
};

// What the firewall and the logs know of a peer, taken from its verified certificate: its
// first network's address, its other addresses (as /32 or /128) and its unsafe networks,
// of both families.
firewall::PeerIdentity IdentityOf(const cert::Certificate& peer, const cert::CaPool& pool);

// A peer's primary overlay address: its certificate's first network's address (IPv4 or
// IPv6; v2 certificates sort IPv4 first), as Nebula's vpnAddrs[0]. A certificate without
// networks is an error here ("certificate has no networks"), never networks[0] of nothing.
Result<IpAddr> OverlayIpOf(const cert::Certificate& peer);

// Every overlay address of a peer: its certificate's networks' addresses, in order (the
// host map keys its tunnel by each, as Nebula's hostmap keys a HostInfo by every vpnAddr).
std::vector<IpAddr> OverlayAddressesOf(const cert::Certificate& peer);

}  // namespace flatnet::mesh
