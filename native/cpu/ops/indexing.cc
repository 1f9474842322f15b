// Computes of the indexing ops (Trilu, GatherElements, Pad, ScatterElements, ScatterND,
// TensorScatter, TopK); contracts in native/ops/indexing.cc. Moves copy element bits as
// unsigned integers of the element's width (core/element_width.h) or write zero bits;
// scatter reductions and TopK's compares are math/scatter.h's, applied in one fixed
// order, so every ISA and thread count gives the same bytes by construction.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "aivm/limits.h"
#include "core/element_width.h"
#include "core/shape_util.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/canonical.h"
#include "math/scatter.h"
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


// ---- ScatterElements, ScatterND ------------------------------------------------------

// out = data, then for each element of updates in index order, out[target] =
// combine(out[target], update): one sequential pass, so duplicate targets see their
// updates in that order (reduction none: the last one wins) whatever the threads.
template <class T> void copy_elements(const OpContext& ctx, const Tensor& x, Tensor& y) {
  const T* px = x.ptr<T>();
  T* py = y.ptr<T>();
  ctx.parallel_for(x.numel(), kMinChunkElements, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) py[i] = px[i];
  });
}

template <math::ScatterReduce R, class T>
void apply_updates(const OpContext& ctx, const std::vector<int64_t>& targets, Tensor& y) {
  const T* pu = ctx.input(2).ptr<T>();
  T* py = y.ptr<T>();
  copy_elements<T>(ctx, ctx.input(0), y);
  for (size_t i = 0; i < targets.size(); ++i) py[targets[i]] = math::scatter_combine<R>(py[targets[i]], pu[i]);
}

template <math::ScatterReduce R> void apply_reduced(const OpContext& ctx, const std::vector<int64_t>& targets, Tensor& y) {
  switch (y.dtype) {
    case DType::F32: return apply_updates<R, float>(ctx, targets, y);
    case DType::F64: return apply_updates<R, double>(ctx, targets, y);
    case DType::I32: return apply_updates<R, int32_t>(ctx, targets, y);
    case DType::I64: return apply_updates<R, int64_t>(ctx, targets, y);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

void scatter(const OpContext& ctx, const std::vector<int64_t>& targets, math::ScatterReduce red, Tensor& y) {
  using R = math::ScatterReduce;
  switch (red) {
    case R::NONE:
      by_width(y.dtype, [&](auto tag) { apply_updates<R::NONE, decltype(tag)>(ctx, targets, y); });
      return;
    case R::ADD: return apply_reduced<R::ADD>(ctx, targets, y);
    case R::MUL: return apply_reduced<R::MUL>(ctx, targets, y);
    case R::MAX: return apply_reduced<R::MAX>(ctx, targets, y);
    case R::MIN: return apply_reduced<R::MIN>(ctx, targets, y);
  }
}

void compute_scatter_elements(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::ScatterElementsParams& p = ctx.params_as<ops::ScatterElementsParams>();
  const std::vector<int64_t> targets = ops::scatter_elements_targets(ctx, p.axis);  // checks every index first
  scatter(ctx, targets, p.reduction, out[0]);
}

void compute_scatter_nd(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::ScatterNDParams& p = ctx.params_as<ops::ScatterNDParams>();
  const std::vector<int64_t> targets = ops::scatter_nd_targets(ctx);
  scatter(ctx, targets, p.reduction, out[0]);
}

// ---- TensorScatter -----------------------------------------------------------------

// Output row (o, q) over [prefix, max_len] (o the prefix before axis, batch b its first
// coordinate) is update row (o, s) where s = q - w_b (circular: mod max_len) falls in
// [0, seq), else past_cache row (o, q); a row is every axis after `axis`.
template <class T>
void tensor_scatter_typed(const OpContext& ctx, const ops::TensorScatterParams& p, const std::vector<int64_t>& w, Tensor& y) {
  const Tensor& past = ctx.input(0);
  const Tensor& upd = ctx.input(1);
  const int64_t max_len = past.shape[size_t(p.axis)], seq = upd.shape[size_t(p.axis)];
  int64_t inner = 1, per_batch = 1;
  for (size_t d = size_t(p.axis) + 1; d < past.shape.size(); ++d) inner *= past.shape[d];
  for (int d = 1; d < p.axis; ++d) per_batch *= past.shape[size_t(d)];
  const int64_t rows = inner == 0 ? 0 : past.numel() / inner;
  const T* px = past.ptr<T>();
  const T* pu = upd.ptr<T>();
  T* py = y.ptr<T>();
  ctx.parallel_for(rows, rows_per_chunk(inner), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r / max_len, q = r % max_len, wb = w[size_t(o / per_batch)];
      const int64_t s = p.circular ? (q - wb + max_len) % max_len : q - wb;
      const T* src = s >= 0 && s < seq ? pu + (o * seq + s) * inner : px + r * inner;
      for (int64_t j = 0; j < inner; ++j) py[r * inner + j] = src[j];
    }
  });
}

