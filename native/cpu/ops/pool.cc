// Pooling over the two spatial dims of an N x C x H x W float32 tensor:
// MaxPool, AveragePool and GlobalAveragePool (docs/numerics/pool.md).
//
// Every output element is computed from its own window only, so threads split
// (n, c, output row) triples and SIMD lanes split output columns; neither can
// change a bit. MaxPool works on an order-preserving integer key of each float
// (max is then an integer max, order-free and vectorizable); AveragePool adds a
// window's elements in one fixed chain (kh, then kw) and divides by its count.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "ops/pool.h"

// GCC's -O2 "very cheap" vectorizer cost model refuses loops whose trip count
// is not a known multiple of the vector width; the dynamic model only changes
// which loops are vectorized, never the operations or their order
// (-ffp-contract=off, no fast-math). This file's functions only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// The attribute parsing and geometry (output sizes, pads, AveragePool counts)
// are shared with the CUDA ops: ops/pool.h.
using ops::PoolDim;
using ops::PoolGeom;

// Output positions o in [lo, hi) whose tap at offset `off` (= k*dilation -
// pad_begin) lands inside the input: 0 <= o*stride + off < in.
void tap_range(const PoolDim& d, int64_t off, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + d.stride - 1) / d.stride;
  int64_t last = d.in - 1 - off;  // o*stride <= last
  hi = last < 0 ? 0 : last / d.stride + 1;
  if (hi > d.out) hi = d.out;
  if (lo > hi) lo = hi;
}

// Order-preserving key of a float: signed integer order of keys = numeric order
// with -0 < +0. Every NaN maps to INT32_MAX, above +inf's key. max over keys is
// therefore exactly max_f32 (op_common.h) and needs no branches.
constexpr int32_t kNanKey = INT32_MAX;
constexpr uint32_t kInfBits = 0x7F800000u;

inline int32_t float_key(float f) { return math::is_nan_f32(f) ? kNanKey : order_key(f); }

inline float key_float(int32_t k) { return k > int32_t(kInfBits) ? canonical_nan() : from_order_key(k); }

constexpr int32_t kNegInfKey = int32_t(0xFF800000u ^ 0x7FFFFFFFu);  // float_key(-inf)

void compute_maxpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const PoolGeom& g = ctx.params_as<PoolGeom>();
  const PoolDim& h = g.h;
  const PoolDim& w = g.w;
  const float* px = ctx.input(0).ptr<float>();
  float* py = out[0].ptr<float>();
  int64_t rows = g.n * g.c * h.out;
  ctx.parallel_for(rows, rows_per_chunk(w.out * h.kernel * w.kernel), [&](int64_t begin, int64_t end) {
    std::vector<int32_t> acc(size_t(w.out));
    for (int64_t r = begin; r < end; ++r) {
      int64_t oh = r % h.out;
      const float* plane = px + (r / h.out) * h.in * w.in;
      for (int64_t ow = 0; ow < w.out; ++ow) acc[size_t(ow)] = kNegInfKey;  // padding never wins
      for (int64_t kh = 0; kh < h.kernel; ++kh) {
        int64_t ih = oh * h.stride - h.pad_begin + kh * h.dilation;
        if (ih < 0 || ih >= h.in) continue;
        const float* row = plane + ih * w.in;
        for (int64_t kw = 0; kw < w.kernel; ++kw) {
          int64_t off = kw * w.dilation - w.pad_begin;
          int64_t lo, hi;
          tap_range(w, off, lo, hi);
          int32_t* a = acc.data();
          if (w.stride == 1) {
            const float* src = row + (lo + off);  // input column of output column lo
            int32_t* dst = a + lo;
            for (int64_t i = 0; i < hi - lo; ++i) {
              int32_t k = float_key(src[i]);
              dst[i] = k > dst[i] ? k : dst[i];
            }
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) {
              int32_t k = float_key(row[ow * w.stride + off]);
              a[ow] = k > a[ow] ? k : a[ow];
            }
          }
        }
      }
      float* y = py + r * w.out;
      for (int64_t ow = 0; ow < w.out; ++ow) y[ow] = key_float(acc[size_t(ow)]);
    }
  });
}

void compute_avgpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const PoolGeom& g = ctx.params_as<PoolGeom>();
  const PoolDim& h = g.h;
  const PoolDim& w = g.w;
  const float* px = ctx.input(0).ptr<float>();
  float* py = out[0].ptr<float>();
  std::vector<int64_t> count_w(size_t(w.out));
  for (int64_t ow = 0; ow < w.out; ++ow) count_w[size_t(ow)] = ops::pool_tap_count(w, ow, g.count_include_pad);
  int64_t rows = g.n * g.c * h.out;
  ctx.parallel_for(rows, rows_per_chunk(w.out * h.kernel * w.kernel), [&](int64_t begin, int64_t end) {
    std::vector<float> acc(size_t(w.out));
    for (int64_t r = begin; r < end; ++r) {
      int64_t oh = r % h.out;
      const float* plane = px + (r / h.out) * h.in * w.in;
      for (int64_t ow = 0; ow < w.out; ++ow) acc[size_t(ow)] = -0.0f;
      // For each output column the additions happen in (kh, kw) order: one chain.
      for (int64_t kh = 0; kh < h.kernel; ++kh) {
        int64_t ih = oh * h.stride - h.pad_begin + kh * h.dilation;
        if (ih < 0 || ih >= h.in) continue;
        const float* row = plane + ih * w.in;
        for (int64_t kw = 0; kw < w.kernel; ++kw) {
          int64_t off = kw * w.dilation - w.pad_begin;
          int64_t lo, hi;
          tap_range(w, off, lo, hi);
          float* a = acc.data();
          if (w.stride == 1) {
            const float* src = row + (lo + off);  // input column of output column lo
            float* dst = a + lo;
            for (int64_t i = 0; i < hi - lo; ++i) dst[i] += src[i];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) a[ow] += row[ow * w.stride + off];
          }
        }
      }
      int64_t ch = ops::pool_tap_count(h, oh, g.count_include_pad);
      float* y = py + r * w.out;
      for (int64_t ow = 0; ow < w.out; ++ow) {
        int64_t cnt = ch * count_w[size_t(ow)];
        float v = cnt == 0 ? canonical_nan() : acc[size_t(ow)] / float(cnt);
        y[ow] = v != v ? canonical_nan() : v;
      }
    }
  });
}

void compute_global_avgpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  int64_t planes = x.shape[0] * x.shape[1];
  int64_t plane = dims_product(x.shape, 2, x.rank());
  float count = float(plane);
  const float* px = x.ptr<float>();
  float* py = out[0].ptr<float>();
  ctx.parallel_for(planes, rows_per_chunk(plane), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      float v = canonical_sum(px + p * plane, plane, 1) / count;
      py[p] = v != v ? canonical_nan() : v;
    }
  });
}

}  // namespace

void add_pool_computes(ComputeTable& t) {
  t.add(OpId::MaxPool, compute_maxpool);
  t.add(OpId::AveragePool, compute_avgpool);
  t.add(OpId::GlobalAveragePool, compute_global_avgpool);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
