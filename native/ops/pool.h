// The N-D pooling geometry of MaxPool / AveragePool (kernel, strides,
// dilations, pads, auto_pad, ceil_mode, count_include_pad, the Indices output
// and its storage_order; docs/numerics/pool.md), resolved once by the
// contract's infer (native/ops/pool.cc) and kept for the CPU (cpu/ops/pool.cc)
// and CUDA (cuda/pool.cu) computes (ops/op.h Params), so both use the same
// output sizes, pads and AveragePool counts.
// Compiled once, with baseline flags (native/ops): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "aivm/error.h"
#include "aivm/limits.h"
#include "ops/op.h"

namespace aivm::ops {

// Attribute values above this are refused: keeps (k-1)*d and pads sums far
// inside int64 whatever the input shape.
constexpr int64_t kPoolMaxAttrValue = int64_t(1) << 31;
// Spatial dims of X = N x C x D1 x ... x Dk: k in [1, kPoolMaxSpatial].
constexpr int kPoolMaxSpatial = kMaxRank - 2;

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
  int spatial;                     // number of spatial dims, 1 .. kPoolMaxSpatial
  PoolDim dim[kPoolMaxSpatial];    // outermost (D1) first; dim[spatial-1] is the innermost (W)
  bool count_include_pad;          // AveragePool
  bool indices;                    // MaxPool: output 1, Indices (int64), is made (engine attribute)
  bool column_major;               // MaxPool: storage_order 1 (Indices count the first spatial dim fastest)

  const PoolDim& inner() const { return dim[spatial - 1]; }
  // Elements of one (n, c) plane of X / of Y.
  int64_t in_plane() const {
    int64_t p = 1;
    for (int i = 0; i < spatial; ++i) p *= dim[i].in;
    return p;
  }
  int64_t out_plane() const {
    int64_t p = 1;
    for (int i = 0; i < spatial; ++i) p *= dim[i].out;
    return p;
  }
};

// Number of taps of window o that AveragePool divides by: taps on the input,
// or (count_include_pad) taps on the input or its explicit/auto padding, never
// the ceil_mode overhang past pad_end.
int64_t pool_tap_count(const PoolDim& d, int64_t o, bool include_pad);

// The taps k in [k0, k1) of window o that land on the input:
// 0 <= o*stride - pad_begin + k*dilation < in (computed, not searched).
inline void pool_real_taps(const PoolDim& d, int64_t o, int64_t& k0, int64_t& k1) {
  const int64_t start = o * d.stride - d.pad_begin;
  const int64_t last = d.in - 1 - start;  // k*dilation <= last
  k0 = start >= 0 ? 0 : (-start + d.dilation - 1) / d.dilation;
  k1 = last < 0 ? 0 : last / d.dilation + 1;
  if (k1 > d.kernel) k1 = d.kernel;
  if (k0 > k1) k0 = k1;
}

}  // namespace aivm::ops
