// Computes of the elementwise unary ops (contracts: native/ops/unary.cc): Neg,
// Abs, Sqrt, Reciprocal, Relu, LeakyRelu, Sigmoid,
// Tanh, Exp, Log, Erf, Gelu, Softplus, Clip, Not, Floor, Ceil, Round, Sign, IsNaN,
// IsInf, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh and Atanh.
// Each output element is a pure function of one input element (and, for Clip,
// two scalars), computed by one fixed sequence of IEEE binary32 operations or
// one math:: function, so neither SIMD width nor thread split can change a bit. Exact definitions:
// docs/numerics/unary.md.
//
// Every float32 output that is NaN is written as the canonical quiet NaN
// 0x7FC00000: NaN payloads and signs differ between CPUs (x86 makes invalid
// operations return 0xFFC00000, AArch64 0x7FC00000), so no op lets them through.
// The ops use plain comparisons and selects, never min/max instructions, whose
// NaN and signed-zero rules differ between ISAs (x86 maxps returns its second
// operand when either is NaN; AArch64 fmax returns NaN).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/bitwise.h"
#include "math/unary.h"
#include "ops/unary.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// Chunk sizes for parallel_for: the math:: functions cost tens of ns per
// element (binary64 evaluation), so smaller chunks already pay for a thread.
constexpr int64_t kMinChunkCheap = kMinChunkElements;
constexpr int64_t kMinChunkTranscendental = 2048;

// The per-element definitions are math/unary.h's, shared with the CUDA kernels;
// this file maps them over tensors. Their NaN canonicalization is a compare and
// a select: the compiler vectorizes it (cmpunordps + blend).
using math::UnaryFn;

// out[i] = f(in[i]) over contiguous data, split into independent chunks.
template <class Ti, class To, class F>
void map_unary(const OpContext& ctx, const Tensor& in, Tensor& out, int64_t min_chunk, F f) {
  const Ti* pi = in.ptr<Ti>();
  To* po = out.ptr<To>();
  ctx.parallel_for(in.numel(), min_chunk, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = f(pi[i]);
  });
}

// ---- Neg, Abs ------------------------------------------------------------------

// Integer negation wraps modulo 2^bits (-INT_MIN == INT_MIN), computed unsigned
// so it is defined behaviour.
template <class T> T wrap_neg(T x) {
  using U = std::make_unsigned_t<T>;
  return T(U(0) - U(x));
}

