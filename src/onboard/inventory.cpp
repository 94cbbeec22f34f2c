#include "onboard/inventory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace flatnet::onboard {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

std::string JoinGroups(const std::vector<std::string>& groups) {
  if (groups.empty()) return "-";
  std::string out;
  for (const std::string& g : groups) out += (out.empty() ? "" : ",") + g;
  return out;
}
std::vector<std::string> SplitGroups(const std::string& s) {
  if (s == "-" || s.empty()) return {};
  return Split(s, ',');
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// The lock lives on a separate file: the inventory itself is replaced by rename.
class FileLock {
 public:
  FileLock(const std::string& path, int how) {
    fd_ = open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0 && flock(fd_, how) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~FileLock() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

Result<Inventory> ReadUnlocked(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Inventory{};
    return Status::Error(Errno("cannot read inventory", path));
  }
  std::string text;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, size_t(n));
  close(fd);
  if (n < 0) return Status::Error(Errno("cannot read inventory", path));
  return ParseInventory(path, text);
}

Status WriteUnlocked(const std::string& path, const Inventory& inventory) {
  std::string temp = path + ".tmp-XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) return Status::Error(Errno("cannot write inventory", path));
  std::string text = FormatInventory(inventory);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    done += size_t(n);
  }
  bool ok = done == text.size() && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) {
    Status s = Status::Error(Errno("cannot write inventory", path));
    unlink(temp.c_str());
    return s;
  }
  return Status::Ok();
}

}  // namespace

InviteRecord* Inventory::FindInvite(const std::string& id) {
  for (InviteRecord& r : invites) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool Inventory::AddressTaken(const IpAddr& ip) const {
  auto same = [&](const std::string& network) {
    Result<IpPrefix> p = ParseIpPrefix(network);
    return p.ok() && p->addr() == ip;
  };
  for (const MemberRecord& m : members) {
    if (same(m.network)) return true;
  }
  for (const InviteRecord& i : invites) {
    if (i.state == "open" && same(i.network)) return true;
  }
  return false;
}

Result<IpPrefix> Inventory::NextFree(const IpPrefix& network,
                                     const std::vector<IpAddr>& reserved) const {
  // /8 is the widest network searched (16 million addresses at most), /30 the narrowest
  // with a host address besides the network and broadcast ones.
  if (!network.is_v4() || network.bits() > 30 || network.bits() < 8) {
    return Status::Error("team.network " + network.ToString() +
                         " must be an IPv4 network from /8 to /30");
  }
  uint32_t base = network.Masked().addr().v4();
  uint32_t size = 1u << (32 - network.bits());
  for (uint32_t i = 1; i + 1 < size; ++i) {
    IpAddr ip = IpAddr::V4(base + i);
    if (std::find(reserved.begin(), reserved.end(), ip) != reserved.end()) continue;
    if (AddressTaken(ip)) continue;
    return IpPrefix::From(ip, network.bits());
  }
  return Status::Error("team.network " + network.ToString() + " is full");
}

std::vector<std::string> Inventory::Blocklist() const {
  std::vector<std::string> out;
  for (const MemberRecord& m : members) {
    if (m.state == "removed") out.push_back(m.fingerprint);
  }
  return out;
}

Result<Inventory> ParseInventory(const std::string& path, const std::string& text) {
  Inventory inv;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = Split(line, '\t');
    auto bad = [&](const std::string& why) {
      return Status::Error(path + ": line " + std::to_string(number) + ": " + why);
    };
    if (f[0] == "invite") {
      if (f.size() != 8) return bad("an invite record has 8 fields");
      InviteRecord r{f[1], f[2], f[3], SplitGroups(f[4]), 0, f[6], f[7]};
      if (!ParseInt(f[5], &r.expires)) return bad("bad expiry " + f[5]);
      if (r.state != "open" && r.state != "used" && r.state != "revoked") {
        return bad("bad invite state " + r.state);
      }
      inv.invites.push_back(std::move(r));
    } else if (f[0] == "member") {
      if (f.size() != 8) return bad("a member record has 8 fields");
      MemberRecord r{f[1], f[2], f[3], SplitGroups(f[4]), 0, f[6], f[7]};
      if (!ParseInt(f[5], &r.not_after)) return bad("bad expiry " + f[5]);
      if (r.state != "active" && r.state != "removed") return bad("bad member state " + r.state);
      inv.members.push_back(std::move(r));
    } else {
      return bad("unknown record " + f[0]);
    }
  }
  return inv;
}

std::string FormatInventory(const Inventory& inv) {
  std::string out =
      "# flatnet inventory (flatnet-cert inventory lists it; docs/onboarding.md)\n";
  for (const InviteRecord& r : inv.invites) {
    out += "invite\t" + r.id + "\t" + r.name + "\t" + r.network + "\t" + JoinGroups(r.groups) +
           "\t" + std::to_string(r.expires) + "\t" + r.secret_sha256 + "\t" + r.state + "\n";
  }
  for (const MemberRecord& r : inv.members) {
    out += "member\t" + r.fingerprint + "\t" + r.name + "\t" + r.network + "\t" +
           JoinGroups(r.groups) + "\t" + std::to_string(r.not_after) + "\t" + r.how + "\t" +
           r.state + "\n";
  }
  return out;
}

Status UpdateInventory(const std::string& path, const std::function<Status(Inventory&)>& change) {
  FileLock lock(path, LOCK_EX);
  if (!lock.ok()) return Status::Error(Errno("cannot lock inventory", path));
  Result<Inventory> inv = ReadUnlocked(path);
  if (!inv.ok()) return inv.status();
  if (Status s = change(*inv); !s.ok()) return s;
  return WriteUnlocked(path, *inv);
}

Result<Inventory> ReadInventory(const std::string& path) {
  FileLock lock(path, LOCK_SH);
  if (!lock.ok()) return Status::Error(Errno("cannot lock inventory", path));
  return ReadUnlocked(path);
}

}  // namespace flatnet::onboard
