// native/math/unary.h — the per-element definitions of the float unary ops
// (docs/numerics/unary.md), one copy for every backend: the CPU op family
// (cpu/ops/unary.cc, vectorized per ISA) and the CUDA kernels (cuda/unary.cu).
#pragma once

#include "canonical.h"
#include "common.h"
#include "transcendental.h"

namespace aivm {
namespace math {

enum class UnaryFn {
  NEG, ABS, SQRT, RECIPROCAL, RELU, SIGMOID, TANH, EXP, LOG, ERF, SOFTPLUS, GELU_ERF, GELU_TANH, FLOOR, CEIL, ROUND, SIGN,
  SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, ASINH, ACOSH, ATANH
};

// Floor, Ceil and Round are exact: every float32 of magnitude 2^23 or more is an
// integer (and infinities and NaN pass), and below it the truncation through
// int32 is exact. Each keeps the input's sign on a zero result (floor(-0) = -0,
// ceil(-0.5) = -0, round(-0.4) = -0), as IEEE roundToIntegral does. Only
// compares, int conversions, +-1 additions and Round's x - trunc(x) (all exact
// here): no rounding mode or instruction the ISAs could disagree on.
AIVM_MATH_FN float trunc_small_f32(float x) {  // |x| < 2^23
  return copysign_f32(float(int32_t(x)), x);
}

AIVM_MATH_FN float floor_f32(float x) {
  if (!(abs_f32(x) < 8388608.0f)) return x;
  const float t = trunc_small_f32(x);
  return t > x ? t - 1.0f : t;
}

AIVM_MATH_FN float ceil_f32(float x) {
  if (!(abs_f32(x) < 8388608.0f)) return x;
  const float t = trunc_small_f32(x);
  return copysign_f32(t < x ? t + 1.0f : t, x);
}

// Round half to even (ONNX Round). d = x - trunc(x) is exact below 2^23 (the
// two share a sign and trunc(x) <= |x| < 2 trunc(x) in magnitude, or trunc(x)
// is 0), so the tie test sees the true fraction.
AIVM_MATH_FN float round_f32(float x) {
  if (!(abs_f32(x) < 8388608.0f)) return x;
  const float t = trunc_small_f32(x);
  const float d = abs_f32(x - t);
  const bool odd = (int32_t(t) & 1) != 0;
  const float r = (d > 0.5f || (d == 0.5f && odd)) ? t + copysign_f32(1.0f, x) : t;
  return copysign_f32(r, x);
}

// Sign: 1, -1, or +0 for either zero (numpy's sign, which ONNX's reference uses).
AIVM_MATH_FN float sign_f32(float x) { return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x == 0.0f ? 0.0f : x; }

// Correctly rounded IEEE sqrt (sqrt(-0) = -0): the sqrtss/vsqrtps/fsqrt
// instruction (-fno-math-errno), __fsqrt_rn on the GPU.
AIVM_MATH_FN float sqrt_f32(float x) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(x);
#else
  return __builtin_sqrtf(x);
#endif
}

// Correctly rounded 1 / x (never an approximate reciprocal instruction).
AIVM_MATH_FN float reciprocal_f32(float x) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(1.0f, x);
#else
  return 1.0f / x;
#endif
}

// y = f(x) before NaN canonicalization.
template <UnaryFn K> AIVM_MATH_FN float unary_f32(float x) {
  if constexpr (K == UnaryFn::NEG) return -x;  // flips the sign bit only: -(+0) = -0
  if constexpr (K == UnaryFn::ABS) return abs_f32(x);  // clears it: abs(-0) = +0
  if constexpr (K == UnaryFn::SQRT) return sqrt_f32(x);
  if constexpr (K == UnaryFn::RECIPROCAL) return reciprocal_f32(x);
  if constexpr (K == UnaryFn::RELU) return x > 0.0f ? x : 0.0f;  // -0 and negatives -> +0; NaN -> 0, see below
  if constexpr (K == UnaryFn::SIGMOID) return sigmoid_f32(x);
  if constexpr (K == UnaryFn::TANH) return tanh_f32(x);
  if constexpr (K == UnaryFn::EXP) return exp_f32(x);
  if constexpr (K == UnaryFn::LOG) return log_f32(x);
  if constexpr (K == UnaryFn::ERF) return erf_f32(x);
  if constexpr (K == UnaryFn::SOFTPLUS) return softplus_f32(x);
  if constexpr (K == UnaryFn::GELU_ERF) return gelu_erf_f32(x);
  if constexpr (K == UnaryFn::GELU_TANH) return gelu_tanh_f32(x);
  if constexpr (K == UnaryFn::FLOOR) return floor_f32(x);
  if constexpr (K == UnaryFn::CEIL) return ceil_f32(x);
  if constexpr (K == UnaryFn::ROUND) return round_f32(x);
  if constexpr (K == UnaryFn::SIGN) return sign_f32(x);
  if constexpr (K == UnaryFn::SIN) return sin_f32(x);  // trig.h
  if constexpr (K == UnaryFn::COS) return cos_f32(x);
  if constexpr (K == UnaryFn::TAN) return tan_f32(x);
  if constexpr (K == UnaryFn::ASIN) return asin_f32(x);
  if constexpr (K == UnaryFn::ACOS) return acos_f32(x);
  if constexpr (K == UnaryFn::ATAN) return atan_f32(x);
  if constexpr (K == UnaryFn::SINH) return sinh_f32(x);
  if constexpr (K == UnaryFn::COSH) return cosh_f32(x);
  if constexpr (K == UnaryFn::ASINH) return asinh_f32(x);
  if constexpr (K == UnaryFn::ACOSH) return acosh_f32(x);
  if constexpr (K == UnaryFn::ATANH) return atanh_f32(x);
  return x;
}

