#include "dns/responder.h"

#include <string>

namespace flatnet::dns {
namespace {

constexpr uint32_t kLoopback = 0x7f000001;  // 127.0.0.1

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

void LogQuery(const log::Logger& logger, uint16_t type, const std::string& text) {
  if (!logger.Enabled(log::Level::kDebug)) return;
  if (type == kTypeA) logger.Debug("Query for A " + text);
  else if (type == kTypeAaaa) logger.Debug("Query for AAAA " + text);
  else if (type == kTypeTxt) logger.Debug("Query for TXT " + text);
}

DnsRecord AddressRecord(const DnsQuestion& question, const IpAddr& address) {
  ByteSpan bytes = address.bytes();
  return {question.name, question.type, kClassIn, kAnswerTtl, Bytes(bytes.begin(), bytes.end())};
}

}  // namespace

Response EncodedResponse(Outcome outcome, const DnsMessage& message) {
  auto bytes = EncodeMessage(message);
  if (!bytes.ok()) return Response{outcome, {}, bytes.status(), std::nullopt};
  return Response{outcome, std::move(bytes.value()), Status(), std::nullopt};
}

DnsHeader ReplyHeaderFor(const DnsHeader& request) {
  DnsHeader h;
  h.id = request.id;
  h.flags = kFlagQr;
  h.set_opcode(request.opcode());
  if (request.opcode() == kOpcodeQuery) h.flags |= request.flags & (kFlagRd | kFlagCd);
  return h;
}

std::vector<IpAddr> Responder::AddressesOf(const std::string& key) const {
  if (!options_.own_name.empty() && key == options_.own_name) return options_.own_addresses;
  if (options_.addresses_for_name) return options_.addresses_for_name(key);
  return {};
}

bool Responder::LocalAsker(const net::UdpAddr& from) const {
  static const IpPrefix kLoopback4 = ParseIpPrefix("127.0.0.0/8").value();
  static const IpAddr kLoopback6 = ParseIpAddr("::1").value();
  const IpAddr asker = from.ip();
  if (kLoopback4.Contains(asker) || asker == kLoopback6) return true;
  for (const IpPrefix& network : options_.vpn_networks)
    if (network.Contains(asker)) return true;
  return false;
}

Response Responder::RespondAsMember(const DnsHeader& request, const DnsQuestion& question,
                                    DnsMessage reply) const {
  // NOTIFY: an empty NOERROR, as the lighthouse answers it.
  if (request.opcode() != kOpcodeQuery) return EncodedResponse(Outcome::kUnanswered, reply);
  const std::string text = question.name.ToText();
  LogQuery(options_.logger, question.type, text);
  const bool address_query = question.type == kTypeA || question.type == kTypeAaaa;
  std::optional<std::string> key = LookupKey(text);
  if (!key) {
    reply.header.set_rcode(kRcodeRefused);
    return EncodedResponse(Outcome::kRefused, reply);
  }
  // The name without our domain; the domain itself is a name with no address.
  const std::string& domain = options_.member->domain;
  std::string name = *key;
  bool under_domain = false;
  if (!domain.empty()) {
    if (name == domain) return EncodedResponse(Outcome::kUnanswered, reply);
    if (name.size() > domain.size() + 1 && name.ends_with("." + domain)) {
      under_domain = true;
      name.resize(name.size() - domain.size() - 1);
    }
  }
  const std::vector<IpAddr> addresses = AddressesOf(name);
  if (!addresses.empty()) {
    if (address_query) {
      if (std::optional<IpAddr> address = FirstOfFamily(addresses, question.type == kTypeAaaa)) {
        reply.answers.push_back(AddressRecord(question, *address));
        return EncodedResponse(Outcome::kAnswered, reply);
      }
    }
    return EncodedResponse(Outcome::kUnanswered, reply);  // NODATA: the host has no such record
  }
  if (!under_domain && name.find('.') != std::string::npos) {
    reply.header.set_rcode(kRcodeRefused);
    return EncodedResponse(Outcome::kRefused, reply);
  }
  if (address_query && options_.member->forward) {
    return Response{Outcome::kForward, {}, Status(), ForwardRequest{request, question, name}};
  }
  reply.header.set_rcode(kRcodeNxDomain);
  return EncodedResponse(Outcome::kNoSuchName, reply);
}

Response Responder::Respond(ByteSpan query, const net::UdpAddr& from) const {
  if (options_.member && !LocalAsker(from))
    return Response{Outcome::kStranger, {}, Status(), std::nullopt};
  const std::optional<DnsHeader> request = ParseHeader(query);
  if (!request) return Response{Outcome::kMalformed, {}, Status(), std::nullopt};
  if (request->is_response()) return Response{Outcome::kIgnored, {}, Status(), std::nullopt};

  const int opcode = request->opcode();
  if (opcode != kOpcodeQuery && opcode != kOpcodeNotify) {
    return EncodedResponse(Outcome::kNotImplemented, {ErrorHeader(*request, kRcodeNotImp), {}, {}});
  }
  DnsHeader formerr = ErrorHeader(*request, kRcodeFormErr);
  formerr.set_opcode(kOpcodeQuery);
  if (request->qdcount != 1 || request->ancount > 1 || request->nscount > 1 ||
      request->arcount > 2) {
    return EncodedResponse(Outcome::kMalformed, {formerr, {}, {}});
  }
  DnsBody body = ParseBody(query, *request);
  if (!body.error.ok()) {
    return EncodedResponse(Outcome::kMalformed, {formerr, std::move(body.questions), {}});
  }

  DnsMessage reply;
  reply.header = ReplyHeaderFor(*request);
  if (body.questions.empty()) {
    // miekg's ServeMux has no handler for a question-less message.
    reply.header.set_rcode(kRcodeRefused);
    return EncodedResponse(Outcome::kMalformed, reply);
  }
  const DnsQuestion& question = body.questions.front();
  reply.questions.push_back(question);
  if (options_.member) return RespondAsMember(*request, question, std::move(reply));

  // Whether the question named a known host: then an empty answer is NODATA, not NXDOMAIN.
  bool name_exists = false;
  bool refused = false;  // TXT from an asker outside: an empty NOERROR, as nebula
  if (opcode == kOpcodeQuery && (question.type == kTypeA || question.type == kTypeAaaa)) {
    const bool v6 = question.type == kTypeAaaa;
    const std::string text = question.name.ToText();
    LogQuery(options_.logger, question.type, text);
    std::optional<std::string> key = LookupKey(text);
    std::vector<IpAddr> addresses;
    if (key) addresses = AddressesOf(*key);
    name_exists = !addresses.empty();
    if (std::optional<IpAddr> address = FirstOfFamily(addresses, v6))
      reply.answers.push_back(AddressRecord(question, *address));
  } else if (opcode == kOpcodeQuery && question.type == kTypeTxt) {
    const IpAddr asker = IpAddr::FromBytes(ByteSpan(from.bytes().data(), 16)).Unmap();
    bool trusted = asker == IpAddr::V4(kLoopback);
    for (const IpPrefix& network : options_.vpn_networks) trusted |= network.Contains(asker);
    refused = !trusted;
    if (trusted) {
      const std::string text = question.name.ToText();
      LogQuery(options_.logger, kTypeTxt, text);
      std::optional<IpAddr> ip = NameAsIp(text);
      std::optional<CertDetails> details;
      if (ip && options_.cert_for_ip) details = options_.cert_for_ip(*ip);
      if (details) {
        auto rdata = EncodeTxtRdata(CertTxtStrings(*details));
        if (!rdata.ok()) return Response{Outcome::kAnswered, {}, rdata.status(), std::nullopt};
        reply.answers.push_back(
            {question.name, kTypeTxt, kClassIn, kAnswerTtl, std::move(rdata.value())});
      }
    }
  }
  if (!reply.answers.empty()) return EncodedResponse(Outcome::kAnswered, reply);
  if (opcode == kOpcodeQuery && !name_exists && !refused) {
    reply.header.set_rcode(kRcodeNxDomain);
    return EncodedResponse(Outcome::kNoSuchName, reply);
  }
  return EncodedResponse(Outcome::kUnanswered, reply);
}

}  // namespace flatnet::dns
