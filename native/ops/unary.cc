// Contracts of the elementwise unary ops: Neg, Abs, Sqrt, Reciprocal, Relu,
// LeakyRelu, Sigmoid, Tanh, Exp, Log, Erf, Gelu, Softplus, Clip, Not, Floor,
// Ceil, Round, Sign, IsNaN, IsInf, HardSigmoid, HardSwish, BitwiseNot and the
// trigonometric and hyperbolic functions (Sin ... Atanh, float32 only). Their
// computes: native/cpu/ops/unary.cc, native/cuda/unary.cu; exact definitions:
// docs/numerics/unary.md.
#include "ops/unary.h"

#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {

namespace {

bool gelu_tanh_mode(const OpContext& ctx) {
  std::string mode = ctx.attrs.get_string(ctx.op, "approximate", "none");
  if (mode == "none") return false;
  if (mode == "tanh") return true;
  fail(ErrorCode::E_ATTR, ctx.op, "attribute 'approximate' must be \"none\" or \"tanh\", got \"" + mode + "\"");
}

std::vector<OutputSpec> infer_float_only(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  const Tensor& x = ctx.input(0);
  return {{x.dtype, x.shape}};
}

// Sign: float32, int32 or int64.
std::vector<OutputSpec> infer_signed_numeric(const OpContext& ctx) {
  require_dtype_in(ctx, 0, "X", kNumericDTypes);
  const Tensor& x = ctx.input(0);
  return {{x.dtype, x.shape}};
}

// Neg and Abs: float32, float64, int32 or int64.
std::vector<OutputSpec> infer_neg_abs(const OpContext& ctx) {
  require_dtype_in(ctx, 0, "X", kNumericF64DTypes);
  const Tensor& x = ctx.input(0);
  return {{x.dtype, x.shape}};
}

// Sqrt, Exp, Log: float32 or float64.
std::vector<OutputSpec> infer_float_or_f64(const OpContext& ctx) {
  require_dtype_in(ctx, 0, "X", kFloatDTypes);
  const Tensor& x = ctx.input(0);
  return {{x.dtype, x.shape}};
}

std::vector<OutputSpec> infer_leaky_relu(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  ctx.keep(LeakyReluParams{ctx.attrs.get_float(ctx.op, "alpha", 0.01f)});  // a float, or an int
  const Tensor& x = ctx.input(0);
  return {{x.dtype, x.shape}};
}

std::vector<OutputSpec> infer_hard_sigmoid(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  ctx.keep(HardSigmoidParams{ctx.attrs.get_float(ctx.op, "alpha", 0.2f), ctx.attrs.get_float(ctx.op, "beta", 0.5f)});
  const Tensor& x = ctx.input(0);
  return {{x.dtype, x.shape}};
}

std::vector<OutputSpec> infer_gelu(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  ctx.keep(GeluParams{gelu_tanh_mode(ctx)});
  const Tensor& x = ctx.input(0);
  return {{x.dtype, x.shape}};
}

// Clip (opset 13): input 1 (min) or 2 (max), when present, must be a scalar of
// X's dtype: rank 0, or rank 1 with exactly one element (what exporters commonly emit).
void check_clip_bound(const OpContext& ctx, size_t i, const char* role) {
  const Tensor* b = ctx.optional(i);
  if (!b) return;
  const Tensor& x = ctx.input(0);
  if (b->dtype != x.dtype) {
    fail(ErrorCode::E_DTYPE, ctx.op, "input " + std::to_string(i) + " (" + role + ") must have the dtype of input 0 (" +
                                         dtype_name(x.dtype) + "), got " + dtype_name(b->dtype));
  }
  if (b->rank() > 1 || b->numel() != 1) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input " + std::to_string(i) + " (" + role +
                                         ") must be a scalar (rank 0, or rank 1 with one element), got shape " +
                                         shape_str(b->shape));
  }
}

// IsNaN, IsInf: float32 or float64 in, bool out.
std::vector<OutputSpec> infer_float_test(const OpContext& ctx) {
  require_dtype_in(ctx, 0, "X", kFloatDTypes);
  return {{DType::BOOL, ctx.input(0).shape}};
}

