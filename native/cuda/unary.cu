// CUDA unary ops: one thread per element, running the per-element definitions
// native/cpu/ops/unary.cc runs (math/unary.h, docs/numerics/unary.md), compiled
// for the device from the same headers.
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "cuda/device.h"
#include "cuda/ops.h"
#include "math/bitwise.h"
#include "math/unary.h"
#include "ops/unary.h"

namespace aivm::cuda {
namespace {

using math::UnaryFn;

// The CPU's per-element definitions (math/unary.h), NaN canonicalization included.
template <UnaryFn K> AIVM_KERNEL float_kernel(int64_t n, const float* x, float* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = math::unary_op_f32<K>(x[i]);
}

template <UnaryFn K> void compute_float(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), float_kernel<K>, s.in<float>(0), s.out<float>(0));
  s.finish();
}

// float64 Neg, Abs, Sqrt, Exp, Log: math::unary_op_f64, as on the CPU.
template <UnaryFn K> AIVM_KERNEL f64_kernel(int64_t n, const double* x, double* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = math::unary_op_f64<K>(x[i]);
}

template <UnaryFn K> void compute_f64(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), f64_kernel<K>, s.in<double>(0), s.out<double>(0));
  s.finish();
}

template <UnaryFn K> void compute_float_or_f64(const OpContext& ctx, std::vector<Tensor>& out) {
  if (ctx.input(0).dtype == DType::F64) return compute_f64<K>(ctx, out);
  compute_float<K>(ctx, out);
}

// Integer Neg / Abs wrap modulo 2^bits, computed unsigned (defined behaviour).
template <class T, bool ABS> AIVM_KERNEL int_neg_abs_kernel(int64_t n, const T* x, T* y) {
  using U = typename std::make_unsigned<T>::type;
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const T v = x[i];
    y[i] = (ABS && v >= 0) ? v : T(U(0) - U(v));
  }
}

template <bool ABS> void compute_neg_abs(const OpContext& ctx, std::vector<Tensor>& out) {
  const DType dt = ctx.input(0).dtype;
  if (dt == DType::F32) return compute_float<ABS ? UnaryFn::ABS : UnaryFn::NEG>(ctx, out);
  if (dt == DType::F64) return compute_f64<ABS ? UnaryFn::ABS : UnaryFn::NEG>(ctx, out);
  Staging s(ctx, out);
  const int64_t n = out[0].numel();
  if (dt == DType::I32) {
    launch(ctx.op, n, int_neg_abs_kernel<int32_t, ABS>, s.in<int32_t>(0), s.out<int32_t>(0));
  } else if (dt == DType::I64) {
    launch(ctx.op, n, int_neg_abs_kernel<int64_t, ABS>, s.in<int64_t>(0), s.out<int64_t>(0));
  } else {
    fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
  s.finish();
}

// Integer Sign: -1, 0 or 1.
template <class T> AIVM_KERNEL int_sign_kernel(int64_t n, const T* x, T* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = T(x[i] > 0) - T(x[i] < 0);
}

void compute_sign(const OpContext& ctx, std::vector<Tensor>& out) {
  const DType dt = ctx.input(0).dtype;
  if (dt == DType::F32) return compute_float<UnaryFn::SIGN>(ctx, out);
  Staging s(ctx, out);
  const int64_t n = out[0].numel();
  if (dt == DType::I32) {
    launch(ctx.op, n, int_sign_kernel<int32_t>, s.in<int32_t>(0), s.out<int32_t>(0));
  } else if (dt == DType::I64) {
    launch(ctx.op, n, int_sign_kernel<int64_t>, s.in<int64_t>(0), s.out<int64_t>(0));
  } else {
    fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
  s.finish();
}

// IsNaN / IsInf: bit tests (math/common.h), as on the CPU.
AIVM_HD bool test_nan(float v) { return math::is_nan_f32(v); }
AIVM_HD bool test_nan(double v) { return math::is_nan_f64(v); }
AIVM_HD bool test_inf(float v, bool negative, bool positive) {
  return math::is_inf_f32(v) && (math::sign_bit_f32(v) ? negative : positive);
}
AIVM_HD bool test_inf(double v, bool negative, bool positive) {
  return math::is_inf_f64(v) && (math::sign_bit_f64(v) ? negative : positive);
}

template <class T>
AIVM_KERNEL float_test_kernel(int64_t n, const T* x, uint8_t* y, int mode, bool negative, bool positive) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const T v = x[i];
    y[i] = uint8_t(mode == 0 ? test_nan(v) : test_inf(v, negative, positive));
  }
}

void run_float_test(const OpContext& ctx, std::vector<Tensor>& out, int mode, bool negative, bool positive) {
  Staging s(ctx, out);
  if (ctx.input(0).dtype == DType::F64) {
    launch(ctx.op, out[0].numel(), float_test_kernel<double>, s.in<double>(0), s.out<uint8_t>(0), mode, negative, positive);
  } else {
    launch(ctx.op, out[0].numel(), float_test_kernel<float>, s.in<float>(0), s.out<uint8_t>(0), mode, negative, positive);
  }
  s.finish();
}

void compute_is_nan(const OpContext& ctx, std::vector<Tensor>& out) { run_float_test(ctx, out, 0, false, false); }

void compute_is_inf(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::IsInfParams p = ctx.params_as<ops::IsInfParams>();
  run_float_test(ctx, out, 1, p.negative, p.positive);
}

