// CUDA MaxPool, AveragePool, GlobalAveragePool: one thread per output element,
// the definitions of native/cpu/ops/pool.cc (docs/numerics/pool.md). The
// geometry (attributes, output sizes, pads, AveragePool counts) is the CPU's
// own code, ops/pool.h.
//
// The CPU sweeps whole output rows tap by tap; per output element that is the
// window's real taps in (kh, kw) order, each added to one chain (AveragePool)
// or max-ed in (MaxPool), which is what a thread here does directly.
#include <cstdint>
#include <vector>

#include "core/shape_util.h"
#include "ops/pool.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace aivm::cuda {
namespace {

// One spatial axis of the geometry as a kernel argument (Dims entries).
enum : int { kIn, kOut, kKernel, kStride, kDilation, kPadBegin };

Dims axis_dims(const ops::PoolDim& d) {
  return dims_of({d.in, d.out, d.kernel, d.stride, d.dilation, d.pad_begin});
}

// The taps k in [k0, k1) of window o that land on the input:
// 0 <= o*stride - pad_begin + k*dilation < in. Computed, not searched, so a
// huge dilated kernel costs nothing; the taps are still visited in increasing k.
AIVM_HD void real_taps(const Dims& a, int64_t o, int64_t& k0, int64_t& k1) {
  const int64_t start = o * a.v[kStride] - a.v[kPadBegin];
  const int64_t d = a.v[kDilation];
  const int64_t last = a.v[kIn] - 1 - start;  // k*d <= last
  k0 = start >= 0 ? 0 : (-start + d - 1) / d;
  k1 = last < 0 ? 0 : last / d + 1;
  if (k1 > a.v[kKernel]) k1 = a.v[kKernel];
  if (k0 > k1) k0 = k1;
}

// The input position of tap k of window o.
AIVM_HD int64_t tap_pos(const Dims& a, int64_t o, int64_t k) {
  return o * a.v[kStride] - a.v[kPadBegin] + k * a.v[kDilation];
}

AIVM_HD float neg_inf() { return math::f32_from_bits(0xFF800000u); }

// Folds acc = step(acc, x) over the real taps of output element i, in (kh, kw)
// order, starting from init (padding taps are skipped, never read); sets the
// element's output row and column.
template <class Step>
AIVM_HD float fold_window(const float* x, int64_t i, const Dims& h, const Dims& w, float init, Step step,
                          int64_t& oh, int64_t& ow) {
  ow = i % w.v[kOut];
  oh = (i / w.v[kOut]) % h.v[kOut];
  const float* plane = x + (i / w.v[kOut] / h.v[kOut]) * h.v[kIn] * w.v[kIn];
  int64_t kh0, kh1, kw0, kw1;
  real_taps(h, oh, kh0, kh1);
  real_taps(w, ow, kw0, kw1);
  float acc = init;
  for (int64_t kh = kh0; kh < kh1; ++kh) {
    const float* row = plane + tap_pos(h, oh, kh) * w.v[kIn];
    for (int64_t kw = kw0; kw < kw1; ++kw) acc = step(acc, row[tap_pos(w, ow, kw)]);
  }
  return acc;
}

struct MaxStep {
  AIVM_HD float operator()(float a, float b) const { return max_f32(a, b); }
};
struct AddStep {
  AIVM_HD float operator()(float a, float b) const { return add_rn(a, b); }
};

// MaxPool: max_f32 over the real taps from -inf (padding never wins; a window
// without real taps gives -inf). max_f32 is the CPU's rule (any NaN -> the
// canonical NaN, +0 > -0) and order-free, so this equals the CPU's max over
// order keys bit for bit.
AIVM_KERNEL maxpool_kernel(int64_t n, const float* x, float* y, Dims h, Dims w) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    int64_t oh, ow;
    y[i] = fold_window(x, i, h, w, neg_inf(), MaxStep{}, oh, ow);
  }
}

// AveragePool: one chain from -0 over the real taps in (kh, kw) order (padding
// skipped, not added as 0), then one division by count_h[oh] * count_w[ow];
// count 0 (no real tap, count_include_pad = 0) and any NaN give the canonical NaN.
AIVM_KERNEL avgpool_kernel(int64_t n, const float* x, float* y, Dims h, Dims w, const int64_t* count_h,
                           const int64_t* count_w) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    int64_t oh, ow;
    const float acc = fold_window(x, i, h, w, -0.0f, AddStep{}, oh, ow);
    const int64_t cnt = count_h[oh] * count_w[ow];
    y[i] = cnt == 0 ? canonical_nan() : canon(div_rn(acc, float(cnt)));
  }
}

// The per-axis divisors, computed on the host by the CPU's own tap_count.
std::vector<int64_t> tap_counts(const ops::PoolDim& d, bool include_pad) {
  std::vector<int64_t> c(size_t(d.out));
  for (int64_t o = 0; o < d.out; ++o) c[size_t(o)] = ops::pool_tap_count(d, o, include_pad);
  return c;
}

// The contract's geometry (ops/pool.h), with the CPU's defaults and checks.
void compute_maxpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::PoolGeom& g = ctx.params_as<ops::PoolGeom>();
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), maxpool_kernel, s.in<float>(0), s.out<float>(0), axis_dims(g.h), axis_dims(g.w));
  s.finish();
}

void compute_avgpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::PoolGeom& g = ctx.params_as<ops::PoolGeom>();
  Staging s(ctx, out);
  const int64_t* count_h = s.upload(tap_counts(g.h, g.count_include_pad));
  const int64_t* count_w = s.upload(tap_counts(g.w, g.count_include_pad));
  launch(ctx.op, out[0].numel(), avgpool_kernel, s.in<float>(0), s.out<float>(0), axis_dims(g.h), axis_dims(g.w),
         count_h, count_w);
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
