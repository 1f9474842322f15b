// Softmax, LogSoftmax, LayerNormalization and BatchNormalization (inference).
// Every float sum over a normalized slice is op_common's canonical_sum (16
// strided partials, fixed tree), so SIMD width, threads and batch size cannot
// change a bit: threads split independent slices only, SIMD lanes run either
// along one contiguous slice (inside canonical_sum) or across independent
// slices that each keep their own 16 partials in the canonical element->partial
// mapping. The exact operation sequences are in docs/numerics/normalization.md.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ops/normalization.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/transcendental.h"

// GCC's -O2 "very cheap" vectorizer cost model refuses every loop whose trip
// count is not a known multiple of the vector width (it allows no scalar
// epilogue and no runtime alias check), i.e. every row loop here. The dynamic
// model only changes WHICH loops are vectorized: with -ffp-contract=off and no
// fast-math a vectorized loop performs the same IEEE operations on the same
// operands (float reductions stay in order), so no output bit can change.
// Placed after the includes so it applies to this file's own functions only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// ---- Slice maximum with max_f32's rules, written so it vectorizes ----------
// max_f32 is associative and commutative (NaN wins, +0 > -0), so the order of
// the comparisons cannot matter. Floats are mapped to int32 keys whose signed
// order is the float order with -0 < +0 (a negative float's magnitude bits are
// flipped; order_key in op_common.h); the maximum key maps back to the maximum
// float. NaNs are detected separately and give the canonical NaN, exactly as max_f32 does.
inline int32_t nan_flag(float x) { return math::is_nan_f32(x) ? 1 : 0; }

// Maximum of x[0..n), n >= 1, contiguous.
float row_max(const float* x, int64_t n) {
  int32_t kmax = INT32_MIN;
  int32_t nan = 0;
  for (int64_t i = 0; i < n; ++i) {
    int32_t k = order_key(x[i]);
    kmax = k > kmax ? k : kmax;
    nan |= nan_flag(x[i]);
  }
  return nan ? canonical_nan() : from_order_key(kmax);
}

// Every NaN an op writes is the canonical quiet NaN: which NaN operand an x86
// instruction propagates depends on operand order, which the compiler may
// commute differently in scalar and vector code.
inline float canon(float v) { return v != v ? canonical_nan() : v; }

// ---- Softmax / LogSoftmax -----------------------------------------------------

// Number of independent strided slices processed together when the softmax
// axis is not the innermost one (their data is contiguous across the tile).
constexpr int64_t kSliceTile = 64;

// One contiguous slice: y = softmax(x) or log_softmax(x).
template <bool LOG> void softmax_row(const float* x, float* y, int64_t n) {
  const float m = row_max(x, n);
  for (int64_t i = 0; i < n; ++i) y[i] = math::exp_f32(x[i] - m);
  const float s = canonical_sum(y, n, 1);
  if (LOG) {
    const float ls = math::log_f32(s);
    for (int64_t i = 0; i < n; ++i) y[i] = canon((x[i] - m) - ls);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = canon(y[i] / s);
  }
}

