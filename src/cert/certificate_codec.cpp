// Protobuf and PEM encoding of Certificate (declared in certificate.h).
#include <optional>
#include <utility>

#include "cert/certificate.h"
#include "cert/pem.h"
#include "cert/protobuf_wire.h"
#include "cert/utf8.h"

namespace flatnet::cert {
namespace {

// Field numbers of cert/cert.proto.
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
};

std::vector<uint32_t> Flatten(const std::vector<Ipv4Net>& nets) {
  std::vector<uint32_t> out;
  out.reserve(nets.size() * 2);
  for (const Ipv4Net& net : nets) {
    out.push_back(net.ip);
    out.push_back(net.mask);
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

// proto3 leaves out fields holding their zero value; Go's marshaller does the same.
Bytes EncodeDetails(const Certificate& c, bool with_public_key) {
  ProtoWriter w;
  if (!c.name.empty()) w.LengthDelimitedField(kName, std::string_view(c.name));
  if (!c.ips.empty()) w.PackedVarintField(kIps, Flatten(c.ips));
  if (!c.subnets.empty()) w.PackedVarintField(kSubnets, Flatten(c.subnets));
  for (const std::string& group : c.groups)
    w.LengthDelimitedField(kGroups, std::string_view(group));
  if (c.not_before != 0) w.VarintField(kNotBefore, uint64_t(c.not_before));
  if (c.not_after != 0) w.VarintField(kNotAfter, uint64_t(c.not_after));
  if (with_public_key && !c.public_key.empty()) w.LengthDelimitedField(kPublicKey, c.public_key);
  if (c.is_ca) w.VarintField(kIsCa, 1);
  Bytes issuer = IssuerBytes(c.issuer);
  if (!issuer.empty()) w.LengthDelimitedField(kIssuer, issuer);
  return std::move(w).bytes();
}

Bytes EncodeCertificate(const Certificate& c, bool with_public_key) {
  ProtoWriter w;
  // Details is a message: present even when empty, as Nebula always sets it.
  w.LengthDelimitedField(kDetails, EncodeDetails(c, with_public_key));
  if (!c.signature.empty()) w.LengthDelimitedField(kSignature, c.signature);
  return std::move(w).bytes();
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

std::vector<Ipv4Net> PairUp(const std::vector<uint32_t>& raw) {
  std::vector<Ipv4Net> nets;
  for (size_t i = 0; i + 1 < raw.size(); i += 2) nets.push_back(Ipv4Net{raw[i], raw[i + 1]});
  return nets;
}

// Decodes Details into *c. A field seen twice follows protobuf's merge rules (the last
// scalar wins, repeated fields append); a field with an unexpected wire type is unknown
// and skipped, as in every protobuf implementation.
Status DecodeDetails(ByteSpan data, Certificate* c, std::vector<uint32_t>* raw_ips,
                     std::vector<uint32_t>* raw_subnets) {
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
        if (bytes || varint) s = ReadNets(f, raw_ips);
        break;
      case kSubnets:
        if (bytes || varint) s = ReadNets(f, raw_subnets);
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
      default:
        break;
    }
    if (!s.ok()) return s;
  }
  if (!IsValidUtf8(c->name)) return Status::Error("name is not valid UTF-8");
  return Status::Ok();
}

// Everything of ParseCertificate but the public key size check, which depends on where the
// key comes from (the protobuf, or a handshake's static key).
Result<Certificate> Decode(ByteSpan raw) {
  if (raw.empty()) return Status::Error("certificate is empty (nil byte array)");
  Certificate c;
  std::vector<uint32_t> raw_ips, raw_subnets;
  bool has_details = false;
  ProtoReader reader(raw);
  while (!reader.done()) {
    ProtoField f;
    Status s = reader.Next(&f);
    if (s.ok() && f.type == WireType::kLengthDelimited) {
      if (f.number == kDetails) {
        has_details = true;
        s = DecodeDetails(f.bytes, &c, &raw_ips, &raw_subnets);
      } else if (f.number == kSignature) {
        c.signature.assign(f.bytes.begin(), f.bytes.end());
      }
    }
    if (!s.ok()) return s.Wrap("certificate protobuf is malformed");
  }
  if (!has_details) return Status::Error("encoded Details was nil");
  if (raw_ips.size() % 2 != 0) {
    return Status::Error("encoded IPs should be in pairs, an odd number was found");
  }
  if (raw_subnets.size() % 2 != 0) {
    return Status::Error("encoded Subnets should be in pairs, an odd number was found");
  }
  c.ips = PairUp(raw_ips);
  c.subnets = PairUp(raw_subnets);
  return c;
}

Status CheckPublicKeySize(const Certificate& c) {
  if (c.public_key.size() >= kPublicKeySize) return Status::Ok();
  return Status::Error("Public key was fewer than 32 bytes; " +
                       std::to_string(c.public_key.size()));
}

}  // namespace

Bytes Certificate::MarshalDetails() const { return EncodeDetails(*this, true); }

Bytes Certificate::Marshal() const { return EncodeCertificate(*this, true); }

Bytes Certificate::MarshalWithoutPublicKey() const { return EncodeCertificate(*this, false); }

std::string Certificate::MarshalToPem() const { return EncodePem(kCertificateBanner, Marshal()); }

Result<Certificate> ParseCertificate(ByteSpan raw) {
  Result<Certificate> c = Decode(raw);
  if (!c.ok()) return c;
  Status s = CheckPublicKeySize(*c);
  if (!s.ok()) return s;
  return c;
}

Result<Certificate> ParseCertificateWithPublicKey(ByteSpan raw, ByteSpan public_key) {
  Result<Certificate> c = Decode(raw);
  if (!c.ok()) return c;
  c->public_key.assign(public_key.begin(), public_key.end());
  Status s = CheckPublicKeySize(*c);
  if (!s.ok()) return s;
  return c;
}

Result<Certificate> ParseCertificatePem(std::string_view pem, std::string_view* rest) {
  std::string_view after;
  std::optional<PemBlock> block = DecodePem(pem, &after);
  if (rest) *rest = after;
  if (!block) return Status::Error(MissingPemMessage(pem));
  if (block->type != kCertificateBanner) {
    return Status::Error("bytes did not contain a proper nebula certificate banner (found \"" +
                         block->type + "\")");
  }
  return ParseCertificate(block->bytes);
}

Result<std::vector<Certificate>> ParseCertificatesPem(std::string_view pem) {
  std::vector<Certificate> certs;
  std::string_view rest = pem;
  do {
    Result<Certificate> c = ParseCertificatePem(rest, &rest);
    if (!c.ok()) {
      if (certs.empty()) return c.status();
      return c.status().Wrap("certificate " + std::to_string(certs.size() + 1));
    }
    certs.push_back(std::move(*c));
  } while (!IsBlank(rest));
  return certs;
}

}  // namespace flatnet::cert
