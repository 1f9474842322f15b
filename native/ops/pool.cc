// Contracts of MaxPool, AveragePool (1-D to 6-D) and GlobalAveragePool, and the pooling
// geometry the contracts keep for the computes (native/cpu/ops/pool.cc,
// native/cuda/pool.cu).
#include "ops/pool.h"

#include "core/shape_util.h"
#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {

static int64_t pool_floor_div(int64_t a, int64_t b) {  // b > 0
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

static std::string pool_ints_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Reads an INTS attribute that must hold `len` values in [lo, kPoolMaxAttrValue)
// (`len` = spatial dims, or twice that for pads).
static std::vector<int64_t> pool_ints_attr(const OpContext& ctx, const char* name, size_t len, int spatial, int64_t lo,
                                           const std::vector<int64_t>& fallback, bool* present = nullptr) {
  std::vector<int64_t> v = ctx.attrs.get_ints(ctx.op, name, fallback, present);
  if (v.size() != len) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' must hold " + std::to_string(len) +
                                    " values for " + std::to_string(spatial) + "-D pooling, got " + pool_ints_str(v));
  }
  for (int64_t x : v) {
    if (x < lo || x >= kPoolMaxAttrValue) {
      fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' values must be in [" +
                                    std::to_string(lo) + ", 2^31), got " + pool_ints_str(v));
    }
  }
  return v;
}

// A 0/1 attribute (ceil_mode, count_include_pad, storage_order); E_ATTR otherwise.
static int64_t pool_flag_attr(const OpContext& ctx, const char* name) {
  int64_t v = ctx.attrs.get_int(ctx.op, name, 0);
  if (v != 0 && v != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' must be 0 or 1, got " + std::to_string(v));
  }
  return v;
}

// Output size of one dim, ONNX/onnxruntime rules (docs/numerics/pool.md).
static void pool_resolve_dim(const OpContext& ctx, PoolDim& d, AutoPad auto_pad, bool ceil_mode,
                      const std::string& axis) {
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
      d.out = -pool_floor_div(-num, d.stride) + 1;
      // The last window must start inside the input or its leading padding.
      if (d.out >= 1 && (d.out - 1) * d.stride >= d.in + d.pad_begin) d.out -= 1;
    } else {
      d.out = pool_floor_div(num, d.stride) + 1;
    }
  }
  if (d.out < 1) {
    fail(ErrorCode::E_SHAPE, ctx.op, std::string("output ") + axis + " would be " + std::to_string(d.out) +
                                    " (< 1): input " + axis + " " + std::to_string(d.in) + " + pads " +
                                    std::to_string(d.pad_begin) + "+" + std::to_string(d.pad_end) +
                                    " is smaller than the dilated kernel extent " + std::to_string(eff));
  }
}

// X: float32 N x C x D1 x ... x Dk with 1 <= k <= kPoolMaxSpatial and every Di >= 1.
static int require_pool_input(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  const Tensor& x = ctx.input(0);
  if (x.rank() < 3 || x.rank() > 2 + kPoolMaxSpatial) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (X) must have rank 3 to " + std::to_string(2 + kPoolMaxSpatial) +
                                         " (N x C x D1 x ... x Dk, 1-D to " + std::to_string(kPoolMaxSpatial) +
                                         "-D pooling), got shape " + shape_str(x.shape));
  }
  for (int i = 2; i < x.rank(); ++i) {
    if (x.shape[size_t(i)] < 1) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 0 (X) must have non-empty spatial dims (each >= 1), got shape " +
                                           shape_str(x.shape));
    }
  }
  return int(x.rank()) - 2;
}

// The name of spatial axis i in messages: H, W for 2-D (as before), D, H, W for
// 3-D, L for 1-D, else "spatial axis i".
static std::string pool_axis_name(int spatial, int i) {
  if (spatial == 1) return "L";
  if (spatial == 2) return i == 0 ? "H" : "W";
  if (spatial == 3) return i == 0 ? "D" : i == 1 ? "H" : "W";
  return "spatial axis " + std::to_string(i);
}

