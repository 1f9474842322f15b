// Pooling over the spatial dims of an N x C x D1 x ... x Dk float32 tensor
// (k = 1 .. 6): MaxPool (with its Indices output), AveragePool and
// GlobalAveragePool (docs/numerics/pool.md).
//
// Every output element is computed from its own window only, so threads split
// output rows (n, c and every output index but the innermost) and SIMD lanes
// split output columns; neither can change a bit. MaxPool works on an
// order-preserving integer key of each float (max is then an integer max,
// order-free and vectorizable); AveragePool adds a window's elements in one
// fixed chain (the taps in row-major window order: for 2-D kh, then kw) and
// divides by its count.
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

// Row strides of X's spatial dims (dim i's step in a row-major plane) and the
// column-major ones storage_order 1 numbers Indices by (the first dim fastest).
struct PlaneStrides {
  int64_t row[ops::kPoolMaxSpatial];
  int64_t col[ops::kPoolMaxSpatial];
};

PlaneStrides plane_strides(const PoolGeom& g) {
  PlaneStrides st{};
  int64_t r = 1, c = 1;
  for (int i = g.spatial - 1; i >= 0; --i) {
    st.row[i] = r;
    r *= g.dim[i].in;
  }
  for (int i = 0; i < g.spatial; ++i) {
    st.col[i] = c;
    c *= g.dim[i].in;
  }
  return st;
}

// Visits the real taps of the leading spatial dims (all but the innermost) of
// the windows of one output row (`lead` = the row's index over those dims' outputs,
// the last fastest): the taps of dim 0 in increasing k, within each the taps of
// dim 1 in increasing k, ... (for 2-D: the real kh in increasing order). For
// each it calls visit(row_off, col_off): the tap's offset in the row-major plane,
// and in the column-major numbering of Indices. 1-D: one call, visit(0, 0).
template <class Visit>
void for_each_lead_tap(const PoolGeom& g, const PlaneStrides& st, int64_t lead, Visit&& visit) {
  const int L = g.spatial - 1;
  int64_t o[ops::kPoolMaxSpatial], k0[ops::kPoolMaxSpatial], k1[ops::kPoolMaxSpatial], k[ops::kPoolMaxSpatial];
  for (int j = L - 1; j >= 0; --j) {
    o[j] = lead % g.dim[j].out;
    lead /= g.dim[j].out;
  }
  for (int j = 0; j < L; ++j) {
    ops::pool_real_taps(g.dim[j], o[j], k0[j], k1[j]);
    if (k0[j] >= k1[j]) return;  // no real tap along dim j: the window is all padding
    k[j] = k0[j];
  }
  for (;;) {
    int64_t row_off = 0, col_off = 0;
    for (int j = 0; j < L; ++j) {
      const PoolDim& d = g.dim[j];
      const int64_t pos = o[j] * d.stride - d.pad_begin + k[j] * d.dilation;
      row_off += pos * st.row[j];
      col_off += pos * st.col[j];
    }
    visit(row_off, col_off);
    int j = L - 1;
    for (; j >= 0; --j) {
      if (++k[j] < k1[j]) break;
      k[j] = k0[j];
    }
    if (j < 0) return;
  }
}

// The product of the leading dims' outputs (the rows of one plane) and a
// saturated count of a window's taps (work per output, for chunk sizes only).
int64_t lead_rows(const PoolGeom& g) {
  int64_t r = 1;
  for (int j = 0; j + 1 < g.spatial; ++j) r *= g.dim[j].out;
  return r;
}

int64_t window_work(const PoolGeom& g) {
  int64_t t = g.inner().out;
  constexpr int64_t kCap = int64_t(1) << 40;
  for (int j = 0; j < g.spatial; ++j) t = t > kCap / g.dim[j].kernel ? kCap : t * g.dim[j].kernel;
  return t;
}

