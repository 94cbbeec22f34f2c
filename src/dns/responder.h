// Responder: turns one DNS query datagram into nebula 1.6.1's reply, with no socket, so
// every case can be tested byte for byte. DnsServer (dns_server.h) feeds it datagrams.
//
// Contract — what nebula's lighthouse (serve_dns, miekg/dns 1.1.48) does, checked against
// the real binary; flatnet replies with the same bytes:
//  - Fewer than 12 bytes, or the QR bit set: no reply (kMalformed, kIgnored).
//  - Opcode other than QUERY and NOTIFY: NOTIMP, the request's header echoed with QR set,
//    AA and Z cleared and no sections (kNotImplemented).
//  - qdcount != 1, ancount > 1, nscount > 1 or arcount > 2: FORMERR with no sections; any
//    problem ParseBody finds: FORMERR with the question if it was read. FORMERR replies
//    keep the request's flags except QR (set), opcode (QUERY), AA, Z and rcode (kMalformed).
//  - Only a header: REFUSED without a question (kMalformed).
//  - Otherwise a reply: the id, QR, the opcode, RD and CD copied (for QUERY only), every
//    other flag clear, rcode NOERROR, the question as asked (case kept), and:
//      * A: one answer when address_for_name knows the name. The name given to it is the
//        question name in lowercase, without the trailing dot ("host1" for "Host1.");
//        names nebula would have to escape (bytes . space ' @ ; ( ) " \ inside a label,
//        or outside 0x20..0x7e) are never looked up, as they can never match in nebula.
//      * TXT: the name must be an IP literal ("192.168.100.2.", or IPv6 whose last 4
//        bytes are taken, as nebula does), and the asker must be 127.0.0.1 or inside
//        vpn_network; then one answer with CertTxtStrings of cert_for_ip's details.
//      * Answers carry the question's name, class IN whatever class was asked, TTL 3600.
//      * Anything else (other types, unknown names, TXT from outside, NOTIFY): no answers,
//        still NOERROR — nebula never says NXDOMAIN (kUnanswered).
//    Nebula matches names case-sensitively; flatnet lowercases (RFC 4343), so it answers
//    every name nebula answers and also other spellings of it.
//  - The lookups run on the caller's thread (the DnsServer thread) and must be safe there.
//  - The debug log lines are nebula's: "Query for A <name>", "Query for TXT <name>".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "base/log.h"
#include "base/status.h"
#include "dns/cert_txt.h"
#include "net/ip.h"
#include "net/udp_addr.h"

namespace flatnet::dns {

inline constexpr uint32_t kAnswerTtl = 3600;  // miekg's default TTL for dns.NewRR

// The overlay IPv4 (host order) a certificate name maps to, if any.
using AddressLookup = std::function<std::optional<uint32_t>(std::string_view lowercase_name)>;
// The certificate details of the host with this overlay IPv4 (host order), if any.
using CertLookup = std::function<std::optional<CertDetails>(uint32_t overlay_ip)>;

struct ResponderOptions {
  AddressLookup address_for_name;  // unset: no A answers
  CertLookup cert_for_ip;          // unset: no TXT answers
  // This lighthouse's own certificate network; TXT is answered to askers inside it and to
  // 127.0.0.1. Unset: 127.0.0.1 only.
  std::optional<net::Ipv4Cidr> vpn_network;
  log::Logger logger = log::Default();
};

enum class Outcome { kAnswered, kUnanswered, kMalformed, kNotImplemented, kIgnored };

struct Response {
  Outcome outcome = Outcome::kIgnored;
  Bytes datagram;  // empty: send nothing
  Status error;    // the reply could not be encoded (datagram empty)
};

class Responder {
 public:
  explicit Responder(ResponderOptions options) : options_(std::move(options)) {}

  Response Respond(ByteSpan query, const net::UdpAddr& from) const;

 private:
  ResponderOptions options_;
};

}  // namespace flatnet::dns
