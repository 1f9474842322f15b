// Checks shared by the op contracts (native/ops/<family>.cc).
#pragma once
#include <initializer_list>
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

// "float32, int32 or int64": the dtypes an input accepts, for messages.
inline std::string dtype_list(std::initializer_list<DType> dtypes) {
  std::string s;
  size_t k = 0;
  for (DType t : dtypes) {
    s += k == 0 ? "" : (k + 1 == dtypes.size() ? " or " : ", ");
    s += dtype_name(t);
    ++k;
  }
  return s;
}

// Refuses input i unless its dtype is one of `allowed`: an op accepts only the
// dtypes every backend's compute handles, so none reaches a compute that lacks it.
inline void require_dtype_in(const OpContext& ctx, size_t i, const char* role, std::initializer_list<DType> allowed) {
  const Tensor& t = ctx.input(i);
  for (DType a : allowed) {
    if (t.dtype == a) return;
  }
  fail(ErrorCode::E_DTYPE, ctx.op, "input " + std::to_string(i) + " (" + role + ") must be " + dtype_list(allowed) +
                                       ", got " + dtype_name(t.dtype));
}

// float32, int32 and int64: what the arithmetic, comparison and reduction
// computes are written for (narrower types are widened by the loader's Casts).
constexpr std::initializer_list<DType> kNumericDTypes = {DType::F32, DType::I32, DType::I64};
// Those and float64: the ops with a binary64 compute (docs/numerics/*.md, "float64").
constexpr std::initializer_list<DType> kNumericF64DTypes = {DType::F32, DType::F64, DType::I32, DType::I64};
// float32 and float64: the float-only ops with a binary64 compute (Sqrt, Exp, Log, Sum, Mean, ReduceMean).
constexpr std::initializer_list<DType> kFloatDTypes = {DType::F32, DType::F64};

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