// w independent slices (w <= kSliceTile) of length n, slice p's element k at
// x[k * stride + p]. Each slice gets exactly softmax_row's operations: its
// own maximum, exp, canonical sum (partial k % 16, same tree) and division.
template <bool LOG> void softmax_tile(const float* x, float* y, int64_t n, int64_t stride, int64_t w) {
  int32_t kmax[kSliceTile], nan[kSliceTile];
  float m[kSliceTile], acc[kSumLanes][kSliceTile];
  for (int64_t p = 0; p < w; ++p) {
    kmax[p] = INT32_MIN;
    nan[p] = 0;
  }
  for (int64_t k = 0; k < n; ++k) {
    const float* xr = x + k * stride;
    for (int64_t p = 0; p < w; ++p) {
      int32_t key = order_key(xr[p]);
      kmax[p] = key > kmax[p] ? key : kmax[p];
      nan[p] |= nan_flag(xr[p]);
    }
  }
  for (int64_t p = 0; p < w; ++p) m[p] = nan[p] ? canonical_nan() : from_order_key(kmax[p]);
  for (int j = 0; j < kSumLanes; ++j) {
    for (int64_t p = 0; p < w; ++p) acc[j][p] = -0.0f;
  }
  for (int64_t k = 0; k < n; ++k) {
    const float* xr = x + k * stride;
    float* yr = y + k * stride;
    float* a = acc[k % kSumLanes];
    for (int64_t p = 0; p < w; ++p) {
      yr[p] = math::exp_f32(xr[p] - m[p]);
      a[p] += yr[p];
    }
  }
  for (int h = kSumLanes / 2; h >= 1; h /= 2) {
    for (int j = 0; j < h; ++j) {
      for (int64_t p = 0; p < w; ++p) acc[j][p] += acc[j + h][p];
    }
  }
  // acc[0][p] is the slice's canonical sum (n >= 1 here, so never the empty +0).
  if (LOG) {
    float ls[kSliceTile];
    for (int64_t p = 0; p < w; ++p) ls[p] = math::log_f32(acc[0][p]);
    for (int64_t k = 0; k < n; ++k) {
      const float* xr = x + k * stride;
      float* yr = y + k * stride;
      for (int64_t p = 0; p < w; ++p) yr[p] = canon((xr[p] - m[p]) - ls[p]);
    }
  } else {
    for (int64_t k = 0; k < n; ++k) {
      float* yr = y + k * stride;
      for (int64_t p = 0; p < w; ++p) yr[p] = canon(yr[p] / acc[0][p]);
    }
  }
}

template <bool LOG> void compute_softmax(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int axis = ctx.params_as<ops::SoftmaxParams>().axis;
  const int64_t outer = dims_product(x.shape, 0, axis);
  const int64_t n = x.shape[size_t(axis)];
  const int64_t inner = dims_product(x.shape, axis + 1, x.rank());
  if (outer == 0 || n == 0 || inner == 0) return;
  const float* px = x.ptr<float>();
  float* py = out[0].ptr<float>();
  if (inner == 1) {
    int64_t min_rows = rows_per_chunk(n);
    ctx.parallel_for(outer, min_rows, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) softmax_row<LOG>(px + r * n, py + r * n, n);
    });
    return;
  }
  const int64_t tiles = (inner + kSliceTile - 1) / kSliceTile;
  const int64_t per_unit = n * std::min(inner, kSliceTile);
  const int64_t min_units = rows_per_chunk(per_unit);
  ctx.parallel_for(outer * tiles, min_units, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      int64_t o = u / tiles, t = u % tiles;
      int64_t p0 = t * kSliceTile;
      int64_t w = std::min(kSliceTile, inner - p0);
      int64_t off = o * n * inner + p0;
      softmax_tile<LOG>(px + off, py + off, n, inner, w);
    }
  });
}

// ---- LayerNormalization ---------------------------------------------------------

// Scale or bias as n floats, one per element of a normalized row: the tensor's own
// data when it has n elements, else broadcast into `buf`.
const float* per_row_param(const Tensor& t, const Tensor& x, const ops::LayerNormShape& ls, std::vector<float>& buf) {
  if (t.numel() == ls.n) return t.ptr<float>();
  buf = ops::layer_norm_expand_param(t, Shape(x.shape.begin() + ls.axis, x.shape.end()));
  return buf.data();
}

