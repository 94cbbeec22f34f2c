// Go's time.Duration text form, which Nebula uses for flags (-duration 8760h) and for
// config.yml values (punchy.delay: 1s). Parsing and printing follow Go's
// time.ParseDuration and Duration.String exactly, so values round-trip with Nebula's tools.
//
// Accepted: an optional sign, then one or more <number><unit> pairs where the number may have
// a fraction ("1.5h") and unit is one of ns, us, µs, μs, ms, s, m, h; "0" alone needs no
// unit. Values are nanoseconds and must fit in int64 (about 290 years).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flatnet {

// Errors read like Go's: `time: invalid duration "abc"`, `time: missing unit in duration
// "10"`, `time: unknown unit "x" in duration "10x"`. Callers add the flag or key name.
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

// "8760h0m0s", "1.5s", "100ms", "0s": the shortest form Go prints.
std::string FormatGoDuration(std::chrono::nanoseconds duration);

}  // namespace flatnet
