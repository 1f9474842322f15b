// CUDA Resize: one thread per output element, the CPU's definitions
// (cpu/ops/resize.cc): nearest copies element bits through the plan's index
// tables, linear and cubic call the shared math::resize_combine.
#include <cstdint>
#include <cstring>
#include <vector>

#include "aivm/limits.h"
#include "core/element_width.h"
#include "core/shape_util.h"
#include "cuda/device.h"
#include "cuda/ops.h"
#include "math/resize_eval.h"
#include "ops/resize.h"

namespace aivm::cuda {
namespace {

// The plan's tables end to end on the device: axis d's entries start at off.v[d].
struct DeviceTables {
  const int64_t* index;
  const float* weight;
  const uint8_t* outside;
  Dims off, out_off, taps;
};

template <class T>
AIVM_KERNEL resize_nearest_kernel(int64_t n, const T* x, T* y, DeviceTables t, Dims yshape, Dims xstrides, int rank, T fill) {
  for (int64_t e = grid_first(); e < n; e += grid_stride()) {
    int64_t off = 0, rest = e;
    bool outside = false;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t c = rest % yshape.v[d];
      rest /= yshape.v[d];
      outside = outside || t.outside[t.out_off.v[d] + c];
      off += t.index[t.off.v[d] + c] * xstrides.v[d];
    }
    y[e] = outside ? fill : x[off];
  }
}

AIVM_KERNEL resize_weighted_kernel(int64_t n, const float* x, float* y, DeviceTables t, Dims yshape, Dims xstrides, int rank,
                                   float extrapolation) {
  for (int64_t e = grid_first(); e < n; e += grid_stride()) {
    int64_t c[kMaxRank];
    int64_t rest = e;
    for (int d = rank - 1; d >= 0; --d) {
      c[d] = rest % yshape.v[d];
      rest /= yshape.v[d];
    }
    math::ResizeTaps taps[kMaxRank];
    int64_t strides[kMaxRank];
    int k = 0;
    int64_t base = 0;
    bool outside = false;
    for (int d = 0; d < rank; ++d) {
      const int64_t T = t.taps.v[d];
      outside = outside || t.outside[t.out_off.v[d] + c[d]];
      const int64_t at = t.off.v[d] + c[d] * T;
      if (T == 1) {
        base += t.index[at] * xstrides.v[d];
      } else {
        taps[k] = {t.index + at, t.weight + at, int(T)};
        strides[k++] = xstrides.v[d];
      }
    }
    y[e] = outside ? extrapolation : math::resize_combine(x, base, taps, strides, k);
  }
}

void compute_resize(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const ops::ResizePlan& plan = ctx.params_as<ops::ResizePlan>();
  const int64_t n = out[0].numel();
  if (n == 0) return;
  std::vector<int64_t> index, off, out_off, taps;
  std::vector<float> weight;
  std::vector<uint8_t> outside;
  for (const ops::ResizeAxis& a : plan.axes) {
    off.push_back(int64_t(index.size()));
    out_off.push_back(int64_t(outside.size()));
    taps.push_back(a.taps);
    index.insert(index.end(), a.index.begin(), a.index.end());
    weight.insert(weight.end(), a.weight.begin(), a.weight.end());
    outside.insert(outside.end(), a.outside.begin(), a.outside.end());
  }
  if (index.empty()) {  // a scalar: one element, no axis
    index.push_back(0);
    weight.push_back(1.0f);
    outside.push_back(0);
  }
  Staging s(ctx, out);
  const DeviceTables t{s.upload(index), s.upload(weight), s.upload(outside), dims_of(off), dims_of(out_off), dims_of(taps)};
  const Dims ys = dims_of(out[0].shape), xs = dims_of(strides_of(x.shape));
  if (plan.mode == ops::ResizeMode::NEAREST) {
    by_width(x.dtype, [&](auto tag) {
      using T = decltype(tag);
      T fill{};
      if constexpr (sizeof(T) == sizeof(float)) std::memcpy(&fill, &plan.extrapolation, sizeof(float));
      launch(ctx.op, n, resize_nearest_kernel<T>, s.in<T>(0), s.out<T>(0), t, ys, xs, x.rank(), fill);
    });
  } else {
    launch(ctx.op, n, resize_weighted_kernel, s.in<float>(0), s.out<float>(0), t, ys, xs, x.rank(), plan.extrapolation);
  }
  s.finish();
}

}  // namespace

void add_resize_computes(ComputeTable& t) { t.add(OpId::Resize, compute_resize); }

}  // namespace aivm::cuda
