// The 2-D pooling geometry of MaxPool / AveragePool (kernel, strides,
// dilations, pads, auto_pad, ceil_mode, count_include_pad; docs/numerics/pool.md),
// resolved once by the contract's infer (native/ops/pool.cc) and kept for the
// CPU (cpu/ops/pool.cc) and CUDA (cuda/pool.cu) computes (ops/op.h Params), so
// both use the same output sizes, pads and AveragePool counts.
// Compiled once, with baseline flags (native/ops): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "aivm/error.h"
#include "ops/op.h"

namespace aivm::ops {

// Attribute values above this are refused: keeps (k-1)*d and pads sums far
// inside int64 whatever the input shape.
constexpr int64_t kPoolMaxAttrValue = int64_t(1) << 31;

enum class AutoPad { NOTSET, SAME_UPPER, SAME_LOWER, VALID };

// The resolved geometry of one spatial dim.
struct PoolDim {
  int64_t in;         // input size
  int64_t out;        // output size
  int64_t kernel;     // taps
  int64_t stride;
  int64_t dilation;
  int64_t pad_begin;  // padding before the input (windows start at o*stride - pad_begin)
  int64_t pad_end;    // padding after the input (before any ceil_mode overhang)
};

struct PoolGeom {
  int64_t n, c;
  PoolDim h, w;
  bool count_include_pad;
};

// Number of taps of window o that AveragePool divides by: taps on the input,
// or (count_include_pad) taps on the input or its explicit/auto padding, never
// the ceil_mode overhang past pad_end.
int64_t pool_tap_count(const PoolDim& d, int64_t o, bool include_pad);

}  // namespace aivm::ops
