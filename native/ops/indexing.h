// What the indexing contracts (native/ops/indexing.cc) keep for the CPU
// (cpu/ops/indexing.cc) and CUDA (cuda/indexing.cu) computes (ops/op.h Params),
// and the index checks both run before writing anything.
#pragma once
#include <cstdint>

#include "ops/op.h"

namespace aivm::ops {

struct TriluParams {
  bool upper;  // keep j - i >= k (upper) or j - i <= k (lower)
};
struct GatherElementsParams {
  int axis;  // in [0, rank)
};

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
