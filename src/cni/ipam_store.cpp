#include "cni/ipam_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

namespace flatnet::cni {
namespace {

constexpr const char* kLockFile = "lock";
constexpr const char* kLastReservedFile = "last_reserved_ip";
constexpr auto kLockWait = std::chrono::seconds(10);

CniError IoError(const std::string& what, const std::string& path, int err) {
  return Fail(ErrorCode::kIoFailure,
              "flatnet-cni: " + what + " " + path + ": " + std::strerror(err));
}

// mkdir -p.
CniStatus MakeDirs(const std::string& dir) {
  for (size_t slash = 1; slash <= dir.size(); ++slash) {
    if (slash != dir.size() && dir[slash] != '/') continue;
    std::string part = dir.substr(0, slash);
    if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
      return IoError("creating directory", part, errno);
  }
  return Ok();
}

// The exclusive flock on dir/lock, released when this goes.
class DirLock {
 public:
  static CniResult<DirLock> Take(const std::string& dir) {
    std::string path = dir + "/" + kLockFile;
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return IoError("opening", path, errno);
    auto deadline = std::chrono::steady_clock::now() + kLockWait;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err != EWOULDBLOCK && err != EINTR) {
        close(fd);
        return IoError("locking", path, err);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        close(fd);
        return Fail(ErrorCode::kTryAgainLater,
                    "flatnet-cni: " + path + " is still locked by another flatnet-cni after 10 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return DirLock(fd);
  }
  DirLock(DirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock() {
    if (fd_ >= 0) close(fd_);  // closing the last descriptor drops the flock
  }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

struct Holder {
  std::string container_id;
  std::string ifname;
};

std::optional<Holder> ReadHolder(const std::string& path) {
  std::ifstream in(path);
  Holder holder;
  if (!std::getline(in, holder.container_id) || !std::getline(in, holder.ifname))
    return std::nullopt;
  return holder;
}

// Every address file in dir, with its holder (nullopt for an unreadable one, which still
// keeps its address taken).
struct Entry {
  IpAddr address;
  std::optional<Holder> holder;
};

CniResult<std::vector<Entry>> ListEntries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return IoError("reading directory", dir, errno);
  std::vector<Entry> entries;
  while (dirent* e = readdir(d)) {
    auto address = ParseIpAddr(e->d_name);
    if (!address.ok() || !address->is_v4()) continue;
    entries.push_back(Entry{address.value(), ReadHolder(dir + "/" + e->d_name)});
  }
  closedir(d);
  return entries;
}

bool Holds(const Entry& entry, const std::string& container_id, const std::string& ifname) {
  return entry.holder && entry.holder->container_id == container_id &&
         entry.holder->ifname == ifname;
}

uint32_t Broadcast(const IpPrefix& subnet) { return subnet.addr().v4() | ~subnet.V4Mask(); }

std::optional<IpAddr> LastReserved(const std::string& dir) {
  std::ifstream in(dir + "/" + kLastReservedFile);
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  auto address = ParseIpAddr(text);
  if (!address.ok()) return std::nullopt;
  return address.value();
}

CniStatus WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return IoError("writing", temp, errno ? errno : EIO);
  }
  if (rename(temp.c_str(), path.c_str()) != 0) return IoError("renaming to", path, errno);
  return Ok();
}

}  // namespace

IpAddr IpamStore::Gateway(const IpPrefix& subnet) {
  return IpAddr::V4(subnet.Masked().addr().v4() + 1);
}

uint64_t IpamStore::UsableCount(const IpPrefix& subnet) {
  if (!subnet.is_v4() || subnet.bits() > 30) return 0;
  return (uint64_t(1) << (32 - subnet.bits())) - 3;
}

CniResult<IpamStore> IpamStore::Open(std::string dir) {
  auto made = MakeDirs(dir);
  if (!made.ok()) return made.error();
  return IpamStore(std::move(dir));
}

CniResult<IpAddr> IpamStore::Allocate(const IpPrefix& subnet, const std::string& container_id,
                                      const std::string& ifname) {
  const IpPrefix range = subnet.Masked();
  const uint64_t count = UsableCount(range);
  if (count == 0)
    return Fail(ErrorCode::kInvalidNetworkConfig,
                "flatnet-cni: subnet " + range.ToString() + " holds no address for containers");
  auto lock = DirLock::Take(dir_);
  if (!lock.ok()) return lock.error();
  auto entries = ListEntries(dir_);
  if (!entries.ok()) return entries.error();

  std::set<uint32_t> taken;
  for (const Entry& entry : entries.value()) {
    if (Holds(entry, container_id, ifname) && range.Contains(entry.address)) return entry.address;
    taken.insert(entry.address.v4());
  }

  const uint32_t first = range.addr().v4() + 2;
  const uint32_t last = Broadcast(range) - 1;
  uint32_t next = first;
  if (auto previous = LastReserved(dir_);
      previous && previous->is_v4() && range.Contains(*previous) && previous->v4() >= first &&
      previous->v4() < last) {
    next = previous->v4() + 1;
  }
  const std::string content = container_id + "\n" + ifname + "\n";
  for (uint64_t tried = 0; tried < count; ++tried, next = next == last ? first : next + 1) {
    if (taken.count(next)) continue;
    const IpAddr address = IpAddr::V4(next);
    const std::string path = dir_ + "/" + address.ToString();
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // taken since the listing (a writer without the lock)
      return IoError("creating", path, errno);
    }
    ssize_t written = write(fd, content.data(), content.size());
    int err = errno;
    if (close(fd) != 0 && written >= 0) {
      written = -1;
      err = errno;
    }
    if (written != ssize_t(content.size())) {
      unlink(path.c_str());
      return IoError("writing", path, written < 0 ? err : EIO);
    }
    auto marked = WriteFileAtomically(dir_ + "/" + kLastReservedFile, address.ToString() + "\n");
    if (!marked.ok()) return marked.error();
    return address;
  }
  return Fail(ErrorCode::kSubnetExhausted,
              "flatnet-cni: subnet " + range.ToString() + " is exhausted: all " +
                  std::to_string(count) + " of its container addresses are handed out (" +
                  dir_ + ")");
}

CniStatus IpamStore::Release(const std::string& container_id, const std::string& ifname) {
  auto lock = DirLock::Take(dir_);
  if (!lock.ok()) return lock.error();
  auto entries = ListEntries(dir_);
  if (!entries.ok()) return entries.error();
  for (const Entry& entry : entries.value()) {
    if (!Holds(entry, container_id, ifname)) continue;
    const std::string path = dir_ + "/" + entry.address.ToString();
    if (unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("removing", path, errno);
  }
  return Ok();
}

CniResult<std::optional<IpAddr>> IpamStore::Find(const std::string& container_id,
                                                 const std::string& ifname) {
  auto lock = DirLock::Take(dir_);
  if (!lock.ok()) return lock.error();
  auto entries = ListEntries(dir_);
  if (!entries.ok()) return entries.error();
  for (const Entry& entry : entries.value()) {
    if (Holds(entry, container_id, ifname)) return std::optional<IpAddr>(entry.address);
  }
  return std::optional<IpAddr>();
}

}  // namespace flatnet::cni
