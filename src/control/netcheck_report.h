// What `flatnet netcheck` found about the underlay, and how it is judged and shown.
//
// A NetcheckReport is gathered by the daemon (one entry per lighthouse of lighthouse.hosts);
// this file only judges and formats it, so the verdict logic and both output forms are
// tested without a network.
//
// Where the "seen" addresses come from: the daemon asks each lighthouse (a HostQuery over
// the tunnel) for our own overlay address. A stock nebula 1.11.1 lighthouse answers that
// like any query: its reply lists first the address it learned from our packets' UDP source
// (the tunnel's remote, i.e. what our NAT mapped us to for that lighthouse), then the
// addresses we reported ourselves. So `seen` minus `local_addrs` (what we report) is the
// reflexive address each lighthouse sees.
//
// NAT mapping (ClassifyMapping), from the lighthouses that answered with a reflexive
// address of the same family:
//   kNoNat          every answering lighthouse sees one of our own addresses
//   kOneMapping     two or more see the same public ip:port        -> punching works
//   kPerDestination two or more see different ip:port              -> a relay is needed
//   kCannotTell     fewer than two lighthouses answered with an address
//
// JSON (NetcheckToJson), field names stable, only ever added:
//   {"ipv4", "ipv6" (bool: we report an address of that family or reach a lighthouse over
//    it, mesh/netchecker.h),
//    "localAddrs": [...], "mapping": "none"|"one"|"perDestination"|"unknown",
//    "verdict": "...",
//    "lighthouses": [{"vpnIp", "certName", "answered", "rttUs" (null: no answer),
//                     "remote" (the underlay address we reach it at, "" none),
//                     "family" ("ipv4"|"ipv6"|""), "seen": [...], "reflexive": [...],
//                     "largestPacket" (bytes of the largest IP packet that reached it,
//                     path_mtu_probe.h; null: not measured), "largestPacketError"}...]}
//
// Text (NetcheckToText) fits 80 columns: the families, one block per lighthouse (answer and
// round trip, the address we reach it at, each address it sees for us marked as our own or
// our NAT's mapping, the largest packet through), then the verdict on the last line(s). Certificate names are Printable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mesh/netchecker.h"

namespace flatnet::control {

using mesh::NetcheckLighthouse;
using mesh::NetcheckReport;

enum class NatMapping { kCannotTell, kNoNat, kOneMapping, kPerDestination };

// The addresses `lighthouse` sees for us that are not among local_addrs.
std::vector<std::string> ReflexiveAddresses(const NetcheckReport& report,
                                            const NetcheckLighthouse& lighthouse);
NatMapping ClassifyMapping(const NetcheckReport& report);
// The one line a newcomer reads.
std::string NetcheckVerdict(const NetcheckReport& report);

std::string NetcheckToJson(const NetcheckReport& report);
std::string NetcheckToText(const NetcheckReport& report);

}  // namespace flatnet::control
