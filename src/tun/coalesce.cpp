#include "tun/coalesce.h"

#include <algorithm>
#include <cstring>

#include "tun/checksum.h"

namespace flatnet::tun {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kTcpPsh = 0x08, kTcpAck = 0x10;
constexpr size_t kMaxSuperPacket = 65535;

}  // namespace

TcpCoalescer::TcpCoalescer(FrameWriter& out, size_t max_flows) : out_(out), flows_(max_flows) {
  for (Flow& flow : flows_) flow.buffer.resize(kMaxSuperPacket);
}

bool TcpCoalescer::ParseTcp(ByteSpan p, TcpView* v) {
  if (p.size() < 20) return false;
  if ((p[0] >> 4) == 4) {
    // Options or fragments would have to be replicated or reassembled: not worth it.
    if ((p[0] & 0x0f) != 5 || p[9] != kTcp || LoadBig16(p.data() + 2) != p.size()) return false;
    if (LoadBig16(p.data() + 6) & 0x3fff) return false;  // MF or a fragment offset
    v->ipv6 = false;
    v->ip_len = 20;
  } else if ((p[0] >> 4) == 6) {
    if (p.size() < 40 || p[6] != kTcp || size_t(LoadBig16(p.data() + 4)) + 40 != p.size()) {
      return false;
    }
    v->ipv6 = true;
    v->ip_len = 40;
  } else {
    return false;
  }
  if (p.size() < v->ip_len + 20) return false;
  v->tcp = p.data() + v->ip_len;
  v->tcp_len = size_t(v->tcp[12] >> 4) * 4;
  if (v->tcp_len < 20 || v->ip_len + v->tcp_len > p.size()) return false;
  v->payload = p.size() - v->ip_len - v->tcp_len;
  return true;
}

bool TcpCoalescer::SameFlow(const Flow& f, ByteSpan p, const TcpView& v) {
  if (f.length == 0 || f.ipv6 != v.ipv6) return false;
  const uint8_t* head = f.buffer.data();
  // Addresses, then ports.
  bool same_addrs = v.ipv6 ? std::memcmp(head + 8, p.data() + 8, 32) == 0
                           : std::memcmp(head + 12, p.data() + 12, 8) == 0;
  return same_addrs && std::memcmp(head + f.ip_len, v.tcp, 4) == 0;
}

bool TcpCoalescer::CanAppend(const Flow& f, ByteSpan p, const TcpView& v) {
  if (f.closed || v.payload == 0 || v.payload > f.gso_size || v.tcp_len != f.tcp_len) return false;
  if (f.length + v.payload > kMaxSuperPacket) return false;
  const uint8_t* head = f.buffer.data();
  const uint8_t* th = head + f.ip_len;
  if (LoadBig32(v.tcp + 4) != f.next_seq) return false;
  if (std::memcmp(th + 8, v.tcp + 8, 4) != 0) return false;                 // ack number
  if ((v.tcp[13] & ~kTcpPsh) != kTcpAck) return false;                      // only ACK (+PSH)
  if (std::memcmp(th + 14, v.tcp + 14, 2) != 0) return false;               // window
  if (std::memcmp(th + 20, v.tcp + 20, v.tcp_len - 20) != 0) return false;  // options
  if (v.ipv6) {
    // Version, traffic class, flow label; hop limit.
    return std::memcmp(head, p.data(), 4) == 0 && head[7] == p[7];
  }
  // TOS, the DF bit, TTL.
  return head[1] == p[1] && (head[6] & 0x40) == (p[6] & 0x40) && head[8] == p[8];
}

bool TcpCoalescer::ChecksumValid(ByteSpan p, const TcpView& v) {
  const uint8_t* src = p.data() + (v.ipv6 ? 8 : 12);
  size_t addr_len = v.ipv6 ? 16 : 4;
  uint32_t l4_len = uint32_t(v.tcp_len + v.payload);
  uint64_t sum = PseudoHeaderSum(src, src + addr_len, addr_len, kTcp, l4_len);
  return ChecksumFold(ChecksumAdd(v.tcp, l4_len, sum)) == 0xffff;
}

Status TcpCoalescer::WritePlain(ByteSpan packet) {
  ++frames_written_;
  return out_.WriteFrame(VnetHeader{}, packet);
}

