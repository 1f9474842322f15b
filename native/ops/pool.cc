// Contracts of MaxPool, AveragePool and GlobalAveragePool, and the pooling
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

// Reads an INTS attribute that must hold `len` values in [lo, kPoolMaxAttrValue).
static std::vector<int64_t> pool_ints_attr(const OpContext& ctx, const char* name, size_t len, int64_t lo,
                                           const std::vector<int64_t>& fallback, bool* present = nullptr) {
  std::vector<int64_t> v = ctx.attrs.get_ints(ctx.op, name, fallback, present);
  if (v.size() != len) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' must hold " + std::to_string(len) +
                                    " values for 2-D pooling, got " + pool_ints_str(v));
  }
  for (int64_t x : v) {
    if (x < lo || x >= kPoolMaxAttrValue) {
      fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' values must be in [" +
                                    std::to_string(lo) + ", 2^31), got " + pool_ints_str(v));
    }
  }
  return v;
}

// A 0/1 attribute (ceil_mode, count_include_pad); E_ATTR otherwise.
static int64_t pool_flag_attr(const OpContext& ctx, const char* name) {
  int64_t v = ctx.attrs.get_int(ctx.op, name, 0);
  if (v != 0 && v != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute '") + name + "' must be 0 or 1, got " + std::to_string(v));
  }
  return v;
}

// Output size of one dim, ONNX/onnxruntime rules (docs/numerics/pool.md).
static void pool_resolve_dim(const OpContext& ctx, PoolDim& d, AutoPad auto_pad, bool ceil_mode,
                      const char* axis) {
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

static void require_nchw(const OpContext& ctx) {
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

// Validates every attribute of MaxPool / AveragePool and computes the geometry.
static PoolGeom attrs_geometry(const OpContext& ctx, bool is_max) {
  const Tensor& x = ctx.input(0);
  PoolGeom g{};
  g.n = x.shape[0];
  g.c = x.shape[1];
  g.h.in = x.shape[2];
  g.w.in = x.shape[3];

  bool has_kernel = false;
  std::vector<int64_t> kernel = ctx.attrs.get_ints(ctx.op, "kernel_shape", {}, &has_kernel);
  if (!has_kernel) fail(ErrorCode::E_ATTR, ctx.op, "attribute 'kernel_shape' is required");
  kernel = pool_ints_attr(ctx, "kernel_shape", 2, 1, {});
  std::vector<int64_t> strides = pool_ints_attr(ctx, "strides", 2, 1, {1, 1});
  std::vector<int64_t> dilations = pool_ints_attr(ctx, "dilations", 2, 1, {1, 1});
  bool has_pads = false;
  std::vector<int64_t> pads = pool_ints_attr(ctx, "pads", 4, 0, {0, 0, 0, 0}, &has_pads);

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
    int64_t so = ctx.attrs.get_int(ctx.op, "storage_order", 0);
    if (so != 0) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute 'storage_order' must be 0 (only output Y is produced; the Indices "
                                      "output and its column-major order are not supported), got " +
                                    std::to_string(so));
    }
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
  for (int i = 0; i < 2; ++i) {
    if (pads[size_t(i)] >= kernel[size_t(i)] || pads[size_t(i + 2)] >= kernel[size_t(i)]) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute 'pads' " + pool_ints_str(pads) +
                                    " must be smaller than kernel_shape " + pool_ints_str(kernel) +
                                    " on each axis");
    }
  }

  PoolDim* dims[2] = {&g.h, &g.w};
  const char* names[2] = {"H", "W"};
  for (int i = 0; i < 2; ++i) {
    PoolDim& d = *dims[i];
    d.kernel = kernel[size_t(i)];
    d.stride = strides[size_t(i)];
    d.dilation = dilations[size_t(i)];
    d.pad_begin = pads[size_t(i)];
    d.pad_end = pads[size_t(i + 2)];
    pool_resolve_dim(ctx, d, auto_pad, ceil_mode, names[i]);
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
  require_nchw(ctx);
  return attrs_geometry(ctx, is_max);
}

namespace {

std::vector<OutputSpec> infer_maxpool(const OpContext& ctx) {
  PoolGeom g = pool_geometry(ctx, true);
  ctx.keep(g);
  return {{DType::F32, {g.n, g.c, g.h.out, g.w.out}}};
}

std::vector<OutputSpec> infer_avgpool(const OpContext& ctx) {
  PoolGeom g = pool_geometry(ctx, false);
  ctx.keep(g);
  return {{DType::F32, {g.n, g.c, g.h.out, g.w.out}}};
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
  t.add(OpId::MaxPool, {1, 1, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"},
                        infer_maxpool});
  t.add(OpId::AveragePool,
        {1, 1, {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"},
         infer_avgpool});
  t.add(OpId::GlobalAveragePool, {1, 1, {}, infer_global_avgpool});
}

}  // namespace aivm::ops
