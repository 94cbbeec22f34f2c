// Parsing by version and PEM encoding of Certificate (declared in certificate.h).
#include <optional>
#include <utility>

#include "cert/certificate.h"
#include "cert/certificate_wire.h"
#include "cert/pem.h"

namespace flatnet::cert {

std::string Certificate::MarshalToPem() const {
  return EncodePem(version == Version::kV1 ? kCertificateBanner : kCertificateV2Banner, Marshal());
}

Result<Certificate> ParseCertificateV1(ByteSpan raw) { return wire::V1Parse(raw, {}); }

Result<Certificate> ParseCertificateV2(ByteSpan raw) {
  return wire::V2Parse(raw, {}, Curve::kCurve25519);
}

Result<Certificate> ParseCertificate(Version version, ByteSpan raw) {
  switch (version) {
    case Version::kV1:
      return ParseCertificateV1(raw);
    case Version::kV2:
      return ParseCertificateV2(raw);
  }
  return Status::Error("certificate version unrecognized");
}

Result<Certificate> ParseCertificateWithPublicKey(Version version, ByteSpan raw,
                                                  ByteSpan public_key, Curve curve) {
  switch (version) {
    case Version::kV1:
      return wire::V1Parse(raw, public_key);
    case Version::kV2:
      return wire::V2Parse(raw, public_key, curve);
  }
  return Status::Error("certificate version unrecognized");
}

Result<Certificate> ParseCertificatePem(std::string_view pem, std::string_view* rest) {
  std::string_view after;
  std::optional<PemBlock> block = DecodePem(pem, &after);
  if (rest) *rest = after;
  if (!block) return Status::Error(MissingPemMessage(pem));
  if (block->type == kCertificateBanner) return ParseCertificateV1(block->bytes);
  if (block->type == kCertificateV2Banner) return ParseCertificateV2(block->bytes);
  return Status::Error("bytes did not contain a proper certificate banner (found \"" + block->type +
                       "\")");
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
