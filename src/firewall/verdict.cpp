#include "firewall/verdict.h"

namespace flatnet::firewall {

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow:
      return "allow";
    case Verdict::kDropTooShort:
      return "too_short";
    case Verdict::kDropIpv6Headers:
      return "ipv6_headers";
    case Verdict::kDropIpVersion:
      return "ip_version";
    case Verdict::kDropBadHeaderLength:
      return "bad_header_length";
    case Verdict::kDropRemoteIp:
      return "remote_ip";
    case Verdict::kDropLocalIp:
      return "local_ip";
    case Verdict::kDropNoRule:
      return "no_rule";
    case Verdict::kCount:
      break;
  }
  return "unknown";
}

}  // namespace flatnet::firewall
