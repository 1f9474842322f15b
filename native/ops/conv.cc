// Contract of Conv; its computes: native/cpu/ops/conv.cc, native/cuda/conv.cu.
#include "ops/conv.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {
namespace {

constexpr int64_t kMaxGeometryAttr = int64_t(1) << 31;  // strides, dilations, pads, group


std::vector<int64_t> ints_attr(const OpContext& ctx, const char* name, size_t count, int64_t fallback,
                               int64_t min_value) {
  std::vector<int64_t> v = ctx.attrs.get_ints(ctx.op, name, std::vector<int64_t>(count, fallback));
  if (v.size() != count) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute ") + name + " must have " + std::to_string(count) +
                                        " values for a 2-D Conv, got " + std::to_string(v.size()));
  }
  for (int64_t x : v) {
    // Below 2^31 like the pooling attributes, so the geometry below stays in int64.
    if (x < min_value || x >= kMaxGeometryAttr) {
      fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute ") + name + " values must be in [" +
                                          std::to_string(min_value) + ", 2^31), got " + std::to_string(x));
    }
  }
  return v;
}

// (k - 1) * dilation + 1, the extent of a dilated kernel; past 2^40 (more than
// any padded input: dims <= 2^34, pads < 2^31) it is clamped there, so the
// "larger than the padded input" check refuses it without overflowing.
int64_t dilated_extent(int64_t k, int64_t dilation) {
  constexpr int64_t kHuge = int64_t(1) << 40;
  return k - 1 > kHuge / dilation ? kHuge : (k - 1) * dilation + 1;
}

}  // namespace

// Validates X, W, the optional bias and every attribute, and resolves the
// padding (auto_pad) and output size. Every value stays far inside int64.
static ConvDims conv_dims(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "X");
  require_dtype(ctx, 1, DType::F32, "W");
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  if (x.rank() != 4) {
    fail(ErrorCode::E_SHAPE, ctx.op, "only 2-D Conv is supported: input 0 (X) must have rank 4 [N,C,H,W], got shape " +
                                         shape_str(x.shape));
  }
  if (w.rank() != 4) {
    fail(ErrorCode::E_SHAPE, ctx.op, "only 2-D Conv is supported: input 1 (W) must have rank 4 [M,C/group,kH,kW], got shape " +
                                         shape_str(w.shape));
  }
  ConvDims d;
  d.N = x.shape[0];
  d.C = x.shape[1];
  d.H = x.shape[2];
  d.W = x.shape[3];
  d.M = w.shape[0];
  d.kH = w.shape[2];
  d.kW = w.shape[3];
  d.group = ctx.attrs.get_int(ctx.op, "group", 1);
  if (d.group < 1 || d.group >= kMaxGeometryAttr) {
    fail(ErrorCode::E_ATTR, ctx.op, "attribute group must be in [1, 2^31), got " + std::to_string(d.group));
  }
  // C == W's channels * group, without the product (which can overflow).
  if (d.C % d.group != 0 || w.shape[1] != d.C / d.group) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (W) of shape " + shape_str(w.shape) + " with group=" +
                                         std::to_string(d.group) + " needs X to have " + std::to_string(w.shape[1]) +
                                         " x " + std::to_string(d.group) + " channels, got X " + shape_str(x.shape));
  }
  if (d.M % d.group != 0) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (W) has " + std::to_string(d.M) +
                                         " output channels, not a multiple of group=" + std::to_string(d.group));
  }
  if (d.kH < 1 || d.kW < 1) {
    fail(ErrorCode::E_SHAPE, ctx.op, "input 1 (W) must have a non-empty kernel, got shape " + shape_str(w.shape));
  }
  bool has_ks = false;
  std::vector<int64_t> ks = ctx.attrs.get_ints(ctx.op, "kernel_shape", {}, &has_ks);
  if (has_ks && (ks.size() != 2 || ks[0] != d.kH || ks[1] != d.kW)) {
    std::string got;
    for (size_t i = 0; i < ks.size(); ++i) got += (i ? "," : "") + std::to_string(ks[i]);
    fail(ErrorCode::E_ATTR, ctx.op, "attribute kernel_shape must equal W's kernel dims [" + std::to_string(d.kH) +
                                        "," + std::to_string(d.kW) + "], got [" + got + "]");
  }
  std::vector<int64_t> st = ints_attr(ctx, "strides", 2, 1, 1);
  std::vector<int64_t> dl = ints_attr(ctx, "dilations", 2, 1, 1);
  d.sh = st[0];
  d.sw = st[1];
  d.dh = dl[0];
  d.dw = dl[1];
  const std::string auto_pad = ctx.attrs.get_string(ctx.op, "auto_pad", "NOTSET");
  const int64_t ekh = dilated_extent(d.kH, d.dh), ekw = dilated_extent(d.kW, d.dw);
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> p = ints_attr(ctx, "pads", 4, 0, 0);
    d.pt = p[0];
    d.pl = p[1];
    d.pb = p[2];
    d.pr = p[3];
  } else {
    if (ctx.attrs.has("pads")) {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute pads cannot be combined with auto_pad=" + auto_pad);
    }
    if (auto_pad == "VALID") {
      // no padding
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      auto same = [&](int64_t in, int64_t s, int64_t ek, int64_t* begin, int64_t* end) {
        int64_t out = (in + s - 1) / s;
        int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in);
        *begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        *end = total - *begin;
      };
      same(d.H, d.sh, ekh, &d.pt, &d.pb);
      same(d.W, d.sw, ekw, &d.pl, &d.pr);
    } else {
      fail(ErrorCode::E_ATTR, ctx.op, "attribute auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" +
                                          auto_pad + "'");
    }
  }
  const int64_t hp = d.H + d.pt + d.pb, wp = d.W + d.pl + d.pr;
  if (hp < ekh || wp < ekw) {
    fail(ErrorCode::E_SHAPE, ctx.op, "the dilated kernel [" + std::to_string(ekh) + "," + std::to_string(ekw) +
                                         "] is larger than the padded input [" + std::to_string(hp) + "," +
                                         std::to_string(wp) + "] (X " + shape_str(x.shape) + ")");
  }
  d.OH = (hp - ekh) / d.sh + 1;
  d.OW = (wp - ekw) / d.sw + 1;
  const Tensor* b = ctx.optional(2);
  if (b) {
    require_dtype(ctx, 2, DType::F32, "B");
    if (b->rank() != 1 || b->shape[0] != d.M) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 2 (B) must have shape [" + std::to_string(d.M) + "], got " +
                                           shape_str(b->shape));
    }
    d.has_bias = true;
  }
  return d;
}

static std::vector<OutputSpec> infer_conv(const OpContext& ctx) {
  const ConvDims d = conv_dims(ctx);
  Shape out = {d.N, d.M, d.OH, d.OW};
  checked_numel(out, ctx.op, "output");
  ctx.keep(d);
  return {{DType::F32, out}};
}

void add_conv_contracts(ContractTable& t) {
  t.add(OpId::Conv, {2, 3, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}, infer_conv});
}

}  // namespace aivm::ops
