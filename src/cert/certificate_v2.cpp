// Version 2 certificates: ASN.1 DER per Nebula's cert/cert_v2.asn1, and v2's validate() rules.
//
//   Certificate ::= SEQUENCE (0x30) {
//     details   [0] Details          0xa0, kept byte for byte as raw_details
//     curve     [1] DEFAULT 0        0x81, one byte, left out for Curve25519
//     publicKey [2] OCTET STRING     0x82, left out in handshakes
//     signature [3] OCTET STRING     0x83 }
//   Details ::= [0] SEQUENCE {
//     name [0] 0x80 (1..253 bytes), networks [1] 0xa1 / unsafeNetworks [2] 0xa2: SEQUENCE OF
//     OCTET STRING (address bytes + prefix length byte: 5 or 17 bytes), groups [3] 0xa3:
//     SEQUENCE OF UTF8String, isCA [4] 0x84 (one byte, written 0xff, only when true),
//     notBefore [5] 0x85 / notAfter [6] 0x86 INTEGER, issuer [7] 0x87 raw fingerprint bytes,
//     ... (later fields: accepted and kept, since they are signed) }
//
// The whole certificate may not exceed 65,536 bytes. Nebula ignores bytes after the signature
// and after the outer SEQUENCE, and accepts the default curve written out; flatnet refuses
// them, so that one fingerprint (which does not cover them) names one byte string. No real
// Nebula writes them.
#include <algorithm>
#include <utility>

#include "cert/certificate_wire.h"
#include "cert/der.h"

