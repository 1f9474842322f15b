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

// GCC's -O2 "very cheap" vectorizer cost model refuses loops whose trip count
// is not a known multiple of the vector width; the dynamic model only changes
// which loops are vectorized, never the operations or their order
// (-ffp-contract=off, no fast-math). This file's functions only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// Attribute values above this are refused: keeps (k-1)*d and pads sums far
// inside int64 whatever the input shape.
constexpr int64_t kMaxAttrValue = int64_t(1) << 31;

enum class AutoPad { NOTSET, SAME_UPPER, SAME_LOWER, VALID };

// The resolved geometry of one spatial dim.
struct Dim {
  int64_t in = 0;         // input size
  int64_t out = 0;        // output size
  int64_t kernel = 1;     // taps
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t pad_begin = 0;  // padding before the input (windows start at o*stride - pad_begin)
  int64_t pad_end = 0;    // padding after the input (before any ceil_mode overhang)
};

struct PoolGeom {
  int64_t n = 0, c = 0;
  Dim h, w;
  bool count_include_pad = false;
};

int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

std::string ints_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Reads an INTS attribute that must hold `len` values in [lo, kMaxAttrValue).
std::vector<int64_t> ints_attr(const OpContext& ctx, const char* name, size_t len, int64_t lo,
                               const std::vector<int64_t>& fallback, bool* present = nullptr) {
  std::vector<int64_t> v = ctx.attrs.get_ints(ctx.op, name, fallback, present);
  if (v.size() != len) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' must hold " + std::to_string(len) +
                                        " values for 2-D pooling, got " + ints_str(v));
  }
  for (int64_t x : v) {
    if (x < lo || x >= kMaxAttrValue) {
      fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' values must be in [" +
                                          std::to_string(lo) + ", 2^31), got " + ints_str(v));
    }
  }
  return v;
}

int64_t flag_attr(const OpContext& ctx, const char* name) {
  int64_t v = ctx.attrs.get_int(ctx.op, name, 0);
  if (v != 0 && v != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' must be 0 or 1, got " + std::to_string(v));
  }
  return v;
}

void require_nchw(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  const Tensor& x = ctx.input(0);
  if (x.rank() != 4) {
    fail(ErrorCode::E_SHAPE, ctx.op, "only 2-D pooling is supported: input 0 (X) must have rank 4 (N x C x H x W), got shape " +
                                         shape_str(x.shape));
  }
  if (x.shape[2] < 1 || x.shape[3] < 1) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (X) must have non-empty spatial dims (H, W >= 1), got shape " +
                                         shape_str(x.shape));
  }
}

// Output size of one dim, ONNX/onnxruntime rules (docs/numerics/pool.md).
void resolve_dim(const OpContext& ctx, Dim& d, AutoPad auto_pad, bool ceil_mode, const char* axis) {
  int64_t eff = (d.kernel - 1) * d.dilation + 1;  // extent of a window
  if (auto_pad == AutoPad::SAME_UPPER || auto_pad == AutoPad::SAME_LOWER) {
    d.out = (d.in + d.stride - 1) / d.stride;
    int64_t total = (d.out - 1) * d.stride + eff - d.in;
    if (total < 0) total = 0;
    d.pad_begin = auto_pad == AutoPad::SAME_UPPER ? total / 2 : total - total / 2;
    d.pad_end = total - d.pad_begin;
  } else {
    int64_t num = d.in + d.pad_begin + d.pad_end - eff;
    if (ceil_mode) {
      d.out = -floor_div(-num, d.stride) + 1;
      // The last window must start inside the input or its leading padding.
      if (d.out >= 1 && (d.out - 1) * d.stride >= d.in + d.pad_begin) d.out -= 1;
    } else {
      d.out = floor_div(num, d.stride) + 1;
    }
  }
  if (d.out < 1) {
    fail(ErrorCode::E_SHAPE, ctx.op, std::string("output ") + axis + " would be " + std::to_string(d.out) +
                                         " (< 1): input " + axis + " " + std::to_string(d.in) + " + pads " +
                                         std::to_string(d.pad_begin) + "+" + std::to_string(d.pad_end) +
                                         " is smaller than the dilated kernel extent " + std::to_string(eff));
  }
}

