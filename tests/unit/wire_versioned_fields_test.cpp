// Nebula 1.10+'s address fields (Addr, VpnAddr, RelayVpnAddrs, RelayToAddr/RelayFromAddr,
// CertVersion) pinned by hand-encoded bytes, and wire/versioned_fields.h: which fields a
// message of each certificate version carries and how a received one is read.
#include <gtest/gtest.h>

#include "hex_for_tests.h"
#include "wire/messages.h"
#include "wire/versioned_fields.h"

using namespace flatnet;
using namespace flatnet::wire;

namespace {

IpAddr Ip(const char* text) { return *ParseIpAddr(text); }

// NebulaMeta{Type HostQuery, Details{V4AddrPorts [198.51.100.1:4242], VpnAddr ::ffff:10.0.0.1,
// RelayVpnAddrs [::ffff:10.0.0.9, 2001:db8::1]}}, from nebula.proto's numbers by hand.
const char kMetaV2Hex[] =
    "0801"                           // 1 Type = HostQuery
    "122d"                           // 2 Details, 45 bytes
    "12090881c8cdb10c109221"         //   2 V4AddrPorts {1 Addr 198.51.100.1, 2 Port 4242}
    "320810818080d0f0ff3f"           //   6 VpnAddr {2 Lo 0xffff0a000001}
    "3a0810898080d0f0ff3f"           //   7 RelayVpnAddrs {2 Lo 0xffff0a000009}
    "3a0c088080808080b7c380201001";  // 7 RelayVpnAddrs {1 Hi 0x20010db8 << 32, 2 Lo 1}

TEST(WireVersionedFields, MetaV2MatchesHandEncodedBytes) {
  nebula::NebulaMeta meta;
  meta.set_type(nebula::NebulaMeta::HostQuery);
  auto* d = meta.mutable_details();
  auto* v4 = d->add_v4addrports();
  v4->set_addr(0xc6336401);
  v4->set_port(4242);
  ASSERT_TRUE(SetMetaVpnAddr(d, cert::Version::kV2, Ip("10.0.0.1")).ok());
  AddMetaRelay(d, cert::Version::kV2, Ip("10.0.0.9"));
  AddMetaRelay(d, cert::Version::kV2, Ip("2001:db8::1"));
  EXPECT_EQ(ToHex(EncodeMessage(meta)), kMetaV2Hex);

  auto back = DecodeMeta(FromHex(kMetaV2Hex));
  ASSERT_TRUE(back.ok());
  auto vpn = MetaVpnAddrOf(back->details());
  ASSERT_TRUE(vpn.ok());
  EXPECT_EQ(vpn->version, cert::Version::kV2);
  EXPECT_EQ(vpn->addr, Ip("10.0.0.1"));  // IPv4-mapped on the wire, IPv4 when read
  EXPECT_TRUE(vpn->addr.is_v4());
  std::vector<IpAddr> relays = MetaRelaysOf(back->details());
  ASSERT_EQ(relays.size(), 2u);
  EXPECT_EQ(relays[0], Ip("10.0.0.9"));
  EXPECT_EQ(relays[1], Ip("2001:db8::1"));
}

TEST(WireVersionedFields, MetaV1UsesTheOldFieldsOnly) {
  nebula::NebulaMeta meta;
  auto* d = meta.mutable_details();
  ASSERT_TRUE(SetMetaVpnAddr(d, cert::Version::kV1, Ip("10.0.0.1")).ok());
  AddMetaRelay(d, cert::Version::kV1, Ip("10.0.0.9"));
  AddMetaRelay(d, cert::Version::kV1, Ip("2001:db8::1"));  // a v1 message cannot carry it
  EXPECT_EQ(d->oldvpnaddr(), 0x0a000001u);
  EXPECT_FALSE(d->has_vpnaddr());
  ASSERT_EQ(d->oldrelayvpnaddrs_size(), 1);
  EXPECT_EQ(d->oldrelayvpnaddrs(0), 0x0a000009u);
  EXPECT_EQ(d->relayvpnaddrs_size(), 0);
  // Nebula 1.6.1's bytes: field 1, then packed field 5.
  EXPECT_EQ(ToHex(EncodeMessage(*d)), "08818080502a0489808050");
  auto vpn = MetaVpnAddrOf(*d);
  ASSERT_TRUE(vpn.ok());
  EXPECT_EQ(vpn->version, cert::Version::kV1);
  EXPECT_EQ(vpn->addr, Ip("10.0.0.1"));
  // Switching generation clears the other field.
  ASSERT_TRUE(SetMetaVpnAddr(d, cert::Version::kV2, Ip("10.0.0.2")).ok());
  EXPECT_EQ(d->oldvpnaddr(), 0u);
  EXPECT_EQ(MetaVpnAddrOf(*d)->version, cert::Version::kV2);
}

TEST(WireVersionedFields, MetaBadInput) {
  nebula::NebulaMetaDetails none;
  auto vpn = MetaVpnAddrOf(none);
  ASSERT_FALSE(vpn.ok());
  EXPECT_EQ(vpn.status().message(), "invalid packet, malformed detailsVpnAddr");
  // The old field wins when a confused peer sends both, as in Nebula.
  nebula::NebulaMetaDetails both;
  both.set_oldvpnaddr(0x0a000001);
  *both.mutable_vpnaddr() = ToProtoAddr(Ip("10.0.0.2"));
  EXPECT_EQ(MetaVpnAddrOf(both)->addr, Ip("10.0.0.1"));
  // An IPv6 address does not fit v1.
  nebula::NebulaMetaDetails d;
  Status s = SetMetaVpnAddr(&d, cert::Version::kV1, Ip("fd00::1"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(d.oldvpnaddr(), 0u);
  // An all-zero Addr is "::", not a crash and not IPv4.
  nebula::NebulaMetaDetails zero;
  zero.mutable_vpnaddr();
  ASSERT_TRUE(MetaVpnAddrOf(zero).ok());
  EXPECT_TRUE(MetaVpnAddrOf(zero)->addr.is_v6());
}

TEST(WireVersionedFields, AddrHalvesAreBigEndian) {
  nebula::Addr a = ToProtoAddr(Ip("2001:db8::1"));
  EXPECT_EQ(a.hi(), 0x20010db800000000ull);
  EXPECT_EQ(a.lo(), 1ull);
  nebula::Addr v4 = ToProtoAddr(Ip("192.168.100.1"));
  EXPECT_EQ(v4.hi(), 0u);
  EXPECT_EQ(v4.lo(), 0x0000ffffc0a86401ull);
  EXPECT_EQ(FromProtoAddr(a), Ip("2001:db8::1"));
}

TEST(WireVersionedFields, HostUpdateNotificationAckBytes) {
  nebula::NebulaMeta ack;
  ack.set_type(nebula::NebulaMeta::HostUpdateNotificationAck);
  ack.mutable_details();  // v2's ack: empty details
  EXPECT_EQ(ToHex(EncodeMessage(ack)), "080a1200");
}

// NebulaControl{Type CreateRelayRequest, InitiatorRelayIndex 11,
// RelayToAddr ::ffff:192.168.100.1, RelayFromAddr ::ffff:192.168.100.2}.
const char kControlV2Hex[] =
    "0801"                   // 1 Type
    "100b"                   // 2 InitiatorRelayIndex = 11
    "32081081c8a185fcff3f"   // 6 RelayToAddr {2 Lo}
    "3a081082c8a185fcff3f";  // 7 RelayFromAddr {2 Lo}

TEST(WireVersionedFields, ControlV2MatchesHandEncodedBytes) {
  nebula::NebulaControl control;
  control.set_type(nebula::NebulaControl::CreateRelayRequest);
  control.set_initiatorrelayindex(11);
  ASSERT_TRUE(
      SetControlRelayAddrs(&control, cert::Version::kV2, Ip("192.168.100.2"), Ip("192.168.100.1"))
          .ok());
  EXPECT_EQ(ToHex(EncodeMessage(control)), kControlV2Hex);
  auto back = DecodeControl(FromHex(kControlV2Hex));
  ASSERT_TRUE(back.ok());
  auto addrs = ControlRelayAddrsOf(*back);
  ASSERT_TRUE(addrs.ok());
  EXPECT_EQ(addrs->version, cert::Version::kV2);
  EXPECT_EQ(addrs->from, Ip("192.168.100.2"));
  EXPECT_EQ(addrs->to, Ip("192.168.100.1"));
}

TEST(WireVersionedFields, ControlV1AndBadInput) {
  nebula::NebulaControl control;
  ASSERT_TRUE(
      SetControlRelayAddrs(&control, cert::Version::kV1, Ip("192.168.100.2"), Ip("192.168.100.1"))
          .ok());
  EXPECT_EQ(control.oldrelayfromaddr(), 0xc0a86402u);
  EXPECT_EQ(control.oldrelaytoaddr(), 0xc0a86401u);
  EXPECT_FALSE(control.has_relaytoaddr());
  auto addrs = ControlRelayAddrsOf(control);
  ASSERT_TRUE(addrs.ok());
  EXPECT_EQ(addrs->version, cert::Version::kV1);
  EXPECT_EQ(addrs->to, Ip("192.168.100.1"));

  EXPECT_FALSE(
      SetControlRelayAddrs(&control, cert::Version::kV1, Ip("fd00::2"), Ip("fd00::1")).ok());
  nebula::NebulaControl empty;
  EXPECT_EQ(ControlRelayAddrsOf(empty).status().message(),
            "control message has no relay from address");
  *empty.mutable_relayfromaddr() = ToProtoAddr(Ip("10.0.0.1"));
  EXPECT_EQ(ControlRelayAddrsOf(empty).status().message(),
            "control message has no relay to address");
}

TEST(WireVersionedFields, HandshakeCertVersionField) {
  // NebulaHandshake{Details{Cert "abc", InitiatorIndex 4242, Time 5, CertVersion 2}}.
  const Bytes hand = FromHex("0a0c0a0361626310922128054002");
  auto hs = DecodeHandshake(hand);
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->details().certversion(), 2u);
  EXPECT_EQ(*HandshakeCertVersionOf(hs->details()), cert::Version::kV2);
  EXPECT_EQ(EncodeMessage(*hs), hand);

  nebula::NebulaHandshakeDetails d;  // 1.6.1 sends no CertVersion
  EXPECT_EQ(*HandshakeCertVersionOf(d), cert::Version::kV1);
  d.set_certversion(1);
  EXPECT_EQ(*HandshakeCertVersionOf(d), cert::Version::kV1);
  d.set_certversion(3);
  EXPECT_EQ(HandshakeCertVersionOf(d).status().message(), "unknown certificate version 3");
}

}  // namespace
