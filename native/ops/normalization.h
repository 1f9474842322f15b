// LayerNormalization's Scale / B broadcast to one normalized slice, shared by
// the CPU (cpu/ops/normalization.cc) and CUDA (cuda/normalization.cu) ops so
// both read the same parameter value at every position of a row.
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

// Softmax's and LogSoftmax's axis in [0, rank); E_ATTR outside [-rank, rank).
int softmax_axis(const OpContext& ctx);

// LayerNormalization over X's dims [axis, rank): outer rows of n elements each.
struct LayerNormShape {
  int axis;
  int64_t outer, n;
  float epsilon;
};
// Validates X, Scale, B and the attributes (stash_type 1, a finite epsilon >= 0).
LayerNormShape layer_norm_shape(const OpContext& ctx);

// BatchNormalization's epsilon: a finite number >= 0 (E_ATTR otherwise).
float batch_norm_epsilon(const OpContext& ctx);

}  // namespace aivm::ops
