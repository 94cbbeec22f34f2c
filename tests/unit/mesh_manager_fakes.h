// Test support for the control thread's managers built on their own (no Node): fakes of the
// interfaces in mesh/control_ports.h that record every call, and a ManagerHost holding
// what a manager's Deps refer to (config, credentials, host map, address book, counters,
// a log, a real timer queue the test runs itself) for one host of a test mesh. A test builds
// HandshakeManager, Lighthouse or RelayManager from a ManagerHost, feeds it messages and reads what
// the fakes recorded.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "crypto/random.h"
#include "mesh/address_book.h"
#include "mesh/control_ports.h"
#include "mesh/control_timers.h"
#include "mesh/counters.h"
#include "mesh/host_credentials.h"
#include "mesh/host_map.h"
#include "mesh/settings.h"
#include "mesh/tunnel.h"
#include "mesh_test_support.h"
#include "net/resolve.h"

namespace flatnet::mesh::testing {

class FakeSender : public ControlSender {
 public:
  struct Raw {
    net::UdpAddr to;
    Bytes datagram;
    wire::Header header() const { return *wire::ParseHeader(datagram); }
  };
  struct OnTunnel {
    IpAddr vpn_ip;       // the tunnel's peer
    uint32_t local_index;  // which of its tunnels
    wire::MessageType type;
    wire::MessageSubType subtype;
    Bytes payload;
  };
  struct ToVpn {
    IpAddr vpn_ip;
    wire::MessageType type;
    wire::MessageSubType subtype;
    Bytes payload;
  };
  struct Queued {
    IpAddr vpn_ip;
    uint32_t local_index;
    Bytes packet;
  };

  void SendRaw(const net::UdpAddr& to, ByteSpan datagram) override {
    raw.push_back({to, Bytes(datagram.begin(), datagram.end())});
  }
  void SendOnTunnel(Tunnel& tunnel, wire::MessageType type, wire::MessageSubType subtype,
                    ByteSpan payload) override {
    on_tunnel.push_back({tunnel.vpn_ip(), tunnel.local_index(), type, subtype,
                         Bytes(payload.begin(), payload.end())});
  }
  void SendToVpn(const IpAddr& vpn_ip, wire::MessageType type, wire::MessageSubType subtype,
                 ByteSpan payload) override {
    to_vpn.push_back({vpn_ip, type, subtype, Bytes(payload.begin(), payload.end())});
  }
  void SendQueuedPacket(Tunnel& tunnel, ByteSpan ip_packet) override {
    queued.push_back(
        {tunnel.vpn_ip(), tunnel.local_index(), Bytes(ip_packet.begin(), ip_packet.end())});
  }
  void Clear() {
    raw.clear();
    on_tunnel.clear();
    to_vpn.clear();
    queued.clear();
  }
  // The handshake datagrams sent raw with this message counter (1: stage 1, 2: stage 2).
  std::vector<Raw> Handshakes(uint64_t stage) const {
    std::vector<Raw> out;
    for (const Raw& r : raw)
      if (r.datagram.size() >= wire::kHeaderSize &&
          r.header().type == wire::MessageType::kHandshake && r.header().message_counter == stage)
        out.push_back(r);
    return out;
  }

  std::vector<Raw> raw;
  std::vector<OnTunnel> on_tunnel;
  std::vector<ToVpn> to_vpn;
  std::vector<Queued> queued;
};

class FakeTunnelEvents : public TunnelEvents {
 public:
  explicit FakeTunnelEvents(HostMap& map) : map_(map) {}
  void TunnelEstablished(const Tunnel& tunnel) override { established.push_back(tunnel.vpn_ip()); }
  void CloseTunnel(Tunnel& tunnel, const char* reason) override {
    closed.push_back(reason);
    map_.Remove(tunnel);
  }
  std::vector<IpAddr> established;
  std::vector<std::string> closed;

