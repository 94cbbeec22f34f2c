// flatnet-cert's command line: global flags (-version, -h, -help), then a mode (ca, keygen,
// sign, print, verify) with its own flags, as nebula-cert 1.6 reads it. Output and exit
// codes follow nebula-cert: results on `out`; errors ("Error: ...") and help on `err`; 0 on
// success or help, 1 on any error.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace flatnet::app {

// `program` is how the binary was invoked (argv[0]), used in usage text; `args` the rest.
int RunFlatnetCert(std::string_view program, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err);

}  // namespace flatnet::app
