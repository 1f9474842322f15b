// The counter-based generator behind every self-test and test input: value i of
// a stream is a pure function of (seed, stream, i), so inputs are identical on
// every machine, in every language, in any order of generation (docs/NUMERICS.md).
#pragma once
#include <cstdint>

namespace aivm {

inline uint64_t rng_u64(uint64_t seed, uint64_t stream, uint64_t counter) {
  uint64_t x = counter * 0x9E3779B97F4A7C15ull + stream * 0xD1B54A32D192ED03ull + seed;
  x ^= x >> 30;  // splitmix64 finalizer
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

// Uniform in [-1, 1) on the grid k * 2^-23: the top 24 bits, exactly representable.
inline float rng_f32(uint64_t seed, uint64_t stream, uint64_t counter) {
  int64_t top = int64_t(rng_u64(seed, stream, counter) >> 40);  // 0 .. 2^24-1
  return float(top - (int64_t(1) << 23)) * (1.0f / 8388608.0f);
}

}  // namespace aivm