// Not: any non-zero byte is true, as on the CPU.
AIVM_KERNEL not_kernel(int64_t n, const uint8_t* x, uint8_t* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = uint8_t(x[i] == 0);
}

void compute_not(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), not_kernel, s.in<uint8_t>(0), s.out<uint8_t>(0));
  s.finish();
}

AIVM_KERNEL leaky_relu_kernel(int64_t n, const float* x, float* y, float alpha) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = math::leaky_relu_f32(x[i], alpha);
}

void compute_leaky_relu(const OpContext& ctx, std::vector<Tensor>& out) {
  const float alpha = ctx.params_as<ops::LeakyReluParams>().alpha;
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), leaky_relu_kernel, s.in<float>(0), s.out<float>(0), alpha);
  s.finish();
}

AIVM_KERNEL hard_sigmoid_kernel(int64_t n, const float* x, float* y, float alpha, float beta) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = math::hard_sigmoid_f32(x[i], alpha, beta);
}

void compute_hard_sigmoid(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::HardSigmoidParams p = ctx.params_as<ops::HardSigmoidParams>();
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), hard_sigmoid_kernel, s.in<float>(0), s.out<float>(0), p.alpha, p.beta);
  s.finish();
}

AIVM_KERNEL hard_swish_kernel(int64_t n, const float* x, float* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = math::hard_swish_f32(x[i]);
}

void compute_hard_swish(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), hard_swish_kernel, s.in<float>(0), s.out<float>(0));
  s.finish();
}

void compute_gelu(const OpContext& ctx, std::vector<Tensor>& out) {
  if (ctx.params_as<ops::GeluParams>().tanh) return compute_float<UnaryFn::GELU_TANH>(ctx, out);
  compute_float<UnaryFn::GELU_ERF>(ctx, out);
}

// Clip: max with lo then min with hi, NaN wins, +0 > -0 (cpu clip_f32).
AIVM_KERNEL clip_f32_kernel(int64_t n, const float* x, float* y, float lo, float hi) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = min_f32(max_f32(x[i], lo), hi);
}

template <class T> AIVM_KERNEL clip_int_kernel(int64_t n, const T* x, T* y, T lo, T hi) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const T m = x[i] < lo ? lo : x[i];
    y[i] = m > hi ? hi : m;
  }
}

// Bounds are scalars read on the host; an absent one is the dtype's extreme.
template <class T> T clip_bound(const OpContext& ctx, size_t i, T fallback) {
  const Tensor* b = ctx.optional(i);
  return b ? b->ptr<T>()[0] : fallback;
}

template <class T> void clip_int(const OpContext& ctx, Staging& s, int64_t n) {
  const T lo = clip_bound<T>(ctx, 1, std::numeric_limits<T>::min());
  const T hi = clip_bound<T>(ctx, 2, std::numeric_limits<T>::max());
  launch(ctx.op, n, clip_int_kernel<T>, s.in<T>(0), s.out<T>(0), lo, hi);
}

void compute_clip(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  const int64_t n = out[0].numel();
  switch (ctx.input(0).dtype) {
    case DType::F32:
      launch(ctx.op, n, clip_f32_kernel, s.in<float>(0), s.out<float>(0),
             clip_bound<float>(ctx, 1, -std::numeric_limits<float>::infinity()),
             clip_bound<float>(ctx, 2, std::numeric_limits<float>::infinity()));
      break;
    case DType::I32: clip_int<int32_t>(ctx, s, n); break;
    case DType::I64: clip_int<int64_t>(ctx, s, n); break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
  s.finish();
}

// BitwiseNot: math/bitwise.h, as on the CPU.
template <class T> AIVM_KERNEL bitwise_not_kernel(int64_t n, const T* x, T* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = math::bitwise_not<T>(x[i]);
}

void compute_bitwise_not(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  const int64_t n = out[0].numel();
  switch (ctx.input(0).dtype) {
    case DType::I32: launch(ctx.op, n, bitwise_not_kernel<int32_t>, s.in<int32_t>(0), s.out<int32_t>(0)); break;
    case DType::I64: launch(ctx.op, n, bitwise_not_kernel<int64_t>, s.in<int64_t>(0), s.out<int64_t>(0)); break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
  s.finish();
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
  t.add(OpId::Neg, compute_neg_abs<false>);
  t.add(OpId::Abs, compute_neg_abs<true>);
  t.add(OpId::Sqrt, compute_float_or_f64<UnaryFn::SQRT>);
  t.add(OpId::Reciprocal, compute_float<UnaryFn::RECIPROCAL>);
  t.add(OpId::Relu, compute_float<UnaryFn::RELU>);
  t.add(OpId::LeakyRelu, compute_leaky_relu);
  t.add(OpId::HardSigmoid, compute_hard_sigmoid);
  t.add(OpId::HardSwish, compute_hard_swish);
  t.add(OpId::Sigmoid, compute_float<UnaryFn::SIGMOID>);
  t.add(OpId::Tanh, compute_float<UnaryFn::TANH>);
  t.add(OpId::Exp, compute_float_or_f64<UnaryFn::EXP>);
  t.add(OpId::Log, compute_float_or_f64<UnaryFn::LOG>);
  t.add(OpId::Erf, compute_float<UnaryFn::ERF>);
  t.add(OpId::Gelu, compute_gelu);
  t.add(OpId::Softplus, compute_float<UnaryFn::SOFTPLUS>);
  t.add(OpId::Clip, compute_clip);
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

}  // namespace aivm::cuda
