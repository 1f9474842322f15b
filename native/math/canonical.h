// native/math/canonical.h — the canonical float rules every backend shares
// (docs/NUMERICS.md): the one NaN ops write, max/min with fixed NaN and
// signed-zero rules, and the canonical 16-lane sum. AIVM_MATH_FN, so the CPU
// op families (compiled once per ISA) and the CUDA kernels use the same code.
#pragma once

#include "common.h"

namespace aivm {
namespace math {

// The one NaN every float op writes (0x7FC00000): payloads and signs of NaNs
// from invalid operations differ between x86, AArch64 and GPUs.
AIVM_MATH_FN float canonical_nan() { return nan_f32(); }
AIVM_MATH_FN float canon(float r) { return r != r ? canonical_nan() : r; }

// max and min with one definition everywhere: NaN wins (returned as the
// canonical NaN), and +0 is greater than -0. With these rules both are
// associative and commutative, so reduction order cannot matter.
AIVM_MATH_FN float max_f32(float a, float b) {
  if (a != a || b != b) return canonical_nan();
  if (a == b) return sign_bit_f32(a) ? b : a;  // only differs for +0 / -0
  return a > b ? a : b;
}
AIVM_MATH_FN float min_f32(float a, float b) {
  if (a != a || b != b) return canonical_nan();
  if (a == b) return sign_bit_f32(a) ? a : b;
  return a < b ? a : b;
}

// The same rules in binary64 (float64 ops): the canonical NaN 0x7FF8000000000000.
AIVM_MATH_FN double canon(double r) { return r != r ? nan_f64() : r; }
AIVM_MATH_FN double max_f64(double a, double b) {
  if (a != a || b != b) return nan_f64();
  if (a == b) return sign_bit_f64(a) ? b : a;
  return a > b ? a : b;
}
AIVM_MATH_FN double min_f64(double a, double b) {
  if (a != a || b != b) return nan_f64();
  if (a == b) return sign_bit_f64(a) ? a : b;
  return a < b ? a : b;
}

// Number of strided partial sums in every wide float sum. Fixed by the numerics
// version: 16 lanes are one AVX-512 register or two AVX2 registers, and scalar
// and CUDA code emulate them exactly.
constexpr int kSumLanes = 16;

// Sum of x[0], x[stride], ..., x[(n-1)*stride]: element i goes to partial sum
// i % 16 (in increasing i), the partials start at -0 (the exact additive
// identity) and are combined by the fixed tree (j += j+8, j += j+4, j += j+2,
// j += j+1). An empty sum is +0. (Only additions: nothing for a compiler, or
// nvcc's fmad, to contract.)
AIVM_MATH_FN float canonical_sum(const float* x, int64_t n, int64_t stride) {
  if (n == 0) return 0.0f;
  float acc[kSumLanes];
  for (int j = 0; j < kSumLanes; ++j) acc[j] = -0.0f;
  int64_t i = 0;
  if (stride == 1) {
    for (; i + kSumLanes <= n; i += kSumLanes) {
      for (int j = 0; j < kSumLanes; ++j) acc[j] += x[i + j];
    }
  } else {
    for (; i + kSumLanes <= n; i += kSumLanes) {
      for (int j = 0; j < kSumLanes; ++j) acc[j] += x[(i + j) * stride];
    }
  }
  for (int j = 0; i < n; ++i, ++j) acc[j] += x[i * stride];
  for (int w = kSumLanes / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
  }
  return acc[0];
}

}  // namespace math
}  // namespace aivm
