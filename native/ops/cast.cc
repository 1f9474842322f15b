// Contract of Cast; its computes: native/cpu/ops/cast.cc, native/cuda/cast.cu
// (docs/numerics/cast.md). The output tensor carries the target dtype, so the
// computes need no attribute.
#include <cstdint>
#include <string>

#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {
namespace {

DType cast_target(const OpContext& ctx) {
  int64_t to = ctx.attrs.require_int(ctx.op, "to");
  DType t;
  if (to < INT32_MIN || to > INT32_MAX || !dtype_from_tag(int32_t(to), &t)) {
    fail(ErrorCode::E_ATTR, ctx.op,
         "attribute 'to': unsupported target dtype " + std::to_string(to) +
             " (supported: 1 float32, 6 int32, 7 int64, 9 bool)");
  }
  return t;
}

std::vector<OutputSpec> infer_cast(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  DType to = cast_target(ctx);
  // 'saturate' (opset 19) only affects float8 targets, which this engine does
  // not have: it is accepted (must be an int) and has no effect.
  ctx.attrs.get_int(ctx.op, "saturate", 1);
  return {{to, x.shape}};
}

}  // namespace

void add_cast_contracts(ContractTable& t) { t.add(OpId::Cast, {1, 1, {"to", "saturate"}, infer_cast}); }

}  // namespace aivm::ops
