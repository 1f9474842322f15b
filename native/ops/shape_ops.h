// Host-side parameter code shared by the CPU (cpu/ops/shape_ops.cc) and CUDA
// (cuda/shape_ops.cu) shape ops: reading int index tensors, Slice's clamping of
// one axis, and Gather's index check (so both refuse the same indices with the
// same error). Compiled once, with baseline flags (native/ops): every ISA copy of the op
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

// Transpose's perm (default: reversed axes), validated as a permutation.
std::vector<int64_t> transpose_perm(const OpContext& ctx);

// Concat's axis in [0, rank) (the attribute is required).
int concat_axis(const OpContext& ctx);

// Sizes of Split's outputs along *axis_out (from input 1, num_outputs, or equal parts).
std::vector<int64_t> split_sizes(const OpContext& ctx, int* axis_out);

// Slice's plan: one SliceDim per input axis, from starts/ends/axes/steps.
std::vector<SliceDim> slice_plan(const OpContext& ctx);

// Gather's axis in [0, rank).
int gather_axis(const OpContext& ctx);

}  // namespace aivm::ops
