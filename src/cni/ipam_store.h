// IpamStore: host-local style address allocation with its state on disk, so no address is
// handed out twice, across plugin runs, concurrent runs and restarts of the host.
//
// Layout of a network's directory (dataDir/<network name>/):
//   10.100.2.5         one file per address handed out: "<container id>\n<ifname>\n",
//                      created with O_EXCL, so two writers can never both own it
//   last_reserved_ip   the address handed out last: the next allocation starts after it,
//                      so a released address is not handed to the next container at once
//   lock               flock'ed (exclusively) around every operation: two plugin processes
//                      at once (a runtime starting several containers) take turns
//
// Usable addresses of a subnet: all but its network address, its first host address (the
// bridge's gateway, see Gateway) and its broadcast address; a /30 has one.
//
// Contract: Allocate returns the address (container id, ifname) already holds, or a new
// one; an exhausted subnet is kSubnetExhausted naming the subnet and how many it holds.
// Release drops what (id, ifname) holds and succeeds when it holds nothing (DEL may be
// called twice). A lock held elsewhere for over 10 s is kTryAgainLater; file errors are
// kIoFailure naming the file. Files in the directory that are not addresses are ignored.
#pragma once

#include <optional>
#include <string>

#include "base/ip_prefix.h"
#include "cni/cni_error.h"

namespace flatnet::cni {

class IpamStore {
 public:
  // `dir` is created (with its parents) when missing.
  static CniResult<IpamStore> Open(std::string dir);

  CniResult<IpAddr> Allocate(const IpPrefix& subnet, const std::string& container_id,
                             const std::string& ifname);
  CniStatus Release(const std::string& container_id, const std::string& ifname);
  CniResult<std::optional<IpAddr>> Find(const std::string& container_id,
                                        const std::string& ifname);

  const std::string& dir() const { return dir_; }

  // The subnet's first host address, which the bridge holds: 10.100.2.1 in 10.100.2.0/24.
  static IpAddr Gateway(const IpPrefix& subnet);
  // How many addresses containers can get in `subnet`.
  static uint64_t UsableCount(const IpPrefix& subnet);

 private:
  explicit IpamStore(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
};

}  // namespace flatnet::cni