namespace flatnet::cert::wire {
namespace {

constexpr uint8_t kTagDetails = 0 | der::kConstructed | der::kContextSpecific;  // 0xa0
constexpr uint8_t kTagCurve = 1 | der::kContextSpecific;                        // 0x81
constexpr uint8_t kTagPublicKey = 2 | der::kContextSpecific;                    // 0x82
constexpr uint8_t kTagSignature = 3 | der::kContextSpecific;                    // 0x83

constexpr uint8_t kTagName = 0 | der::kContextSpecific;                                // 0x80
constexpr uint8_t kTagNetworks = 1 | der::kConstructed | der::kContextSpecific;        // 0xa1
constexpr uint8_t kTagUnsafeNetworks = 2 | der::kConstructed | der::kContextSpecific;  // 0xa2
constexpr uint8_t kTagGroups = 3 | der::kConstructed | der::kContextSpecific;          // 0xa3
constexpr uint8_t kTagIsCa = 4 | der::kContextSpecific;                                // 0x84
constexpr uint8_t kTagNotBefore = 5 | der::kContextSpecific;                           // 0x85
constexpr uint8_t kTagNotAfter = 6 | der::kContextSpecific;                            // 0x86
constexpr uint8_t kTagIssuer = 7 | der::kContextSpecific;                              // 0x87

constexpr size_t kMaxNetworkLength = 17;  // 16 address bytes + 1 prefix length byte

Status BadFormat(const Status& why) { return Status::Error("bad wire format: " + why.message()); }
Status BadFormat(const std::string& why) { return Status::Error("bad wire format: " + why); }

ByteSpan AsBytes(std::string_view text) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Bytes IssuerBytes(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int high = HexValue(hex[i]), low = HexValue(hex[i + 1]);
    if (high < 0 || low < 0) break;
    out.push_back(uint8_t(high << 4 | low));
  }
  return out;
}

Bytes EncodeNetworks(const std::vector<IpPrefix>& nets) {
  der::Writer w;
  for (const IpPrefix& net : nets) {
    Bytes value(net.addr().bytes().begin(), net.addr().bytes().end());
    value.push_back(uint8_t(net.bits()));
    w.Add(der::kOctetString, value);
  }
  return std::move(w).bytes();
}

// A SEQUENCE OF Network. A value Go's Prefix.UnmarshalBinary takes but that is no valid
// prefix (no address bytes, or a length beyond the family) becomes an invalid IpPrefix, which
// validate then refuses with Nebula's "invalid network: invalid Prefix".
Status DecodeNetworks(ByteSpan contents, std::string_view what, std::vector<IpPrefix>* out) {
  der::Reader r(contents);
  while (!r.empty()) {
    der::Element e;
    if (Status s = r.Read(der::kOctetString, what, &e); !s.ok()) return BadFormat(s);
    size_t n = e.contents.size();
    if (n == 0 || n > kMaxNetworkLength) {
      return BadFormat(std::string(what) + ": a network is " + std::to_string(n) +
                       " bytes, not 5 or 17");
    }
    size_t address_size = n - 1;
    if (address_size != 0 && address_size != 4 && address_size != 16) {
      return BadFormat(std::string(what) + ": a network is " + std::to_string(n) +
                       " bytes, not 5 or 17");
    }
    IpAddr addr = IpAddr::FromBytes(e.contents.first(address_size));
    out->push_back(IpPrefix::From(addr, e.contents[address_size]));
  }
  return Status::Ok();
}

Status DecodeDetails(ByteSpan raw_details, Certificate* c) {
  der::Reader outer(raw_details);
  der::Element details;
  if (Status s = outer.Read(kTagDetails, "details", &details); !s.ok()) return BadFormat(s);
  if (details.contents.empty()) return BadFormat("details are empty");
  der::Reader r(details.contents);

  der::Element e;
  if (Status s = r.Read(kTagName, "name", &e); !s.ok()) return BadFormat(s);
  if (e.contents.empty()) return BadFormat("name is empty");
  if (e.contents.size() > kMaxNameLength) {
    return BadFormat("name is " + std::to_string(e.contents.size()) + " bytes, more than " +
                     std::to_string(kMaxNameLength));
  }
  c->name.assign(e.contents.begin(), e.contents.end());

  bool present = false;
  if (Status s = r.ReadOptional(kTagNetworks, "networks", &e, &present); !s.ok()) {
    return BadFormat(s);
  }
  if (present) {
    if (Status s = DecodeNetworks(e.contents, "networks", &c->networks); !s.ok()) return s;
  }
  if (Status s = r.ReadOptional(kTagUnsafeNetworks, "unsafe networks", &e, &present); !s.ok()) {
    return BadFormat(s);
  }
  if (present) {
    if (Status s = DecodeNetworks(e.contents, "unsafe networks", &c->unsafe_networks); !s.ok()) {
      return s;
    }
  }
  if (Status s = r.ReadOptional(kTagGroups, "groups", &e, &present); !s.ok()) return BadFormat(s);
  if (present) {
    der::Reader groups(e.contents);
    while (!groups.empty()) {
      der::Element g;
      if (Status s = groups.Read(der::kUtf8String, "group", &g); !s.ok()) return BadFormat(s);
      if (g.contents.empty()) return BadFormat("a group is empty");
      c->groups.emplace_back(g.contents.begin(), g.contents.end());
    }
  }
  if (Status s = r.ReadOptional(kTagIsCa, "isCA", &e, &present); !s.ok()) return BadFormat(s);
  if (present) {
    if (e.contents.size() != 1) return BadFormat("isCA is not one byte");
    c->is_ca = e.contents[0] > 0;
  }
  if (Status s = r.Read(kTagNotBefore, "notBefore", &e); !s.ok()) return BadFormat(s);
  if (Status s = der::DecodeInt64(e.contents, "notBefore", &c->not_before); !s.ok()) {
    return BadFormat(s);
  }
  if (Status s = r.Read(kTagNotAfter, "notAfter", &e); !s.ok()) return BadFormat(s);
  if (Status s = der::DecodeInt64(e.contents, "notAfter", &c->not_after); !s.ok()) {
    return BadFormat(s);
  }
  if (Status s = r.ReadOptional(kTagIssuer, "issuer", &e, &present); !s.ok()) return BadFormat(s);
  if (present) c->issuer = ToHex(e.contents);
  // Whatever follows is a field added after 1.11 ("..." in the ASN.1): signed, so kept.
  return Status::Ok();
}

bool SameFamilyPresent(const std::vector<IpPrefix>& nets, bool v6) {
  return std::any_of(nets.begin(), nets.end(),
                     [&](const IpPrefix& n) { return n.valid() && n.addr().is_v6() == v6; });
}

Status SortAndFindDuplicates(std::vector<IpPrefix>* nets) {
  std::sort(nets->begin(), nets->end());
  for (size_t i = 1; i < nets->size(); ++i) {
    if ((*nets)[i] == (*nets)[i - 1]) {
      return Status::Error("duplicate network detected: " + (*nets)[i].ToString());
    }
  }
  return Status::Ok();
}

}  // namespace

Bytes V2Details(const Certificate& c) {
  der::Writer w;
  w.Add(kTagName, AsBytes(c.name));
  if (!c.networks.empty()) w.Add(kTagNetworks, EncodeNetworks(c.networks));
  if (!c.unsafe_networks.empty()) w.Add(kTagUnsafeNetworks, EncodeNetworks(c.unsafe_networks));
  if (!c.groups.empty()) {
    der::Writer groups;
    for (const std::string& g : c.groups) groups.Add(der::kUtf8String, AsBytes(g));
    w.Add(kTagGroups, groups.bytes());
  }
  if (c.is_ca) w.Add(kTagIsCa, Bytes{0xff});
  w.Add(kTagNotBefore, der::EncodeInt64(c.not_before));
  w.Add(kTagNotAfter, der::EncodeInt64(c.not_after));
  if (!c.issuer.empty()) w.Add(kTagIssuer, IssuerBytes(c.issuer));
  return der::Encode(kTagDetails, w.bytes());
}

Bytes V2SignedBytes(const Certificate& c) {
  Bytes out = c.raw_details.empty() ? V2Details(c) : c.raw_details;
  out.push_back(uint8_t(c.curve));
  out.insert(out.end(), c.public_key.begin(), c.public_key.end());
  return out;
}

