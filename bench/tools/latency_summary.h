// LatencySummary: every sample kept (a run is at most a few million), then p50, p99 and max
// by sorting once. Percentiles are nearest-rank: p99 of 100 samples is the 99th smallest.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace flatnet::bench {

class LatencySummary {
 public:
  void Add(int64_t ns) { samples_.push_back(ns); }
  size_t count() const { return samples_.size(); }

  struct Figures {
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
  };
  // Zeros when there is no sample.
  Figures Summarize() {
    Figures f;
    if (samples_.empty()) return f;
    std::sort(samples_.begin(), samples_.end());
    auto rank = [&](double q) {
      size_t r = size_t(std::ceil(q * double(samples_.size())));
      return double(samples_[std::clamp<size_t>(r, 1, samples_.size()) - 1]) / 1e6;
    };
    f.p50_ms = rank(0.50);
    f.p99_ms = rank(0.99);
    f.max_ms = double(samples_.back()) / 1e6;
    return f;
  }

 private:
  std::vector<int64_t> samples_;
};

}  // namespace flatnet::bench