void compute_maxpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const PoolGeom& g = ctx.params_as<PoolGeom>();
  const PoolDim& w = g.inner();
  const PlaneStrides st = plane_strides(g);
  const int64_t lead_out = lead_rows(g);
  const int64_t in_plane = g.in_plane();
  const float* px = ctx.input(0).ptr<float>();
  float* py = out[0].ptr<float>();
  int64_t* pi = g.indices ? out[1].ptr<int64_t>() : nullptr;
  const int64_t col_w = st.col[g.spatial - 1];
  int64_t rows = g.n * g.c * lead_out;
  ctx.parallel_for(rows, rows_per_chunk(window_work(g)), [&](int64_t begin, int64_t end) {
    std::vector<int32_t> acc(size_t(w.out));
    std::vector<int64_t> idx(pi ? size_t(w.out) : 0);
    for (int64_t r = begin; r < end; ++r) {
      const int64_t plane_index = r / lead_out;
      const float* plane = px + plane_index * in_plane;
      // Padding never wins. With Indices, start below every key so that the
      // first real tap is taken even when it is -inf (Y is clamped back below).
      const int32_t init = pi ? kNegInfKey - 1 : kNegInfKey;
      for (int64_t ow = 0; ow < w.out; ++ow) acc[size_t(ow)] = init;
      if (pi) {
        for (int64_t ow = 0; ow < w.out; ++ow) idx[size_t(ow)] = -1;  // no real tap: -1
      }
      for_each_lead_tap(g, st, r % lead_out, [&](int64_t row_off, int64_t col_off) {
        const float* row = plane + row_off;
        for (int64_t kw = 0; kw < w.kernel; ++kw) {
          int64_t off = kw * w.dilation - w.pad_begin;
          int64_t lo, hi;
          tap_range(w, off, lo, hi);
          int32_t* a = acc.data();
          if (pi) {
            // Indices: the first tap (in window order) whose key is the
            // window's maximum, so only a strictly larger key replaces it.
            const int64_t base = plane_index * in_plane + (g.column_major ? col_off : row_off);
            const int64_t step = g.column_major ? col_w : 1;
            int64_t* ix = idx.data();
            for (int64_t ow = lo; ow < hi; ++ow) {
              const int64_t iw = ow * w.stride + off;
              int32_t k = float_key(row[iw]);
              if (k > a[ow]) {
                a[ow] = k;
                ix[ow] = base + iw * step;
              }
            }
          } else if (w.stride == 1) {
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
      });
      float* y = py + r * w.out;
      for (int64_t ow = 0; ow < w.out; ++ow) y[ow] = key_float(acc[size_t(ow)] < kNegInfKey ? kNegInfKey : acc[size_t(ow)]);
      if (pi) {
        int64_t* yi = pi + r * w.out;
        for (int64_t ow = 0; ow < w.out; ++ow) yi[ow] = idx[size_t(ow)];
      }
    }
  });
}

void compute_avgpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const PoolGeom& g = ctx.params_as<PoolGeom>();
  const PoolDim& w = g.inner();
  const PlaneStrides st = plane_strides(g);
  const int64_t lead_out = lead_rows(g);
  const int64_t in_plane = g.in_plane();
  const float* px = ctx.input(0).ptr<float>();
  float* py = out[0].ptr<float>();
  // Per dim, the divisor's factor of each output position.
  std::vector<std::vector<int64_t>> counts(size_t(g.spatial));
  for (int j = 0; j < g.spatial; ++j) {
    counts[size_t(j)].resize(size_t(g.dim[j].out));
    for (int64_t o = 0; o < g.dim[j].out; ++o) counts[size_t(j)][size_t(o)] = ops::pool_tap_count(g.dim[j], o, g.count_include_pad);
  }
  const std::vector<int64_t>& count_w = counts[size_t(g.spatial - 1)];
  int64_t rows = g.n * g.c * lead_out;
  ctx.parallel_for(rows, rows_per_chunk(window_work(g)), [&](int64_t begin, int64_t end) {
    std::vector<float> acc(size_t(w.out));
    for (int64_t r = begin; r < end; ++r) {
      const float* plane = px + (r / lead_out) * in_plane;
      for (int64_t ow = 0; ow < w.out; ++ow) acc[size_t(ow)] = -0.0f;
      // For each output column the additions happen in window order (the
      // leading dims' taps, outermost slowest, then kw): one chain.
      for_each_lead_tap(g, st, r % lead_out, [&](int64_t row_off, int64_t) {
        const float* row = plane + row_off;
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
      });
      int64_t lead_count = 1;
      for (int64_t j = g.spatial - 2, lead = r % lead_out; j >= 0; --j) {
        lead_count *= counts[size_t(j)][size_t(lead % g.dim[j].out)];
        lead /= g.dim[j].out;
      }
      float* y = py + r * w.out;
      for (int64_t ow = 0; ow < w.out; ++ow) {
        int64_t cnt = lead_count * count_w[size_t(ow)];
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