 private:
  HostMap& map_;
};

class FakeHandshakes : public HandshakeStarter {
 public:
  void Initiate(const IpAddr& vpn_ip, int64_t) override { initiated.push_back(vpn_ip); }
  void Trigger(const IpAddr& vpn_ip) override { triggered.push_back(vpn_ip); }
  bool Pending(const IpAddr& vpn_ip) const override {
    return std::find(initiated.begin(), initiated.end(), vpn_ip) != initiated.end();
  }
  std::vector<IpAddr> initiated, triggered;
};

class FakeQuery : public PeerQuery {
 public:
  void Query(const IpAddr& vpn_ip) override { queried.push_back(vpn_ip); }
  std::vector<IpAddr> queried;
};

class FakeRelays : public RelayPaths {
 public:
  bool EnsurePath(Tunnel& relay, const IpAddr& target) override {
    ensured.push_back({relay.vpn_ip(), target});
    return established;
  }
  bool SendThrough(const IpAddr& relay, const IpAddr& target, ByteSpan inner) override {
    through.push_back({relay, target, Bytes(inner.begin(), inner.end())});
    return established;
  }
  struct Through {
    IpAddr relay, target;
    Bytes inner;
  };
  bool established = false;  // what EnsurePath and SendThrough answer
  std::vector<std::pair<IpAddr, IpAddr>> ensured;
  std::vector<Through> through;
};

// One host of a test mesh: what the managers' Deps refer to, and the fakes they talk to.
struct ManagerHost {
  config::Config config;
  HostCredentials me;
  NodeSettings settings;
  std::shared_ptr<std::string> log = std::make_shared<std::string>();
  log::Logger logger;
  Counters counters;
  HostMap host_map;
  std::unique_ptr<AddressBook> addresses;
  FakeSender send;
  FakeTunnelEvents tunnels{host_map};
  FakeHandshakes handshakes;
  FakeQuery lighthouse;
  FakeRelays relays;
  ControlTimers timers;  // run by the test: timers.RunDue(now)

  explicit ManagerHost(config::Config c)
      : config(std::move(c)), logger([log = log](std::string_view line) {
          log->append(line);
          log->push_back('\n');
        }) {
    log::Options options = logger.options();
    options.level = log::Level::kDebug;
    logger.Configure(options);
    auto loaded = HostCredentials::Load(config.pki, logger);
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    if (loaded.ok()) me = std::move(*loaded);
    settings.handshake_try_interval_ns = config.handshakes.try_interval.count();
    settings.handshake_retries = config.handshakes.retries;
    addresses = std::make_unique<AddressBook>(
        config.lighthouse.remote_allow_list, config.preferred_ranges,
        me.networks);
    // static_host_map, as Node::Prepare fills it (the tests write literal addresses).
    for (const config::StaticHost& host : config.static_host_map) {
      std::vector<net::UdpAddr> remotes;
      for (const config::HostPort& address : host.addresses)
        if (auto resolved = net::Resolve(address.host, address.port); resolved.ok())
          remotes.insert(remotes.end(), resolved->begin(), resolved->end());
      addresses->SetStatic(host.vpn_ip, std::move(remotes));
    }
  }
};

// A tunnel to `vpn_ip` at `remote` with fresh keys, as a finished handshake leaves it; the
// peer's certificate has `version` and, besides vpn_ip, the addresses `more` (its other
// networks, as /32 or /128), and carries the unsafe networks `unsafe`.
inline std::shared_ptr<Tunnel> MakeTunnel(const IpAddr& vpn_ip, uint32_t local_index,
                                          const net::UdpAddr& remote,
                                          cert::Version version = cert::Version::kV1,
                                          IpAddr via_relay = {},
                                          const std::vector<IpAddr>& more = {},
                                          const std::vector<IpPrefix>& unsafe = {}) {
  noise::SessionKeys keys{crypto::CipherKind::kAes256Gcm, {}, {}};
  crypto::RandomBytes(keys.send);
  crypto::RandomBytes(keys.receive);
  auto cert = std::make_shared<cert::Certificate>();
  cert->version = version;
  cert->name = "peer " + std::to_string(vpn_ip.bytes16()[15]);
  cert->networks.push_back(IpPrefix::From(vpn_ip, vpn_ip.bit_length()));
  for (const IpAddr& address : more)
    cert->networks.push_back(IpPrefix::From(address, address.bit_length()));
  cert->unsafe_networks = unsafe;
  return std::make_shared<Tunnel>(vpn_ip, local_index, local_index + 1000, keys, cert,
                                  firewall::PeerIdentity{}, remote, 1, /*initiator=*/true,
                                  via_relay);
}

}  // namespace flatnet::mesh::testing
