// Contracts of the broadcasting binary ops (Add, Sub, Mul, Div, Pow, PRelu),
// the comparisons (Equal, Less, Greater, GreaterOrEqual, LessOrEqual), the
// logical ops (And, Or, Xor), the bitwise ops (BitwiseAnd, BitwiseOr, BitwiseXor,
// BitShift), the variadic Min, Max, Sum and Mean, Mod, and Where, and the integer zero-divisor check
// their computes share (native/cpu/ops/binary.cc, native/cuda/binary.cu).
#include "ops/binary.h"

#include <cstdint>
#include <string>

#include "aivm/error.h"
#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {
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

namespace {

enum class Arith { ADD, SUB, MUL, DIV };
enum class Cmp { EQ, LT, GT, GE, LE };

template <Arith K> std::vector<OutputSpec> infer_arith(const OpContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  require_dtype_in(ctx, 0, "A", kNumericF64DTypes);
  if (b.dtype != a.dtype) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (B) must have the dtype of input 0 (") +
                                         dtype_name(a.dtype) + "), got " + dtype_name(b.dtype));
  }
  return {{a.dtype, broadcast_shapes(ctx.op, a.shape, b.shape)}};
}

// Pow: float32 base; float32, int32 or int64 exponent (integers converted to
// float32 first, rounding to nearest even), result by math::pow_f32.
std::vector<OutputSpec> infer_pow(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  const Tensor& y = ctx.input(1);
  require_dtype_in(ctx, 1, "Y", kNumericDTypes);
  return {{DType::F32, broadcast_shapes(ctx.op, ctx.input(0).shape, y.shape)}};
}


template <Cmp K> std::vector<OutputSpec> infer_cmp(const OpContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (K == Cmp::EQ) require_dtype_in(ctx, 0, "A", {DType::F32, DType::F64, DType::I32, DType::I64, DType::BOOL});
  else require_dtype_in(ctx, 0, "A", kNumericF64DTypes);
  if (b.dtype != a.dtype) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (B) must have the dtype of input 0 (") +
                                         dtype_name(a.dtype) + "), got " + dtype_name(b.dtype));
  }
  return {{DType::BOOL, broadcast_shapes(ctx.op, a.shape, b.shape)}};
}

// And, Or, Xor: bool inputs, broadcast, a bool output.
std::vector<OutputSpec> infer_logical(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::BOOL, "A");
  require_dtype(ctx, 1, DType::BOOL, "B");
  return {{DType::BOOL, broadcast_shapes(ctx.op, ctx.input(0).shape, ctx.input(1).shape)}};
}

// Min and Max (float32, float64, int32, int64), Sum and Mean (float32 or
// float64, as ONNX): one or more inputs of one dtype, broadcast together.
template <bool FLOAT_ONLY> std::vector<OutputSpec> infer_variadic(const OpContext& ctx) {
  const Tensor& first = ctx.input(0);
  if (FLOAT_ONLY) require_dtype_in(ctx, 0, "data_0", kFloatDTypes);
  else require_dtype_in(ctx, 0, "data_0", kNumericF64DTypes);
  Shape shape = first.shape;
  for (size_t k = 1; k < ctx.num_inputs(); ++k) {
    const Tensor& x = ctx.input(k);
    if (x.dtype != first.dtype) {
      fail(ErrorCode::E_DTYPE, ctx.op, "input " + std::to_string(k) + " must have the dtype of input 0 (" +
                                           dtype_name(first.dtype) + "), got " + dtype_name(x.dtype));
    }
    shape = broadcast_shapes(ctx.op, shape, x.shape);
  }
  return {{first.dtype, shape}};
}

// BitwiseAnd, BitwiseOr, BitwiseXor and BitShift: int32 or int64, both inputs
// of one dtype, broadcast. (The loader runs uint8/16/32 widened to int64 and
// uint64 on int64's bits; the computes only see bit patterns.)
std::vector<OutputSpec> infer_bitwise(const OpContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  require_dtype_in(ctx, 0, "A", {DType::I32, DType::I64});
  if (b.dtype != a.dtype) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 1 (B) must have the dtype of input 0 (") +
                                         dtype_name(a.dtype) + "), got " + dtype_name(b.dtype));
  }
  return {{a.dtype, broadcast_shapes(ctx.op, a.shape, b.shape)}};
}

// BitShift (opset 11): attribute direction, "LEFT" or "RIGHT", required.
std::vector<OutputSpec> infer_bitshift(const OpContext& ctx) {
  std::vector<OutputSpec> out = infer_bitwise(ctx);
  if (!ctx.attrs.has("direction")) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'direction' (\"LEFT\" or \"RIGHT\") is required");
  const std::string d = ctx.attrs.get_string(ctx.op, "direction", "");
  if (d != "LEFT" && d != "RIGHT") {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'direction' must be \"LEFT\" or \"RIGHT\", got \"" + d + "\"");
  }
  ctx.keep(BitShiftParams{d == "LEFT"});
  return out;
}

