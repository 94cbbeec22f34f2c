// Forwarder: a member's questions for names it does not know (Responder's kForward), asked
// of the lighthouses' DNS responders (lighthouse.serve_dns, over the overlay) and turned
// back into replies for the askers. No socket, so every case is testable; DnsServer sends
// and receives for it, on its one thread.
//
// Contract:
//  - Begin returns the query to send to every upstream: a fresh id no waiting question
//    has, RD clear, one question for the bare name (ForwardRequest::name) of the asked type,
//    class IN. With kMaxPending questions already waiting it returns nullopt and the
//    caller answers Failed() at once.
//  - Answer takes a datagram from the upstream socket and `from`, where it came from. It
//    is used only when `from` is one of the upstreams that has not replied to that id yet,
//    it is a response (QR set) to a waiting id, and it asks the question that was sent
//    (name in any letter case, type, class); anything else returns nullopt and changes
//    nothing. A reply with NOERROR and records of the asked type for the asked name
//    finishes the question at once: the asker gets those records (at most kMaxAnswers)
//    under its own question's name, their TTLs kept. Otherwise the reply is noted: NOERROR
//    without them says the name exists (NODATA), NXDOMAIN that it does not, any other
//    rcode or a body that does not parse that this upstream failed. When every upstream
//    has replied, the asker gets NODATA if one said the name exists, else NXDOMAIN if one
//    said it does not, else SERVFAIL.
//  - Expire finishes every question older than the timeout the same way, an upstream
//    that did not reply counting as failed.
//  - A finished question's reply has ReplyHeaderFor(the asker's header), AA clear, and
//    its outcome says which: kAnswered, kUnanswered (NODATA), kNoSuchName, kFailed.
//  - NextDeadline is the earliest time Expire has something to do, for the server's poll.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "dns/responder.h"
#include "net/udp_addr.h"

namespace flatnet::dns {

inline constexpr size_t kMaxPending = 64;
inline constexpr size_t kMaxAnswers = 8;
inline constexpr int64_t kForwardTimeoutNs = 1'500'000'000;  // 1.5 s

// A reply for an asker: where it goes and what it says.
struct ForwardedReply {
  net::UdpAddr asker;
  Response response;
};

class Forwarder {
 public:
  // `next_id` gives query ids (random in a server; a sequence in tests).
  Forwarder(std::vector<net::UdpAddr> upstreams, std::function<uint16_t()> next_id,
            int64_t timeout_ns = kForwardTimeoutNs);

  const std::vector<net::UdpAddr>& upstreams() const { return upstreams_; }

  std::optional<Bytes> Begin(const ForwardRequest& request, const net::UdpAddr& asker,
                             int64_t now_ns);
  std::optional<ForwardedReply> Answer(ByteSpan datagram, const net::UdpAddr& from);
  std::vector<ForwardedReply> Expire(int64_t now_ns);
  std::optional<int64_t> NextDeadline() const;
  size_t pending() const { return pending_.size(); }

  // SERVFAIL for `request`: what an asker gets when no lighthouse could be asked.
  static Response Failed(const ForwardRequest& request);

 private:
  struct Pending {
    ForwardRequest request;
    net::UdpAddr asker;
    DnsName asked;  // the name sent upstream
    int64_t deadline_ns = 0;
    std::vector<bool> replied;  // by upstream
    bool exists = false;        // an upstream said NOERROR without an answer
    bool absent = false;        // an upstream said NXDOMAIN
  };
  static ForwardedReply Finish(const Pending& pending);

  std::vector<net::UdpAddr> upstreams_;
  std::function<uint16_t()> next_id_;
  int64_t timeout_ns_;
  std::unordered_map<uint16_t, Pending> pending_;
};

}  // namespace flatnet::dns
