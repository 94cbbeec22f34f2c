#include "cert/ca_pool.h"

#include <cctype>
#include <utility>

#include "cert/root_constraints.h"

namespace flatnet::cert {
namespace {

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<CaPool> CaPool::FromPem(std::string_view pem) {
  Result<std::vector<Certificate>> certs = ParseCertificatesPem(pem);
  if (!certs.ok()) return certs.status();
  CaPool pool;
  for (size_t i = 0; i < certs->size(); ++i) {
    Status s = pool.AddCa((*certs)[i]);
    if (!s.ok()) {
      return certs->size() == 1 ? s : s.Wrap("certificate " + std::to_string(i + 1));
    }
  }
  return pool;
}

Status CaPool::AddCa(const Certificate& ca) {
  if (!ca.is_ca) return Status::Error(ca.name + ": certificate is not a CA");
  if (!ca.CheckSignature(ca.public_key)) {
    return Status::Error(ca.name + ": certificate is not self-signed");
  }
  cas_[ca.Fingerprint()] = ca;
  return Status::Ok();
}

void CaPool::Blocklist(std::string_view fingerprint) { blocklist_.insert(Lowercase(fingerprint)); }

bool CaPool::IsBlocklisted(std::string_view fingerprint) const {
  return !blocklist_.empty() && blocklist_.count(Lowercase(fingerprint)) > 0;
}

bool CaPool::IsBlocklisted(const Certificate& cert) const {
  if (blocklist_.empty()) return false;
  if (IsBlocklisted(cert.Fingerprint())) return true;
  std::string alternate = cert.AlternateFingerprint();
  return !alternate.empty() && IsBlocklisted(alternate);
}

Result<const Certificate*> CaPool::GetCaForCert(const Certificate& cert) const {
  if (cert.issuer.empty()) return Status::Error("no issuer in certificate");
  auto it = cas_.find(Lowercase(cert.issuer));
  if (it == cas_.end()) return Status::Error("could not find ca for the certificate");
  return &it->second;
}

Status CaPool::Verify(const Certificate& cert, int64_t now) const {
  const Status blocked = Status::Error("certificate is in the block list");
  if (IsBlocklisted(cert.Fingerprint())) return blocked;
  Result<const Certificate*> ca = GetCaForCert(cert);
  if (!ca.ok()) return ca.status();
  if ((*ca)->curve != cert.curve) return Status::Error("certificate curve does not match CA");
  if ((*ca)->Expired(now)) return Status::Error("root certificate is expired");
  if (cert.Expired(now)) return Status::Error("certificate is expired");
  if (!cert.CheckSignature((*ca)->public_key)) {
    return Status::Error("certificate signature did not match");
  }
  if (Status s = CheckRootConstraints(cert, **ca); !s.ok()) return s;
  // Last, as in Nebula: the same certificate with its P256 signature's other encoding.
  std::string alternate = cert.AlternateFingerprint();
  if (!alternate.empty() && IsBlocklisted(alternate)) return blocked;
  return Status::Ok();
}

std::vector<const Certificate*> CaPool::ExpiredCas(int64_t now) const {
  std::vector<const Certificate*> out;
  for (const auto& [fingerprint, ca] : cas_) {
    if (ca.Expired(now)) out.push_back(&ca);
  }
  return out;
}

std::vector<std::string> CaPool::Fingerprints() const {
  std::vector<std::string> out;
  for (const auto& [fingerprint, ca] : cas_) out.push_back(fingerprint);
  return out;
}

}  // namespace flatnet::cert
