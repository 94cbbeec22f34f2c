#include "tun/tun_device.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "tun/netlink.h"
#include "tun/segment.h"

// UDP segmentation offload for TUN arrived in Linux 6.2, after Debian 12's headers.
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

namespace flatnet::tun {
namespace {

// A frame is at most one 64 KB IP packet (IPv6 adds its 40-byte header) plus the header.
constexpr size_t kMaxFrame = 65536 + 64 + VnetHeader::kSize;
// Pieces of one super-packet: TCP's minimum MSS (88) bounds TSO at ~745, UDP GSO at 128.
constexpr size_t kMaxPieces = 1024;
constexpr size_t kArenaSize = 65536 + kMaxPieces * 128;

std::string Errno(int err) { return std::strerror(err); }

}  // namespace

TunReadBatch::TunReadBatch() : frame_(kMaxFrame), arena_(kArenaSize), packets_(kMaxPieces) {}

TunQueue::TunQueue(int fd, int interrupt_fd, const std::atomic<bool>* interrupted, bool vnet_hdr,
                   std::string device_name)
    : fd_(fd),
      interrupt_fd_(interrupt_fd),
      interrupted_(interrupted),
      vnet_hdr_(vnet_hdr),
      device_name_(std::move(device_name)) {}

TunQueue::~TunQueue() { close(fd_); }

bool TunQueue::WaitReadable() {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {interrupt_fd_, POLLIN, 0}};
  for (;;) {
    if (interrupted_->load(std::memory_order_relaxed)) return false;
    int n = poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    // The interrupt eventfd is never drained, so every queue's reader sees it.
    if (fds[1].revents) return false;
    return true;
  }
}

ssize_t TunQueue::Read(uint8_t* buf, size_t cap) {
  for (;;) {
    if (interrupted_->load(std::memory_order_relaxed)) return 0;
    // Try first: under load a frame is usually waiting, and poll would be a wasted call.
    ssize_t n = read(fd_, buf, cap);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return -errno;
    if (!WaitReadable()) return 0;
  }
}

Result<size_t> TunQueue::ReadPackets(TunReadBatch& batch) {
  batch.count_ = 0;
  batch.split_ = false;
  ssize_t n = Read(batch.frame_.data(), batch.frame_.size());
  if (n == 0) return size_t(0);
  if (n < 0) return Status::Error("reading from TUN device " + device_name_ + ": " + Errno(-n));
  uint8_t* packet = batch.frame_.data();
  size_t len = size_t(n);
  if (!vnet_hdr_) {
    batch.packets_[0] = {packet, len};
    return batch.count_ = 1;
  }
  if (len < VnetHeader::kSize) {
    return Status::Error("reading from TUN device " + device_name_ + ": " + std::to_string(len) +
                         "-byte frame is shorter than its vnet header");
  }
  VnetHeader vnet = VnetHeader::Load(packet);
  packet += VnetHeader::kSize;
  len -= VnetHeader::kSize;
  if (!vnet.is_gso()) {
    // The common small packet: finish its checksum where it lies.
    if (Status s = CompleteChecksum(vnet, MutableByteSpan(packet, len)); !s.ok()) return s;
    batch.packets_[0] = {packet, len};
    return batch.count_ = 1;
  }
  auto sp = SuperPacket::Parse(vnet, ByteSpan(packet, len));
  if (!sp.ok()) return sp.status();
  if (sp->count() > batch.packets_.size()) {
    return Status::Error("TUN device " + device_name_ + " sent a super-packet of " +
                         std::to_string(sp->count()) + " pieces; at most " +
                         std::to_string(batch.packets_.size()) + " are handled");
  }
  size_t used = 0;
  for (size_t i = 0; i < sp->count(); ++i) {
    if (used + sp->packet_size(i) > batch.arena_.size()) {
      return Status::Error("TUN device " + device_name_ + " sent a super-packet too big to split");
    }
    uint8_t* out = batch.arena_.data() + used;
    size_t size = sp->WriteSegment(i, out);
    batch.packets_[i] = {out, size};
    used += size;
  }
  batch.split_ = true;
  return batch.count_ = sp->count();
}

ssize_t TunQueue::WriteVector(const VnetHeader* vnet, const uint8_t* packet, size_t len) {
  uint8_t header[VnetHeader::kSize] = {};
  if (vnet) vnet->Store(header);
  iovec iov[2] = {{header, sizeof(header)}, {const_cast<uint8_t*>(packet), len}};
  const bool with_header = vnet_hdr_;
  for (int attempts = 0; attempts < 100; ++attempts) {
    ssize_t n = with_header ? writev(fd_, iov, 2) : write(fd_, packet, len);
    if (n >= 0) return with_header ? std::max<ssize_t>(0, n - ssize_t(sizeof(header))) : n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return -errno;
    pollfd pfd{fd_, POLLOUT, 0};
    poll(&pfd, 1, 10);
  }
  return -EAGAIN;
}

ssize_t TunQueue::Write(const uint8_t* packet, size_t len) {
  return WriteVector(nullptr, packet, len);
}

