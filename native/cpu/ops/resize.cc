// Compute of Resize (contract and plan: native/ops/resize.cc). Nearest copies
// element bits (any dtype) through each axis' index table; linear and cubic
// combine the taps with math::resize_combine, the same operations in the same
// order as CUDA. Threads split output rows only.
#include <cstdint>
#include <cstring>
#include <vector>

#include "aivm/limits.h"
#include "core/element_width.h"
#include "core/shape_util.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/resize_eval.h"
#include "ops/resize.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

template <class T> void resize_nearest(const OpContext& ctx, const ops::ResizePlan& plan, const Tensor& x, Tensor& y) {
  const int rank = x.rank();
  const std::vector<int64_t> xs = strides_of(x.shape);
  const T* px = x.ptr<T>();
  T* py = y.ptr<T>();
  T fill{};  // the extrapolation value's bits: tf_crop_and_resize takes float32 only (the contract)
  if constexpr (sizeof(T) == sizeof(float)) std::memcpy(&fill, &plan.extrapolation, sizeof(float));
  if (rank == 0) {
    if (y.numel() == 1) py[0] = px[0];
    return;
  }
  const int64_t cols = y.shape.back(), rows = cols == 0 ? 0 : y.numel() / cols;
  const ops::ResizeAxis& last = plan.axes.back();
  ctx.parallel_for(rows, rows_per_chunk(cols), [&](int64_t begin, int64_t end) {
    for_rows(y.shape, begin, end, [&](int64_t r, const int64_t* c) {
      int64_t base = 0;
      bool outside = false;
      for (int d = 0; d < rank - 1; ++d) {
        const ops::ResizeAxis& a = plan.axes[size_t(d)];
        outside = outside || a.outside[size_t(c[d])];
        base += a.index[size_t(c[d])] * xs[size_t(d)];
      }
      T* dst = py + r * cols;
      for (int64_t j = 0; j < cols; ++j) dst[j] = outside || last.outside[size_t(j)] ? fill : px[base + last.index[size_t(j)]];
    });
  });
}

void resize_weighted(const OpContext& ctx, const ops::ResizePlan& plan, const Tensor& x, Tensor& y) {
  const int rank = x.rank();
  const std::vector<int64_t> xs = strides_of(x.shape);
  const float* px = x.ptr<float>();
  float* py = y.ptr<float>();
  if (rank == 0) {
    if (y.numel() == 1) py[0] = math::canon(px[0]);
    return;
  }
  const int64_t cols = y.shape.back(), rows = cols == 0 ? 0 : y.numel() / cols;
  const ops::ResizeAxis& last = plan.axes.back();
  ctx.parallel_for(rows, rows_per_chunk(cols), [&](int64_t begin, int64_t end) {
    for_rows(y.shape, begin, end, [&](int64_t r, const int64_t* c) {
      // The leading axes are fixed along the row: their taps and offsets once per row.
      math::ResizeTaps taps[kMaxRank];
      int64_t strides[kMaxRank];
      int k = 0;
      int64_t base = 0;
      bool outside = false;
      for (int d = 0; d < rank - 1; ++d) {
        const ops::ResizeAxis& a = plan.axes[size_t(d)];
        outside = outside || a.outside[size_t(c[d])];
        if (a.taps == 1) {
          base += a.index[size_t(c[d])] * xs[size_t(d)];
        } else {
          taps[k] = {&a.index[size_t(c[d] * a.taps)], &a.weight[size_t(c[d] * a.taps)], a.taps};
          strides[k++] = xs[size_t(d)];
        }
      }
      float* dst = py + r * cols;
      if (outside) {
        for (int64_t j = 0; j < cols; ++j) dst[j] = plan.extrapolation;
        return;
      }
      const int64_t* li = last.index.data();
      const float* lw = last.weight.data();
      const uint8_t* lo = last.outside.data();
      for (int64_t j = 0; j < cols; ++j) {
        if (lo[j]) {
          dst[j] = plan.extrapolation;
        } else if (last.taps == 1) {
          dst[j] = math::resize_combine(px, base + li[j], taps, strides, k);
        } else {
          taps[k] = {li + j * last.taps, lw + j * last.taps, last.taps};
          strides[k] = 1;
          dst[j] = math::resize_combine(px, base, taps, strides, k + 1);
        }
      }
    });
  });
}

void compute_resize(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const ops::ResizePlan& plan = ctx.params_as<ops::ResizePlan>();
  if (plan.mode == ops::ResizeMode::NEAREST) {
    by_width(x.dtype, [&](auto tag) { resize_nearest<decltype(tag)>(ctx, plan, x, out[0]); });
  } else {
    resize_weighted(ctx, plan, x, out[0]);
  }
}

}  // namespace

void add_resize_computes(ComputeTable& t) { t.add(OpId::Resize, compute_resize); }

}  // namespace aivm::cpu::AIVM_ISA_NS