// Validates X and every attribute of MaxPool / AveragePool; computes the geometry.
PoolGeom pool_geometry(const OpContext& ctx, bool is_max) {
  require_nchw(ctx);
  const Tensor& x = ctx.input(0);
  PoolGeom g;
  g.n = x.shape[0];
  g.c = x.shape[1];
  g.h.in = x.shape[2];
  g.w.in = x.shape[3];

  bool has_kernel = false;
  std::vector<int64_t> kernel = ctx.attrs.get_ints(ctx.op, "kernel_shape", {}, &has_kernel);
  if (!has_kernel) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'kernel_shape' is required");
  kernel = ints_attr(ctx, "kernel_shape", 2, 1, {});
  std::vector<int64_t> strides = ints_attr(ctx, "strides", 2, 1, {1, 1});
  std::vector<int64_t> dilations = ints_attr(ctx, "dilations", 2, 1, {1, 1});
  bool has_pads = false;
  std::vector<int64_t> pads = ints_attr(ctx, "pads", 4, 0, {0, 0, 0, 0}, &has_pads);

  std::string ap = ctx.attrs.get_string(ctx.op, "auto_pad", "NOTSET");
  AutoPad auto_pad;
  if (ap == "NOTSET") auto_pad = AutoPad::NOTSET;
  else if (ap == "SAME_UPPER") auto_pad = AutoPad::SAME_UPPER;
  else if (ap == "SAME_LOWER") auto_pad = AutoPad::SAME_LOWER;
  else if (ap == "VALID") auto_pad = AutoPad::VALID;
  else {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" +
                                        ap + "'");
  }
  bool ceil_mode = flag_attr(ctx, "ceil_mode") != 0;
  if (is_max) {
    int64_t so = ctx.attrs.get_int(ctx.op, "storage_order", 0);
    if (so != 0) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute 'storage_order' must be 0 (only output Y is produced; the Indices "
                                      "output and its column-major order are not supported), got " +
                                          std::to_string(so));
    }
  } else {
    g.count_include_pad = flag_attr(ctx, "count_include_pad") != 0;
  }
  if (auto_pad != AutoPad::NOTSET && has_pads) {
    for (int64_t p : pads) {
      if (p != 0) {
        fail(ErrorCode::E_ATTR, ctx.op, "attribute 'pads' must be absent or all zero when auto_pad is " + ap +
                                            ", got " + ints_str(pads));
      }
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (pads[size_t(i)] >= kernel[size_t(i)] || pads[size_t(i + 2)] >= kernel[size_t(i)]) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute 'pads' " + ints_str(pads) +
                                          " must be smaller than kernel_shape " + ints_str(kernel) +
                                          " on each axis");
    }
  }

  Dim* dims[2] = {&g.h, &g.w};
  const char* names[2] = {"H", "W"};
  for (int i = 0; i < 2; ++i) {
    Dim& d = *dims[i];
    d.kernel = kernel[size_t(i)];
    d.stride = strides[size_t(i)];
    d.dilation = dilations[size_t(i)];
    d.pad_begin = pads[size_t(i)];
    d.pad_end = pads[size_t(i + 2)];
    resolve_dim(ctx, d, auto_pad, ceil_mode, names[i]);
  }
  return g;
}

std::vector<OutputSpec> infer_maxpool(const OpContext& ctx) {
  PoolGeom g = pool_geometry(ctx, true);
  return {{DType::F32, {g.n, g.c, g.h.out, g.w.out}}};
}

std::vector<OutputSpec> infer_avgpool(const OpContext& ctx) {
  PoolGeom g = pool_geometry(ctx, false);
  return {{DType::F32, {g.n, g.c, g.h.out, g.w.out}}};
}

// Output positions o in [lo, hi) whose tap at offset `off` (= k*dilation -
// pad_begin) lands inside the input: 0 <= o*stride + off < in.
void tap_range(const Dim& d, int64_t off, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + d.stride - 1) / d.stride;
  int64_t last = d.in - 1 - off;  // o*stride <= last
  hi = last < 0 ? 0 : last / d.stride + 1;
  if (hi > d.out) hi = d.out;
  if (lo > hi) lo = hi;
}

// Number of taps of window o that AveragePool divides by: taps on the input,
// or (count_include_pad) taps on the input or its explicit/auto padding, never
// the ceil_mode overhang past pad_end.
int64_t tap_count(const Dim& d, int64_t o, bool include_pad) {
  int64_t lo = include_pad ? -d.pad_begin : 0;
  int64_t hi = include_pad ? d.in + d.pad_end : d.in;
  int64_t n = 0;
  for (int64_t k = 0; k < d.kernel; ++k) {
    int64_t pos = o * d.stride - d.pad_begin + k * d.dilation;
    n += (pos >= lo && pos < hi) ? 1 : 0;
  }
  return n;
}

