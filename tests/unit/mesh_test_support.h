// Test support for the mesh's control-thread parts: a CA and host certificates made here,
// configs with their PEM inline, and Nodes that are created (credentials, firewall, managers)
// but never started (no TUN, no socket), whose sends are captured (Node::set_raw_sender).
// A test drives a node's HandshakeManager, RelayManager or control events directly and
// carries captured datagrams between nodes itself.
#pragma once

#include <gtest/gtest.h>

#include <ctime>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "base/log.h"
#include "cert/certificate.h"
#include "cert/key_pem.h"
#include "config/config.h"
#include "crypto/ed25519.h"
#include "crypto/x25519.h"
#include "firewall/packet.h"
#include "mesh/handshake_manager.h"
#include "mesh/node.h"
#include "net/udp_addr.h"
#include "wire/header.h"

namespace flatnet::mesh::testing {

struct TestCa {
  cert::Certificate cert;
  crypto::Ed25519PrivateKey key;
};

inline TestCa MakeTestCa() {
  crypto::Ed25519KeyPair pair = crypto::Ed25519Generate();
  TestCa ca;
  ca.key = pair.private_key;
  ca.cert.name = "test ca";
  ca.cert.is_ca = true;
  ca.cert.not_before = std::time(nullptr) - 3600;
  ca.cert.not_after = std::time(nullptr) + 10 * 3600;
  ca.cert.public_key.assign(pair.public_key.begin(), pair.public_key.end());
  EXPECT_TRUE(ca.cert.Sign(cert::Curve::kCurve25519, ByteSpan(ca.key.data(), ca.key.size())).ok());
  return ca;
}

struct TestHost {
  cert::Certificate cert;
  crypto::X25519KeyPair keys;
};

// A host certificate for `cidr` ("10.9.0.1/24"); `edit` may change it before it is signed
// (what a careless CA might sign).
inline TestHost MakeTestHost(const TestCa& ca, const std::string& name, const char* cidr,
                             const std::function<void(cert::Certificate&)>& edit = {}) {
  TestHost host;
  host.keys = crypto::X25519Generate();
  host.cert.name = name;
  auto ip = ParseIpPrefix(cidr);
  EXPECT_TRUE(ip.ok()) << cidr;
  host.cert.networks = {*ip};
  host.cert.not_before = ca.cert.not_before + 1;
  host.cert.not_after = ca.cert.not_after - 1;
  host.cert.public_key.assign(host.keys.public_key.begin(), host.keys.public_key.end());
  host.cert.issuer = ca.cert.Fingerprint();
  if (edit) edit(host.cert);
  EXPECT_TRUE(
      host.cert.Sign(cert::Curve::kCurve25519, ByteSpan(ca.key.data(), ca.key.size())).ok());
  return host;
}

inline std::string IndentedBlock(const std::string& text) {
  std::string out = "|\n";
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += "    " + line + "\n";
  return out;
}

// A whole config.yml from PEM texts: pki inline, then `rest` (static_host_map, lighthouse, ...).
inline std::string MeshYamlPem(const std::string& ca_pem, const std::string& cert_pem,
                               const std::string& key_pem, const std::string& rest) {
  return "pki:\n  ca: " + IndentedBlock(ca_pem) + "  cert: " + IndentedBlock(cert_pem) +
         "  key: " + IndentedBlock(key_pem) +
         "firewall:\n  outbound:\n    - port: any\n      proto: any\n      host: any\n"
         "  inbound:\n    - port: any\n      proto: any\n      host: any\n" +
         rest;
}

inline std::string MeshYaml(const TestCa& ca, const TestHost& host, const std::string& rest) {
  return MeshYamlPem(ca.cert.MarshalToPem(), host.cert.MarshalToPem(),
                     cert::FormatX25519PrivateKeyPem(host.keys.private_key), rest);
}

inline config::Config ConfigFromYaml(const std::string& yaml) {
  std::vector<config::Warning> warnings;
  auto config = config::LoadConfigFromString(yaml, "config.yml", &warnings);
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? std::move(*config) : config::Config{};
}

inline config::Config MeshConfig(const TestCa& ca, const TestHost& host, const std::string& rest) {
  std::vector<config::Warning> warnings;
  auto config = config::LoadConfigFromString(MeshYaml(ca, host, rest), "config.yml", &warnings);
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? std::move(*config) : config::Config{};
}

struct Sent {
  net::UdpAddr to;
  Bytes datagram;
  wire::Header header() const { return *wire::ParseHeader(datagram); }
};

// A created, never started Node whose sends land in `sent`, with its log kept in `log`.
struct TestNode {
  std::unique_ptr<Node> node;
  std::vector<Sent> sent;
  std::shared_ptr<std::string> log = std::make_shared<std::string>();

  static std::unique_ptr<TestNode> Create(const config::Config& config) {
    auto out = std::make_unique<TestNode>();
    auto log = out->log;
    log::Logger logger([log](std::string_view line) {
      log->append(line);
      log->push_back('\n');
    });
    log::Options options = logger.options();
    options.level = log::Level::kDebug;
    logger.Configure(options);
    auto node = Node::Create(config, logger);
    EXPECT_TRUE(node.ok()) << node.status().message();
    if (!node.ok()) return nullptr;
    out->node = std::move(*node);
    TestNode* raw = out.get();
    raw->node->set_raw_sender([raw](const net::UdpAddr& to, ByteSpan datagram) {
      raw->sent.push_back({to, Bytes(datagram.begin(), datagram.end())});
    });
    return out;
  }

  // Takes what was sent so far (and forgets it).
  std::vector<Sent> Take() {
    std::vector<Sent> out;
    out.swap(sent);
    return out;
  }
  uint64_t Counter(std::string_view name) const {
    uint64_t value = 0;
    for (const auto& [n, v] : node->Report().counters)
      if (n == name) value = v;
    return value;
  }
};

inline net::UdpAddr Addr(const char* text) { return *net::UdpAddr::Parse(text); }
inline IpAddr Ip(const char* text) { return *config::ParseIp(text); }

// A UDP packet (port 40000 to 53) from `local` to `remote` as the inside path parses it:
// what Node::RouteFor routes.
inline firewall::Packet OutboundUdp(const char* local, const char* remote) {
  firewall::Packet packet;
  packet.protocol = firewall::kProtoUdp;
  packet.local_ip = Ip(local);
  packet.remote_ip = Ip(remote);
  packet.local_port = 40000;
  packet.remote_port = 53;
  return packet;
}

// `from` (at `from_addr`) starts a handshake with `to` (at `to_addr`) and they finish it;
// true when `from` got a tunnel to `to_ip`.
inline bool Handshake(TestNode& from, TestNode& to, const char* to_ip, const char* from_addr,
                      const char* to_addr) {
  from.node->handshakes().Initiate(Ip(to_ip), Node::NowNs());
  auto stage1 = from.Take();
  if (stage1.size() != 1) return false;
  to.node->handshakes().HandlePacket(Addr(from_addr), stage1[0].datagram, Node::NowNs());
  auto stage2 = to.Take();
  if (stage2.size() != 1) return false;
  from.node->handshakes().HandlePacket(Addr(to_addr), stage2[0].datagram, Node::NowNs());
  return from.node->host_map().Current()->FindByVpnIp(Ip(to_ip)) != nullptr;
}
// The IPv4 address `n` after `text`.
inline IpAddr IpPlus(const char* text, uint32_t n) { return IpAddr::V4(Ip(text).v4() + n); }

}  // namespace flatnet::mesh::testing
