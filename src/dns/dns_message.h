// The DNS message codec the DNS responders need (RFC 1035): the header, the question
// section, the answer section of a reply (what a member's resolver relays from a
// lighthouse), and answers written uncompressed.
//
// Contract:
//  - ParseHeader needs the 12 header bytes; anything shorter has no header (nullopt).
//  - ParseBody reads the sections after the header the way miekg/dns 1.1.48 (nebula 1.6.1's
//    DNS library) reads a query, so flatnet accepts exactly the queries nebula accepts:
//      * a message that ends right after its header has no questions, whatever qdcount says;
//      * a question cut off after its name, or after its type, reads as type and class 0
//        (or class 0); cut off inside the type, it is an error;
//      * answer, authority and additional records are checked and dropped: the name, the
//        fixed fields and the rdata length must fit in the message; A rdata must be 4
//        bytes, AAAA 16, OPT a run of whole options. A record with rdata length 0 is
//        always fine. Records the counts promise but that are absent because the message
//        ends exactly at a record boundary are fine; bytes after the last record are
//        ignored. (miekg also checks every other type's rdata fields; flatnet only checks
//        their framing.)
//    Questions parsed before an error are kept, because nebula echoes them in its FORMERR.
//    The answer section's records are kept in `answers` (names decompressed), those read
//    before an error too; authority and additional records are only checked.
//  - EncodeMessage writes header, questions and answers with every name in full (nebula's
//    replies set Compress=false); the header's counts come from the sections (authority and
//    additional are always empty). It fails only for a message over 65535 bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "dns/dns_name.h"

namespace flatnet::dns {

inline constexpr size_t kHeaderSize = 12;

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeTxt = 16;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kTypeOpt = 41;
inline constexpr uint16_t kClassIn = 1;

inline constexpr int kOpcodeQuery = 0;
inline constexpr int kOpcodeNotify = 4;

inline constexpr int kRcodeNoError = 0;
inline constexpr int kRcodeFormErr = 1;
inline constexpr int kRcodeServFail = 2;
inline constexpr int kRcodeNxDomain = 3;
inline constexpr int kRcodeNotImp = 4;
inline constexpr int kRcodeRefused = 5;

// Bits of the header's second 16-bit word, as they sit on the wire.
inline constexpr uint16_t kFlagQr = 0x8000;
inline constexpr uint16_t kOpcodeMask = 0x7800;
inline constexpr uint16_t kFlagAa = 0x0400;
inline constexpr uint16_t kFlagTc = 0x0200;
inline constexpr uint16_t kFlagRd = 0x0100;
inline constexpr uint16_t kFlagRa = 0x0080;
inline constexpr uint16_t kFlagZ = 0x0040;
inline constexpr uint16_t kFlagAd = 0x0020;
inline constexpr uint16_t kFlagCd = 0x0010;
inline constexpr uint16_t kRcodeMask = 0x000F;

struct DnsHeader {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t qdcount = 0;
  uint16_t ancount = 0;
  uint16_t nscount = 0;
  uint16_t arcount = 0;

  bool is_response() const { return flags & kFlagQr; }
  int opcode() const { return (flags & kOpcodeMask) >> 11; }
  int rcode() const { return flags & kRcodeMask; }
  void set_opcode(int opcode) { flags = uint16_t((flags & ~kOpcodeMask) | ((opcode & 0xF) << 11)); }
  void set_rcode(int rcode) { flags = uint16_t((flags & ~kRcodeMask) | (rcode & 0xF)); }
};

struct DnsQuestion {
  DnsName name;
  uint16_t type = 0;
  uint16_t klass = 0;
};

struct DnsRecord {
  DnsName name;
  uint16_t type = 0;
  uint16_t klass = kClassIn;
  uint32_t ttl = 0;
  Bytes rdata;
};

struct DnsBody {
  std::vector<DnsQuestion> questions;
  std::vector<DnsRecord> answers;
  Status error;  // ok, or the first problem, naming the section and offset
};

// A message to encode. The header's count fields are ignored; see EncodeMessage.
struct DnsMessage {
  DnsHeader header;
  std::vector<DnsQuestion> questions;
  std::vector<DnsRecord> answers;
};

std::optional<DnsHeader> ParseHeader(ByteSpan message);
DnsBody ParseBody(ByteSpan message, const DnsHeader& header);

Result<Bytes> EncodeMessage(const DnsMessage& message);
// TXT rdata: each string as one <character-string>; a string over 255 bytes is an error
// (callers split, as nebula's zone parser does; see cert_txt.h).
Result<Bytes> EncodeTxtRdata(const std::vector<std::string>& strings);

}  // namespace flatnet::dns
