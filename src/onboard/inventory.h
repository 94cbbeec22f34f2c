// The CA side's inventory (inventory.txt beside ca.crt): every invite made and every
// certificate issued through onboarding (invites answered by `serve`, bundles), so the
// team can list its members, revoke an invite and remove a member (blocklist its cert).
//
// One record per line, tab-separated, '#' lines ignored:
//     invite  ID  NAME  NETWORK  GROUPS  EXPIRES  SECRET_SHA256  STATE   (open|used|revoked)
//     member  FINGERPRINT  NAME  NETWORK  GROUPS  NOT_AFTER  HOW  STATE  (active|removed)
// GROUPS is comma-separated or "-"; EXPIRES and NOT_AFTER are unix seconds; HOW is join or
// bundle. Every change is a read-modify-write under an exclusive flock on the file, written
// to a temporary file and renamed over it (mode 0600), so `serve` answering joins and
// `invite` run beside it never lose each other's records, and a crash leaves the old file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/ip_prefix.h"
#include "base/status.h"

namespace flatnet::onboard {

struct InviteRecord {
  std::string id;  // hex
  std::string name;
  std::string network;  // "192.168.100.5/24"
  std::vector<std::string> groups;
  int64_t expires = 0;
  std::string secret_sha256;
  std::string state = "open";  // open, used, revoked
};

struct MemberRecord {
  std::string fingerprint;
  std::string name;
  std::string network;
  std::vector<std::string> groups;
  int64_t not_after = 0;
  std::string how;              // join, bundle
  std::string state = "active";  // active, removed
};

struct Inventory {
  std::vector<InviteRecord> invites;
  std::vector<MemberRecord> members;

  InviteRecord* FindInvite(const std::string& id);
  // Addresses taken by members (even removed ones: their certs may still be out there)
  // and by invites still open.
  bool AddressTaken(const IpAddr& ip) const;
  // The lowest host address of `network` not taken and not in `reserved` (the team's
  // lighthouses). Error when the network is full.
  Result<IpPrefix> NextFree(const IpPrefix& network, const std::vector<IpAddr>& reserved) const;
  // Fingerprints of removed members: what every host's pki.blocklist should hold.
  std::vector<std::string> Blocklist() const;
};

Result<Inventory> ParseInventory(const std::string& path, const std::string& text);
std::string FormatInventory(const Inventory& inventory);

// Reads `path` (an absent file is an empty inventory), lets `change` edit it, and writes it
// back, all under the file's lock. `change` returning an error leaves the file as it was.
Status UpdateInventory(const std::string& path, const std::function<Status(Inventory&)>& change);
// Reads it under a shared lock.
Result<Inventory> ReadInventory(const std::string& path);

}  // namespace flatnet::onboard
