// What the normalization contracts keep for compute (ops/op.h Params), and
// LayerNormalization's Scale / B broadcast to one normalized slice, shared by
// the CPU (cpu/ops/normalization.cc) and CUDA (cuda/normalization.cu) computes
// so both read the same parameter value at every position of a row.
// Compiled once, with baseline flags (native/ops): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include <cstdint>
#include <vector>

#include "aivm/tensor.h"
#include "core/shape_util.h"
#include "ops/op.h"

namespace aivm::ops {

// The parameter t (unidirectionally broadcastable to norm, checked by infer)
// expanded to the n = prod(norm) elements of one normalized slice.
std::vector<float> layer_norm_expand_param(const Tensor& t, const Shape& norm);

// What the contracts keep for compute (ops/op.h Params).
struct SoftmaxParams {
  int axis;  // in [0, rank)
};
struct BatchNormParams {
  float epsilon;
};

// LayerNormalization over X's dims [axis, rank): outer rows of n elements each.
struct LayerNormShape {
  int axis;
  int64_t outer, n;
  float epsilon;
};

}  // namespace aivm::ops
