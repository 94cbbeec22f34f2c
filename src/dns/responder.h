// Responder: turns one DNS query datagram into nebula 1.6.1's reply, with no socket, so
// every case can be tested byte for byte. DnsServer (dns_server.h) feeds it datagrams.
// The same rules, narrowed by MemberScope (below), answer for a member's resolver (names.*).
//
// Contract — nebula's lighthouse DNS (serve_dns): the message handling of 1.6.1 (miekg/dns
// 1.1.48), checked against the real binary byte for byte, with the answers of 1.11.1
// (dns_server.go):
//  - Fewer than 12 bytes, or the QR bit set: no reply (kMalformed, kIgnored).
//  - Opcode other than QUERY and NOTIFY: NOTIMP, the request's header echoed with QR set,
//    AA and Z cleared and no sections (kNotImplemented).
//  - qdcount != 1, ancount > 1, nscount > 1 or arcount > 2: FORMERR with no sections; any
//    problem ParseBody finds: FORMERR with the question if it was read. FORMERR replies
//    keep the request's flags except QR (set), opcode (QUERY), AA, Z and rcode (kMalformed).
//  - Only a header: REFUSED without a question (kMalformed).
//  - Otherwise a reply: the id, QR, the opcode, RD and CD copied (for QUERY only), every
//    other flag clear, the question as asked (case kept), and:
//      * A / AAAA: the host's first IPv4 / first IPv6 address, when addresses_for_name knows
//        the name (or it is own_name: own_addresses, the lighthouse itself, as 1.11's
//        seedSelf). The name given to it is the question name in lowercase, without the
//        trailing dot ("host1" for "Host1."); names nebula would have to escape (bytes
//        . space ' @ ; ( ) " \ inside a label, or outside 0x20..0x7e) are never looked up.
//      * TXT: the name must be an IP literal ("192.168.100.2.", "fd00:100::2."; taken whole,
//        as 1.11's netip.ParseAddr: an IPv4-mapped literal is not the IPv4 host), and the
//        asker must be 127.0.0.1 or inside one of vpn_networks; then one answer with
//        CertTxtStrings of cert_for_ip's details. Other askers get an empty NOERROR.
//      * Answers carry the question's name, class IN whatever class was asked, TTL 3600.
//      * rcode (1.11, #1668): NOERROR with the answer; NOERROR without one (NODATA) when
//        the name is a host's that has no address of the asked family (AAAA for an IPv4-only
//        host: clients asking AAAA first then fall through to A); NXDOMAIN for a query that
//        got no answer and named no known host (unknown names, TXT without a certificate,
//        other types), except TXT refused to an asker and NOTIFY, which stay NOERROR.
//        kAnswered, kUnanswered (NODATA, refused TXT, NOTIFY) or kNoSuchName.
//    Nebula matches names case-sensitively; flatnet lowercases (RFC 4343), so it answers
//    every name nebula answers and also other spellings of it.
//  - With `member` set (a member's resolver, names.*: mesh/member_names.h) the rules above
//    hold, except:
//      * only askers on 127.0.0.0/8, ::1 or inside vpn_networks get a reply; any other
//        query is dropped unread (kStranger), so the resolver is no oracle for strangers;
//      * a name under member->domain is looked up without it ("host1" for
//        "Host1.our-team."); the domain itself is a name without addresses (NODATA);
//      * a name that is not under the domain, not a single label and not a known host's is
//        REFUSED (kRefused) whatever its type: it is not this resolver's to deny, and a
//        host's next resolver may know it. A single label or a name under the domain that
//        no known host has is NXDOMAIN, or, for A and AAAA when member->forward is set,
//        kForward: the datagram is empty and `forward` holds what the lighthouses are to
//        be asked (forwarder.h); this resolver never asks anyone else.
//      * TXT is not special: a member has no certificates to show.
//  - The lookups run on the caller's thread (the DnsServer thread) and must be safe there.
//  - The debug log lines are nebula 1.6.1's: "Query for A <name>", "Query for AAAA <name>",
//    "Query for TXT <name>".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/ip_prefix.h"
#include "base/log.h"
#include "base/status.h"
#include "dns/cert_txt.h"
#include "dns/dns_message.h"
#include "net/udp_addr.h"

namespace flatnet::dns {

inline constexpr uint32_t kAnswerTtl = 3600;  // miekg's default TTL for dns.NewRR

// The overlay addresses of the host with this certificate name (its certificate's, in
// order); empty when no such host is known.
using AddressLookup = std::function<std::vector<IpAddr>(std::string_view lowercase_name)>;
// The certificate details of the host with this overlay address, if any.
using CertLookup = std::function<std::optional<CertDetails>(const IpAddr& overlay_ip)>;

// What makes a Responder a member's resolver (see the contract).
struct MemberScope {
  std::string domain;    // lowercase, no dots at either end; "" = single labels only
  bool forward = false;  // unknown names of ours become kForward
};

struct ResponderOptions {
  AddressLookup addresses_for_name;  // unset: only own_name is answered
  CertLookup cert_for_ip;            // unset: no TXT answers
  // This lighthouse's own certificate networks; TXT is answered to askers inside them and
  // to 127.0.0.1. Empty: 127.0.0.1 only.
  std::vector<IpPrefix> vpn_networks;
  // The lighthouse's own certificate name (lowercase) and overlay addresses: answered as
  // any other host's (Nebula 1.11). Empty: not answered.
  std::string own_name;
  std::vector<IpAddr> own_addresses;
  std::optional<MemberScope> member;  // unset: the lighthouse's rules (serve_dns)
  log::Logger logger = log::Default();
};

// kFailed is a forwarded question that no lighthouse answered (SERVFAIL, forwarder.h).
enum class Outcome {
  kAnswered,
  kUnanswered,
  kNoSuchName,
  kMalformed,
  kNotImplemented,
  kIgnored,
  kRefused,
  kStranger,
  kForward,
  kFailed
};

// A question for the lighthouses (Outcome::kForward): what the asker's reply needs, and the
// name to ask for.
struct ForwardRequest {
  DnsHeader request;     // the asker's header
  DnsQuestion question;  // as asked (letter case kept)
  std::string name;      // lowercase, without the domain and the trailing dot
};

struct Response {
  Outcome outcome = Outcome::kIgnored;
  Bytes datagram;  // empty: send nothing
  Status error;    // the reply could not be encoded (datagram empty)
  std::optional<ForwardRequest> forward;  // with kForward
};

// The header of a reply to `request` as every answer has it: the id, QR, the opcode, and
// for QUERY the request's RD and CD; every other flag clear, rcode NOERROR.
DnsHeader ReplyHeaderFor(const DnsHeader& request);
// `message` encoded as a Response with `outcome` (or the encoding error).
Response EncodedResponse(Outcome outcome, const DnsMessage& message);

class Responder {
 public:
  explicit Responder(ResponderOptions options) : options_(std::move(options)) {}

  Response Respond(ByteSpan query, const net::UdpAddr& from) const;

 private:
  // The addresses of the host named `key` (lowercase, no trailing dot): ours or a known one's.
  std::vector<IpAddr> AddressesOf(const std::string& key) const;
  bool LocalAsker(const net::UdpAddr& from) const;
  Response RespondAsMember(const DnsHeader& request, const DnsQuestion& question,
                           DnsMessage reply) const;

  ResponderOptions options_;
};

}  // namespace flatnet::dns
