#include "dns/forwarder.h"

#include <algorithm>
#include <string>

namespace flatnet::dns {
namespace {

std::string Lowercase(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return text;
}

bool SameName(const DnsName& a, const DnsName& b) {
  return Lowercase(a.ToText()) == Lowercase(b.ToText());
}

size_t AddressSize(uint16_t type) { return type == kTypeAaaa ? 16 : 4; }

}  // namespace

Forwarder::Forwarder(std::vector<net::UdpAddr> upstreams, std::function<uint16_t()> next_id,
                     int64_t timeout_ns)
    : upstreams_(std::move(upstreams)), next_id_(std::move(next_id)), timeout_ns_(timeout_ns) {}

std::optional<Bytes> Forwarder::Begin(const ForwardRequest& request, const net::UdpAddr& asker,
                                      int64_t now_ns) {
  if (pending_.size() >= kMaxPending || upstreams_.empty()) return std::nullopt;
  auto name = DnsName::FromDotted(request.name);
  if (!name.ok()) return std::nullopt;
  uint16_t id = next_id_();
  // At most kMaxPending ids are taken, so a free one turns up quickly.
  while (pending_.count(id)) id = next_id_();
  DnsMessage query;
  query.header.id = id;
  query.questions.push_back({*name, request.question.type, kClassIn});
  auto bytes = EncodeMessage(query);
  if (!bytes.ok()) return std::nullopt;
  Pending pending{request, asker, std::move(*name), now_ns + timeout_ns_,
                  std::vector<bool>(upstreams_.size(), false), false, false};
  pending_.emplace(id, std::move(pending));
  return std::move(*bytes);
}

std::optional<ForwardedReply> Forwarder::Answer(ByteSpan datagram, const net::UdpAddr& from) {
  const std::optional<DnsHeader> header = ParseHeader(datagram);
  if (!header || !header->is_response()) return std::nullopt;
  auto it = pending_.find(header->id);
  if (it == pending_.end()) return std::nullopt;
  Pending& pending = it->second;
  auto upstream = std::find(upstreams_.begin(), upstreams_.end(), from);
  if (upstream == upstreams_.end()) return std::nullopt;
  const size_t index = size_t(upstream - upstreams_.begin());
  if (pending.replied[index]) return std::nullopt;

  const uint16_t type = pending.request.question.type;
  DnsBody body = ParseBody(datagram, *header);
  if (body.questions.size() != 1 || !SameName(body.questions[0].name, pending.asked) ||
      body.questions[0].type != type || body.questions[0].klass != kClassIn) {
    // A reply that reads whole but asks another question is not about this one.
    if (body.error.ok()) return std::nullopt;
  }
  pending.replied[index] = true;
  if (body.error.ok() && header->rcode() == kRcodeNoError) {
    DnsMessage reply;
    reply.header = ReplyHeaderFor(pending.request.request);
    reply.questions.push_back(pending.request.question);
    for (const DnsRecord& record : body.answers) {
      if (reply.answers.size() == kMaxAnswers) break;
      if (record.type != type || record.klass != kClassIn ||
          record.rdata.size() != AddressSize(type) || !SameName(record.name, pending.asked))
        continue;
      reply.answers.push_back({pending.request.question.name, type, kClassIn, record.ttl,
                               record.rdata});
    }
    if (!reply.answers.empty()) {
      ForwardedReply done{pending.asker, EncodedResponse(Outcome::kAnswered, reply)};
      pending_.erase(it);
      return done;
    }
    pending.exists = true;
  } else if (body.error.ok() && header->rcode() == kRcodeNxDomain) {
    pending.absent = true;
  }
  if (std::find(pending.replied.begin(), pending.replied.end(), false) != pending.replied.end())
    return std::nullopt;
  ForwardedReply done = Finish(pending);
  pending_.erase(it);
  return done;
}

std::vector<ForwardedReply> Forwarder::Expire(int64_t now_ns) {
  std::vector<ForwardedReply> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline_ns > now_ns) {
      ++it;
      continue;
    }
    out.push_back(Finish(it->second));
    it = pending_.erase(it);
  }
  return out;
}

std::optional<int64_t> Forwarder::NextDeadline() const {
  std::optional<int64_t> next;
  for (const auto& [id, pending] : pending_)
    if (!next || pending.deadline_ns < *next) next = pending.deadline_ns;
  return next;
}

Response Forwarder::Failed(const ForwardRequest& request) {
  DnsMessage reply;
  reply.header = ReplyHeaderFor(request.request);
  reply.header.set_rcode(kRcodeServFail);
  reply.questions.push_back(request.question);
  return EncodedResponse(Outcome::kFailed, reply);
}

ForwardedReply Forwarder::Finish(const Pending& pending) {
  if (!pending.exists && !pending.absent) return {pending.asker, Failed(pending.request)};
  DnsMessage reply;
  reply.header = ReplyHeaderFor(pending.request.request);
  reply.questions.push_back(pending.request.question);
  if (pending.exists) return {pending.asker, EncodedResponse(Outcome::kUnanswered, reply)};
  reply.header.set_rcode(kRcodeNxDomain);
  return {pending.asker, EncodedResponse(Outcome::kNoSuchName, reply)};
}

}  // namespace flatnet::dns
