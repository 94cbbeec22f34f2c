#include "dns/dns_message.h"

namespace flatnet::dns {
namespace {

std::string At(size_t offset) { return " at offset " + std::to_string(offset); }

// Checks the rdata of the types whose layout matters to miekg's reading of a query.
Status CheckRdata(ByteSpan message, size_t pos, size_t end, uint16_t type) {
  switch (type) {
    case kTypeA:
    case kTypeAaaa: {
      const size_t want = type == kTypeA ? 4 : 16;
      if (end - pos != want) {
        return Status::Error(std::string(type == kTypeA ? "A" : "AAAA") + " record" + At(pos) +
                             " has " + std::to_string(end - pos) + " bytes of rdata, not " +
                             std::to_string(want));
      }
      return Status();
    }
    case kTypeOpt:
      while (pos < end) {
        if (end - pos < 4) return Status::Error("EDNS option header" + At(pos) + " is cut off");
        const size_t length = LoadBig16(&message[pos + 2]);
        pos += 4;
        if (length > end - pos) {
          return Status::Error("EDNS option of " + std::to_string(length) + " bytes" + At(pos - 4) +
                               " overflows its OPT record");
        }
        pos += length;
      }
      return Status();
    default:
      return Status();
  }
}

// Checks `count` records from *offset on (see ParseBody in the header), appending them to
// `keep` when it is set.
Status CheckRecords(ByteSpan message, size_t* offset, int count, const char* section,
                    std::vector<DnsRecord>* keep = nullptr) {
  for (int i = 0; i < count; ++i) {
    if (*offset == message.size()) return Status();  // the count was a lie; miekg stops here
    const size_t start = *offset;
    auto name = DnsName::Read(message, offset);
    if (!name.ok()) return name.status().Wrap(std::string(section) + " record" + At(start));
    if (message.size() - *offset < 10) {
      return Status::Error(std::string(section) + " record" + At(start) +
                           " is cut off in its type/class/TTL/length fields");
    }
    const uint16_t type = LoadBig16(&message[*offset]);
    const uint16_t klass = LoadBig16(&message[*offset + 2]);
    const uint32_t ttl = LoadBig32(&message[*offset + 4]);
    const size_t length = LoadBig16(&message[*offset + 8]);
    *offset += 10;
    if (length > message.size() - *offset) {
      return Status::Error(std::string(section) + " record" + At(start) + " claims " +
                           std::to_string(length) + " bytes of rdata; the message has " +
                           std::to_string(message.size() - *offset) + " left");
    }
    if (length > 0) {
      Status s = CheckRdata(message, *offset, *offset + length, type);
      if (!s.ok()) return s.Wrap(std::string(section) + " record" + At(start));
    }
    if (keep) {
      const auto rdata = message.begin() + long(*offset);
      keep->push_back({std::move(name.value()), type, klass, ttl,
                       Bytes(rdata, rdata + long(length))});
    }
    *offset += length;
  }
  return Status();
}

void PutName(Bytes& out, const DnsName& name) {
  ByteSpan wire = name.wire();
  out.insert(out.end(), wire.begin(), wire.end());
}

void Put16(Bytes& out, uint16_t v) {
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

}  // namespace

std::optional<DnsHeader> ParseHeader(ByteSpan message) {
  if (message.size() < kHeaderSize) return std::nullopt;
  const uint8_t* p = message.data();
  return DnsHeader{LoadBig16(p),     LoadBig16(p + 2), LoadBig16(p + 4),
                   LoadBig16(p + 6), LoadBig16(p + 8), LoadBig16(p + 10)};
}

DnsBody ParseBody(ByteSpan message, const DnsHeader& header) {
  DnsBody body;
  size_t offset = kHeaderSize;
  if (message.size() <= kHeaderSize) return body;  // just a header: no sections at all
  for (int i = 0; i < header.qdcount; ++i) {
    const size_t start = offset;
    auto name = DnsName::Read(message, &offset);
    if (!name.ok()) {
      body.error = name.status().Wrap("question" + At(start));
      return body;
    }
    DnsQuestion question{std::move(name.value()), 0, 0};
    // miekg takes a question cut off after its name or type as type/class 0, and a
    // class cut off half way as class 0; only a half type is an error.
    const size_t left = message.size() - offset;
    if (left == 1) {
      body.error = Status::Error("question" + At(start) + " is cut off inside its type");
      return body;
    }
    if (left >= 2) {
      question.type = LoadBig16(&message[offset]);
      offset += 2;
    }
    if (message.size() - offset >= 2) {
      question.klass = LoadBig16(&message[offset]);
      offset += 2;
    } else {
      offset = message.size();
    }
    body.questions.push_back(std::move(question));
  }
  Status s = CheckRecords(message, &offset, header.ancount, "answer", &body.answers);
  if (s.ok()) s = CheckRecords(message, &offset, header.nscount, "authority");
  if (s.ok()) s = CheckRecords(message, &offset, header.arcount, "additional");
  body.error = std::move(s);
  return body;
}

Result<Bytes> EncodeMessage(const DnsMessage& message) {
  if (message.questions.size() > 0xFFFF || message.answers.size() > 0xFFFF) {
    return Status::Error("DNS message has too many records to count in its header");
  }
  Bytes out;
  out.reserve(512);
  Put16(out, message.header.id);
  Put16(out, message.header.flags);
  Put16(out, uint16_t(message.questions.size()));
  Put16(out, uint16_t(message.answers.size()));
  Put16(out, 0);
  Put16(out, 0);
  for (const DnsQuestion& q : message.questions) {
    PutName(out, q.name);
    Put16(out, q.type);
    Put16(out, q.klass);
  }
  for (const DnsRecord& r : message.answers) {
    if (r.rdata.size() > 0xFFFF) {
      return Status::Error("DNS record for " + r.name.ToText() + " has " +
                           std::to_string(r.rdata.size()) + " bytes of rdata (65535 at most)");
    }
    PutName(out, r.name);
    Put16(out, r.type);
    Put16(out, r.klass);
    Put16(out, uint16_t(r.ttl >> 16));
    Put16(out, uint16_t(r.ttl));
    Put16(out, uint16_t(r.rdata.size()));
    out.insert(out.end(), r.rdata.begin(), r.rdata.end());
  }
  if (out.size() > 0xFFFF) {
    return Status::Error("DNS message of " + std::to_string(out.size()) +
                         " bytes does not fit in a datagram");
  }
  return out;
}

Result<Bytes> EncodeTxtRdata(const std::vector<std::string>& strings) {
  Bytes out;
  for (const std::string& s : strings) {
    if (s.size() > 255) {
      return Status::Error("TXT string of " + std::to_string(s.size()) +
                           " bytes is over the 255-byte limit");
    }
    out.push_back(uint8_t(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

}  // namespace flatnet::dns