Status TunQueue::WritePacket(ByteSpan packet) {
  ssize_t n = Write(packet.data(), packet.size());
  if (n < 0) {
    return Status::Error("writing a " + std::to_string(packet.size()) + "-byte packet to " +
                         device_name_ + ": " + Errno(int(-n)));
  }
  return Status();
}

Status TunQueue::WriteFrame(const VnetHeader& vnet, ByteSpan packet) {
  if (!vnet_hdr_) {
    if (vnet.is_gso() || vnet.flags) {
      return Status::Error("TUN device " + device_name_ +
                           " has no vnet headers (offloads off): cannot write a super-packet");
    }
    return WritePacket(packet);
  }
  ssize_t n = WriteVector(&vnet, packet.data(), packet.size());
  if (n < 0) {
    return Status::Error("writing a " + std::to_string(packet.size()) + "-byte frame to " +
                         device_name_ + ": " + Errno(int(-n)));
  }
  return Status();
}

Result<std::unique_ptr<TunDevice>> TunDevice::Open(const TunOptions& options) {
  const std::string shown = options.name.empty() ? "(kernel-chosen)" : "\"" + options.name + "\"";
  if (options.name.size() >= IFNAMSIZ) {
    return Status::Error("tun.dev \"" + options.name + "\" is longer than " +
                         std::to_string(IFNAMSIZ - 1) + " characters");
  }
  if (options.name.find_first_of("/ \t\n:%") != std::string::npos) {
    return Status::Error("tun.dev \"" + options.name + "\" is not a valid interface name");
  }
  if (options.queues < 1 || options.queues > 256) {
    return Status::Error("TUN device " + shown + ": " + std::to_string(options.queues) +
                         " queues requested (routines must be 1-256)");
  }
  auto waker = net::Waker::Create();
  if (!waker.ok()) return waker.status().Wrap("opening TUN device " + shown);
  std::unique_ptr<TunDevice> dev(new TunDevice(std::move(waker).value()));
  dev->name_ = options.name;

  for (int q = 0; q < options.queues; ++q) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      int err = errno;
      return Status::Error(
          "opening /dev/net/tun: " + Errno(err) +
          (err == EACCES || err == EPERM ? " (flatnet needs root or CAP_NET_ADMIN)" : ""));
    }
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, dev->name_.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (options.queues > 1) ifr.ifr_flags |= IFF_MULTI_QUEUE;
    if (options.offloads) ifr.ifr_flags |= IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
      int err = errno;
      close(fd);
      std::string why = Errno(err);
      if (err == EBUSY) why += " (another program holds a device of that name)";
      if (err == EPERM) why += " (flatnet needs root or CAP_NET_ADMIN)";
      if (err == EINVAL) why += " (is it an existing non-TUN interface?)";
      return Status::Error("creating TUN device " + shown + " (tun.dev): " + why);
    }
    if (q == 0) {
      dev->name_ = ifr.ifr_name;
      if (options.offloads) {
        dev->offloads_.vnet_hdr = true;
        unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
        if (ioctl(fd, TUNSETOFFLOAD, base | TUN_F_USO4 | TUN_F_USO6) == 0) {
          dev->offloads_ = {true, true, true, true};
        } else if (ioctl(fd, TUNSETOFFLOAD, base) == 0) {
          dev->offloads_ = {true, true, true, false};
        } else {
          // The header stays; the kernel simply never uses it for anything.
          ioctl(fd, TUNSETOFFLOAD, 0u);
        }
      }
    }
    dev->queues_.push_back(std::make_unique<TunQueue>(fd, dev->waker_.fd(), &dev->interrupted_,
                                                      options.offloads, dev->name_));
  }
  dev->ifindex_ = int(if_nametoindex(dev->name_.c_str()));
  if (dev->ifindex_ == 0) {
    return Status::Error("TUN device " + dev->name_ + " vanished after creation: " + Errno(errno));
  }
  return dev;
}

TunDevice::~TunDevice() = default;

int TunDevice::DeviceMtu(const TunAddressing& addressing) {
  int mtu = addressing.mtu;
  for (const TunRoute& route : addressing.routes) mtu = std::max(mtu, route.mtu);
  return mtu;
}

