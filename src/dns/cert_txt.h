// CertDetails and CertTxtStrings: what nebula's DNS responder says about a host in a TXT
// answer (`dig TXT 192.168.100.2 @lighthouse`).
//
// Contract: CertTxtStrings returns the TXT character-strings nebula 1.6.1 answers, in its
// order and wording (its "NotAFter" typo included):
//     Name: <name>            Ips: [<ip/mask> ...]    Subnets [<ip/mask> ...]
//     Groups [<group> ...]    NotBefore <time>        NotAFter <time>
//     PublicKey <hex>         IsCA <true|false>       Issuer <issuer>
// Lists print as Go prints a slice ("[a b]", "[]"); times as Go's time.Time.String() in the
// local time zone, as nebula does ("2026-11-22 08:19:50 +0000 UTC"). A string longer than
// 255 bytes is cut into 255-byte pieces, and when its length is an exact multiple of 255 an
// empty piece follows, because that is what nebula's zone-file parser makes of it.
// Unlike nebula, which formats these into zone-file text and parses it back, the bytes
// are taken as they are: a name holding '"' or '\' comes out intact here but mangled (or
// not at all) from nebula.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace flatnet::dns {

struct CertDetails {
  std::string name;
  std::vector<std::string> ips;      // as the certificate has them: "192.168.100.2/24"
  std::vector<std::string> subnets;  // same form
  std::vector<std::string> groups;
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  Bytes public_key;
  bool is_ca = false;
  std::string issuer;  // the signer's fingerprint, hex
};

std::vector<std::string> CertTxtStrings(const CertDetails& details);

}  // namespace flatnet::dns
