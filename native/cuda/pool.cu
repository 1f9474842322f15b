// CUDA MaxPool (and its Indices), AveragePool (1-D to 6-D), GlobalAveragePool:
// one thread per output element,
// the definitions of native/cpu/ops/pool.cc (docs/numerics/pool.md). The
// geometry (attributes, output sizes, pads, AveragePool counts) is the CPU's
// own code, ops/pool.h.
//
// The CPU sweeps whole output rows tap by tap; per output element that is the
// window's real taps in window order (for 2-D (kh, kw); for 3-D (kd, kh, kw)),
// each added to one chain (AveragePool) or max-ed in (MaxPool), which is what a
// thread here does directly.
#include <cstdint>
#include <vector>

#include "core/shape_util.h"
#include "ops/pool.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace aivm::cuda {
namespace {

// The geometry as one kernel argument: per spatial dim (outermost first) its
// size, output size, kernel, stride, dilation and leading pad; the plane's
// row-major and column-major (storage_order 1) strides; where each dim's
// AveragePool divisors start in the uploaded count table.
enum : int { kIn, kOut, kKernel, kStride, kDilation, kPadBegin, kAxisFields };

struct Geo {
  int64_t a[ops::kPoolMaxSpatial][kAxisFields];
  int64_t row_stride[ops::kPoolMaxSpatial];
  int64_t col_stride[ops::kPoolMaxSpatial];
  int64_t count_at[ops::kPoolMaxSpatial];
  int64_t in_plane;
  int spatial;
  int column_major;
};

Geo geo_of(const ops::PoolGeom& g) {
  Geo r{};
  r.spatial = g.spatial;
  r.column_major = g.column_major ? 1 : 0;
  int64_t row = 1, col = 1, at = 0;
  for (int i = g.spatial - 1; i >= 0; --i) {
    r.row_stride[i] = row;
    row *= g.dim[i].in;
  }
  for (int i = 0; i < g.spatial; ++i) {
    const ops::PoolDim& d = g.dim[i];
    const int64_t v[kAxisFields] = {d.in, d.out, d.kernel, d.stride, d.dilation, d.pad_begin};
    for (int f = 0; f < kAxisFields; ++f) r.a[i][f] = v[f];
    r.col_stride[i] = col;
    col *= d.in;
    r.count_at[i] = at;
    at += d.out;
  }
  r.in_plane = row;
  return r;
}

// The taps k in [k0, k1) of window o along dim i that land on the input:
// 0 <= o*stride - pad_begin + k*dilation < in. Computed, not searched, so a
// huge dilated kernel costs nothing; the taps are still visited in increasing k.
AIVM_HD void real_taps(const Geo& g, int i, int64_t o, int64_t& k0, int64_t& k1) {
  const int64_t start = o * g.a[i][kStride] - g.a[i][kPadBegin];
  const int64_t d = g.a[i][kDilation];
  const int64_t last = g.a[i][kIn] - 1 - start;  // k*d <= last
  k0 = start >= 0 ? 0 : (-start + d - 1) / d;
  k1 = last < 0 ? 0 : last / d + 1;
  if (k1 > g.a[i][kKernel]) k1 = g.a[i][kKernel];
  if (k0 > k1) k0 = k1;
}

AIVM_HD float neg_inf() { return math::f32_from_bits(0xFF800000u); }

// Output element i's plane and per-dim output positions (the last dim fastest).
AIVM_HD int64_t decode(const Geo& g, int64_t i, int64_t* o) {
  for (int j = g.spatial - 1; j >= 0; --j) {
    o[j] = i % g.a[j][kOut];
    i /= g.a[j][kOut];
  }
  return i;
}

// Calls step(x, row_major_offset, column_major_offset) for each real tap of
// output element i's window in window order (dim 0's taps slowest, each dim's
// in increasing k; for 2-D (kh, kw)), offsets within the element's plane.
// Padding taps are skipped, never read. Returns the element's plane.
template <class Step>
AIVM_HD int64_t fold_window(const float* x, const Geo& g, int64_t i, Step& step) {
  int64_t o[ops::kPoolMaxSpatial], k0[ops::kPoolMaxSpatial], k1[ops::kPoolMaxSpatial], k[ops::kPoolMaxSpatial];
  const int64_t plane = decode(g, i, o);
  const float* px = x + plane * g.in_plane;
  for (int j = 0; j < g.spatial; ++j) {
    real_taps(g, j, o[j], k0[j], k1[j]);
    if (k0[j] >= k1[j]) return plane;
    k[j] = k0[j];
  }
  for (;;) {
    int64_t row = 0, col = 0;
    for (int j = 0; j < g.spatial; ++j) {
      const int64_t pos = o[j] * g.a[j][kStride] - g.a[j][kPadBegin] + k[j] * g.a[j][kDilation];
      row += pos * g.row_stride[j];
      col += pos * g.col_stride[j];
    }
    step(px[row], row, col);
    int j = g.spatial - 1;
    for (; j >= 0; --j) {
      if (++k[j] < k1[j]) break;
      k[j] = k0[j];
    }
    if (j < 0) return plane;
  }
}

struct MaxStep {
  float acc;
  AIVM_HD void operator()(float v, int64_t, int64_t) { acc = max_f32(acc, v); }
};
struct AddStep {
  float acc;
  AIVM_HD void operator()(float v, int64_t, int64_t) { acc = add_rn(acc, v); }
};
// The CPU's order key (cpu/op_common.h): signed order = float order with
// -0 < +0, every NaN above +inf.
AIVM_HD int32_t float_key(float f) {
  if (math::is_nan_f32(f)) return INT32_MAX;
  const int32_t b = int32_t(math::f32_to_bits(f));
  return b ^ ((b >> 31) & 0x7FFFFFFF);
}
// MaxPool with Indices: the first tap in window order with the largest key.
struct ArgMaxStep {
  int32_t best;
  int64_t at;
  int column_major;
  AIVM_HD void operator()(float v, int64_t row, int64_t col) {
    const int32_t k = float_key(v);
    if (k > best) {
      best = k;
      at = column_major ? col : row;
    }
  }
};

// MaxPool: max_f32 over the real taps from -inf (padding never wins; a window
// without real taps gives -inf). max_f32 is the CPU's rule (any NaN -> the
// canonical NaN, +0 > -0) and order-free, so this equals the CPU's max over
// order keys bit for bit.
AIVM_KERNEL maxpool_kernel(int64_t n, const float* x, float* y, Geo g) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    MaxStep s{neg_inf()};
    fold_window(x, g, i, s);
    y[i] = s.acc;
  }
}

