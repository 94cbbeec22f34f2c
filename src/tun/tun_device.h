// TunDevice: the overlay's network interface (tun.dev), one queue per packet worker.
//
// Contract:
//  - Open creates (or attaches to) a layer-3 TUN device, IFF_TUN | IFF_NO_PI, named
//    tun.dev (empty: the kernel picks "tun%d", as Nebula leaves it to the OS). With
//    queues > 1 it is IFF_MULTI_QUEUE and each queue has its own fd; the kernel spreads
//    flows over them. The device lives as long as this object (it is not persistent).
//  - With offloads requested it opens with IFF_VNET_HDR and asks for TUN_F_CSUM | TSO4 |
//    TSO6 (| USO4 | USO6 where the kernel has them, Linux 6.2+). What the kernel accepted
//    is in offloads(); if it accepted nothing, frames still carry a (zeroed) VnetHeader.
//  - Activate is Nebula's: each of the cert's networks (IPv4 or IPv6) on the device; device
//    MTU = the largest of tun.mtu and every route MTU; tx_queue; up; each of the device's
//    own networks routed with tun.mtu (and advmss = mtu - 40, IPv6 mtu - 60, when that
//    differs from the device MTU); then each of
//    tun.routes / tun.unsafe_routes with its MTU (0: the network default), advmss and
//    metric. All through rtnetlink in the current network namespace.
//  - TunQueue reads and writes one frame per call, from its worker thread only.
//    Interrupt() (any thread) makes every blocked and future Read return 0, for shutdown.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/ip_prefix.h"
#include "net/waker.h"
#include "tun/coalesce.h"
#include "tun/vnet_header.h"

namespace flatnet::tun {

struct RouteSpec;  // netlink.h

struct TunOptions {
  std::string name;       // tun.dev; at most 15 characters
  int queues = 1;         // one per routine
  bool offloads = false;  // vnet headers + TSO/USO, when the kernel allows
};

struct TunRoute {
  IpPrefix cidr;  // tun.routes[].route / tun.unsafe_routes[].route, IPv4 or IPv6
  int mtu = 0;         // 0: tun.mtu
  int metric = 0;      // unsafe_routes[].metric; 0: none
};

struct TunAddressing {
  // The certificate's networks, e.g. 192.168.100.5/24 and fd00:100::5/64: each address
  // goes on the device with its network's route.
  std::vector<IpPrefix> addresses;
  int mtu = 1300;                // tun.mtu (Nebula's DefaultMTU)
  int tx_queue = 500;            // tun.tx_queue
  std::vector<TunRoute> routes;  // tun.routes, then tun.unsafe_routes
};

// The offloads the kernel agreed to; all false without vnet headers.
struct TunOffloads {
  bool vnet_hdr = false;
  bool checksum = false;  // partial checksums (VnetHeader::kFlagNeedsCsum) may arrive
  bool tso = false;       // TCP super-packets, IPv4 and IPv6
  bool uso = false;       // UDP super-packets
};

// What one TunQueue::Read turned into: plain IP packets ready for the firewall. Holds the
// read buffer (a 64 KB frame) and room for its pieces; reuse one per worker.
class TunReadBatch {
 public:
  TunReadBatch();
  size_t size() const { return count_; }
  MutableByteSpan packet(size_t i) { return {packets_[i].data, packets_[i].size}; }
  ByteSpan packet(size_t i) const { return {packets_[i].data, packets_[i].size}; }
  // True when the frame was a super-packet (its pieces live in the batch's own arena).
  bool was_split() const { return split_; }

 private:
  friend class TunQueue;
  struct Slice {
    uint8_t* data;
    size_t size;
  };
  std::vector<uint8_t> frame_;
  std::vector<uint8_t> arena_;
  std::vector<Slice> packets_;
  size_t count_ = 0;
  bool split_ = false;
};

class TunQueue : public FrameWriter {
 public:
  TunQueue(int fd, int interrupt_fd, const std::atomic<bool>* interrupted, bool vnet_hdr,
           std::string device_name);
  ~TunQueue() override;
  TunQueue(const TunQueue&) = delete;
  TunQueue& operator=(const TunQueue&) = delete;

  int fd() const { return fd_; }
  bool vnet_hdr() const { return vnet_hdr_; }

  // One raw frame (with its VnetHeader when vnet_hdr()) into buf. Blocks until a frame
  // arrives. Returns its length, 0 once interrupted, or -errno.
  ssize_t Read(uint8_t* buf, size_t cap);
  // Reads one frame and splits it into plain packets (segmenting super-packets,
  // finishing partial checksums). Returns the packet count, 0 once interrupted.
  Result<size_t> ReadPackets(TunReadBatch& batch);

  // One plain IP packet; with vnet headers a zeroed header goes in front (no copy).
  // Returns the packet's length, or -errno.
  ssize_t Write(const uint8_t* packet, size_t len);
  Status WritePacket(ByteSpan packet);
  // A frame with an explicit header (TcpCoalescer's super-packets); needs vnet_hdr().
  Status WriteFrame(const VnetHeader& vnet, ByteSpan packet) override;

 private:
  // Waits for the fd to be readable or the interrupt; false when interrupted.
  bool WaitReadable();
  ssize_t WriteVector(const VnetHeader* vnet, const uint8_t* packet, size_t len);

  const int fd_;
  const int interrupt_fd_;
  const std::atomic<bool>* interrupted_;
  const bool vnet_hdr_;
  const std::string device_name_;
};

class TunDevice {
 public:
  static Result<std::unique_ptr<TunDevice>> Open(const TunOptions& options);
  ~TunDevice();

  const std::string& name() const { return name_; }
  int ifindex() const { return ifindex_; }
  const TunOffloads& offloads() const { return offloads_; }
  size_t queue_count() const { return queues_.size(); }
  TunQueue& queue(size_t i) { return *queues_[i]; }

  Status Activate(const TunAddressing& addressing);
  // After Activate (a reload): deletes the kernel routes `remove` and adds (or replaces)
  // `add`, leaving every other route alone. Each route's MTU must fit the device's MTU
  // (Activate's); the device itself is not touched. Every route is tried; the errors of
  // those that failed come back together.
  Status ChangeRoutes(const std::vector<TunRoute>& remove, const std::vector<TunRoute>& add);
  // After Activate: adds one route through the device unless the kernel already has one
  // for that destination and metric (through any device: it stays, and the error says
  // "File exists"), and deletes one route of the device. For routes flatnet learns while
  // it runs (routes from certificates, mesh/cert_routes.h), which must never replace a
  // route someone else made.
  Status AddRouteIfAbsent(const TunRoute& route);
  Status RemoveRoute(const TunRoute& route);
  int device_mtu() const { return device_mtu_; }
  // The MTU Activate gives the device: the largest of tun.mtu and the route MTUs.
  static int DeviceMtu(const TunAddressing& addressing);

  void Interrupt();

 private:
  TunDevice(net::Waker waker) : waker_(std::move(waker)) {}

  // The advmss a route of `mtu` to `to` advertises (0: none, the device's MTU applies).
  int AdvMss(int mtu, const IpPrefix& to) const;
  // A route of the device as rtnetlink takes it (MTU 0: tun.mtu's advmss).
  RouteSpec SpecOf(const TunRoute& route) const;

  std::string name_;
  int ifindex_ = 0;
  int device_mtu_ = 0, default_mtu_ = 0;  // set by Activate: the device's, and tun.mtu
  TunOffloads offloads_;
  net::Waker waker_;
  std::atomic<bool> interrupted_{false};
  std::vector<std::unique_ptr<TunQueue>> queues_;
};

}  // namespace flatnet::tun