std::vector<OutputSpec> infer_is_inf(const OpContext& ctx) {
  // Any non-zero value is true, as in ONNX's reference and onnxruntime.
  auto flag = [&](const char* name) { return ctx.attrs.get_int(ctx.op, name, 1) != 0; };
  std::vector<OutputSpec> out = infer_float_test(ctx);
  ctx.keep(IsInfParams{flag("detect_negative"), flag("detect_positive")});
  return out;
}

std::vector<OutputSpec> infer_not(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::BOOL, "X");
  return {{DType::BOOL, ctx.input(0).shape}};
}

// BitwiseNot: int32 or int64 (bit patterns; the loader widens the unsigned types).
std::vector<OutputSpec> infer_bitwise_not(const OpContext& ctx) {
  require_dtype_in(ctx, 0, "X", {DType::I32, DType::I64});
  return {{ctx.input(0).dtype, ctx.input(0).shape}};
}

std::vector<OutputSpec> infer_clip(const OpContext& ctx) {
  require_dtype_in(ctx, 0, "input", kNumericDTypes);
  const Tensor& x = ctx.input(0);
  check_clip_bound(ctx, 1, "min");
  check_clip_bound(ctx, 2, "max");
  return {{x.dtype, x.shape}};
}

}  // namespace

void add_unary_contracts(ContractTable& t) {
  t.add(OpId::Neg, {1, 1, {}, infer_neg_abs});
  t.add(OpId::Abs, {1, 1, {}, infer_neg_abs});
  t.add(OpId::Sqrt, {1, 1, {}, infer_float_or_f64});
  t.add(OpId::Reciprocal, {1, 1, {}, infer_float_only});
  t.add(OpId::Relu, {1, 1, {}, infer_float_only});
  t.add(OpId::LeakyRelu, {1, 1, {"alpha"}, infer_leaky_relu});
  t.add(OpId::Sigmoid, {1, 1, {}, infer_float_only});
  t.add(OpId::Tanh, {1, 1, {}, infer_float_only});
  t.add(OpId::Exp, {1, 1, {}, infer_float_or_f64});
  t.add(OpId::Log, {1, 1, {}, infer_float_or_f64});
  t.add(OpId::Erf, {1, 1, {}, infer_float_only});
  t.add(OpId::Gelu, {1, 1, {"approximate"}, infer_gelu});
  t.add(OpId::Softplus, {1, 1, {}, infer_float_only});
  t.add(OpId::Clip, {1, 3, {}, infer_clip});
  t.add(OpId::Not, {1, 1, {}, infer_not});
  t.add(OpId::Floor, {1, 1, {}, infer_float_only});
  t.add(OpId::Ceil, {1, 1, {}, infer_float_only});
  t.add(OpId::Round, {1, 1, {}, infer_float_only});
  t.add(OpId::Sign, {1, 1, {}, infer_signed_numeric});
  t.add(OpId::IsNaN, {1, 1, {}, infer_float_test});
  t.add(OpId::IsInf, {1, 1, {"detect_negative", "detect_positive"}, infer_is_inf});
  t.add(OpId::HardSigmoid, {1, 1, {"alpha", "beta"}, infer_hard_sigmoid});
  t.add(OpId::HardSwish, {1, 1, {}, infer_float_only});
  t.add(OpId::BitwiseNot, {1, 1, {}, infer_bitwise_not});
  t.add(OpId::Sin, {1, 1, {}, infer_float_only});
  t.add(OpId::Cos, {1, 1, {}, infer_float_only});
  t.add(OpId::Tan, {1, 1, {}, infer_float_only});
  t.add(OpId::Asin, {1, 1, {}, infer_float_only});
  t.add(OpId::Acos, {1, 1, {}, infer_float_only});
  t.add(OpId::Atan, {1, 1, {}, infer_float_only});
  t.add(OpId::Sinh, {1, 1, {}, infer_float_only});
  t.add(OpId::Cosh, {1, 1, {}, infer_float_only});
  t.add(OpId::Asinh, {1, 1, {}, infer_float_only});
  t.add(OpId::Acosh, {1, 1, {}, infer_float_only});
  t.add(OpId::Atanh, {1, 1, {}, infer_float_only});
}

}  // namespace aivm::ops
