// Version 1 certificates: the protobuf form (certificate.h) and v1's validate() rules.
#include <utility>

#include "cert/certificate_wire.h"
#include "cert/protobuf_wire.h"
#include "cert/utf8.h"

namespace flatnet::cert::wire {
namespace {

// Field numbers of cert/cert_v1.proto.
enum CertificateField { kDetails = 1, kSignature = 2 };
enum DetailsField {
  kName = 1,
  kIps = 2,
  kSubnets = 3,
  kGroups = 4,
  kNotBefore = 5,
  kNotAfter = 6,
  kPublicKey = 7,
  kIsCa = 8,
  kIssuer = 9,
  kCurve = 100,
};

// (ip, mask) pairs; the mask from the prefix length, as Go's net.CIDRMask makes it.
std::vector<uint32_t> Flatten(const std::vector<IpPrefix>& nets) {
  std::vector<uint32_t> out;
  out.reserve(nets.size() * 2);
  for (const IpPrefix& net : nets) {
    IpAddr addr = net.addr().Unmap();
    out.push_back(addr.v4());
    out.push_back(net.V4Mask());
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The issuer is kept as hex text (as Nebula keeps it) but travels as raw bytes. Decoding
// stops at the first malformed pair, which only a hand-built certificate can contain.
Bytes IssuerBytes(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int high = HexValue(hex[i]);
    int low = HexValue(hex[i + 1]);
    if (high < 0 || low < 0) break;
    out.push_back(uint8_t(high << 4 | low));
  }
  return out;
}

std::string AsString(ByteSpan bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Status ReadNets(const ProtoField& f, std::vector<uint32_t>* raw) {
  if (f.type == WireType::kVarint) {
    raw->push_back(uint32_t(f.varint));
    return Status::Ok();
  }
  return ReadPackedUint32(f.bytes, raw);
}

// Each (ip, mask) pair as a prefix: Nebula takes the mask's length from net.IPMask.Size(),
// which is 0 for a mask whose bits are not contiguous.
std::vector<IpPrefix> PairUp(const std::vector<uint32_t>& raw) {
  std::vector<IpPrefix> nets;
  for (size_t i = 0; i + 1 < raw.size(); i += 2) {
    int bits = V4MaskBits(raw[i + 1]);
    nets.push_back(IpPrefix::From(IpAddr::V4(raw[i]), bits < 0 ? 0 : bits));
  }
  return nets;
}

struct RawDetails {
  std::vector<uint32_t> ips, subnets;
  uint64_t curve = 0;
};

// Decodes Details into *c. A field seen twice follows protobuf's merge rules (the last
// scalar wins, repeated fields append); a field with an unexpected wire type is unknown
// and skipped, as in every protobuf implementation.
Status DecodeDetails(ByteSpan data, Certificate* c, RawDetails* raw) {
  ProtoReader reader(data);
  while (!reader.done()) {
    ProtoField f;
    Status s = reader.Next(&f);
    if (!s.ok()) return s;
    bool bytes = f.type == WireType::kLengthDelimited;
    bool varint = f.type == WireType::kVarint;
    switch (f.number) {
      case kName:
        if (bytes) c->name = AsString(f.bytes);
        break;
      case kIps:
        if (bytes || varint) s = ReadNets(f, &raw->ips);
        break;
      case kSubnets:
        if (bytes || varint) s = ReadNets(f, &raw->subnets);
        break;
      case kGroups:
        if (bytes) {
          c->groups.push_back(AsString(f.bytes));
          if (!IsValidUtf8(c->groups.back())) {
            return Status::Error("group " + std::to_string(c->groups.size()) +
                                 " is not valid UTF-8");
          }
        }
        break;
      case kNotBefore:
        if (varint) c->not_before = int64_t(f.varint);
        break;
      case kNotAfter:
        if (varint) c->not_after = int64_t(f.varint);
        break;
      case kPublicKey:
        if (bytes) c->public_key.assign(f.bytes.begin(), f.bytes.end());
        break;
      case kIsCa:
        if (varint) c->is_ca = f.varint != 0;
        break;
      case kIssuer:
        if (bytes) c->issuer = ToHex(f.bytes);
        break;
      case kCurve:
        if (varint) raw->curve = f.varint;
        break;
      default:
        break;
    }
    if (!s.ok()) return s;
  }
  if (!IsValidUtf8(c->name)) return Status::Error("name is not valid UTF-8");
  return Status::Ok();
}

}  // namespace

// proto3 leaves out fields holding their zero value; Go's marshaller does the same.
Bytes V1Details(const Certificate& c, bool with_public_key) {
  ProtoWriter w;
  if (!c.name.empty()) w.LengthDelimitedField(kName, std::string_view(c.name));
  if (!c.networks.empty()) w.PackedVarintField(kIps, Flatten(c.networks));
  if (!c.unsafe_networks.empty()) w.PackedVarintField(kSubnets, Flatten(c.unsafe_networks));
  for (const std::string& group : c.groups) {
    w.LengthDelimitedField(kGroups, std::string_view(group));
  }
  if (c.not_before != 0) w.VarintField(kNotBefore, uint64_t(c.not_before));
  if (c.not_after != 0) w.VarintField(kNotAfter, uint64_t(c.not_after));
  if (with_public_key && !c.public_key.empty()) w.LengthDelimitedField(kPublicKey, c.public_key);
  if (c.is_ca) w.VarintField(kIsCa, 1);
  Bytes issuer = IssuerBytes(c.issuer);
  if (!issuer.empty()) w.LengthDelimitedField(kIssuer, issuer);
  if (c.curve != Curve::kCurve25519) w.VarintField(kCurve, uint64_t(c.curve));
  return std::move(w).bytes();
}

Bytes V1Certificate(const Certificate& c, bool with_public_key) {
  ProtoWriter w;
  // Details is a message: present even when empty, as Nebula always sets it.
  w.LengthDelimitedField(kDetails, V1Details(c, with_public_key));
  if (!c.signature.empty()) w.LengthDelimitedField(kSignature, c.signature);
  return std::move(w).bytes();
}

Result<Certificate> V1Parse(ByteSpan raw, ByteSpan public_key) {
  if (raw.empty()) return Status::Error("certificate is empty (nil byte array)");
  Certificate c;
  c.version = Version::kV1;
  RawDetails details;
  bool has_details = false;
  ProtoReader reader(raw);
  while (!reader.done()) {
    ProtoField f;
    Status s = reader.Next(&f);
    if (s.ok() && f.type == WireType::kLengthDelimited) {
      if (f.number == kDetails) {
        has_details = true;
        s = DecodeDetails(f.bytes, &c, &details);
      } else if (f.number == kSignature) {
        c.signature.assign(f.bytes.begin(), f.bytes.end());
      }
    }
    if (!s.ok()) return s.Wrap("certificate protobuf is malformed");
  }
  if (!has_details) return Status::Error("encoded Details was nil");
  if (details.ips.size() % 2 != 0) {
    return Status::Error("encoded IPs should be in pairs, an odd number was found");
  }
  if (details.subnets.size() % 2 != 0) {
    return Status::Error("encoded Subnets should be in pairs, an odd number was found");
  }
  if (details.curve > uint64_t(Curve::kP256)) {
    return Status::Error("unknown curve " + std::to_string(details.curve));
  }
  c.curve = Curve(details.curve);
  if (!public_key.empty()) {
    if (!c.public_key.empty()) return Status::Error("certificate has unexpected pubkey present");
    c.public_key.assign(public_key.begin(), public_key.end());
  }
  c.networks = PairUp(details.ips);
  c.unsafe_networks = PairUp(details.subnets);
  if (Status s = V1Validate(c); !s.ok()) return s;
  return c;
}

Status V1Validate(const Certificate& c) {
  if (c.public_key.empty()) return Status::Error("invalid public key");
  // Nebula 1.x allowed several networks and used the first; 1.11 still accepts that.
  if (!c.is_ca && c.networks.empty()) {
    return Status::Error("non-CA certificates must contain exactly one network");
  }
  for (const IpPrefix& network : c.networks) {
    if (!network.valid()) return Status::Error("invalid network: " + network.ToString());
    if (network.is_v6()) {
      return Status::Error("certificate may not contain IPv6 networks: " + network.ToString());
    }
    if (network.addr().IsUnspecified()) {
      return Status::Error("non-CA certificates must not use the zero address as a network: " +
                           network.ToString());
    }
  }
  for (const IpPrefix& network : c.unsafe_networks) {
    if (!network.valid()) return Status::Error("invalid unsafe network: " + network.ToString());
    if (network.is_v6()) {
      return Status::Error("certificate may not contain IPv6 unsafe networks: " +
                           network.ToString());
    }
  }
  // v1 keeps networks in the order they were signed: reordering would change the signed bytes.
  return Status::Ok();
}

}  // namespace flatnet::cert::wire
