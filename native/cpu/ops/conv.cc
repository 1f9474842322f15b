// Conv (2-D, NCHW; auto_pad, dilations, group, kernel_shape, pads, strides,
// optional bias) as an implicit im2col GEMM on cpu/gemm.h. For output
// (n, oc, oh, ow) in group g, the chain runs over k = (c*kH + kh)*kW + kw (c
// within the group) in increasing order from -0:
//     acc = fma(x_or_0, W[oc, c, kh, kw], acc)
// where x_or_0 is 0 for padded positions, which stay in the chain (fma(0, w,
// acc) is part of it: it is exactly im2col + GEMM). Then Y = acc + bias[oc]
// (one rounded add) when a bias is given (docs/numerics/conv.md).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/fma.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

constexpr int64_t kMaxGeometryAttr = int64_t(1) << 31;  // strides, dilations, pads, group

struct ConvDims {
  int64_t N = 0, C = 0, H = 0, W = 0;  // input
  int64_t M = 0, kH = 0, kW = 0;       // weights [M, C/group, kH, kW]
  int64_t group = 1;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;  // pads: top, left, bottom, right
  int64_t OH = 0, OW = 0;
  bool has_bias = false;
};

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

ConvDims conv_dims(const OpContext& ctx) {
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

std::vector<OutputSpec> infer_conv(const OpContext& ctx) {
  ConvDims d = conv_dims(ctx);
  Shape out = {d.N, d.M, d.OH, d.OW};
  checked_numel(out, ctx.op, "output");
  return {{DType::F32, out}};
}

// Packs B = im2col(x) of one (image, group) straight into GEMM panels: row k =
// (c, kh, kw), column j = (oh, ow); padded positions are 0.
struct Im2colB {
  const float* x;  // this image's first channel of the group
  const ConvDims* d;
  void operator()(int64_t j0, int64_t nc, int64_t k0, int64_t kc, float* dst) const {
    const int64_t H = d->H, W = d->W, OW = d->OW, kH = d->kH, kW = d->kW, kHW = kH * kW;
    const int64_t sh = d->sh, sw = d->sw, dh = d->dh, dw = d->dw, pt = d->pt, pl = d->pl;
    // (c, kh, kw) of row k0, advanced incrementally (no divisions per row).
    const int64_t c0 = k0 / kHW, kh0 = (k0 % kHW) / kW, kw0 = k0 % kW;
    for (int64_t jp = 0; jp < nc; jp += gemm::NR) {
      const int64_t cols = std::min<int64_t>(gemm::NR, nc - jp);
      float* dpanel = dst + jp * kc;
      const int64_t oh0 = (j0 + jp) / OW, ow0 = (j0 + jp) % OW;
      int64_t c = c0, kh = kh0, kw = kw0;
      for (int64_t kk = 0; kk < kc; ++kk) {
        const float* plane = x + c * H * W;
        float* dk = dpanel + kk * gemm::NR;
        int64_t t = 0, oh = oh0, ow = ow0;
        while (t < cols) {
          const int64_t seg = std::min(cols - t, OW - ow);  // columns left in this output row
          const int64_t ih = oh * sh - pt + kh * dh;
          if (ih < 0 || ih >= H) {
            for (int64_t s = 0; s < seg; ++s) dk[t + s] = 0.0f;
          } else {
            const float* row = plane + ih * W;
            const int64_t iw0 = ow * sw - pl + kw * dw;  // input column of the segment's first output
            if (sw == 1) {
              // Valid s: 0 <= iw0 + s < W.
              const int64_t lo = std::min(seg, std::max<int64_t>(0, -iw0));
              const int64_t hi = std::max(lo, std::min(seg, W - iw0));
              for (int64_t s = 0; s < lo; ++s) dk[t + s] = 0.0f;
              if (hi > lo) std::memcpy(dk + t + lo, row + iw0 + lo, sizeof(float) * size_t(hi - lo));
              for (int64_t s = hi; s < seg; ++s) dk[t + s] = 0.0f;
            } else {
              for (int64_t s = 0; s < seg; ++s) {
                const int64_t iw = iw0 + s * sw;
                dk[t + s] = (iw >= 0 && iw < W) ? row[iw] : 0.0f;
              }
            }
          }
          t += seg;
          ow = 0;
          ++oh;
        }
        for (int64_t s = cols; s < gemm::NR; ++s) dk[s] = 0.0f;
        if (++kw == kW) {
          kw = 0;
          if (++kh == kH) {
            kh = 0;
            ++c;
          }
        }
      }
    }
  }
};

// Depthwise (one input channel per group): a GEMM of one row would waste most
// of each register tile, so each output plane is computed directly. Same chain:
// for every output, k = (kh, kw) in row-major order from -0, padded positions
// read +0 from a zero-bordered copy of the input plane; the terms of different
// outputs are interleaved (vectorized over ow) but each output's own order is
// unchanged, so the bits equal the GEMM path's.
void conv_depthwise(const OpContext& ctx, const ConvDims& d, const float* px, const float* pw, const float* pbias,
                    float* py) {
  const int64_t Mg = d.M / d.group, kH = d.kH, kW = d.kW, OH = d.OH, OW = d.OW;
  const int64_t Hp = d.H + d.pt + d.pb, Wp = d.W + d.pl + d.pr, sh = d.sh, sw = d.sw, dh = d.dh, dw = d.dw;
  const int64_t planes = d.N * d.M;
  const int64_t per_plane = OH * OW * kH * kW;
  const int64_t min_planes = std::max<int64_t>(1, kMinChunkElements / std::max<int64_t>(1, per_plane));
  ctx.parallel_for(planes, min_planes, [&](int64_t begin, int64_t end) {
    std::vector<float> xp(static_cast<size_t>(Hp * Wp));
    std::vector<float> acc(static_cast<size_t>(OW));
    int64_t loaded = -1;  // input plane currently in xp
    for (int64_t p = begin; p < end; ++p) {
      const int64_t n = p / d.M, oc = p % d.M, c = oc / Mg;
      const int64_t in_plane = n * d.C + c;
      if (in_plane != loaded) {
        std::fill(xp.begin(), xp.end(), 0.0f);
        const float* src = px + in_plane * d.H * d.W;
        for (int64_t h = 0; h < d.H; ++h) {
          std::memcpy(xp.data() + (h + d.pt) * Wp + d.pl, src + h * d.W, sizeof(float) * size_t(d.W));
        }
        loaded = in_plane;
      }
      const float* w = pw + oc * kH * kW;
      float* y = py + p * OH * OW;
      float* a = acc.data();
      for (int64_t oh = 0; oh < OH; ++oh) {
        if ((oh & 63) == 63) ctx.check_stop();  // one plane can be large
        for (int64_t j = 0; j < OW; ++j) a[j] = -0.0f;
        for (int64_t kh = 0; kh < kH; ++kh) {
          const float* row = xp.data() + (oh * sh + kh * dh) * Wp;
          for (int64_t kw = 0; kw < kW; ++kw) {
            const float wv = w[kh * kW + kw];
            const float* r = row + kw * dw;
            if (sw == 1) {
              for (int64_t j = 0; j < OW; ++j) a[j] = math::fma_f32(r[j], wv, a[j]);
            } else {
              for (int64_t j = 0; j < OW; ++j) a[j] = math::fma_f32(r[j * sw], wv, a[j]);
            }
          }
        }
        float* yr = y + oh * OW;
        if (pbias) {
          const float bv = pbias[oc];
          for (int64_t j = 0; j < OW; ++j) yr[j] = a[j] + bv;
        } else {
          for (int64_t j = 0; j < OW; ++j) yr[j] = a[j];
        }
      }
    }
  });
}

void compute_conv(const OpContext& ctx, std::vector<Tensor>& out) {
  const ConvDims d = conv_dims(ctx);
  const float* px = ctx.input(0).ptr<float>();
  const float* pw = ctx.input(1).ptr<float>();
  const float* pbias = d.has_bias ? ctx.optional(2)->ptr<float>() : nullptr;
  float* py = out[0].ptr<float>();
  const int64_t Cg = d.C / d.group, Mg = d.M / d.group;
  const int64_t K = Cg * d.kH * d.kW, P = d.OH * d.OW, HW = d.H * d.W;
  // A 1x1 kernel with stride 1 and no padding reads X as a plain [Cg, H*W] matrix.
  const bool pointwise = d.kH == 1 && d.kW == 1 && d.sh == 1 && d.sw == 1 && d.pt == 0 && d.pl == 0 &&
                         d.pb == 0 && d.pr == 0;
  if (Cg == 1 && d.group > 1 && Mg < gemm::MR) {
    conv_depthwise(ctx, d, px, pw, pbias, py);
    return;
  }
  const int64_t group = d.group;
  gemm::run_batched(ctx, d.N * group, Mg, P, K, [&](int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const int64_t n = b / group, g = b % group;
    const float* xg = px + (n * d.C + g * Cg) * HW;
    const gemm::StridedA a{pw + g * Mg * K, K, 1};
    float* y = py + (n * d.M + g * Mg) * P;
    if (pointwise) {
      gemm::gemm_block(m0, m1, n0, n1, K, a, gemm::StridedB{xg, HW, 1}, y, P, ctx.control);
    } else {
      gemm::gemm_block(m0, m1, n0, n1, K, a, Im2colB{xg, &d}, y, P, ctx.control);
    }
    if (pbias) {
      for (int64_t i = m0; i < m1; ++i) {
        const float bv = pbias[g * Mg + i];
        float* yr = y + i * P;
        for (int64_t j = n0; j < n1; ++j) yr[j] = yr[j] + bv;
      }
    }
  });
}

}  // namespace

void register_conv(OpTable& t) {
  t.add({"Conv", 2, 3, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}, infer_conv,
         compute_conv});
}

}  // namespace aivm::cpu::AIVM_ISA_NS
