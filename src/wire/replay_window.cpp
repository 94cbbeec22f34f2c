#include "wire/replay_window.h"

#include <bit>

namespace flatnet::wire {

bool ReplayWindow::Check(uint64_t counter) const {
  if (counter > highest_) return true;
  // highest_ - counter cannot underflow here; the window holds highest-1023 .. highest.
  if (highest_ - counter >= kSize) return false;
  return !Seen(counter);
}

bool ReplayWindow::Update(uint64_t counter) {
  if (counter > highest_) {
    Advance(counter);
    return true;
  }
  if (highest_ - counter >= kSize) {
    ++out_of_window_;
    return false;
  }
  if (Seen(counter)) {
    ++duplicates_;
    return false;
  }
  Mark(counter);
  return true;
}

void ReplayWindow::Advance(uint64_t counter) {
  const uint64_t distance = counter - highest_;
  if (distance < kSize) {
    // Each slot taken over held a counter exactly kSize below its new one; that counter
    // leaves the window now, lost if never accepted (and if it exists at all, i.e. >= 0).
    // Counting steps rather than comparing n with counter keeps this finite at 2^64-1.
    for (uint64_t step = 1; step <= distance; ++step) {
      const uint64_t n = highest_ + step;
      if (n >= kSize && !Seen(n)) ++lost_;
      Clear(n);
    }
  } else {
    // The whole window leaves: its unseen counters (only those >= 0) are lost, and so are
    // the ones jumped over that never entered it (highest+1 .. counter-kSize).
    uint64_t in_window = highest_ + 1 < kSize ? highest_ + 1 : kSize;
    uint64_t seen = 0;
    for (uint64_t word : bits_) seen += std::popcount(word);
    lost_ += in_window - seen + (distance - kSize);
    bits_.fill(0);
  }
  highest_ = counter;
  Mark(counter);
}

}  // namespace flatnet::wire