// MaxPool with Indices: Y as maxpool_kernel (max_f32 of the same taps is the
// float of the largest key), Indices the chosen tap's flat index in X
// (plane * plane size + its offset, row- or column-major), -1 without real taps.
AIVM_KERNEL maxpool_indices_kernel(int64_t n, const float* x, float* y, int64_t* yi, Geo g) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    MaxStep s{neg_inf()};
    fold_window(x, g, i, s);
    y[i] = s.acc;
    ArgMaxStep a{float_key(neg_inf()) - 1, -1, g.column_major};  // below every key: a -inf tap is taken
    const int64_t plane = fold_window(x, g, i, a);
    yi[i] = a.at < 0 ? -1 : plane * g.in_plane + a.at;
  }
}

// AveragePool: one chain from -0 over the real taps in window order (padding
// skipped, not added as 0), then one division by the product of the per-dim
// divisors; count 0 (no real tap, count_include_pad = 0) and any NaN give the
// canonical NaN.
AIVM_KERNEL avgpool_kernel(int64_t n, const float* x, float* y, Geo g, const int64_t* counts) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    AddStep s{-0.0f};
    fold_window(x, g, i, s);
    int64_t o[ops::kPoolMaxSpatial];
    decode(g, i, o);
    int64_t cnt = 1;
    for (int j = 0; j < g.spatial; ++j) cnt *= counts[g.count_at[j] + o[j]];
    y[i] = cnt == 0 ? canonical_nan() : canon(div_rn(s.acc, float(cnt)));
  }
}

// The per-axis divisors, computed on the host by the CPU's own tap_count, one
// table of every dim's in turn.
std::vector<int64_t> tap_counts(const ops::PoolGeom& g) {
  std::vector<int64_t> c;
  for (int j = 0; j < g.spatial; ++j) {
    for (int64_t o = 0; o < g.dim[j].out; ++o) c.push_back(ops::pool_tap_count(g.dim[j], o, g.count_include_pad));
  }
  return c;
}

// The contract's geometry (ops/pool.h), with the CPU's defaults and checks.
void compute_maxpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::PoolGeom& g = ctx.params_as<ops::PoolGeom>();
  Staging s(ctx, out);
  if (g.indices) {
    launch(ctx.op, out[0].numel(), maxpool_indices_kernel, s.in<float>(0), s.out<float>(0), s.out<int64_t>(1),
           geo_of(g));
  } else {
    launch(ctx.op, out[0].numel(), maxpool_kernel, s.in<float>(0), s.out<float>(0), geo_of(g));
  }
  s.finish();
}

void compute_avgpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::PoolGeom& g = ctx.params_as<ops::PoolGeom>();
  Staging s(ctx, out);
  const int64_t* counts = s.upload(tap_counts(g));
  launch(ctx.op, out[0].numel(), avgpool_kernel, s.in<float>(0), s.out<float>(0), geo_of(g), counts);
  s.finish();
}

// GlobalAveragePool: one thread per (n, c) plane of P elements:
// canonical_sum(plane, P, 1) / float(P), NaN -> the canonical NaN.
AIVM_KERNEL global_avgpool_kernel(int64_t n, const float* x, float* y, int64_t plane, float count) {
  for (int64_t p = grid_first(); p < n; p += grid_stride()) {
    y[p] = canon(div_rn(canonical_sum(x + p * plane, plane, 1), count));
  }
}

void compute_global_avgpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int64_t plane = dims_product(x.shape, 2, x.rank());  // >= 1 (infer)
  Staging s(ctx, out);
  launch(ctx.op, x.shape[0] * x.shape[1], global_avgpool_kernel, s.in<float>(0), s.out<float>(0), plane,
         float(plane));
  s.finish();
}

}  // namespace

void add_pool_computes(ComputeTable& t) {
  t.add(OpId::MaxPool, compute_maxpool);
  t.add(OpId::AveragePool, compute_avgpool);
  t.add(OpId::GlobalAveragePool, compute_global_avgpool);
}

}  // namespace aivm::cuda