void compute_neg(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  switch (x.dtype) {
    case DType::F32:
      // IEEE negation flips the sign bit only (exact, -(+0) = -0).
      map_unary<float, float>(ctx, x, out[0], kMinChunkCheap,
                              [](float v) { return math::unary_op_f32<UnaryFn::NEG>(v); });
      break;
    case DType::F64:
      map_unary<double, double>(ctx, x, out[0], kMinChunkCheap,
                                [](double v) { return math::unary_op_f64<UnaryFn::NEG>(v); });
      break;
    case DType::I32: map_unary<int32_t, int32_t>(ctx, x, out[0], kMinChunkCheap, [](int32_t v) { return wrap_neg(v); }); break;
    case DType::I64: map_unary<int64_t, int64_t>(ctx, x, out[0], kMinChunkCheap, [](int64_t v) { return wrap_neg(v); }); break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

template <class T> T wrap_abs(T x) { return x < 0 ? wrap_neg(x) : x; }

void compute_abs(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  switch (x.dtype) {
    case DType::F32:
      // Clears the sign bit: abs(-0) = +0, abs(-inf) = inf.
      map_unary<float, float>(ctx, x, out[0], kMinChunkCheap,
                              [](float v) { return math::unary_op_f32<UnaryFn::ABS>(v); });
      break;
    case DType::F64:
      map_unary<double, double>(ctx, x, out[0], kMinChunkCheap,
                                [](double v) { return math::unary_op_f64<UnaryFn::ABS>(v); });
      break;
    case DType::I32: map_unary<int32_t, int32_t>(ctx, x, out[0], kMinChunkCheap, [](int32_t v) { return wrap_abs(v); }); break;
    case DType::I64: map_unary<int64_t, int64_t>(ctx, x, out[0], kMinChunkCheap, [](int64_t v) { return wrap_abs(v); }); break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// ---- Float-only elementwise functions --------------------------------------------

template <UnaryFn K> constexpr bool is_cheap() {
  return K == UnaryFn::SQRT || K == UnaryFn::RECIPROCAL || K == UnaryFn::RELU || K == UnaryFn::FLOOR ||
         K == UnaryFn::CEIL || K == UnaryFn::ROUND || K == UnaryFn::SIGN;
}

template <UnaryFn K> void compute_float(const OpContext& ctx, std::vector<Tensor>& out) {
  map_unary<float, float>(ctx, ctx.input(0), out[0], is_cheap<K>() ? kMinChunkCheap : kMinChunkTranscendental,
                          [](float v) { return math::unary_op_f32<K>(v); });
}

// Sqrt, Exp, Log: float32 as above, float64 by math::unary_op_f64 (docs/numerics/unary.md).
template <UnaryFn K> void compute_float_or_f64(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (ctx.input(0).dtype) {
    case DType::F32: return compute_float<K>(ctx, out);
    case DType::F64:
      return map_unary<double, double>(ctx, ctx.input(0), out[0], is_cheap<K>() ? kMinChunkCheap : kMinChunkTranscendental,
                                       [](double v) { return math::unary_op_f64<K>(v); });
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// ---- LeakyRelu ------------------------------------------------------------------

void compute_leaky_relu(const OpContext& ctx, std::vector<Tensor>& out) {
  const float alpha = ctx.params_as<ops::LeakyReluParams>().alpha;
  map_unary<float, float>(ctx, ctx.input(0), out[0], kMinChunkCheap,
                          [alpha](float v) { return math::leaky_relu_f32(v, alpha); });
}

// ---- HardSigmoid, HardSwish ------------------------------------------------------

void compute_hard_sigmoid(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::HardSigmoidParams p = ctx.params_as<ops::HardSigmoidParams>();
  map_unary<float, float>(ctx, ctx.input(0), out[0], kMinChunkCheap,
                          [p](float v) { return math::hard_sigmoid_f32(v, p.alpha, p.beta); });
}

void compute_hard_swish(const OpContext& ctx, std::vector<Tensor>& out) {
  map_unary<float, float>(ctx, ctx.input(0), out[0], kMinChunkCheap, [](float v) { return math::hard_swish_f32(v); });
}

// ---- Gelu (opset 20) ------------------------------------------------------------

void compute_gelu(const OpContext& ctx, std::vector<Tensor>& out) {
  if (ctx.params_as<ops::GeluParams>().tanh) {
    map_unary<float, float>(ctx, ctx.input(0), out[0], kMinChunkTranscendental,
                            [](float v) { return math::unary_op_f32<UnaryFn::GELU_TANH>(v); });
  } else {
    map_unary<float, float>(ctx, ctx.input(0), out[0], kMinChunkTranscendental,
                            [](float v) { return math::unary_op_f32<UnaryFn::GELU_ERF>(v); });
  }
}

// ---- Clip (opset 13) ---------------------------------------------------------------

template <class T> T clip_bound(const OpContext& ctx, size_t i, T fallback) {
  const Tensor* b = ctx.optional(i);
  return b ? b->ptr<T>()[0] : fallback;
}

// Float clip: y = min_f32(max_f32(x, lo), hi) with op_common's rules (NaN wins,
// +0 > -0); an absent bound is -inf / +inf, which changes no non-NaN x. Written
// as compares and selects on the sign-ordered values so it is one branch-free
// expression per element.
inline float clip_f32(float x, float lo, float hi) {
  // max(x, lo) with +0 > -0: take lo when lo > x, or when they are equal and x is -0.
  float m = (lo > x || (lo == x && math::sign_bit_f32(x))) ? lo : x;
  // min(m, hi) with -0 < +0: take hi when hi < m, or when equal and m is +0.
  float r = (hi < m || (hi == m && !math::sign_bit_f32(m))) ? hi : m;
  return x != x ? math::canonical_nan() : r;
}

void compute_clip(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  switch (x.dtype) {
    case DType::F32: {
      const float lo = clip_bound<float>(ctx, 1, -std::numeric_limits<float>::infinity());
      const float hi = clip_bound<float>(ctx, 2, std::numeric_limits<float>::infinity());
      if (lo != lo || hi != hi) {
        // A NaN bound makes every element NaN (NaN wins, as in max_f32/min_f32).
        map_unary<float, float>(ctx, x, out[0], kMinChunkCheap, [](float) { return math::canonical_nan(); });
      } else {
        map_unary<float, float>(ctx, x, out[0], kMinChunkCheap, [lo, hi](float v) { return clip_f32(v, lo, hi); });
      }
      break;
    }
    case DType::I32: {
      const int32_t lo = clip_bound<int32_t>(ctx, 1, std::numeric_limits<int32_t>::min());
      const int32_t hi = clip_bound<int32_t>(ctx, 2, std::numeric_limits<int32_t>::max());
      map_unary<int32_t, int32_t>(ctx, x, out[0], kMinChunkCheap, [lo, hi](int32_t v) {
        int32_t m = v < lo ? lo : v;
        return m > hi ? hi : m;
      });
      break;
    }
    case DType::I64: {
      const int64_t lo = clip_bound<int64_t>(ctx, 1, std::numeric_limits<int64_t>::min());
      const int64_t hi = clip_bound<int64_t>(ctx, 2, std::numeric_limits<int64_t>::max());
      map_unary<int64_t, int64_t>(ctx, x, out[0], kMinChunkCheap, [lo, hi](int64_t v) {
        int64_t m = v < lo ? lo : v;
        return m > hi ? hi : m;
      });
      break;
    }
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// ---- Sign, IsNaN, IsInf --------------------------------------------------------

template <class T> T int_sign(T v) { return T(v > 0) - T(v < 0); }

void compute_sign(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  switch (x.dtype) {
    case DType::F32: return compute_float<UnaryFn::SIGN>(ctx, out);
    case DType::I32: return map_unary<int32_t, int32_t>(ctx, x, out[0], kMinChunkCheap, int_sign<int32_t>);
    case DType::I64: return map_unary<int64_t, int64_t>(ctx, x, out[0], kMinChunkCheap, int_sign<int64_t>);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// Bit tests (math/common.h), so no compare of a NaN is involved.
void compute_is_nan(const OpContext& ctx, std::vector<Tensor>& out) {
  if (ctx.input(0).dtype == DType::F64) {
    return map_unary<double, uint8_t>(ctx, ctx.input(0), out[0], kMinChunkCheap,
                                      [](double v) { return uint8_t(math::is_nan_f64(v)); });
  }
  map_unary<float, uint8_t>(ctx, ctx.input(0), out[0], kMinChunkCheap, [](float v) { return uint8_t(math::is_nan_f32(v)); });
}

void compute_is_inf(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::IsInfParams p = ctx.params_as<ops::IsInfParams>();
  if (ctx.input(0).dtype == DType::F64) {
    return map_unary<double, uint8_t>(ctx, ctx.input(0), out[0], kMinChunkCheap, [p](double v) {
      return uint8_t(math::is_inf_f64(v) && (math::sign_bit_f64(v) ? p.negative : p.positive));
    });
  }
  map_unary<float, uint8_t>(ctx, ctx.input(0), out[0], kMinChunkCheap, [p](float v) {
    return uint8_t(math::is_inf_f32(v) && (math::sign_bit_f32(v) ? p.negative : p.positive));
  });
}

// ---- Not ---------------------------------------------------------------------

// Any non-zero byte is true (the logical ops of binary.cc read bools the same way).
void compute_not(const OpContext& ctx, std::vector<Tensor>& out) {
  map_unary<uint8_t, uint8_t>(ctx, ctx.input(0), out[0], kMinChunkCheap, [](uint8_t v) { return uint8_t(v == 0); });
}

// ---- BitwiseNot ----------------------------------------------------------------

void compute_bitwise_not(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  switch (x.dtype) {
    case DType::I32: return map_unary<int32_t, int32_t>(ctx, x, out[0], kMinChunkCheap, math::bitwise_not<int32_t>);
    case DType::I64: return map_unary<int64_t, int64_t>(ctx, x, out[0], kMinChunkCheap, math::bitwise_not<int64_t>);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

}  // namespace

void add_unary_computes(ComputeTable& t) {
  t.add(OpId::Not, compute_not);
  t.add(OpId::Floor, compute_float<UnaryFn::FLOOR>);
  t.add(OpId::Ceil, compute_float<UnaryFn::CEIL>);
  t.add(OpId::Round, compute_float<UnaryFn::ROUND>);
  t.add(OpId::Sign, compute_sign);
  t.add(OpId::IsNaN, compute_is_nan);
  t.add(OpId::IsInf, compute_is_inf);
  t.add(OpId::Neg, compute_neg);
  t.add(OpId::Abs, compute_abs);
  t.add(OpId::Sqrt, compute_float_or_f64<UnaryFn::SQRT>);
  t.add(OpId::Reciprocal, compute_float<UnaryFn::RECIPROCAL>);
  t.add(OpId::Relu, compute_float<UnaryFn::RELU>);
  t.add(OpId::LeakyRelu, compute_leaky_relu);
  t.add(OpId::Sigmoid, compute_float<UnaryFn::SIGMOID>);
  t.add(OpId::Tanh, compute_float<UnaryFn::TANH>);
  t.add(OpId::Exp, compute_float_or_f64<UnaryFn::EXP>);
  t.add(OpId::Log, compute_float_or_f64<UnaryFn::LOG>);
  t.add(OpId::Erf, compute_float<UnaryFn::ERF>);
  t.add(OpId::Gelu, compute_gelu);
  t.add(OpId::Softplus, compute_float<UnaryFn::SOFTPLUS>);
  t.add(OpId::Clip, compute_clip);
  t.add(OpId::HardSigmoid, compute_hard_sigmoid);
  t.add(OpId::HardSwish, compute_hard_swish);
  t.add(OpId::BitwiseNot, compute_bitwise_not);
  t.add(OpId::Sin, compute_float<UnaryFn::SIN>);
  t.add(OpId::Cos, compute_float<UnaryFn::COS>);
  t.add(OpId::Tan, compute_float<UnaryFn::TAN>);
  t.add(OpId::Asin, compute_float<UnaryFn::ASIN>);
  t.add(OpId::Acos, compute_float<UnaryFn::ACOS>);
  t.add(OpId::Atan, compute_float<UnaryFn::ATAN>);
  t.add(OpId::Sinh, compute_float<UnaryFn::SINH>);
  t.add(OpId::Cosh, compute_float<UnaryFn::COSH>);
  t.add(OpId::Asinh, compute_float<UnaryFn::ASINH>);
  t.add(OpId::Acosh, compute_float<UnaryFn::ACOSH>);
  t.add(OpId::Atanh, compute_float<UnaryFn::ATANH>);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