void compute_layer_norm(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::LayerNormShape& ls = ctx.params_as<ops::LayerNormShape>();
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  const Tensor* bias = ctx.optional(2);
  const float eps = ls.epsilon;
  const int64_t n = ls.n;
  if (ls.outer == 0) return;
  std::vector<float> scale_buf, bias_buf;
  const float* sc = per_row_param(scale, x, ls, scale_buf);
  const float* bi = bias ? per_row_param(*bias, x, ls, bias_buf) : nullptr;
  const float* px = x.ptr<float>();
  float* py = out[0].ptr<float>();
  float* pmean = out[1].ptr<float>();
  float* pinv = out[2].ptr<float>();
  const float fn = float(n);
  int64_t min_rows = rows_per_chunk(n);
  ctx.parallel_for(ls.outer, min_rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = px + r * n;
      float* yr = py + r * n;
      const float mean = canonical_sum(xr, n, 1) / fn;
      // The squared deviations go through y, which is overwritten below.
      for (int64_t i = 0; i < n; ++i) {
        float d = xr[i] - mean;
        yr[i] = d * d;
      }
      const float var = canonical_sum(yr, n, 1) / fn;
      const float inv = 1.0f / std::sqrt(var + eps);
      if (bi) {
        for (int64_t i = 0; i < n; ++i) yr[i] = canon(math::fma_f32((xr[i] - mean) * inv, sc[i], bi[i]));
      } else {
        for (int64_t i = 0; i < n; ++i) yr[i] = canon(((xr[i] - mean) * inv) * sc[i]);
      }
      pmean[r] = canon(mean);
      pinv[r] = canon(inv);
    }
  });
}

// ---- RMSNormalization -------------------------------------------------------------

// ms = canonical_sum(x_i * x_i) / n, inv = 1 / sqrt(ms + eps), y_i = (x_i * inv) * sc_i.
void compute_rms_norm(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::LayerNormShape& ls = ctx.params_as<ops::LayerNormShape>();
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  const float eps = ls.epsilon;
  const int64_t n = ls.n;
  if (ls.outer == 0) return;
  std::vector<float> scale_buf;
  const float* sc = per_row_param(scale, x, ls, scale_buf);
  const float* px = x.ptr<float>();
  float* py = out[0].ptr<float>();
  const float fn = float(n);
  int64_t min_rows = rows_per_chunk(n);
  ctx.parallel_for(ls.outer, min_rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = px + r * n;
      float* yr = py + r * n;
      for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] * xr[i];  // the squares go through y, overwritten below
      const float inv = 1.0f / std::sqrt(canonical_sum(yr, n, 1) / fn + eps);
      for (int64_t i = 0; i < n; ++i) yr[i] = canon((xr[i] * inv) * sc[i]);
    }
  });
}

// ---- BatchNormalization (inference) ---------------------------------------------

void compute_batch_norm(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const float eps = ctx.params_as<ops::BatchNormParams>().epsilon;
  const int64_t c = x.shape[1];
  const int64_t spatial = dims_product(x.shape, 2, x.rank());
  const int64_t total = x.numel();
  if (total == 0) return;
  const float* scale = ctx.input(1).ptr<float>();
  const float* bias = ctx.input(2).ptr<float>();
  const float* mean = ctx.input(3).ptr<float>();
  const float* var = ctx.input(4).ptr<float>();
  std::vector<float> s(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) s[size_t(ch)] = scale[ch] / std::sqrt(var[ch] + eps);
  const float* px = x.ptr<float>();
  float* py = out[0].ptr<float>();
  ctx.parallel_for(total, kMinChunkElements, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
    while (i < end) {
      int64_t plane = i / spatial;
      int64_t ch = plane % c;
      int64_t stop = std::min(end, (plane + 1) * spatial);
      const float mc = mean[ch], sc = s[size_t(ch)], bc = bias[ch];
      for (int64_t j = i; j < stop; ++j) py[j] = canon(math::fma_f32(px[j] - mc, sc, bc));
      i = stop;
    }
  });
}

}  // namespace

void add_normalization_computes(ComputeTable& t) {
  t.add(OpId::Softmax, compute_softmax<false>);
  t.add(OpId::LogSoftmax, compute_softmax<true>);
  t.add(OpId::LayerNormalization, compute_layer_norm);
  t.add(OpId::RMSNormalization, compute_rms_norm);
  t.add(OpId::BatchNormalization, compute_batch_norm);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
