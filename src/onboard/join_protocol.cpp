#include "onboard/join_protocol.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "cert/ca_pool.h"
#include "cert/certificate_format.h"
#include "cert/root_constraints.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/p256.h"
#include "onboard/inventory.h"
#include "onboard/member_config.h"

namespace flatnet::onboard {
namespace {

ByteSpan Span(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

size_t PublicKeySize(cert::Curve curve) { return curve == cert::Curve::kP256 ? 65 : 32; }

// The member's certificate for an invite, signed now.
Result<cert::Certificate> Issue(const JoinService& s, const InviteRecord& invite,
                                const std::string& public_key, int64_t now) {
  Result<IpPrefix> network = ParseIpPrefix(invite.network);
  if (!network.ok()) return Status::Error("the invite's network is bad: " + invite.network);
  cert::Certificate host;
  host.version = s.ca.version;
  host.curve = s.ca.curve;
  host.name = invite.name;
  host.groups = invite.groups;
  host.networks = {*network};
  host.not_before = std::max(now - kClockSkewAllowance, s.ca.not_before);
  host.not_after = s.ca.not_after - 1;
  host.public_key.assign(public_key.begin(), public_key.end());
  host.issuer = s.ca.Fingerprint();
  if (Status c = cert::CheckRootConstraints(host, s.ca); !c.ok()) return c;
  if (Status signed_ = host.Sign(s.ca.curve, s.ca_key); !signed_.ok()) return signed_;
  return host;
}

}  // namespace

std::string BindingMessage(const std::string& tls_der) {
  crypto::Sha256Digest d = crypto::Sha256(Span(tls_der));
  return "flatnet join v1 binding\n" + std::string(d.begin(), d.end());
}

Result<std::string> SignWithCaKey(cert::Curve curve, ByteSpan key, const std::string& message) {
  if (curve == cert::Curve::kP256) {
    Result<Bytes> sig = crypto::EcdsaP256Sign(key, Span(message));
    if (!sig.ok()) return sig.status();
    return std::string(sig->begin(), sig->end());
  }
  if (key.size() != 64) return Status::Error("CA key is not an Ed25519 key");
  crypto::Ed25519PrivateKey k;
  std::memcpy(k.data(), key.data(), 64);
  crypto::Ed25519Signature sig;
  if (!crypto::Ed25519Sign(k, Span(message), sig)) return Status::Error("signing failed");
  return std::string(sig.begin(), sig.end());
}

bool VerifyCaSignature(const cert::Certificate& ca, const std::string& message,
                       const std::string& signature) {
  if (ca.curve == cert::Curve::kP256) {
    return crypto::EcdsaP256Verify(ca.public_key, Span(message), Span(signature));
  }
  if (ca.public_key.size() != 32) return false;
  crypto::Ed25519PublicKey k;
  std::memcpy(k.data(), ca.public_key.data(), 32);
  return crypto::Ed25519Verify(k, Span(message), Span(signature));
}

JoinService::Outcome JoinService::Handle(TlsConnection& c, const std::string& tls_der) const {
  const std::string who = c.peer() + ": ";
  Result<std::string> binding = SignWithCaKey(ca.curve, ca_key, BindingMessage(tls_der));
  if (!binding.ok()) return {false, who + "cannot sign the binding: " + binding.status().message()};
  if (Status s = c.Send({{"v", "1"}, {"ca", ca_pem}, {"binding", *binding}}); !s.ok()) {
    return {false, who + s.message()};
  }
  Result<Frame> request = c.Receive();
  if (!request.ok()) return {false, who + "no request: " + request.status().message()};
  auto refuse = [&](const std::string& why) {
    (void)c.Send({{"error", why}});
    return Outcome{false, who + "refused: " + why};
  };
  const std::string id = (*request)["invite"];
  const std::string secret = (*request)["secret"];
  const std::string public_key = (*request)["public_key"];
  if (id.empty() || secret.size() != 16) return refuse("malformed request");
  if (public_key.size() != PublicKeySize(ca.curve)) {
    return refuse("the member's public key is not a " + std::string(cert::CurveName(ca.curve)) +
                  " key");
  }
  Result<TeamTemplate> team_template = LoadTeamTemplate(team_path);
  if (!team_template.ok()) return refuse("the CA side's team template is broken");

  std::string refusal;
  Result<cert::Certificate> issued = Status::Error("not issued");
  InviteRecord used;
  int64_t at = now();
  Status updated = UpdateInventory(inventory_path, [&](Inventory& inventory) {
    InviteRecord* invite = inventory.FindInvite(id);
    std::array<uint8_t, 16> given{};
    std::memcpy(given.data(), secret.data(), 16);
    std::string digest = SecretDigestHex(given);
    if (!invite || invite->secret_sha256.size() != digest.size() ||
        CRYPTO_memcmp(invite->secret_sha256.data(), digest.data(), digest.size()) != 0) {
      refusal = "the invite is not valid here (mistyped, or for another team)";
    } else if (invite->state == "used") {
      refusal = "the invite was already used";
    } else if (invite->state == "revoked") {
      refusal = "the invite was revoked";
    } else if (invite->expires <= at) {
      refusal = "the invite expired at " + cert::FormatRfc3339(invite->expires);
    }
    if (!refusal.empty()) return Status::Error(refusal);
    issued = Issue(*this, *invite, public_key, at);
    if (!issued.ok()) {
      refusal = "cannot sign: " + issued.status().message();
      return Status::Error(refusal);
    }
    invite->state = "used";
    used = *invite;
    inventory.members.push_back(MemberRecord{issued->Fingerprint(), invite->name, invite->network,
                                             invite->groups, issued->not_after, "join", "active"});
    return Status::Ok();
  });
  if (!refusal.empty()) return refuse(refusal);
  if (!updated.ok()) return refuse("the CA side cannot record the member: " + updated.message());

  std::string team_name = team_template->name.empty() ? ca.name : team_template->name;
  // Members removed so far: the new member's pki.blocklist starts with them.
  std::string blocklist;
  if (Result<Inventory> inventory = ReadInventory(inventory_path); inventory.ok()) {
    for (const std::string& fingerprint : inventory->Blocklist()) blocklist += fingerprint + "\n";
  }
  if (Status s = c.Send({{"cert", issued->MarshalToPem()},
                         {"blocklist", blocklist},
                         {"name", used.name},
                         {"network", used.network},
                         {"team_name", team_name},
                         {"team", team_template->text}});
      !s.ok()) {
    return {false, who + used.name + " was issued a certificate but did not receive it: " +
                       s.message()};
  }
  return {true, who + used.name + " joined as " + used.network};
}

Result<Joined> Join(const JoinRequest& r) {
  const Invite& invite = r.invite;
  if (invite.expires <= r.now()) {
    return Status::Error("the invite expired at " + cert::FormatRfc3339(invite.expires));
  }
  Result<std::unique_ptr<TlsConnection>> c = TlsConnect(invite.join_address, r.timeout);
  if (!c.ok()) return c.status();
  const std::string& at = invite.join_address;
  Result<Frame> greeting = (*c)->Receive();
  if (!greeting.ok()) return Status::Error(at + " sent no greeting: " + greeting.status().message());
  if ((*greeting)["v"] != "1") return Status::Error(at + " does not speak flatnet's join protocol v1");
  Result<cert::Certificate> ca = cert::ParseCertificatePem((*greeting)["ca"]);
  if (!ca.ok()) return Status::Error(at + " sent a bad CA certificate: " + ca.status().message());
  if (ca->Fingerprint() != invite.FingerprintHex()) {
    return Status::Error(at + " answers for CA " + ca->Fingerprint() +
                         ", not the CA the invite pins (" + invite.FingerprintHex() + ")");
  }
  if (!VerifyCaSignature(*ca, BindingMessage((*c)->peer_certificate_der()),
                         (*greeting)["binding"])) {
    return Status::Error(at + "'s TLS key is not signed by the pinned CA (someone in between?)");
  }
  Result<KeyPair> key = r.make_key(ca->curve);
  if (!key.ok()) return Status::Error("cannot make a key pair: " + key.status().message());
  Status sent = (*c)->Send({{"invite", invite.IdHex()},
                            {"secret", std::string(invite.secret.begin(), invite.secret.end())},
                            {"public_key", std::string(key->public_key.begin(),
                                                       key->public_key.end())}});
  if (!sent.ok()) return Status::Error(at + ": " + sent.message());
  Result<Frame> reply = (*c)->Receive();
  if (!reply.ok()) return Status::Error(at + " did not answer: " + reply.status().message());
  if (reply->count("error")) {
    return Status::Error("the CA side refused the invite: " + (*reply)["error"]);
  }
  Result<cert::Certificate> host = cert::ParseCertificatePem((*reply)["cert"]);
  if (!host.ok()) return Status::Error(at + " sent a bad certificate: " + host.status().message());
  cert::CaPool pool;
  if (Status s = pool.AddCa(*ca); !s.ok()) return Status::Error(at + "'s CA: " + s.message());
  int64_t now = r.now();
  if (host->not_before > now) {
    return Status::Error(at + " sent a certificate valid only from " +
                         cert::FormatRfc3339(host->not_before) + ": this host's clock says " +
                         cert::FormatRfc3339(now) + "; set the clock right and join again");
  }
  if (Status s = pool.Verify(*host, now); !s.ok()) {
    return Status::Error(at + " sent a certificate that does not verify: " + s.message());
  }
  if (host->public_key != key->public_key) {
    return Status::Error(at + " sent a certificate for another key");
  }
  Joined joined;
  joined.team_name = (*reply)["team_name"];
  joined.name = host->name;
  joined.network = host->networks.empty() ? "" : host->networks[0].ToString();
  joined.ca_pem = (*greeting)["ca"];
  joined.cert_pem = (*reply)["cert"];
  joined.curve = ca->curve;
  joined.key = *key;
  joined.team_yaml = (*reply)["team"];
  const std::string& blocklist = (*reply)["blocklist"];
  for (size_t start = 0, end; start < blocklist.size(); start = end + 1) {
    end = blocklist.find('\n', start);
    if (end == std::string::npos) end = blocklist.size();
    if (end > start) joined.blocklist.push_back(blocklist.substr(start, end - start));
  }
  return joined;
}

}  // namespace flatnet::onboard