// The op's output: NaN in or NaN out gives the canonical NaN. The test is on
// the input too because Relu maps NaN to 0 before its select (NaN in -> NaN out).
template <UnaryFn K> AIVM_MATH_FN float unary_op_f32(float v) {
  const float r = unary_f32<K>(v);
  return (v != v || r != r) ? canonical_nan() : r;
}

// ---- float64 (Neg, Abs, Sqrt, Exp, Log) ---------------------------------------------

// Correctly rounded binary64 sqrt: sqrtsd/vsqrtpd/fsqrt, __dsqrt_rn on the GPU.
AIVM_MATH_FN double sqrt_f64(double x) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(x);
#else
  return __builtin_sqrt(x);
#endif
}

// The float64 ops' output, canonical NaN (0x7FF8000000000000) for a NaN in or out.
template <UnaryFn K> AIVM_MATH_FN double unary_op_f64(double v) {
  static_assert(K == UnaryFn::NEG || K == UnaryFn::ABS || K == UnaryFn::SQRT || K == UnaryFn::EXP || K == UnaryFn::LOG,
                "float64 unary op without a definition");
  double r = v;
  if constexpr (K == UnaryFn::NEG) r = -v;  // the sign bit flipped
  if constexpr (K == UnaryFn::ABS) r = abs_f64(v);  // the sign bit cleared
  if constexpr (K == UnaryFn::SQRT) r = sqrt_f64(v);
  if constexpr (K == UnaryFn::EXP) r = exp_f64(v);
  if constexpr (K == UnaryFn::LOG) r = log_f64(v);
  return (v != v || r != r) ? nan_f64() : r;
}

// LeakyRelu: (x < 0 ? alpha : 1) * x, which equals x < 0 ? alpha * x : x bit
// for bit (1 * x is exact). The factor is chosen by a bit mask so a CPU loop
// has no branch and vectorizes (a conditional multiply may trap under
// -ftrapping-math, so the compiler would not if-convert it). -0 is not < 0, so
// it stays -0; NaN fails the compare and is canonicalized.
AIVM_MATH_FN float leaky_relu_f32(float v, float alpha) {
  const uint32_t mask = 0u - uint32_t(v < 0.0f);
  const float factor = f32_from_bits((f32_to_bits(alpha) & mask) | (0x3F800000u & ~mask));
  return canon(factor * v);
}

// HardSigmoid: max(0, min(1, alpha * x + beta)), one IEEE multiply then one
// addition (never fused: -ffp-contract=off, nvcc --fmad=false), then the clamp
// by compares: a sum <= 0 (also -0) gives +0, >= 1 gives 1; NaN canonical.
AIVM_MATH_FN float hard_sigmoid_f32(float x, float alpha, float beta) {
  const float t = alpha * x + beta;
  if (t != t) return canonical_nan();
  return t > 0.0f ? (t < 1.0f ? t : 1.0f) : 0.0f;
}

// HardSwish: x * HardSigmoid(x) with alpha = 1/6 (float32 0x3E2AAAAB) and beta = 0.5,
// one more IEEE multiply; NaN canonical (+inf gives inf * 1 = inf, -inf gives -inf * 0 = NaN).
AIVM_MATH_FN float hard_swish_f32(float x) { return canon(x * hard_sigmoid_f32(x, 1.0f / 6.0f, 0.5f)); }

}  // namespace math
}  // namespace aivm
