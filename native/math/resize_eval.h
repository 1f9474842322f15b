// native/math/resize_eval.h — one output element of Resize's linear and cubic
// modes, shared by the CPU (cpu/ops/resize.cc) and CUDA (cuda/resize.cu) so both
// run the same IEEE operations in the same order (docs/numerics/resize.md).
#pragma once

#include "canonical.h"
#include "common.h"

namespace aivm {
namespace math {

// Corners one element may read: taps^(axes with more than one tap). The
// contract refuses plans that would need more.
constexpr int kResizeMaxCorners = 256;

// The taps of one axis at one output coordinate: indices into the input axis
// and float32 weights (a weight of exactly 0 is skipped: its input is not read).
struct ResizeTaps {
  const int64_t* index;
  const float* weight;
  int count;
};

// Sum over the taps of every axis of weight products times inputs, computed as
// nested weighted sums: along the last axis first, each group of taps is
// acc = w_0 x_0, then acc = acc + w_t x_t for t = 1, 2... (zero weights
// skipped), each product and sum rounded to float32; the results are then
// summed along the axis before it with its weights, and so on to the first.
// `base` is the input offset of the element's fixed coordinates; axes[j] the
// taps of the j-th axis with more than one tap, strides[j] its input stride.
AIVM_MATH_FN float resize_combine(const float* x, int64_t base, const ResizeTaps* axes, const int64_t* strides, int k) {
  float v[kResizeMaxCorners];
  int n = 1;
  for (int j = 0; j < k; ++j) n *= axes[j].count;
  // Gather: corner c has tap (c / prod(counts after j)) % count_j on axis j.
  for (int c = 0; c < n; ++c) {
    int64_t off = base;
    bool zero = false;
    for (int j = k - 1, rest = c; j >= 0; --j) {
      const int t = rest % axes[j].count;
      rest /= axes[j].count;
      zero = zero || axes[j].weight[t] == 0.0f;
      off += axes[j].index[t] * strides[j];
    }
    v[c] = zero ? 0.0f : x[off];  // a corner with a zero weight is never used below
  }
  for (int j = k - 1; j >= 0; --j) {
    const int T = axes[j].count;
    n /= T;
    for (int g = 0; g < n; ++g) {
      float acc = 0.0f;
      bool first = true;
      for (int t = 0; t < T; ++t) {
        const float w = axes[j].weight[t];
        if (w == 0.0f) continue;
        const float p = w * v[g * T + t];
        acc = first ? p : acc + p;
        first = false;
      }
      v[g] = acc;
    }
  }
  return canon(v[0]);
}

}  // namespace math
}  // namespace aivm
