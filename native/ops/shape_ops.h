// What the shape-op contracts keep for compute (ops/op.h Params), and host-side
// code shared by the CPU (cpu/ops/shape_ops.cc) and CUDA (cuda/shape_ops.cu)
// computes: reading int index tensors, Slice's clamping of one axis, and
// Gather's index check (so both refuse the same indices with the same error). Compiled once, with baseline flags (native/ops): every ISA copy of the op
// and the CUDA op call the same code.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "aivm/error.h"
#include "aivm/tensor.h"
#include "ops/op.h"

namespace aivm::ops {

// Reads a 1-D int32 or int64 tensor as int64 values.
std::vector<int64_t> read_ints(const Tensor& t);

// One axis of a Slice: input index of output index i is start + i * step.
struct SliceDim {
  int64_t start, step, size;  // per input axis; identity axes have 0, 1, dim
};

// Slice of an axis of size dim >= 0 by (s, e, step), step != 0 (docs/numerics/shape_ops.md).
SliceDim slice_dim(int64_t s, int64_t e, int64_t step, int64_t dim);

// Gather's indices decide no shape, so they are checked at run time, before
// anything is copied: each must lie in [-dim, dim - 1].
void check_gather_indices(const OpContext& ctx, const std::vector<int64_t>& idx, int axis, int64_t dim);

// What the contracts keep for compute (ops/op.h Params).
struct TransposeParams {
  std::vector<int64_t> perm;  // a permutation of the input's axes (default: reversed)
};
struct AxisParams {  // Concat, Gather
  int axis;          // in [0, rank)
};
struct SplitParams {
  int axis;
  std::vector<int64_t> sizes;  // of each output along axis
};
struct SlicePlan {
  std::vector<SliceDim> dims;  // one per input axis
};

}  // namespace aivm::ops
