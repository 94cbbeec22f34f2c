// DnsName: a domain name as it travels in a DNS message, held decompressed.
//
// Contract:
//  - Read decodes the name starting at *offset in `message`, following compression
//    pointers, and moves *offset past the name as it sits there (just past the first
//    pointer, if there is one). It never reads outside `message` and always terminates:
//    the limits are those of miekg/dns 1.1.48, the library nebula 1.6.1 answers DNS with,
//    so flatnet accepts and rejects the same names:
//      * at most 255 octets in the decompressed wire form (RFC 1035 2.3.4);
//      * at most 126 compression pointers per name, which is what ends a pointer loop;
//      * a pointer may point anywhere in the message (forward, or into the header);
//      * label types 0x40 and 0x80 are errors, as is a label or pointer cut off by the end.
//    Errors say what was wrong and at which offset.
//  - wire() is the uncompressed wire form, ending with the root label (a 0 byte).
//  - ToText() is the presentation form miekg gives a name, which is what nebula matches
//    and logs: labels joined by '.', a trailing '.', "." for the root; the bytes
//    . space ' @ ; ( ) " \ escaped with a backslash, bytes outside 0x20..0x7e as \DDD.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace flatnet::dns {

inline constexpr size_t kMaxNameWireOctets = 255;
inline constexpr int kMaxCompressionPointers = 126;  // (255 + 1) / 2 - 2, as miekg counts
inline constexpr size_t kMaxLabelOctets = 63;

class DnsName {
 public:
  // The root name ".".
  DnsName() : wire_{0} {}

  static Result<DnsName> Read(ByteSpan message, size_t* offset);
  // Builds a name from plain dotted text ("host1.example", trailing dot optional, "" or "."
  // for the root). No escapes are interpreted; every byte between dots is label content.
  static Result<DnsName> FromDotted(std::string_view dotted);

  ByteSpan wire() const { return wire_; }
  std::string ToText() const;

  bool operator==(const DnsName& other) const { return wire_ == other.wire_; }

 private:
  explicit DnsName(Bytes wire) : wire_(std::move(wire)) {}
  Bytes wire_;
};

}  // namespace flatnet::dns
