// LayerNormalization's Scale / B broadcast to one normalized slice, shared by
// the CPU (cpu/ops/normalization.cc) and CUDA (cuda/normalization.cu) ops so
// both read the same parameter value at every position of a row.
// Compiled once, with baseline flags (native/core): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include <cstdint>
#include <vector>

#include "aivm/tensor.h"
#include "core/shape_util.h"

namespace aivm::params {

// The parameter t (unidirectionally broadcastable to norm, checked by infer)
// expanded to the n = prod(norm) elements of one normalized slice.
std::vector<float> layer_norm_expand_param(const Tensor& t, const Shape& norm);

}  // namespace aivm::params
