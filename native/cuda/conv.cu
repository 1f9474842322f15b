// CUDA Conv (2-D, NCHW): one thread per output element, running the chain of
// docs/numerics/conv.md that the CPU's implicit im2col + GEMM (cpu/ops/conv.cc)
// runs for it: acc = -0, then over k = (c*kH + kh)*kW + kw in increasing order
// (c within the group) acc = fma(W[oc, c, kh, kw], x_or_0, acc), where padded
// positions stay in the chain as x = +0; then Y = acc + B[oc] (one rounded add)
// when a bias is given. K = Cg*kH*kW == 0 gives +0, as the GEMM does. The CPU's
// depthwise path runs the same chain, so one kernel matches both.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "cuda/device.h"
#include "cuda/ops.h"
#include "ops/conv.h"

namespace aivm::cuda {
namespace {

// xs = X's shape [N, C, H, W], ws = W's shape [M, C/group, kH, kW], ys = Y's
// shape [N, M, OH, OW], geo = {group, stride h, stride w, dilation h,
// dilation w, pad top, pad left}. bias null: no bias.
AIVM_KERNEL conv_kernel(int64_t n, const float* x, const float* w, const float* bias, float* y, Dims xs, Dims ws,
                        Dims ys, Dims geo) {
  const int64_t C = xs.v[1], H = xs.v[2], W = xs.v[3];
  const int64_t M = ws.v[0], Cg = ws.v[1], kH = ws.v[2], kW = ws.v[3];
  const int64_t OH = ys.v[2], OW = ys.v[3];
  const int64_t group = geo.v[0], sh = geo.v[1], sw = geo.v[2], dh = geo.v[3], dw = geo.v[4];
  const int64_t pt = geo.v[5], pl = geo.v[6];
  const int64_t Mg = M / group;
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const int64_t ow = i % OW, oh = (i / OW) % OH, oc = (i / (OW * OH)) % M, img = i / (OW * OH * M);
    const float* xg = x + (img * C + (oc / Mg) * Cg) * H * W;  // the group's first input channel
    const float* wo = w + oc * Cg * kH * kW;                  // W[oc], in k order
    float acc = Cg == 0 ? 0.0f : -0.0f;
    for (int64_t c = 0; c < Cg; ++c) {
      for (int64_t kh = 0; kh < kH; ++kh) {
        const int64_t ih = oh * sh - pt + kh * dh;
        for (int64_t kw = 0; kw < kW; ++kw) {
          const int64_t iw = ow * sw - pl + kw * dw;
          const float xv = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? xg[(c * H + ih) * W + iw] : 0.0f;
          acc = fma_rn(wo[(c * kH + kh) * kW + kw], xv, acc);
        }
      }
    }
    y[i] = bias ? add_rn(acc, bias[oc]) : acc;
  }
}

void compute_conv(const OpContext& ctx, std::vector<Tensor>& out) {
  // The contract's geometry (ops/conv.h): pads resolved from auto_pad there.
  const ops::ConvDims& d = ctx.params_as<ops::ConvDims>();
  const Shape& xs = ctx.input(0).shape;
  const Shape& ws = ctx.input(1).shape;
  Staging s(ctx, out);
  const float* bias = ctx.optional(2) ? s.in<float>(2) : nullptr;
  launch(ctx.op, out[0].numel(), conv_kernel, s.in<float>(0), s.in<float>(1), bias, s.out<float>(0), dims_of(xs),
         dims_of(ws), dims_of(out[0].shape), dims_of({d.group, d.sh, d.sw, d.dh, d.dw, d.pt, d.pl}));
  s.finish();
}

}  // namespace

void add_conv_computes(ComputeTable& t) { t.add(OpId::Conv, compute_conv); }

}  // namespace aivm::cuda
