// What the indexing contracts (native/ops/indexing.cc) keep for the CPU
// (cpu/ops/indexing.cc) and CUDA (cuda/indexing.cu) computes (ops/op.h Params),
// and the index checks both run before writing anything.
#pragma once
#include <cstdint>
#include <vector>

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

}  // namespace aivm::ops
