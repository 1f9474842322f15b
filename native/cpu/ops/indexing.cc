// Computes of the indexing ops (Trilu, GatherElements, Pad); contracts in
// native/ops/indexing.cc. They copy element bits as unsigned integers of the
// element's width (core/element_width.h) or write zero bits, never computing on
// them, so every ISA and thread count gives the same bytes by construction.
#include <cstdint>
#include <vector>

#include "aivm/limits.h"
#include "core/element_width.h"
#include "core/shape_util.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "ops/indexing.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// Trilu: element (i, j) of each matrix kept where j - i >= k (upper) or
// j - i <= k (lower), else zero bits (+0, 0, false).
template <class T> void trilu_typed(const OpContext& ctx, const Tensor& x, Tensor& y, bool upper, int64_t k) {
  const int64_t cols = x.shape.back(), rows = x.shape[x.shape.size() - 2];
  const int64_t all_rows = cols == 0 ? 0 : x.numel() / cols;
  const T* px = x.ptr<T>();
  T* py = y.ptr<T>();
  ctx.parallel_for(all_rows, rows_per_chunk(cols), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = r % rows;
      const T* src = px + r * cols;
      T* dst = py + r * cols;
      for (int64_t j = 0; j < cols; ++j) {
        const bool keep = upper ? j - i >= k : j - i <= k;  // |j - i| < 2^31, k any int64: no overflow
        dst[j] = keep ? src[j] : T(0);
      }
    }
  });
}

void compute_trilu(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const bool upper = ctx.params_as<ops::TriluParams>().upper;
  const int64_t k = ops::trilu_k(ctx);
  by_width(x.dtype, [&](auto tag) { trilu_typed<decltype(tag)>(ctx, x, out[0], upper, k); });
}

// GatherElements: output element at (c_0, ..., c_axis, ...) reads data at the same
// coordinates with c_axis replaced by indices' value there.
template <class T> void gather_elements_typed(const OpContext& ctx, const Tensor& x, const Tensor& idx, Tensor& y, int axis) {
  const int rank = x.rank();
  const std::vector<int64_t> xs = strides_of(x.shape);
  const int64_t dim = x.shape[size_t(axis)];
  const int64_t cols = idx.shape.back();
  const int64_t all_rows = cols == 0 ? 0 : idx.numel() / cols;
  const T* px = x.ptr<T>();
  T* py = y.ptr<T>();
  ctx.parallel_for(all_rows, rows_per_chunk(cols), [&](int64_t begin, int64_t end) {
    for_rows(idx.shape, begin, end, [&](int64_t r, const int64_t* c) {
      // The data offset of the row's first element along every axis but the last and `axis`.
      int64_t base = 0;
      for (int d = 0; d < rank - 1; ++d) {
        if (d != axis) base += c[d] * xs[size_t(d)];
      }
      for (int64_t j = 0; j < cols; ++j) {
        const int64_t pos = ops::element_index(idx, r * cols + j, dim);
        const int64_t off = base + (axis == rank - 1 ? 0 : j) + pos * xs[size_t(axis)];
        py[r * cols + j] = px[off];
      }
    });
  });
}

void compute_gather_elements(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  const int axis = ctx.params_as<ops::GatherElementsParams>().axis;
  ops::check_element_indices(ctx, idx, axis, x.shape[size_t(axis)]);
  by_width(x.dtype, [&](auto tag) { gather_elements_typed<decltype(tag)>(ctx, x, idx, out[0], axis); });
}

// Pad: each output row (every axis but the last) reads one input row through the
// axes' source tables (ops::pad_sources), or is the constant when any of its
// coordinates is; along the last axis each element reads its source or the constant.
template <class T> void pad_typed(const OpContext& ctx, const Tensor& x, Tensor& y, const ops::PadPlan& plan) {
  const int rank = x.rank();
  if (y.numel() == 0) return;
  const std::vector<std::vector<int64_t>> src = ops::pad_sources(plan);
  T fill = T(0);
  if (const Tensor* c = ctx.optional(2)) fill = c->ptr<T>()[0];
  T* py = y.ptr<T>();
  if (rank == 0) {  // a scalar has nothing to pad
    if (y.numel() == 1) py[0] = x.ptr<T>()[0];
    return;
  }
  const std::vector<int64_t> xs = strides_of(x.shape);
  const int64_t cols = y.shape.back();
  const int64_t all_rows = cols == 0 ? 0 : y.numel() / cols;
  const std::vector<int64_t>& last = src.back();
  const T* px = x.ptr<T>();
  ctx.parallel_for(all_rows, rows_per_chunk(cols), [&](int64_t begin, int64_t end) {
    for_rows(y.shape, begin, end, [&](int64_t r, const int64_t* c) {
      T* dst = py + r * cols;
      int64_t base = 0;
      bool constant_row = false;
      for (int d = 0; d < rank - 1; ++d) {
        const int64_t s = src[size_t(d)][size_t(c[d])];
        constant_row = constant_row || s < 0;
        base += s * xs[size_t(d)];
      }
      if (constant_row) {
        for (int64_t j = 0; j < cols; ++j) dst[j] = fill;
      } else {
        for (int64_t j = 0; j < cols; ++j) dst[j] = last[size_t(j)] < 0 ? fill : px[base + last[size_t(j)]];
      }
    });
  });
}

void compute_pad(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const ops::PadPlan& plan = ctx.params_as<ops::PadPlan>();
  by_width(x.dtype, [&](auto tag) { pad_typed<decltype(tag)>(ctx, x, out[0], plan); });
}

}  // namespace

void add_indexing_computes(ComputeTable& t) {
  t.add(OpId::Trilu, compute_trilu);
  t.add(OpId::GatherElements, compute_gather_elements);
  t.add(OpId::Pad, compute_pad);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