Status TcpCoalescer::Add(ByteSpan packet) {
  TcpView v;
  if (!ParseTcp(packet, &v)) return WritePlain(packet);
  Flow* flow = nullptr;
  for (Flow& f : flows_) {
    if (SameFlow(f, packet, v)) {
      flow = &f;
      break;
    }
  }
  const bool mergeable_flags = (v.tcp[13] & ~kTcpPsh) == kTcpAck && v.payload > 0;
  if (!mergeable_flags || !ChecksumValid(packet, v)) {
    // SYN/FIN/RST, a bare ACK or a bad checksum: after its flow's pending data, as is.
    if (flow) {
      if (Status s = FlushFlow(*flow); !s.ok()) return s;
    }
    return WritePlain(packet);
  }
  if (flow && CanAppend(*flow, packet, v)) {
    std::memcpy(flow->buffer.data() + flow->length, packet.data() + v.ip_len + v.tcp_len,
                v.payload);
    flow->length += v.payload;
    flow->next_seq += uint32_t(v.payload);
    ++flow->segments;
    if (v.tcp[13] & kTcpPsh) flow->buffer[flow->ip_len + 13] |= kTcpPsh;
    flow->closed = v.payload < flow->gso_size || (v.tcp[13] & kTcpPsh);
    return Status();
  }
  if (flow) {
    if (Status s = FlushFlow(*flow); !s.ok()) return s;
  } else {
    flow = &*std::min_element(flows_.begin(), flows_.end(), [](const Flow& a, const Flow& b) {
      // Free slots first, then the oldest.
      return (a.length ? a.started : 0) < (b.length ? b.started : 0);
    });
    if (flow->length) {
      if (Status s = FlushFlow(*flow); !s.ok()) return s;
    }
  }
  return Start(*flow, packet, v);
}

Status TcpCoalescer::Start(Flow& flow, ByteSpan packet, const TcpView& v) {
  std::memcpy(flow.buffer.data(), packet.data(), packet.size());
  flow.length = packet.size();
  flow.ipv6 = v.ipv6;
  flow.ip_len = v.ip_len;
  flow.tcp_len = v.tcp_len;
  flow.gso_size = v.payload;
  flow.segments = 1;
  flow.next_seq = LoadBig32(v.tcp + 4) + uint32_t(v.payload);
  flow.closed = v.tcp[13] & kTcpPsh;
  flow.started = ++clock_;
  return Status();
}

Status TcpCoalescer::FlushFlow(Flow& flow) {
  if (flow.length == 0) return Status();
  ByteSpan packet(flow.buffer.data(), flow.length);
  const size_t segments = flow.segments;
  flow.length = 0;
  if (segments == 1) return WritePlain(packet);  // untouched

  uint8_t* p = flow.buffer.data();
  const uint8_t* src;
  size_t addr_len;
  if (flow.ipv6) {
    StoreBig16(p + 4, uint16_t(packet.size() - 40));
    src = p + 8, addr_len = 16;
  } else {
    StoreBig16(p + 2, uint16_t(packet.size()));
    FixIpv4HeaderChecksum(p, 20);
    src = p + 12, addr_len = 4;
  }
  // A partial checksum: the kernel adds the data when it segments or delivers.
  uint8_t* check = p + flow.ip_len + 16;
  uint32_t l4_len = uint32_t(packet.size() - flow.ip_len);
  StoreChecksum(check, ChecksumFold(PseudoHeaderSum(src, src + addr_len, addr_len, kTcp, l4_len)));

  VnetHeader vnet;
  vnet.flags = VnetHeader::kFlagNeedsCsum;
  vnet.gso_type = flow.ipv6 ? VnetHeader::kGsoTcpV6 : VnetHeader::kGsoTcpV4;
  vnet.hdr_len = uint16_t(flow.ip_len + flow.tcp_len);
  vnet.gso_size = uint16_t(flow.gso_size);
  vnet.csum_start = uint16_t(flow.ip_len);
  vnet.csum_offset = 16;
  ++frames_written_;
  segments_coalesced_ += segments;
  return out_.WriteFrame(vnet, packet);
}

Status TcpCoalescer::Flush() {
  Status first;
  for (Flow& flow : flows_) {
    Status s = FlushFlow(flow);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

}  // namespace flatnet::tun
