// CUDA unary ops: one thread per element, the same per-element definitions as
// native/cpu/ops/unary.cc (docs/numerics/unary.md), with the math:: functions
// compiled for the device from the same headers.
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "cuda/device.h"
#include "cuda/ops.h"
#include "math/transcendental.h"

namespace aivm::cuda {
namespace {

enum class Fn : int { NEG, ABS, SQRT, RECIPROCAL, RELU, SIGMOID, TANH, EXP, LOG, ERF, SOFTPLUS, GELU_ERF, GELU_TANH };

template <Fn K> AIVM_HD float apply_fn(float x) {
  if constexpr (K == Fn::NEG) return -x;  // flips the sign bit only
  if constexpr (K == Fn::ABS) return math::abs_f32(x);
  if constexpr (K == Fn::SQRT) return sqrt_rn(x);
  if constexpr (K == Fn::RECIPROCAL) return div_rn(1.0f, x);
  if constexpr (K == Fn::RELU) return x > 0.0f ? x : 0.0f;
  if constexpr (K == Fn::SIGMOID) return math::sigmoid_f32(x);
  if constexpr (K == Fn::TANH) return math::tanh_f32(x);
  if constexpr (K == Fn::EXP) return math::exp_f32(x);
  if constexpr (K == Fn::LOG) return math::log_f32(x);
  if constexpr (K == Fn::ERF) return math::erf_f32(x);
  if constexpr (K == Fn::SOFTPLUS) return math::softplus_f32(x);
  if constexpr (K == Fn::GELU_ERF) return math::gelu_erf_f32(x);
  if constexpr (K == Fn::GELU_TANH) return math::gelu_tanh_f32(x);
  return x;
}

// NaN in or NaN out -> the canonical NaN (Relu maps NaN to 0 before the test).
template <Fn K> AIVM_KERNEL float_kernel(int64_t n, const float* x, float* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const float v = x[i];
    const float r = apply_fn<K>(v);
    y[i] = (v != v || r != r) ? canonical_nan() : r;
  }
}

template <Fn K> void compute_float(const OpContext& ctx, std::vector<Tensor>& out) {
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), float_kernel<K>, s.in<float>(0), s.out<float>(0));
  s.finish();
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
  if (dt == DType::F32) return compute_float<ABS ? Fn::ABS : Fn::NEG>(ctx, out);
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

// LeakyRelu: x < 0 ? alpha * x : x (1 * x is exact, so this is the CPU's
// factor-select definition); -0 stays -0.
AIVM_KERNEL leaky_relu_kernel(int64_t n, const float* x, float* y, float alpha) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const float v = x[i];
    y[i] = canon(v < 0.0f ? mul_rn(alpha, v) : v);
  }
}

void compute_leaky_relu(const OpContext& ctx, std::vector<Tensor>& out) {
  const float alpha = ctx.attrs.get_float(ctx.op, "alpha", 0.01f);
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), leaky_relu_kernel, s.in<float>(0), s.out<float>(0), alpha);
  s.finish();
}

void compute_gelu(const OpContext& ctx, std::vector<Tensor>& out) {
  // infer validated the attribute: it is "none" or "tanh".
  if (ctx.attrs.get_string(ctx.op, "approximate", "none") == "tanh") return compute_float<Fn::GELU_TANH>(ctx, out);
  compute_float<Fn::GELU_ERF>(ctx, out);
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

}  // namespace

void register_unary(ComputeMap& m) {
  m["Neg"] = compute_neg_abs<false>;
  m["Abs"] = compute_neg_abs<true>;
  m["Sqrt"] = compute_float<Fn::SQRT>;
  m["Reciprocal"] = compute_float<Fn::RECIPROCAL>;
  m["Relu"] = compute_float<Fn::RELU>;
  m["LeakyRelu"] = compute_leaky_relu;
  m["Sigmoid"] = compute_float<Fn::SIGMOID>;
  m["Tanh"] = compute_float<Fn::TANH>;
  m["Exp"] = compute_float<Fn::EXP>;
  m["Log"] = compute_float<Fn::LOG>;
  m["Erf"] = compute_float<Fn::ERF>;
  m["Gelu"] = compute_gelu;
  m["Softplus"] = compute_float<Fn::SOFTPLUS>;
  m["Clip"] = compute_clip;
}

}  // namespace aivm::cuda
