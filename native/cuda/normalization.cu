// CUDA Softmax, LogSoftmax, LayerNormalization, BatchNormalization: the
// definitions of native/cpu/ops/normalization.cc (docs/numerics/normalization.md).
// Softmax and LayerNormalization need a whole slice (its max and its sums), so
// one thread computes one whole slice, every sum in canonical_sum's order;
// BatchNormalization is one thread per element.
#include <cstdint>
#include <vector>

#include "core/shape_util.h"
#include "ops/normalization.h"
#include "cuda/device.h"
#include "cuda/ops.h"
#include "math/transcendental.h"

namespace aivm::cuda {
namespace {

AIVM_HD float neg_inf() { return math::f32_from_bits(0xFF800000u); }

// ---- Softmax / LogSoftmax -------------------------------------------------------

// One thread per slice t = (o, p) of length len along the axis, element k at
// x[o * len * inner + k * inner + p] (inner = 1: a contiguous row). The CPU's
// row and tile paths both apply exactly this sequence to each slice:
//   m = max_f32 over the slice (order-free; from -inf equals the CPU's
//       order-key max for len >= 1), e_k = exp(x_k - m) stored in y,
//   s = canonical_sum of the e_k with stride inner,
//   Softmax y_k = e_k / s, LogSoftmax y_k = (x_k - m) - log(s), NaN -> canonical.
template <bool LOG>
AIVM_KERNEL softmax_kernel(int64_t n, const float* x, float* y, int64_t len, int64_t inner) {
  for (int64_t t = grid_first(); t < n; t += grid_stride()) {
    const int64_t base = (t / inner) * len * inner + t % inner;
    const float* xs = x + base;
    float* ys = y + base;
    float m = neg_inf();
    for (int64_t k = 0; k < len; ++k) m = max_f32(m, xs[k * inner]);
    for (int64_t k = 0; k < len; ++k) ys[k * inner] = math::exp_f32(sub_rn(xs[k * inner], m));
    const float s = canonical_sum(ys, len, inner);
    if (LOG) {
      const float ls = math::log_f32(s);
      for (int64_t k = 0; k < len; ++k) ys[k * inner] = canon(sub_rn(sub_rn(xs[k * inner], m), ls));
    } else {
      for (int64_t k = 0; k < len; ++k) ys[k * inner] = canon(div_rn(ys[k * inner], s));
    }
  }
}

template <bool LOG> void compute_softmax(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int axis = ctx.params_as<ops::SoftmaxParams>().axis;
  const int64_t outer = dims_product(x.shape, 0, axis);
  const int64_t len = x.shape[size_t(axis)];
  const int64_t inner = dims_product(x.shape, axis + 1, x.rank());
  if (outer == 0 || len == 0 || inner == 0) return;  // empty output, as the CPU
  Staging s(ctx, out);
  launch(ctx.op, outer * inner, softmax_kernel<LOG>, s.in<float>(0), s.out<float>(0), len, inner);
  s.finish();
}

// ---- LayerNormalization -----------------------------------------------------------

// One thread per row r of len contiguous elements (fn = float(len)):
//   mean = canonical_sum(x) / fn; d_i = x_i - mean; y_i = d_i * d_i (scratch);
//   var = canonical_sum(y) / fn; inv = 1 / sqrt(var + eps);
//   y_i = fma(d_i * inv, sc_i, b_i) with B, (d_i * inv) * sc_i without;
// NaN -> canonical in Y, Mean and InvStdDev. len = 0 gives Mean = 0/0 = NaN.
AIVM_KERNEL layer_norm_kernel(int64_t n, const float* x, const float* sc, const float* bi, float* y, float* mean_out,
                              float* inv_out, int64_t len, float fn, float eps) {
  for (int64_t r = grid_first(); r < n; r += grid_stride()) {
    const float* xr = x + r * len;
    float* yr = y + r * len;
    const float mean = div_rn(canonical_sum(xr, len, 1), fn);
    for (int64_t i = 0; i < len; ++i) {
      const float d = sub_rn(xr[i], mean);
      yr[i] = mul_rn(d, d);
    }
    const float var = div_rn(canonical_sum(yr, len, 1), fn);
    const float inv = div_rn(1.0f, sqrt_rn(add_rn(var, eps)));
    if (bi) {
      for (int64_t i = 0; i < len; ++i) yr[i] = canon(fma_rn(mul_rn(sub_rn(xr[i], mean), inv), sc[i], bi[i]));
    } else {
      for (int64_t i = 0; i < len; ++i) yr[i] = canon(mul_rn(mul_rn(sub_rn(xr[i], mean), inv), sc[i]));
    }
    mean_out[r] = canon(mean);
    inv_out[r] = canon(inv);
  }
}

// Scale / B on the device as len values per row: the tensor itself when it
// already has len elements (then its layout is the row's), else the CPU's own
// broadcast expansion (ops/normalization.h), uploaded.
const float* row_param(Staging& s, size_t i, const Tensor& t, const Shape& norm, int64_t len) {
  if (t.numel() == len) return s.in<float>(i);
  return s.upload(ops::layer_norm_expand_param(t, norm));
}

void compute_layer_norm(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const ops::LayerNormShape& ls = ctx.params_as<ops::LayerNormShape>();
  const int axis = ls.axis;
  const float eps = ls.epsilon;
  const int64_t outer = ls.outer, len = ls.n;
  if (outer == 0) return;  // every output is empty
  const Shape norm(x.shape.begin() + axis, x.shape.end());
  const Tensor* bias = ctx.optional(2);
  Staging s(ctx, out);
  const float* sc = row_param(s, 1, ctx.input(1), norm, len);
  const float* bi = bias ? row_param(s, 2, *bias, norm, len) : nullptr;
  launch(ctx.op, outer, layer_norm_kernel, s.in<float>(0), sc, bi, s.out<float>(0), s.out<float>(1), s.out<float>(2),
         len, float(len), eps);
  s.finish();
}

// ---- RMSNormalization: the CPU's sequence (cpu/ops/normalization.cc) -------------------

AIVM_KERNEL rms_norm_kernel(int64_t n, const float* x, const float* sc, float* y, int64_t len, float fn, float eps) {
  for (int64_t r = grid_first(); r < n; r += grid_stride()) {
    const float* xr = x + r * len;
    float* yr = y + r * len;
    for (int64_t i = 0; i < len; ++i) yr[i] = mul_rn(xr[i], xr[i]);
    const float inv = div_rn(1.0f, sqrt_rn(add_rn(div_rn(canonical_sum(yr, len, 1), fn), eps)));
    for (int64_t i = 0; i < len; ++i) yr[i] = canon(mul_rn(mul_rn(xr[i], inv), sc[i]));
  }
}

void compute_rms_norm(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const ops::LayerNormShape& ls = ctx.params_as<ops::LayerNormShape>();
  if (ls.outer == 0) return;
  const Shape norm(x.shape.begin() + ls.axis, x.shape.end());
  Staging s(ctx, out);
  const float* sc = row_param(s, 1, ctx.input(1), norm, ls.n);
  launch(ctx.op, ls.outer, rms_norm_kernel, s.in<float>(0), sc, s.out<float>(0), ls.n, float(ls.n), ls.epsilon);
  s.finish();
}

// ---- BatchNormalization (inference) -------------------------------------------------

// y = fma(x - mean_c, s_c, B_c) with s_c = scale_c / sqrt(var_c + eps), NaN ->
// canonical. The CPU computes s_c once per channel; each thread recomputes it
// with the same three correctly rounded operations, so the value is the same.
AIVM_KERNEL batch_norm_kernel(int64_t n, const float* x, const float* scale, const float* bias, const float* mean,
                              const float* var, float* y, int64_t channels, int64_t spatial, float eps) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const int64_t c = (i / spatial) % channels;
    const float sc = div_rn(scale[c], sqrt_rn(add_rn(var[c], eps)));
    y[i] = canon(fma_rn(sub_rn(x[i], mean[c]), sc, bias[c]));
  }
}

void compute_batch_norm(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const float eps = ctx.params_as<ops::BatchNormParams>().epsilon;
  const int64_t total = x.numel();
  if (total == 0) return;
  Staging s(ctx, out);
  launch(ctx.op, total, batch_norm_kernel, s.in<float>(0), s.in<float>(1), s.in<float>(2), s.in<float>(3),
         s.in<float>(4), s.out<float>(0), x.shape[1], dims_product(x.shape, 2, x.rank()), eps);
  s.finish();
}

}  // namespace

void add_normalization_computes(ComputeTable& t) {
  t.add(OpId::Softmax, compute_softmax<false>);
  t.add(OpId::LogSoftmax, compute_softmax<true>);
  t.add(OpId::LayerNormalization, compute_layer_norm);
  t.add(OpId::RMSNormalization, compute_rms_norm);
  t.add(OpId::BatchNormalization, compute_batch_norm);
}

}  // namespace aivm::cuda
