// DNS datagrams from strangers (src/dns): a query to the lighthouse's DNS server, a query to
// a member's resolver (names.*), and a lighthouse's reply to a question that resolver
// forwarded — the message parser, the responder's two sets of rules and the forwarder.
//
// Input: byte 0 picks the asker (% 3: 127.0.0.1, inside the overlay, or a stranger) and
// the role ((byte 0 >> 2) % 3: lighthouse, member, reply from a lighthouse); the rest is
// the datagram. Properties: a reply, when there is one, parses as a DNS response with the
// asker's id; a member answers strangers nothing and forwards only names of its own, as a
// query that parses; a relayed reply holds only answers of the asked type for the asked
// name, and a question nobody answered ends when its time is up.
#include <cstdint>

#include "dns/dns_message.h"
#include "dns/forwarder.h"
#include "dns/responder.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

namespace {

dns::ResponderOptions Options() {
  dns::ResponderOptions options;
  options.addresses_for_name = [](std::string_view name) -> std::vector<IpAddr> {
    if (name == "host1") return {IpAddr::V4(0x0a400102), ParseIpAddr("fd00:40::102").value()};
    return {};
  };
  options.vpn_networks = {ParseIpPrefix("10.64.0.0/16").value()};
  options.own_name = "lighthouse1";
  options.own_addresses = {IpAddr::V4(0x0a400001)};
  return options;
}

const dns::Responder& TheLighthouse() {
  static const dns::Responder* responder = [] {
    fuzz::SilenceLogs();
    dns::ResponderOptions options = Options();
    options.cert_for_ip = [](const IpAddr& ip) -> std::optional<dns::CertDetails> {
      if (ip != IpAddr::V4(0x0a400102)) return std::nullopt;
      dns::CertDetails details;
      details.name = "host1";
      details.ips = {"10.64.1.2/16"};
      details.groups = {"servers", "admins"};
      details.public_key.assign(32, 0x42);
      details.issuer = "18143e42e55e438d9431ebf457d64a5007267a1938f35d644440df6851e58c5b";
      return details;
    };
    return new dns::Responder(std::move(options));
  }();
  return *responder;
}

const dns::Responder& TheMember() {
  static const dns::Responder* responder = [] {
    fuzz::SilenceLogs();
    dns::ResponderOptions options = Options();
    options.own_name = "member1";
    options.member = dns::MemberScope{"our-team", true};
    return new dns::Responder(std::move(options));
  }();
  return *responder;
}

const net::UdpAddr kLighthouse(IpAddr::V4(0x0a400001), 53);
const net::UdpAddr kAsker(IpAddr::V4(0x7f000001), 40000);

// The reply must be a response to `asked_id` that parses.
dns::DnsBody CheckReply(const Bytes& datagram, uint16_t asked_id) {
  auto reply = dns::ParseHeader(datagram);
  if (!reply || !reply->is_response()) fuzz::Fail("a reply is not a DNS response");
  if (reply->id != asked_id) fuzz::Fail("a reply does not carry the query's id");
  dns::DnsBody body = dns::ParseBody(datagram, *reply);
  if (!body.error.ok()) fuzz::Fail("our own reply does not parse: " + body.error.message());
  return body;
}

// A lighthouse's reply to "Member3.our-team." A, forwarded as "member3" (query id 0x1234).
void FuzzForwardedReply(ByteSpan datagram) {
  dns::Forwarder forwarder({kLighthouse}, [] { return uint16_t(0x1234); }, 1000);
  dns::ForwardRequest request;
  request.request.id = 0x4321;
  request.request.flags = dns::kFlagRd;
  request.question = {dns::DnsName::FromDotted("Member3.our-team").value(), dns::kTypeA,
                      dns::kClassIn};
  request.name = "member3";
  if (!forwarder.Begin(request, kAsker, 0)) fuzz::Fail("the forwarder refused its first question");
  std::optional<dns::ForwardedReply> done = forwarder.Answer(datagram, kLighthouse);
  if (!done) {
    std::vector<dns::ForwardedReply> expired = forwarder.Expire(1000);
    if (expired.size() != 1) fuzz::Fail("an unanswered question did not end at its deadline");
    done = std::move(expired[0]);
  }
  if (forwarder.pending() != 0) fuzz::Fail("a finished question is still waiting");
  dns::DnsBody body = CheckReply(done->response.datagram, 0x4321);
  for (const dns::DnsRecord& record : body.answers) {
    if (record.type != dns::kTypeA || record.rdata.size() != 4 ||
        !(record.name == request.question.name))
      fuzz::Fail("a relayed answer is not an A record for the name asked");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const net::UdpAddr askers[] = {
      net::UdpAddr(IpAddr::V4(0x7f000001), 5353),
      net::UdpAddr(IpAddr::V4(0x0a400203), 5353),
      net::UdpAddr(IpAddr::V4(0xc0000201), 5353),
  };
  const net::UdpAddr& asker = askers[data[0] % 3];
  const int role = (data[0] >> 2) % 3;
  ByteSpan datagram(data + 1, size - 1);
  if (auto header = dns::ParseHeader(datagram)) (void)dns::ParseBody(datagram, *header);
  if (role == 2) {
    FuzzForwardedReply(datagram);
    return 0;
  }
  const dns::Responder& responder = role == 0 ? TheLighthouse() : TheMember();
  dns::Response response = responder.Respond(datagram, asker);
  if (role == 1 && data[0] % 3 == 2 && response.outcome != dns::Outcome::kStranger)
    fuzz::Fail("a member's resolver read a stranger's query");
  if (response.outcome == dns::Outcome::kForward) {
    if (!response.forward || response.forward->name.empty())
      fuzz::Fail("a forwarded question has no name to ask for");
    dns::Forwarder forwarder({kLighthouse}, [] { return uint16_t(7); });
    std::optional<Bytes> query = forwarder.Begin(*response.forward, asker, 0);
    if (!query) fuzz::Fail("the forwarder refused a question of ours");
    auto header = dns::ParseHeader(*query);
    if (!header || header->id != 7 || dns::ParseBody(*query, *header).questions.size() != 1)
      fuzz::Fail("a forwarded query does not parse");
    return 0;
  }
  if (response.datagram.empty()) return 0;
  auto asked = dns::ParseHeader(datagram);
  if (!asked) fuzz::Fail("a reply to a datagram without a header");
  CheckReply(response.datagram, asked->id);
  return 0;
}
