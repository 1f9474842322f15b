// Conv's geometry: worked out from its inputs and attributes once, by the
// contract's infer (native/ops/conv.cc), and kept for compute (ops/op.h Params),
// so the CPU and CUDA computes pad, stride and dilate alike (docs/numerics/conv.md).
#pragma once
#include <cstdint>

#include "ops/op.h"

namespace aivm::ops {

struct ConvDims {
  int64_t N = 0, C = 0, H = 0, W = 0;  // input
  int64_t M = 0, kH = 0, kW = 0;       // weights [M, C/group, kH, kW]
  int64_t group = 1;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;  // pads: top, left, bottom, right
  int64_t OH = 0, OW = 0;
  bool has_bias = false;
};


}  // namespace aivm::ops
