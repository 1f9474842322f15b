// Contracts of Cast and BitCast; their computes: native/cpu/ops/cast.cc,
// native/cuda/cast.cu (docs/numerics/cast.md). The output tensor carries the
// target dtype; the float8 targets' saturate and round_mode go to the computes
// as CastParams.
#include <cstdint>
#include <string>

#include "ops/cast.h"
#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {
namespace {

DType cast_target(const OpContext& ctx) {
  int64_t to = ctx.attrs.require_int(ctx.op, "to");
  DType t;
  if (to < INT32_MIN || to > INT32_MAX || !dtype_from_tag(int32_t(to), &t)) {
    std::string supported;
#define AIVM_CAST_TARGET(e, tag, name, T, array) supported += std::string(supported.empty() ? "" : ", ") + #tag " " name;
    AIVM_DTYPES(AIVM_CAST_TARGET)
#undef AIVM_CAST_TARGET
    fail(ErrorCode::E_ATTR, ctx.op,
         "attribute 'to': unsupported target dtype " + std::to_string(to) + " (supported: " + supported + ")");
  }
  return t;
}

std::vector<OutputSpec> infer_cast(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  DType to = cast_target(ctx);
  // Every dtype converts to every other (native/math/convert.h).
  // 'saturate' (opset 19, default 1; any non-zero value is true, as ONNX's
  // reference reads it) and 'round_mode' (opset 24, "up", "down" or "nearest",
  // default "up") only affect the float8 targets (round_mode: float8e8m0).
  math::CastMode mode;
  mode.saturate = ctx.attrs.get_int(ctx.op, "saturate", 1) != 0;
  const std::string round = ctx.attrs.get_string(ctx.op, "round_mode", "up");
  if (round == "up") mode.round = math::E8M0Round::UP;
  else if (round == "down") mode.round = math::E8M0Round::DOWN;
  else if (round == "nearest") mode.round = math::E8M0Round::NEAREST;
  else fail(ErrorCode::E_ATTR, ctx.op, "attribute 'round_mode' must be \"up\", \"down\" or \"nearest\", got \"" + round + "\"");
  ctx.keep(CastParams{mode});
  return {{to, x.shape}};
}

// Bits per element: the sub-byte types' 4 or 2, else the storage size's.
int element_bits(DType d) { return sub_byte_bits(d) ? sub_byte_bits(d) : int(dtype_size(d)) * 8; }

// BitCast (opset 26): the same bits read as 'to', which must have the input's bit width.
std::vector<OutputSpec> infer_bitcast(const OpContext& ctx) {
  const Tensor& x = ctx.input(0);
  DType to = cast_target(ctx);
  if (element_bits(to) != element_bits(x.dtype)) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute 'to': ") + dtype_name(to) + " (" + std::to_string(element_bits(to)) +
                                        " bits) does not have the input's bit width (" + dtype_name(x.dtype) + ", " +
                                        std::to_string(element_bits(x.dtype)) + " bits)");
  }
  return {{to, x.shape}};
}

}  // namespace

void add_cast_contracts(ContractTable& t) {
  t.add(OpId::Cast, {1, 1, {"to", "saturate", "round_mode"}, infer_cast});
  t.add(OpId::BitCast, {1, 1, {"to"}, infer_bitcast});
}

}  // namespace aivm::ops