Bytes V2Certificate(const Certificate& c, bool for_handshake) {
  der::Writer w;
  w.AddRaw(c.raw_details.empty() ? V2Details(c) : c.raw_details);
  if (!for_handshake) {
    if (c.curve != Curve::kCurve25519) w.Add(kTagCurve, Bytes{uint8_t(c.curve)});
    if (!c.public_key.empty()) w.Add(kTagPublicKey, c.public_key);
  }
  w.Add(kTagSignature, c.signature);
  return der::Encode(der::kSequence, w.bytes());
}

Result<Certificate> V2Parse(ByteSpan raw, ByteSpan public_key, Curve curve) {
  if (raw.empty()) return BadFormat("certificate is empty");
  if (raw.size() > kMaxCertificateSize) {
    return BadFormat("certificate is " + std::to_string(raw.size()) + " bytes, more than " +
                     std::to_string(kMaxCertificateSize));
  }
  der::Reader top(raw);
  der::Element envelope;
  if (Status s = top.Read(der::kSequence, "certificate", &envelope); !s.ok()) return BadFormat(s);
  if (!top.empty()) return BadFormat("bytes after the certificate");
  if (envelope.contents.empty()) return BadFormat("certificate is an empty sequence");
  der::Reader r(envelope.contents);

  Certificate c;
  c.version = Version::kV2;
  der::Element details;
  if (Status s = r.Read(kTagDetails, "details", &details); !s.ok()) return BadFormat(s);

  der::Element e;
  bool present = false;
  if (Status s = r.ReadOptional(kTagCurve, "curve", &e, &present); !s.ok()) return BadFormat(s);
  uint8_t curve_value = uint8_t(curve);
  if (present) {
    if (e.contents.size() != 1) return BadFormat("curve is not one byte");
    curve_value = e.contents[0];
    // DER leaves a DEFAULT value out (X.690 11.5); accepting it written out would give one
    // certificate (one fingerprint) two byte strings, as trailing bytes would.
    if (curve_value == uint8_t(Curve::kCurve25519)) {
      return BadFormat("curve 0 (CURVE25519) is written out; DER leaves the default out");
    }
  }
  if (curve_value > uint8_t(Curve::kP256)) {
    return BadFormat("unknown curve " + std::to_string(curve_value));
  }
  c.curve = Curve(curve_value);

  if (!public_key.empty()) {
    // A handshake carries the key separately; a second one in the bytes is refused.
    if (r.PeekTag(kTagPublicKey)) return Status::Error("certificate has unexpected pubkey present");
    c.public_key.assign(public_key.begin(), public_key.end());
  } else {
    if (Status s = r.ReadOptional(kTagPublicKey, "public key", &e, &present); !s.ok()) {
      return BadFormat(s);
    }
    if (present) c.public_key.assign(e.contents.begin(), e.contents.end());
  }
  if (c.public_key.empty()) return BadFormat("public key is missing");

  if (Status s = r.Read(kTagSignature, "signature", &e); !s.ok()) return BadFormat(s);
  if (e.contents.empty()) return BadFormat("signature is empty");
  c.signature.assign(e.contents.begin(), e.contents.end());
  if (!r.empty()) return BadFormat("bytes after the signature");

  if (Status s = DecodeDetails(details.encoded, &c); !s.ok()) return s;
  c.raw_details.assign(details.encoded.begin(), details.encoded.end());
  if (Status s = V2Validate(&c); !s.ok()) return s;
  return c;
}

Status V2Validate(Certificate* c) {
  if (c->public_key.empty()) return Status::Error("invalid public key");
  if (!c->is_ca && c->networks.empty()) {
    return Status::Error("non-CA certificate must contain at least 1 network");
  }
  for (const IpPrefix& network : c->networks) {
    if (!network.valid()) return Status::Error("invalid network: " + network.ToString());
    if (network.addr().IsUnspecified()) {
      return Status::Error("non-CA certificates must not use the zero address as a network: " +
                           network.ToString());
    }
    if (network.addr().Is4In6()) {
      return Status::Error("4in6 networks are not allowed: " + network.ToString());
    }
  }
  if (Status s = SortAndFindDuplicates(&c->networks); !s.ok()) return s;

  bool has_v4 = SameFamilyPresent(c->networks, false);
  bool has_v6 = SameFamilyPresent(c->networks, true);
  for (const IpPrefix& network : c->unsafe_networks) {
    if (!network.valid()) return Status::Error("invalid unsafe network: " + network.ToString());
    if (c->is_ca) continue;
    if (network.addr().is_v6() && !has_v6) {
      return Status::Error("IPv6 unsafe networks require an IPv6 address assignment: " +
                           network.ToString());
    }
    if (network.addr().is_v4() && !has_v4) {
      return Status::Error("IPv4 unsafe networks require an IPv4 address assignment: " +
                           network.ToString());
    }
  }
  return SortAndFindDuplicates(&c->unsafe_networks);
}

}  // namespace flatnet::cert::wire
