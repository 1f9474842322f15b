// What the indexing contracts (native/ops/indexing.cc) keep for the CPU
// (cpu/ops/indexing.cc) and CUDA (cuda/indexing.cu) computes (ops/op.h Params),
// and the index checks both run before writing anything.
#pragma once
#include <cstdint>
#include <vector>

#include "math/scatter.h"
#include "ops/op.h"

namespace aivm::ops {

struct TriluParams {
  bool upper;  // keep j - i >= k (upper) or j - i <= k (lower)
};
struct GatherElementsParams {
  int axis;  // in [0, rank)
};

enum class PadMode { CONSTANT, REFLECT, EDGE, WRAP };

// Pad, per input axis: the kept part of the input [start, start + kept) (negative
// pads crop first, as onnxruntime does), and the positive pads around it.
struct PadAxis {
  int64_t start, kept, before, after;
};
struct PadPlan {
  PadMode mode;
  std::vector<PadAxis> axes;  // one per input axis
};

// For each axis, the input coordinate each output coordinate reads, or -1 for the
// constant: the kept range in place, and outside it the mode's rule (edge: the
// nearest end; wrap: periodic; reflect: mirrored without repeating the end,
// periodic beyond one reflection; a kept size of 1 reflects to itself).
std::vector<std::vector<int64_t>> pad_sources(const PadPlan& plan);

// Trilu's diagonal offset: input 1 (an int64 scalar) when given, else 0.
int64_t trilu_k(const OpContext& ctx);

// GatherElements: E_INDEX naming the first index outside [-dim, dim) of data's
// axis; indices are int32 or int64 (the contract checked which).
void check_element_indices(const OpContext& ctx, const Tensor& indices, int axis, int64_t dim);

// Index i of an int32 or int64 tensor, made non-negative against dim (already checked).
inline int64_t element_index(const Tensor& indices, int64_t i, int64_t dim) {
  const int64_t v = indices.dtype == DType::I64 ? indices.ptr<int64_t>()[i] : indices.ptr<int32_t>()[i];
  return v < 0 ? v + dim : v;
}

// ScatterElements and ScatterND: the reduction (NONE: the update replaces), and for
// ScatterElements the resolved axis.
struct ScatterElementsParams {
  int axis;  // in [0, rank)
  math::ScatterReduce reduction;
};
struct ScatterNDParams {
  math::ScatterReduce reduction;
};

// For each element of updates (input 2), in index order, the flat offset in data
// (input 0) it goes to. Every index is checked first (E_INDEX naming the op and
// the first one outside [-dim, dim)); negative indices count from the end once.
// The computes apply the updates in exactly this order (docs/numerics/indexing.md).
std::vector<int64_t> scatter_elements_targets(const OpContext& ctx, int axis);
std::vector<int64_t> scatter_nd_targets(const OpContext& ctx);

// TensorScatter: the sequence axis (in [1, rank)) and the write mode.
struct TensorScatterParams {
  int axis;
  bool circular;
};
// write_indices (input 2) per batch, 0 when omitted; linear mode: E_INDEX unless
// 0 <= w and w + sequence_length <= max_sequence_length. Circular: w mod max (>= 0).
std::vector<int64_t> tensor_scatter_starts(const OpContext& ctx, const TensorScatterParams& p);

// TopK: the resolved axis, k (input 1, a constant checked against the axis), and
// the direction. sorted = 0 returns the same (sorted) order.
struct TopKParams {
  int axis;
  int64_t k;
  bool largest;
};

}  // namespace aivm::ops