// Where(condition, X, Y): X where condition is true, else Y; three-way
// broadcast. X and Y of any dtype: the computes copy element bits by width.
std::vector<OutputSpec> infer_where(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::BOOL, "condition");
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  if (y.dtype != x.dtype) {
    fail(ErrorCode::E_DTYPE, ctx.op, std::string("input 2 (Y) must have the dtype of input 1 (") +
                                         dtype_name(x.dtype) + "), got " + dtype_name(y.dtype));
  }
  Shape s = broadcast_shapes(ctx.op, ctx.input(0).shape, x.shape);
  return {{x.dtype, broadcast_shapes(ctx.op, s, y.shape)}};
}

// PRelu (opset 7, 9 and 16): float32 X and slope, slope unidirectionally
// broadcastable to X (numpy rules, X's shape wins); the output has X's shape.
std::vector<OutputSpec> infer_prelu(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  require_dtype(ctx, 1, DType::F32, "slope");
  const Shape& x = ctx.input(0).shape;
  const Shape& slope = ctx.input(1).shape;
  if (broadcast_shapes(ctx.op, x, slope) != x) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (slope) of shape " + shape_str(slope) +
                                         " must broadcast to input 0 (X) " + shape_str(x) + " without growing it");
  }
  return {{DType::F32, x}};
}

// Mod: A and B of one dtype (float32, float64, int32, int64), broadcast;
// attribute fmod 0 or 1, and 1 for the floats (ONNX: a float remainder is always fmod's).
std::vector<OutputSpec> infer_mod(const OpContext& ctx) {
  std::vector<OutputSpec> out = infer_arith<Arith::ADD>(ctx);
  const int64_t fmod = ctx.attrs.get_int(ctx.op, "fmod", 0);
  if (fmod != 0 && fmod != 1) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'fmod' must be 0 or 1, got " + std::to_string(fmod));
  if (fmod == 0 && (out[0].dtype == DType::F32 || out[0].dtype == DType::F64)) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute 'fmod' must be 1 for ") + dtype_name(out[0].dtype) +
                                        " inputs (ONNX: float Mod is fmod)");
  }
  ctx.keep(ModParams{fmod == 1});
  return out;
}

}  // namespace

void add_binary_contracts(ContractTable& t) {
  t.add(OpId::Add, {2, 2, {}, infer_arith<Arith::ADD>});
  t.add(OpId::Sub, {2, 2, {}, infer_arith<Arith::SUB>});
  t.add(OpId::Mul, {2, 2, {}, infer_arith<Arith::MUL>});
  t.add(OpId::Div, {2, 2, {}, infer_arith<Arith::DIV>});
  t.add(OpId::Pow, {2, 2, {}, infer_pow});
  t.add(OpId::Equal, {2, 2, {}, infer_cmp<Cmp::EQ>});
  t.add(OpId::Less, {2, 2, {}, infer_cmp<Cmp::LT>});
  t.add(OpId::Greater, {2, 2, {}, infer_cmp<Cmp::GT>});
  t.add(OpId::Where, {3, 3, {}, infer_where});
  t.add(OpId::GreaterOrEqual, {2, 2, {}, infer_cmp<Cmp::GE>});
  t.add(OpId::LessOrEqual, {2, 2, {}, infer_cmp<Cmp::LE>});
  t.add(OpId::And, {2, 2, {}, infer_logical});
  t.add(OpId::Or, {2, 2, {}, infer_logical});
  t.add(OpId::Xor, {2, 2, {}, infer_logical});
  t.add(OpId::Min, {1, 1024, {}, infer_variadic<false>});
  t.add(OpId::Max, {1, 1024, {}, infer_variadic<false>});
  t.add(OpId::Sum, {1, 1024, {}, infer_variadic<true>});
  t.add(OpId::Mean, {1, 1024, {}, infer_variadic<true>});
  t.add(OpId::PRelu, {2, 2, {}, infer_prelu});
  t.add(OpId::Mod, {2, 2, {"fmod"}, infer_mod});
  t.add(OpId::BitwiseAnd, {2, 2, {}, infer_bitwise});
  t.add(OpId::BitwiseOr, {2, 2, {}, infer_bitwise});
  t.add(OpId::BitwiseXor, {2, 2, {}, infer_bitwise});
  t.add(OpId::BitShift, {2, 2, {"direction"}, infer_bitshift});
}

}  // namespace aivm::ops
