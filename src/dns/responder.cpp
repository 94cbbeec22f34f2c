#include "dns/responder.h"

#include <string>

#include "dns/dns_message.h"

namespace flatnet::dns {
namespace {

constexpr uint32_t kLoopback = 0x7f000001;  // 127.0.0.1

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

// The name without its trailing dot as an address literal, as 1.11's netip.ParseAddr reads
// it (whole: an IPv6 literal is that IPv6 address).
std::optional<IpAddr> NameAsIp(const std::string& text) {
  Result<IpAddr> address = ParseIpAddr(std::string_view(text).substr(0, text.size() - 1));
  if (!address.ok()) return std::nullopt;
  return *address;
}

// The first address of the family a query type asks for.
std::optional<IpAddr> FirstOfFamily(const std::vector<IpAddr>& addresses, bool v6) {
  for (const IpAddr& address : addresses)
    if (v6 ? address.is_v6() : address.is_v4()) return address;
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

  // Whether the question named a known host: then an empty answer is NODATA, not NXDOMAIN.
  bool name_exists = false;
  bool refused = false;  // TXT from an asker outside: an empty NOERROR, as nebula
  if (opcode == kOpcodeQuery && (question.type == kTypeA || question.type == kTypeAaaa)) {
    const bool v6 = question.type == kTypeAaaa;
    const std::string text = question.name.ToText();
    if (options_.logger.Enabled(log::Level::kDebug)) {
      options_.logger.Debug(std::string(v6 ? "Query for AAAA " : "Query for A ") + text);
    }
    std::optional<std::string> key = LookupKey(text);
    std::vector<IpAddr> addresses;
    if (key && !options_.own_name.empty() && *key == options_.own_name) {
      addresses = options_.own_addresses;
    } else if (key && options_.addresses_for_name) {
      addresses = options_.addresses_for_name(*key);
    }
    name_exists = !addresses.empty();
    if (std::optional<IpAddr> address = FirstOfFamily(addresses, v6)) {
      ByteSpan bytes = address->bytes();
      reply.answers.push_back({question.name, question.type, kClassIn, kAnswerTtl,
                               Bytes(bytes.begin(), bytes.end())});
    }
  } else if (opcode == kOpcodeQuery && question.type == kTypeTxt) {
    const IpAddr asker = IpAddr::FromBytes(ByteSpan(from.bytes().data(), 16)).Unmap();
    bool trusted = asker == IpAddr::V4(kLoopback);
    for (const IpPrefix& network : options_.vpn_networks) trusted |= network.Contains(asker);
    refused = !trusted;
    if (trusted) {
      const std::string text = question.name.ToText();
      if (options_.logger.Enabled(log::Level::kDebug)) {
        options_.logger.Debug("Query for TXT " + text);
      }
      std::optional<IpAddr> ip = NameAsIp(text);
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
  if (!reply.answers.empty()) return Encoded(Outcome::kAnswered, reply);
  if (opcode == kOpcodeQuery && !name_exists && !refused) {
    reply.header.set_rcode(kRcodeNxDomain);
    return Encoded(Outcome::kNoSuchName, reply);
  }
  return Encoded(Outcome::kUnanswered, reply);
}

}  // namespace flatnet::dns