// Validates every attribute of MaxPool / AveragePool and computes the geometry.
static PoolGeom attrs_geometry(const OpContext& ctx, bool is_max, int spatial) {
  const Tensor& x = ctx.input(0);
  const size_t k = size_t(spatial);
  PoolGeom g{};
  g.n = x.shape[0];
  g.c = x.shape[1];
  g.spatial = spatial;

  bool has_kernel = false;
  std::vector<int64_t> kernel = ctx.attrs.get_ints(ctx.op, "kernel_shape", {}, &has_kernel);
  if (!has_kernel) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'kernel_shape' is required");
  kernel = pool_ints_attr(ctx, "kernel_shape", k, spatial, 1, {});
  std::vector<int64_t> strides = pool_ints_attr(ctx, "strides", k, spatial, 1, std::vector<int64_t>(k, 1));
  std::vector<int64_t> dilations = pool_ints_attr(ctx, "dilations", k, spatial, 1, std::vector<int64_t>(k, 1));
  bool has_pads = false;
  std::vector<int64_t> pads = pool_ints_attr(ctx, "pads", 2 * k, spatial, 0, std::vector<int64_t>(2 * k, 0), &has_pads);
  // A window's taps (and so AveragePool's count) must fit int64: always true
  // for 1-D and 2-D (each kernel entry is below 2^31).
  int64_t taps = 1;
  for (int64_t kk : kernel) {
    if (taps > (int64_t(1) << 62) / kk) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute 'kernel_shape' " + pool_ints_str(kernel) +
                                      " has more than 2^62 taps per window");
    }
    taps *= kk;
  }

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
  bool ceil_mode = pool_flag_attr(ctx, "ceil_mode") != 0;
  if (is_max) {
    // storage_order only orders the Indices output (row-major 0, column-major 1).
    g.column_major = pool_flag_attr(ctx, "storage_order") != 0;
    g.indices = pool_flag_attr(ctx, "output_indices") != 0;
  } else {
    g.count_include_pad = pool_flag_attr(ctx, "count_include_pad") != 0;
  }
  if (auto_pad != AutoPad::NOTSET && has_pads) {
    for (int64_t p : pads) {
      if (p != 0) {
        fail(ErrorCode::E_ATTR, ctx.op, "attribute 'pads' must be absent or all zero when auto_pad is " + ap +
                                    ", got " + pool_ints_str(pads));
      }
    }
  }
  for (size_t i = 0; i < k; ++i) {
    if (pads[i] >= kernel[i] || pads[i + k] >= kernel[i]) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute 'pads' " + pool_ints_str(pads) +
                                    " must be smaller than kernel_shape " + pool_ints_str(kernel) +
                                    " on each axis");
    }
  }

  for (size_t i = 0; i < k; ++i) {
    PoolDim& d = g.dim[i];
    d.in = x.shape[2 + i];
    d.kernel = kernel[i];
    d.stride = strides[i];
    d.dilation = dilations[i];
    d.pad_begin = pads[i];
    d.pad_end = pads[i + k];
    pool_resolve_dim(ctx, d, auto_pad, ceil_mode, pool_axis_name(spatial, int(i)));
  }
  return g;
}

int64_t pool_tap_count(const PoolDim& d, int64_t o, bool include_pad) {
  int64_t lo = include_pad ? -d.pad_begin : 0;
  int64_t hi = include_pad ? d.in + d.pad_end : d.in;
  int64_t n = 0;
  for (int64_t k = 0; k < d.kernel; ++k) {
    int64_t pos = o * d.stride - d.pad_begin + k * d.dilation;
    n += (pos >= lo && pos < hi) ? 1 : 0;
  }
  return n;
}

// Validates X and every attribute of MaxPool / AveragePool; computes the geometry.
static PoolGeom pool_geometry(const OpContext& ctx, bool is_max) {
  int spatial = require_pool_input(ctx);
  return attrs_geometry(ctx, is_max, spatial);
}

static Shape pool_out_shape(const PoolGeom& g) {
  Shape s = {g.n, g.c};
  for (int i = 0; i < g.spatial; ++i) s.push_back(g.dim[i].out);
  return s;
}

namespace {

// Y, and with the engine attribute output_indices = 1 also Indices (int64, Y's shape).
std::vector<OutputSpec> infer_maxpool(const OpContext& ctx) {
  PoolGeom g = pool_geometry(ctx, true);
  ctx.keep(g);
  Shape s = pool_out_shape(g);
  if (g.indices) return {{DType::F32, s}, {DType::I64, s}};
  return {{DType::F32, s}};
}

std::vector<OutputSpec> infer_avgpool(const OpContext& ctx) {
  PoolGeom g = pool_geometry(ctx, false);
  ctx.keep(g);
  return {{DType::F32, pool_out_shape(g)}};
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

}  // namespace

void add_pool_contracts(ContractTable& t) {
  // output_indices is the engine's, not ONNX's: the loader sets it when a node
  // uses MaxPool's optional output 1, Indices (lib/ir/conv-bodies.ts).
  t.add(OpId::MaxPool, {1, 1,
                        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "output_indices", "pads",
                         "storage_order", "strides"},
                        infer_maxpool});
  t.add(OpId::AveragePool,
        {1, 1, {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"},
         infer_avgpool});
  t.add(OpId::GlobalAveragePool, {1, 1, {}, infer_global_avgpool});
}

}  // namespace aivm::ops