Status TunDevice::Activate(const TunAddressing& addressing) {
  auto check_mtu = [](int mtu, const std::string& key) {
    if (mtu < 68 || mtu > 65535) {
      return Status::Error(key + " " + std::to_string(mtu) + " is out of range (68-65535)");
    }
    return Status();
  };
  if (Status s = check_mtu(addressing.mtu, "tun.mtu"); !s.ok()) return s;
  if (addressing.tx_queue < 0) {
    return Status::Error("tun.tx_queue " + std::to_string(addressing.tx_queue) + " is negative");
  }
  if (addressing.addresses.empty())
    return Status::Error("TUN device " + name_ + ": no address to give it");
  for (const IpPrefix& address : addressing.addresses) {
    if (!address.valid() || address.bits() == 0 || address.addr().IsUnspecified()) {
      return Status::Error("TUN device " + name_ + ": no usable address in " +
                           address.ToString());
    }
  }
  for (const TunRoute& r : addressing.routes) {
    std::string key = "mtu of route " + r.cidr.ToString();
    if (r.mtu != 0) {
      if (Status s = check_mtu(r.mtu, key); !s.ok()) return s;
    }
    if (r.metric < 0) {
      return Status::Error("metric of route " + r.cidr.ToString() + " is negative");
    }
  }
  const int device_mtu = DeviceMtu(addressing);
  device_mtu_ = device_mtu;
  default_mtu_ = addressing.mtu;
  auto advmss = [&](int mtu, const IpPrefix& to) { return AdvMss(mtu, to); };

  auto netlink = RouteNetlink::Open();
  if (!netlink.ok()) return netlink.status().Wrap("configuring TUN device " + name_);
  if (Status s = netlink->SetLink(ifindex_, name_, device_mtu, addressing.tx_queue, false);
      !s.ok()) {
    return s;
  }
  for (const IpPrefix& address : addressing.addresses)
    if (Status s = netlink->AddAddress(ifindex_, name_, address); !s.ok()) return s;
  if (Status s = netlink->SetLink(ifindex_, name_, 0, 0, true); !s.ok()) return s;

  for (const IpPrefix& address : addressing.addresses) {
    RouteSpec own;
    own.destination = address;
    own.ifindex = ifindex_;
    own.mtu = addressing.mtu;
    own.advmss = advmss(addressing.mtu, address);
    own.preferred_source = address.addr();
    own.kernel_protocol = true;  // replaces the route the kernel made for the address
    // The kernel's IPv6 prefix route has metric 256; the same metric replaces it.
    if (address.is_v6()) own.metric = 256;
    if (Status s = netlink->ReplaceRoute(own, name_); !s.ok()) return s;
  }

  for (const TunRoute& r : addressing.routes) {
    RouteSpec spec;
    spec.destination = r.cidr;
    spec.ifindex = ifindex_;
    spec.mtu = r.mtu;
    spec.advmss = advmss(r.mtu ? r.mtu : addressing.mtu, r.cidr);
    spec.metric = r.metric;
    if (Status s = netlink->ReplaceRoute(spec, name_); !s.ok()) return s;
  }
  return Status();
}

int TunDevice::AdvMss(int mtu, const IpPrefix& to) const {
  // Routes whose MTU differs from the device's advertise a matching MSS (mtu - 40), so
  // TCP peers size segments for the route, not the device.
  // (IPv6's header is 20 bytes longer than IPv4's.)
  return mtu != device_mtu_ ? mtu - (to.is_v6() ? 60 : 40) : 0;
}

Status TunDevice::ChangeRoutes(const std::vector<TunRoute>& remove,
                               const std::vector<TunRoute>& add) {
  auto netlink = RouteNetlink::Open();
  if (!netlink.ok()) return netlink.status().Wrap("changing the routes of TUN device " + name_);
  std::string errors;
  auto spec_of = [&](const TunRoute& r) { return SpecOf(r); };
  for (const TunRoute& r : remove)
    if (Status s = netlink->DeleteRoute(spec_of(r), name_); !s.ok())
      errors += (errors.empty() ? "" : "; ") + s.message();
  for (const TunRoute& r : add) {
    if (r.mtu > device_mtu_) {
      errors += (errors.empty() ? "" : "; ") + std::string("route ") + r.cidr.ToString() +
                ": mtu " + std::to_string(r.mtu) + " exceeds the device's " +
                std::to_string(device_mtu_);
      continue;
    }
    if (Status s = netlink->ReplaceRoute(spec_of(r), name_); !s.ok())
      errors += (errors.empty() ? "" : "; ") + s.message();
  }
  return errors.empty() ? Status() : Status::Error(errors);
}

RouteSpec TunDevice::SpecOf(const TunRoute& r) const {
  RouteSpec spec;
  spec.destination = r.cidr;
  spec.ifindex = ifindex_;
  spec.mtu = r.mtu;
  spec.advmss = AdvMss(r.mtu ? r.mtu : default_mtu_, r.cidr);
  spec.metric = r.metric;
  return spec;
}

Status TunDevice::AddRouteIfAbsent(const TunRoute& route) {
  if (route.mtu > device_mtu_)
    return Status::Error("route " + route.cidr.ToString() + ": mtu " + std::to_string(route.mtu) +
                         " exceeds the device's " + std::to_string(device_mtu_));
  auto netlink = RouteNetlink::Open();
  if (!netlink.ok()) return netlink.status().Wrap("adding a route to TUN device " + name_);
  return netlink->AddRoute(SpecOf(route), name_);
}

Status TunDevice::RemoveRoute(const TunRoute& route) {
  auto netlink = RouteNetlink::Open();
  if (!netlink.ok()) return netlink.status().Wrap("deleting a route of TUN device " + name_);
  return netlink->DeleteRoute(SpecOf(route), name_);
}

void TunDevice::Interrupt() {
  interrupted_.store(true, std::memory_order_relaxed);
  waker_.Wake();
}

}  // namespace flatnet::tun
