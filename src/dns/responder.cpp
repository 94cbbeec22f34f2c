#include "dns/responder.h"

#include <arpa/inet.h>

#include <string>

#include "dns/dns_message.h"

namespace flatnet::dns {
namespace {

constexpr net::Ipv4 kLoopback = net::Ipv4::FromOctets(127, 0, 0, 1);

Response Encoded(Outcome outcome, const DnsMessage& message) {
  auto bytes = EncodeMessage(message);
  if (!bytes.ok()) return Response{outcome, {}, bytes.status()};
  return Response{outcome, std::move(bytes.value()), Status()};
}

// The request's header turned into an error reply, as miekg's server does it: the
// request's own flags stay, except QR (set), AA, Z and the rcode.
DnsHeader ErrorHeader(const DnsHeader& request, int rcode) {
  DnsHeader h = request;
  h.flags = uint16_t((h.flags | kFlagQr) & ~(kFlagAa | kFlagZ));
  h.set_rcode(rcode);
  return h;
}

// What nebula's map key would be for this name, lowercased: the presentation form
// without its trailing dot. nullopt for names that can't match a certificate name.
std::optional<std::string> LookupKey(const std::string& text) {
  if (text == "." || text.find('\\') != std::string::npos) return std::nullopt;
  std::string key = text.substr(0, text.size() - 1);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return key;
}

// Go's net.ParseIP of the name without its trailing dot, then nebula's Ip2VpnIp: the
// address itself, or an IPv6 address's last four bytes.
std::optional<uint32_t> NameAsIp(const std::string& text) {
  std::string literal = text.substr(0, text.size() - 1);
  uint8_t bytes[16];
  if (inet_pton(AF_INET, literal.c_str(), bytes) == 1) return LoadBig32(bytes);
  if (inet_pton(AF_INET6, literal.c_str(), bytes) == 1) return LoadBig32(bytes + 12);
  return std::nullopt;
}

}  // namespace

Response Responder::Respond(ByteSpan query, const net::UdpAddr& from) const {
  const std::optional<DnsHeader> request = ParseHeader(query);
  if (!request) return Response{Outcome::kMalformed, {}, Status()};
  if (request->is_response()) return Response{Outcome::kIgnored, {}, Status()};

  const int opcode = request->opcode();
  if (opcode != kOpcodeQuery && opcode != kOpcodeNotify) {
    return Encoded(Outcome::kNotImplemented, {ErrorHeader(*request, kRcodeNotImp), {}, {}});
  }
  DnsHeader formerr = ErrorHeader(*request, kRcodeFormErr);
  formerr.set_opcode(kOpcodeQuery);
  if (request->qdcount != 1 || request->ancount > 1 || request->nscount > 1 ||
      request->arcount > 2) {
    return Encoded(Outcome::kMalformed, {formerr, {}, {}});
  }
  DnsBody body = ParseBody(query, *request);
  if (!body.error.ok()) {
    return Encoded(Outcome::kMalformed, {formerr, std::move(body.questions), {}});
  }

  DnsMessage reply;
  reply.header.id = request->id;
  reply.header.flags = kFlagQr;
  reply.header.set_opcode(opcode);
  if (opcode == kOpcodeQuery) reply.header.flags |= request->flags & (kFlagRd | kFlagCd);
  if (body.questions.empty()) {
    // miekg's ServeMux has no handler for a question-less message.
    reply.header.set_rcode(kRcodeRefused);
    return Encoded(Outcome::kMalformed, reply);
  }
  const DnsQuestion& question = body.questions.front();
  reply.questions.push_back(question);

  if (opcode == kOpcodeQuery && question.type == kTypeA) {
    const std::string text = question.name.ToText();
    if (options_.logger.Enabled(log::Level::kDebug)) {
      options_.logger.Debug("Query for A " + text);
    }
    std::optional<std::string> key = LookupKey(text);
    if (key && options_.address_for_name) {
      if (std::optional<uint32_t> ip = options_.address_for_name(*key)) {
        Bytes rdata(4);
        StoreBig32(rdata.data(), *ip);
        reply.answers.push_back({question.name, kTypeA, kClassIn, kAnswerTtl, std::move(rdata)});
      }
    }
  } else if (opcode == kOpcodeQuery && question.type == kTypeTxt) {
    const bool trusted =
        from.is_v4() && (from.v4() == kLoopback ||
                         (options_.vpn_network && options_.vpn_network->Contains(from.v4())));
    if (trusted) {
      const std::string text = question.name.ToText();
      if (options_.logger.Enabled(log::Level::kDebug)) {
        options_.logger.Debug("Query for TXT " + text);
      }
      std::optional<uint32_t> ip = NameAsIp(text);
      std::optional<CertDetails> details;
      if (ip && options_.cert_for_ip) details = options_.cert_for_ip(*ip);
      if (details) {
        auto rdata = EncodeTxtRdata(CertTxtStrings(*details));
        if (!rdata.ok()) return Response{Outcome::kAnswered, {}, rdata.status()};
        reply.answers.push_back(
            {question.name, kTypeTxt, kClassIn, kAnswerTtl, std::move(rdata.value())});
      }
    }
  }
  return Encoded(reply.answers.empty() ? Outcome::kUnanswered : Outcome::kAnswered, reply);
}

}  // namespace flatnet::dns
