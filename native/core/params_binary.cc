#include "core/params_binary.h"

#include <cstdint>
#include <string>

#include "aivm/error.h"

namespace aivm::params {
namespace {

template <class T> void check_no_zero(const OpContext& ctx, const Tensor& b) {
  const T* p = b.ptr<T>();
  for (int64_t i = 0, n = b.numel(); i < n; ++i) {
    if (p[i] == 0) fail(ErrorCode::E_VALUE, ctx.op, "integer division by zero (input 1, element " + std::to_string(i) + ")");
  }
}

}  // namespace

void check_no_zero_divisor(const OpContext& ctx, const Tensor& b) {
  if (b.dtype == DType::I64) return check_no_zero<int64_t>(ctx, b);
  if (b.dtype == DType::I32) return check_no_zero<int32_t>(ctx, b);
  fail(ErrorCode::E_INTERNAL, ctx.op, "zero-divisor check on a non-integer tensor");
}

}  // namespace aivm::params