// Order-preserving key of a float: signed integer order of keys = numeric order
// with -0 < +0. Every NaN maps to INT32_MAX, above +inf's key. max over keys is
// therefore exactly max_f32 (op_common.h) and needs no branches.
constexpr int32_t kNanKey = INT32_MAX;
constexpr uint32_t kInfBits = 0x7F800000u;

inline int32_t float_key(float f) { return math::is_nan_f32(f) ? kNanKey : order_key(f); }

inline float key_float(int32_t k) { return k > int32_t(kInfBits) ? canonical_nan() : from_order_key(k); }

constexpr int32_t kNegInfKey = int32_t(0xFF800000u ^ 0x7FFFFFFFu);  // float_key(-inf)

// Rows per parallel chunk so a chunk holds about kMinChunkElements of work.
int64_t min_rows(int64_t work_per_row) {
  if (work_per_row <= 0) return 1;
  int64_t r = kMinChunkElements / work_per_row;
  return r < 1 ? 1 : r;
}

void compute_maxpool(const OpContext& ctx, std::vector<Tensor>& out) {
  PoolGeom g = pool_geometry(ctx, true);
  const Dim& h = g.h;
  const Dim& w = g.w;
  const float* px = ctx.input(0).ptr<float>();
  float* py = out[0].ptr<float>();
  int64_t rows = g.n * g.c * h.out;
  ctx.parallel_for(rows, min_rows(w.out * h.kernel * w.kernel), [&](int64_t begin, int64_t end) {
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
  PoolGeom g = pool_geometry(ctx, false);
  const Dim& h = g.h;
  const Dim& w = g.w;
  const float* px = ctx.input(0).ptr<float>();
  float* py = out[0].ptr<float>();
  std::vector<int64_t> count_w(size_t(w.out));
  for (int64_t ow = 0; ow < w.out; ++ow) count_w[size_t(ow)] = tap_count(w, ow, g.count_include_pad);
  int64_t rows = g.n * g.c * h.out;
  ctx.parallel_for(rows, min_rows(w.out * h.kernel * w.kernel), [&](int64_t begin, int64_t end) {
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
      int64_t ch = tap_count(h, oh, g.count_include_pad);
      float* y = py + r * w.out;
      for (int64_t ow = 0; ow < w.out; ++ow) {
        int64_t cnt = ch * count_w[size_t(ow)];
        float v = cnt == 0 ? canonical_nan() : acc[size_t(ow)] / float(cnt);
        y[ow] = v != v ? canonical_nan() : v;
      }
    }
  });
}

// GlobalAveragePool: any rank >= 3 (N x C x spatial...), the mean of each plane.
std::vector<OutputSpec> infer_global_avgpool(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  const Tensor& x = ctx.input(0);
  if (x.rank() < 3) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (X) must have rank >= 3 (N x C x spatial...), got shape " +
                                         shape_str(x.shape));
  }
  if (dims_product(x.shape, 2, x.rank()) == 0) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (X) must have non-empty spatial dims, got shape " + shape_str(x.shape));
  }
  Shape s = x.shape;
  for (size_t i = 2; i < s.size(); ++i) s[i] = 1;
  return {{DType::F32, s}};
}

void compute_global_avgpool(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  int64_t planes = x.shape[0] * x.shape[1];
  int64_t plane = dims_product(x.shape, 2, x.rank());
  float count = float(plane);
  const float* px = x.ptr<float>();
  float* py = out[0].ptr<float>();
  ctx.parallel_for(planes, min_rows(plane), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      float v = canonical_sum(px + p * plane, plane, 1) / count;
      py[p] = v != v ? canonical_nan() : v;
    }
  });
}

}  // namespace

void register_pool(OpTable& t) {
  t.add({"MaxPool", 1, 1,
         {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"},
         infer_maxpool, compute_maxpool});
  t.add({"AveragePool", 1, 1,
         {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"},
         infer_avgpool, compute_avgpool});
  t.add({"GlobalAveragePool", 1, 1, {}, infer_global_avgpool, compute_global_avgpool});
}

}  // namespace aivm::cpu::AIVM_ISA_NS