void compute_tensor_scatter(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::TensorScatterParams& p = ctx.params_as<ops::TensorScatterParams>();
  const std::vector<int64_t> w = ops::tensor_scatter_starts(ctx, p);
  by_width(out[0].dtype, [&](auto tag) { tensor_scatter_typed<decltype(tag)>(ctx, p, w, out[0]); });
}

// ---- TopK --------------------------------------------------------------------------

// Each line along axis is ordered by math::topk_precedes, a strict total order, so the
// sort's algorithm cannot change the result; the first k are written (NaN canonical).
template <bool LARGEST, class T> void topk_typed(const OpContext& ctx, const ops::TopKParams& p, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int64_t n = x.shape[size_t(p.axis)], k = p.k;
  int64_t inner = 1;
  for (size_t d = size_t(p.axis) + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  const int64_t lines = n == 0 || inner == 0 ? 0 : x.numel() / n;
  if (k == 0 || lines == 0) return;
  const T* px = x.ptr<T>();
  T* pv = out[0].ptr<T>();
  int64_t* pi = out[1].ptr<int64_t>();
  ctx.parallel_for(lines, rows_per_chunk(n), [&](int64_t begin, int64_t end) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t l = begin; l < end; ++l) {
      const int64_t o = l / inner, i = l % inner;
      const T* line = px + o * n * inner + i;
      for (int64_t j = 0; j < n; ++j) order[size_t(j)] = j;
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
        return math::topk_precedes<LARGEST>(line[a * inner], a, line[b * inner], b);
      });
      for (int64_t j = 0; j < k; ++j) {
        const int64_t at = (o * k + j) * inner + i;
        const T v = line[order[size_t(j)] * inner];
        if constexpr (std::is_floating_point_v<T>) pv[at] = math::canon(v);
        else pv[at] = v;
        pi[at] = order[size_t(j)];
      }
    }
  });
}

template <bool LARGEST> void topk_dir(const OpContext& ctx, const ops::TopKParams& p, std::vector<Tensor>& out) {
  switch (out[0].dtype) {
    case DType::F32: return topk_typed<LARGEST, float>(ctx, p, out);
    case DType::F64: return topk_typed<LARGEST, double>(ctx, p, out);
    case DType::I32: return topk_typed<LARGEST, int32_t>(ctx, p, out);
    case DType::I64: return topk_typed<LARGEST, int64_t>(ctx, p, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

void compute_topk(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::TopKParams& p = ctx.params_as<ops::TopKParams>();
  if (p.largest) topk_dir<true>(ctx, p, out);
  else topk_dir<false>(ctx, p, out);
}

}  // namespace

void add_indexing_computes(ComputeTable& t) {
  t.add(OpId::Trilu, compute_trilu);
  t.add(OpId::GatherElements, compute_gather_elements);
  t.add(OpId::Pad, compute_pad);
  t.add(OpId::ScatterElements, compute_scatter_elements);
  t.add(OpId::ScatterND, compute_scatter_nd);
  t.add(OpId::TensorScatter, compute_tensor_scatter);
  t.add(OpId::TopK, compute_topk);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
