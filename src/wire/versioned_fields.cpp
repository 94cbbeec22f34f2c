#include "wire/versioned_fields.h"

#include <string>

#include "base/bytes.h"

namespace flatnet::wire {
nebula::Addr ToProtoAddr(const IpAddr& addr) {
  nebula::Addr out;
  const auto& b = addr.bytes16();
  out.set_hi(LoadBig64(b.data()));
  out.set_lo(LoadBig64(b.data() + 8));
  return out;
}

IpAddr FromProtoAddr(const nebula::Addr& addr) {
  std::array<uint8_t, 16> b;
  StoreBig64(b.data(), addr.hi());
  StoreBig64(b.data() + 8, addr.lo());
  return IpAddr::V6(b).Unmap();
}

Result<MetaVpnAddr> MetaVpnAddrOf(const nebula::NebulaMetaDetails& details) {
  if (details.oldvpnaddr() != 0)
    return MetaVpnAddr{IpAddr::V4(details.oldvpnaddr()), cert::Version::kV1};
  if (details.has_vpnaddr())
    return MetaVpnAddr{FromProtoAddr(details.vpnaddr()), cert::Version::kV2};
  return Status::Error("invalid packet, malformed detailsVpnAddr");
}

Status SetMetaVpnAddr(nebula::NebulaMetaDetails* details, cert::Version version,
                      const IpAddr& addr) {
  if (version == cert::Version::kV1) {
    if (!addr.is_v4())
      return Status::Error("a v1 lighthouse message cannot carry " + addr.ToString());
    details->clear_vpnaddr();
    details->set_oldvpnaddr(addr.v4());
    return Status::Ok();
  }
  details->set_oldvpnaddr(0);
  *details->mutable_vpnaddr() = ToProtoAddr(addr);
  return Status::Ok();
}

std::vector<IpAddr> MetaRelaysOf(const nebula::NebulaMetaDetails& details) {
  std::vector<IpAddr> out;
  for (uint32_t relay : details.oldrelayvpnaddrs()) out.push_back(IpAddr::V4(relay));
  for (const nebula::Addr& relay : details.relayvpnaddrs()) out.push_back(FromProtoAddr(relay));
  return out;
}

void AddMetaRelay(nebula::NebulaMetaDetails* details, cert::Version version, const IpAddr& relay) {
  if (version == cert::Version::kV1) {
    if (relay.is_v4()) details->add_oldrelayvpnaddrs(relay.v4());
    return;
  }
  *details->add_relayvpnaddrs() = ToProtoAddr(relay);
}

Result<ControlRelayAddrs> ControlRelayAddrsOf(const nebula::NebulaControl& control) {
  if (control.oldrelayfromaddr() != 0 || control.oldrelaytoaddr() != 0)
    return ControlRelayAddrs{IpAddr::V4(control.oldrelayfromaddr()),
                             IpAddr::V4(control.oldrelaytoaddr()), cert::Version::kV1};
  if (!control.has_relayfromaddr())
    return Status::Error("control message has no relay from address");
  if (!control.has_relaytoaddr()) return Status::Error("control message has no relay to address");
  return ControlRelayAddrs{FromProtoAddr(control.relayfromaddr()),
                           FromProtoAddr(control.relaytoaddr()), cert::Version::kV2};
}

Status SetControlRelayAddrs(nebula::NebulaControl* control, cert::Version version,
                            const IpAddr& from, const IpAddr& to) {
  if (version == cert::Version::kV1) {
    if (!from.is_v4() || !to.is_v4())
      return Status::Error("a v1 relay message cannot carry " + from.ToString() + " -> " +
                           to.ToString());
    control->clear_relayfromaddr();
    control->clear_relaytoaddr();
    control->set_oldrelayfromaddr(from.v4());
    control->set_oldrelaytoaddr(to.v4());
    return Status::Ok();
  }
  control->set_oldrelayfromaddr(0);
  control->set_oldrelaytoaddr(0);
  *control->mutable_relayfromaddr() = ToProtoAddr(from);
  *control->mutable_relaytoaddr() = ToProtoAddr(to);
  return Status::Ok();
}

Result<cert::Version> HandshakeCertVersionOf(const nebula::NebulaHandshakeDetails& details) {
  switch (details.certversion()) {
    case 0:
    case 1:
      return cert::Version::kV1;
    case 2:
      return cert::Version::kV2;
    default:
      return Status::Error("unknown certificate version " + std::to_string(details.certversion()));
  }
}

}  // namespace flatnet::wire
