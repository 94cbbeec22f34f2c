// `flatnet join INVITE [-root DIR] [-timeout D]`: the member's side of onboarding
// (docs/onboarding.md, onboard/join_protocol.h). Makes the member's key pair here (the
// private key never leaves), gets its certificate from the CA side the invite names and
// pins, and writes DIR (default /etc/flatnet): ca.crt, host.crt, host.key, config.yml, all
// or nothing and each 0600, never over an existing file. Prints what the member got, or
// one line "Error: join: ..." with exit code 1 and nothing written. With -start it then
// starts flatnet (the systemd service where systemd runs, else a detached daemon logging
// to DIR/flatnet.log) and waits for a tunnel to a lighthouse through the status socket:
// "lighthouse 192.168.100.1 reachable", or exit code 1 when none came within 3 × -timeout.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace flatnet::app {

int RunJoin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flatnet::app
