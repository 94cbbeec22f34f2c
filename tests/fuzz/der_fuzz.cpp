// The strict DER reader behind v2 certificates and ECDSA signatures (src/cert/der.h), on any
// bytes: every element it accepts is walked, primitive and constructed, to a bounded depth.
//
// DER has one encoding per value, so whatever the reader accepts must be what the writer
// produces from the element's tag and contents, and every INTEGER DecodeInt64 accepts must
// re-encode (EncodeInt64) to its contents. A v2 certificate parser is run on the same bytes.
#include <cstdint>

#include "cert/certificate.h"
#include "cert/der.h"
#include "tests/fuzz/fuzz_support.h"

using namespace flatnet;
using namespace flatnet::cert;

namespace {

constexpr int kMaxDepth = 16;

void Walk(ByteSpan bytes, int depth) {
  der::Reader reader(bytes);
  while (!reader.empty()) {
    uint8_t tag = bytes[bytes.size() - reader.remaining()];
    der::Element element;
    if (!reader.Read(tag, "element", &element).ok()) return;
    if (element.tag != tag) fuzz::Fail("an element has another tag than it was read with");
    Bytes again = der::Encode(tag, element.contents);
    if (!std::equal(again.begin(), again.end(), element.encoded.begin(), element.encoded.end()))
      fuzz::Fail("an accepted element is not what the writer makes of it");
    int64_t value = 0;
    if (der::DecodeInt64(element.contents, "integer", &value).ok()) {
      Bytes encoded = der::EncodeInt64(value);
      if (!std::equal(encoded.begin(), encoded.end(), element.contents.begin(),
                      element.contents.end()))
        fuzz::Fail("an accepted INTEGER does not re-encode to itself");
    }
    if ((tag & der::kConstructed) && depth < kMaxDepth) Walk(element.contents, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool setup = (fuzz::SilenceLogs(), true);
  (void)setup;
  ByteSpan bytes(data, size);
  Walk(bytes, 0);
  if (auto cert = ParseCertificateV2(bytes); cert.ok()) {
    Bytes raw = cert->Marshal();
    if (!std::equal(raw.begin(), raw.end(), bytes.begin(), bytes.end()))
      fuzz::Fail("a v2 certificate does not marshal to the bytes it was parsed from");
  }
  return 0;
}
