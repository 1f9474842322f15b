// Checks shared by the op contracts (native/ops/<family>.cc).
#pragma once
#include <string>

#include "aivm/error.h"
#include "core/shape_util.h"
#include "ops/op.h"

namespace aivm::ops {

inline void require_dtype(const OpContext& ctx, size_t i, DType expected, const char* role) {
  const Tensor& t = ctx.input(i);
  if (t.dtype != expected) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input ") + std::to_string(i) + " (" + role + ") must be " +
                                         dtype_name(expected) + ", got " + dtype_name(t.dtype));
  }
}

inline void require_rank(const OpContext& ctx, size_t i, int min_rank, int max_rank, const char* role) {
  const Tensor& t = ctx.input(i);
  if (t.rank() < min_rank || t.rank() > max_rank) {
    fail(ErrorCode::E_SHAPE, ctx.op, std::string("input ") + std::to_string(i) + " (" + role + ") must have rank " +
                                         (min_rank == max_rank ? std::to_string(min_rank)
                                                               : std::to_string(min_rank) + " to " +
                                                                     std::to_string(max_rank)) +
                                         ", got shape " + shape_str(t.shape));
  }
}

}  // namespace aivm::ops
