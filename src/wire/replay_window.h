// ReplayWindow: which message counters a tunnel has already accepted, so a replayed or
// duplicated packet is dropped. Same acceptance rule as Nebula 1.6.1 (bits.go, 1024 wide):
//
//   a counter above the highest accepted so far is new (the window slides up to it);
//   a counter among the 1024 ending at the highest (highest-1023 .. highest) is new unless
//   already accepted; anything older is refused.
//
// Counter 0 is like any other: acceptable once while still inside the window. Nebula never
// sends 0, 1 or 2 on an established tunnel (they belong to the handshake) and marks them as
// seen when it sets a tunnel up; owners do the same by calling Update(0..2).
//
// Use: Check(counter) before decrypting, to drop replays cheaply; Update(counter) only after
// the packet authenticated, since only then is the counter the peer's. Update repeats the
// check (another packet may have taken the counter meanwhile) and returns false if the
// packet must be dropped after all.
//
// Counts (for metrics), kept by Update only, so forged packets cannot inflate them:
//   lost          counters that left the window without ever being accepted
//   duplicates    counters refused because they were already accepted
//   out_of_window counters refused because they were older than the window
// Fixed size, no allocation, not thread-safe.
#pragma once

#include <array>
#include <cstdint>

namespace flatnet::wire {

class ReplayWindow {
 public:
  static constexpr uint64_t kSize = 1024;

  bool Check(uint64_t counter) const;
  bool Update(uint64_t counter);

  uint64_t highest() const { return highest_; }
  uint64_t lost() const { return lost_; }
  uint64_t duplicates() const { return duplicates_; }
  uint64_t out_of_window() const { return out_of_window_; }

 private:
  static constexpr int kWords = kSize / 64;

  bool Seen(uint64_t counter) const {
    uint64_t slot = counter % kSize;
    return (bits_[slot / 64] >> (slot % 64)) & 1;
  }
  void Mark(uint64_t counter) {
    uint64_t slot = counter % kSize;
    bits_[slot / 64] |= uint64_t{1} << (slot % 64);
  }
  void Clear(uint64_t counter) {
    uint64_t slot = counter % kSize;
    bits_[slot / 64] &= ~(uint64_t{1} << (slot % 64));
  }
  // Moves the window's top to counter (> highest_), counting what falls out unseen.
  void Advance(uint64_t counter);

  // Bit counter % kSize is set when counter, within the window, has been accepted.
  std::array<uint64_t, kWords> bits_{};
  uint64_t highest_ = 0;
  uint64_t lost_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t out_of_window_ = 0;
};

}  // namespace flatnet::wire
