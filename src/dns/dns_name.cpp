#include "dns/dns_name.h"

namespace flatnet::dns {
namespace {

std::string At(size_t offset) { return " at offset " + std::to_string(offset); }

// The bytes miekg escapes with a backslash in presentation form.
bool IsSpecialInLabel(uint8_t b) {
  switch (b) {
    case '.':
    case ' ':
    case '\'':
    case '@':
    case ';':
    case '(':
    case ')':
    case '"':
    case '\\':
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<DnsName> DnsName::Read(ByteSpan message, size_t* offset) {
  const size_t start = *offset;
  size_t pos = start;
  size_t resume = 0;  // where the caller continues: just past the first pointer
  int pointers = 0;
  // miekg's budget: every label costs its length plus one, and the sum must stay below
  // 255 so that, with the root byte, the name fits in 255 octets.
  int budget = static_cast<int>(kMaxNameWireOctets);
  Bytes wire;
  for (;;) {
    if (pos >= message.size()) {
      return Status::Error("DNS name starting" + At(start) + " runs past the end of the " +
                           std::to_string(message.size()) + "-byte message");
    }
    const uint8_t c = message[pos++];
    switch (c & 0xC0) {
      case 0x00: {
        if (c == 0) {
          wire.push_back(0);
          *offset = pointers == 0 ? pos : resume;
          return DnsName(std::move(wire));
        }
        if (pos + c > message.size()) {
          return Status::Error("DNS label of " + std::to_string(c) + " bytes" + At(pos - 1) +
                               " runs past the end of the " + std::to_string(message.size()) +
                               "-byte message");
        }
        budget -= c + 1;
        if (budget <= 0) {
          return Status::Error("DNS name starting" + At(start) + " is longer than " +
                               std::to_string(kMaxNameWireOctets) + " octets");
        }
        wire.push_back(c);
        wire.insert(wire.end(), message.begin() + pos, message.begin() + pos + c);
        pos += c;
        break;
      }
      case 0xC0: {
        if (pos >= message.size()) {
          return Status::Error("DNS compression pointer" + At(pos - 1) +
                               " is cut off by the end of the message");
        }
        const size_t target = size_t(c & 0x3F) << 8 | message[pos++];
        if (pointers == 0) resume = pos;
        if (++pointers > kMaxCompressionPointers) {
          return Status::Error("DNS name starting" + At(start) + " follows more than " +
                               std::to_string(kMaxCompressionPointers) +
                               " compression pointers (a pointer loop)");
        }
        pos = target;
        break;
      }
      default:
        return Status::Error(std::string("DNS label type ") +
                             ((c & 0xC0) == 0x40 ? "0x40" : "0x80") + At(pos - 1) + " is reserved");
    }
  }
}

Result<DnsName> DnsName::FromDotted(std::string_view dotted) {
  if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
  Bytes wire;
  while (!dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string_view label = dotted.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelOctets) {
      return Status::Error("\"" + std::string(dotted) + "\" has a label of " +
                           std::to_string(label.size()) + " bytes (1 to 63 allowed)");
    }
    wire.push_back(uint8_t(label.size()));
    wire.insert(wire.end(), label.begin(), label.end());
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  wire.push_back(0);
  if (wire.size() > kMaxNameWireOctets) {
    return Status::Error("name is longer than " + std::to_string(kMaxNameWireOctets) +
                         " octets in wire form");
  }
  return DnsName(std::move(wire));
}

std::string DnsName::ToText() const {
  if (wire_.size() <= 1) return ".";
  std::string text;
  for (size_t pos = 0; wire_[pos] != 0; pos += wire_[pos] + 1) {
    for (size_t i = pos + 1; i <= pos + wire_[pos]; ++i) {
      const uint8_t b = wire_[i];
      if (IsSpecialInLabel(b)) {
        text.push_back('\\');
        text.push_back(char(b));
      } else if (b < 0x20 || b > 0x7e) {
        text.push_back('\\');
        text.push_back(char('0' + b / 100));
        text.push_back(char('0' + b / 10 % 10));
        text.push_back(char('0' + b % 10));
      } else {
        text.push_back(char(b));
      }
    }
    text.push_back('.');
  }
  return text;
}

}  // namespace flatnet::dns
