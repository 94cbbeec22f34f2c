// Go's time.ParseDuration, which nebula uses for every duration key ("300ms", "1h30m").
// Private to src/config (base/duration may replace it once it exists).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace flatnet::config {

// Accepts [-+]?([0-9]*(\.[0-9]*)?unit)+ with units ns, us, µs, μs, ms, s, m, h, or "0".
// nullopt for anything else, including a number without a unit and overflow.
std::optional<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

// Go's Duration.String(): "1h30m0s", "500ms", "0s".
std::string FormatGoDuration(std::chrono::nanoseconds duration);

}  // namespace flatnet::config
