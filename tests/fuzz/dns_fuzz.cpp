// A DNS query datagram to the lighthouse's DNS server (src/dns): the message parser and the
// responder that answers it, with lookups that know one name and one certificate.
//
// Input: byte 0 picks the asker (127.0.0.1, inside the overlay, or a stranger), the rest is
// the query. A reply, when there is one, must itself parse as a DNS response with the
// query's id.
#include <cstdint>

#include "dns/dns_message.h"
#include "dns/responder.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;

namespace {

const dns::Responder& TheResponder() {
  static const dns::Responder* responder = [] {
    fuzz::SilenceLogs();
    dns::ResponderOptions options;
    options.addresses_for_name = [](std::string_view name) -> std::vector<IpAddr> {
      if (name == "host1") return {IpAddr::V4(0x0a400102), ParseIpAddr("fd00:40::102").value()};
      return {};
    };
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
    options.vpn_networks = {ParseIpPrefix("10.64.0.0/16").value()};
    options.own_name = "lighthouse1";
    options.own_addresses = {IpAddr::V4(0x0a400001)};
    return new dns::Responder(std::move(options));
  }();
  return *responder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const dns::Responder& responder = TheResponder();
  if (size < 1) return 0;
  static const net::UdpAddr askers[] = {
      net::UdpAddr(net::Ipv4(0x7f000001), 5353),
      net::UdpAddr(net::Ipv4(0x0a400203), 5353),
      net::UdpAddr(net::Ipv4(0xc0000201), 5353),
  };
  ByteSpan query(data + 1, size - 1);
  if (auto header = dns::ParseHeader(query)) (void)dns::ParseBody(query, *header);
  dns::Response response = responder.Respond(query, askers[data[0] % 3]);
  if (response.datagram.empty()) return 0;
  auto reply = dns::ParseHeader(response.datagram);
  if (!reply || !reply->is_response()) fuzz::Fail("a reply is not a DNS response");
  auto asked = dns::ParseHeader(query);
  if (!asked || asked->id != reply->id) fuzz::Fail("a reply does not carry the query's id");
  dns::DnsBody body = dns::ParseBody(response.datagram, *reply);
  if (!body.error.ok()) fuzz::Fail("our own reply does not parse: " + body.error.message());
  return 0;
}
