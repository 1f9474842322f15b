// Compute of Conv (2-D, NCHW; auto_pad, dilations, group, kernel_shape, pads, strides,
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
#include "ops/conv.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// Packs B = im2col(x) of one (image, group) straight into GEMM panels: row k =
// (c, kh, kw), column j = (oh, ow); padded positions are 0.
struct Im2colB {
  const float* x;  // this image's first channel of the group
  const ops::ConvDims* d;
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
void conv_depthwise(const OpContext& ctx, const ops::ConvDims& d, const float* px, const float* pw, const float* pbias,
                    float* py) {
  const int64_t Mg = d.M / d.group, kH = d.kH, kW = d.kW, OH = d.OH, OW = d.OW;
  const int64_t Hp = d.H + d.pt + d.pb, Wp = d.W + d.pl + d.pr, sh = d.sh, sw = d.sw, dh = d.dh, dw = d.dw;
  const int64_t planes = d.N * d.M;
  const int64_t per_plane = OH * OW * kH * kW;
  const int64_t min_planes = rows_per_chunk(per_plane);
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
  const ops::ConvDims& d = ctx.params_as<ops::ConvDims>();
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

void add_conv_computes(ComputeTable& t) { t.add(OpId::Conv, compute_conv); }

}  // namespace aivm::cpu::AIVM_ISA_NS
