// CUDA indexing ops (Trilu, GatherElements, Pad, ScatterElements, ScatterND,
// TensorScatter; TopK: one thread per input element): one thread per output element,
// moving element bits as the CPU does (cpu/ops/indexing.cc); index values are
// checked on the host before any device work, with the CPU's error.
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/element_width.h"
#include "core/shape_util.h"
#include "cuda/device.h"
#include "cuda/ops.h"
#include "math/scatter.h"
#include "ops/indexing.h"

namespace aivm::cuda {
namespace {

template <class T>
AIVM_KERNEL trilu_kernel(int64_t n, const T* x, T* y, int64_t rows, int64_t cols, bool upper, int64_t k) {
  for (int64_t e = grid_first(); e < n; e += grid_stride()) {
    const int64_t j = e % cols, i = (e / cols) % rows;
    const bool keep = upper ? j - i >= k : j - i <= k;
    y[e] = keep ? x[e] : T(0);
  }
}

void compute_trilu(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const bool upper = ctx.params_as<ops::TriluParams>().upper;
  const int64_t k = ops::trilu_k(ctx);
  const int64_t cols = x.shape.back(), rows = x.shape[x.shape.size() - 2];
  Staging s(ctx, out);
  by_width(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    launch(ctx.op, x.numel(), trilu_kernel<T>, s.in<T>(0), s.out<T>(0), rows, cols, upper, k);
  });
  s.finish();
}

// Output element e at coordinates c (over indices' shape) reads data at c with
// c[axis] replaced by the index there (made non-negative on the host).
template <class T>
AIVM_KERNEL gather_elements_kernel(int64_t n, const T* x, T* y, const int64_t* pos, Dims ishape, Dims xstrides, int rank,
                                   int axis) {
  for (int64_t e = grid_first(); e < n; e += grid_stride()) {
    int64_t off = 0, rest = e;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t c = rest % ishape.v[d];
      rest /= ishape.v[d];
      off += (d == axis ? pos[e] : c) * xstrides.v[d];
    }
    y[e] = x[off];
  }
}

void compute_gather_elements(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  const int axis = ctx.params_as<ops::GatherElementsParams>().axis;
  const int64_t dim = x.shape[size_t(axis)];
  ops::check_element_indices(ctx, idx, axis, dim);
  const int64_t n = idx.numel();
  if (n == 0) return;
  std::vector<int64_t> pos(static_cast<size_t>(n));
  for (int64_t e = 0; e < n; ++e) pos[size_t(e)] = ops::element_index(idx, e, dim);
  Staging s(ctx, out);
  const int64_t* p = s.upload(pos);
  by_width(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    launch(ctx.op, n, gather_elements_kernel<T>, s.in<T>(0), s.out<T>(0), p, dims_of(idx.shape), dims_of(strides_of(x.shape)),
           x.rank(), axis);
  });
  s.finish();
}

// Pad: output element e at coordinates c reads the input at (table_d[c_d])_d, or
// is the constant when any table entry is -1. The axes' tables (ops::pad_sources)
// are uploaded end to end; offsets.v[d] is where axis d's starts.
template <class T>
AIVM_KERNEL pad_kernel(int64_t n, const T* x, T* y, const int64_t* tables, Dims offsets, Dims yshape, Dims xstrides, int rank,
                       T fill) {
  for (int64_t e = grid_first(); e < n; e += grid_stride()) {
    int64_t off = 0, rest = e;
    bool constant = false;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t c = rest % yshape.v[d];
      rest /= yshape.v[d];
      const int64_t s = tables[offsets.v[d] + c];
      constant = constant || s < 0;
      off += s * xstrides.v[d];
    }
    y[e] = constant ? fill : x[off];
  }
}

void compute_pad(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const ops::PadPlan& plan = ctx.params_as<ops::PadPlan>();
  const int64_t n = out[0].numel();
  if (n == 0) return;
  const std::vector<std::vector<int64_t>> src = ops::pad_sources(plan);
  std::vector<int64_t> flat, offsets;
  for (const std::vector<int64_t>& t : src) {
    offsets.push_back(int64_t(flat.size()));
    flat.insert(flat.end(), t.begin(), t.end());
  }
  if (flat.empty()) flat.push_back(0);  // a scalar: one element, no axis
  Staging s(ctx, out);
  const int64_t* tables = s.upload(flat);
  by_width(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    T fill = T(0);
    if (const Tensor* c = ctx.optional(2)) fill = c->ptr<T>()[0];
    launch(ctx.op, n, pad_kernel<T>, s.in<T>(0), s.out<T>(0), tables, dims_of(offsets), dims_of(out[0].shape),
           dims_of(strides_of(x.shape)), x.rank(), fill);
  });
  s.finish();
}


// ---- ScatterElements, ScatterND ------------------------------------------------------

// One thread per output element e: data[e] combined, in order, with the updates whose
// target is e (updates order[start[e]], ..., order[start[e+1] - 1], increasing update
// index): the CPU's sequential pass, partitioned by output element.
template <math::ScatterReduce R, class T>
AIVM_KERNEL scatter_kernel(int64_t n, const T* x, const T* u, T* y, const int64_t* start, const int64_t* order) {
  for (int64_t e = grid_first(); e < n; e += grid_stride()) {
    T v = x[e];
    for (int64_t q = start[e]; q < start[e + 1]; ++q) v = math::scatter_combine<R>(v, u[order[q]]);
    y[e] = v;
  }
}

template <math::ScatterReduce R, class T>
void scatter_run(const OpContext& ctx, Staging& s, int64_t n, const int64_t* start, const int64_t* order) {
  launch(ctx.op, n, scatter_kernel<R, T>, s.in<T>(0), s.in<T>(2), s.out<T>(0), start, order);
}

template <math::ScatterReduce R> void scatter_reduced(const OpContext& ctx, Staging& s, int64_t n, const int64_t* st, const int64_t* ord) {
  switch (ctx.input(0).dtype) {
    case DType::F32: return scatter_run<R, float>(ctx, s, n, st, ord);
    case DType::F64: return scatter_run<R, double>(ctx, s, n, st, ord);
    case DType::I32: return scatter_run<R, int32_t>(ctx, s, n, st, ord);
    case DType::I64: return scatter_run<R, int64_t>(ctx, s, n, st, ord);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// The updates grouped by target (a stable counting sort of the host's target list).
void scatter(const OpContext& ctx, const std::vector<int64_t>& targets, math::ScatterReduce red, std::vector<Tensor>& out) {
  const int64_t n = out[0].numel();
  if (n == 0) return;
  std::vector<int64_t> start(static_cast<size_t>(n) + 1, 0), order(targets.size() + 1, 0);
  for (int64_t t : targets) ++start[size_t(t) + 1];
  for (int64_t e = 0; e < n; ++e) start[size_t(e) + 1] += start[size_t(e)];
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < targets.size(); ++i) order[size_t(fill[size_t(targets[i])]++)] = int64_t(i);
  Staging s(ctx, out);
  const int64_t* st = s.upload(start);
  const int64_t* ord = s.upload(order);
  using R = math::ScatterReduce;
  switch (red) {
    case R::NONE:
      by_width(out[0].dtype, [&](auto tag) { scatter_run<R::NONE, decltype(tag)>(ctx, s, n, st, ord); });
      break;
    case R::ADD: scatter_reduced<R::ADD>(ctx, s, n, st, ord); break;
    case R::MUL: scatter_reduced<R::MUL>(ctx, s, n, st, ord); break;
    case R::MAX: scatter_reduced<R::MAX>(ctx, s, n, st, ord); break;
    case R::MIN: scatter_reduced<R::MIN>(ctx, s, n, st, ord); break;
  }
  s.finish();
}

void compute_scatter_elements(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::ScatterElementsParams& p = ctx.params_as<ops::ScatterElementsParams>();
  scatter(ctx, ops::scatter_elements_targets(ctx, p.axis), p.reduction, out);
}

void compute_scatter_nd(const OpContext& ctx, std::vector<Tensor>& out) {
  scatter(ctx, ops::scatter_nd_targets(ctx), ctx.params_as<ops::ScatterNDParams>().reduction, out);
}

// ---- TensorScatter -----------------------------------------------------------------

// Output element e = ((o, q), j) over [prefix, max_len, inner]: update ((o, s), j) where
// s = q - w_b (circular: mod max_len) is in [0, seq), else past_cache's e (as the CPU).
template <class T>
AIVM_KERNEL tensor_scatter_kernel(int64_t n, const T* x, const T* u, T* y, const int64_t* w, int64_t inner, int64_t max_len,
                                  int64_t seq, int64_t per_batch, bool circular) {
  for (int64_t e = grid_first(); e < n; e += grid_stride()) {
    const int64_t j = e % inner, r = e / inner, o = r / max_len, q = r % max_len, wb = w[o / per_batch];
    const int64_t sq = circular ? (q - wb + max_len) % max_len : q - wb;
    y[e] = sq >= 0 && sq < seq ? u[(o * seq + sq) * inner + j] : x[e];
  }
}

void compute_tensor_scatter(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::TensorScatterParams& p = ctx.params_as<ops::TensorScatterParams>();
  const std::vector<int64_t> w = ops::tensor_scatter_starts(ctx, p);
  const Tensor& past = ctx.input(0);
  const int64_t n = past.numel();
  if (n == 0) return;
  int64_t inner = 1, per_batch = 1;
  for (size_t d = size_t(p.axis) + 1; d < past.shape.size(); ++d) inner *= past.shape[d];
  for (int d = 1; d < p.axis; ++d) per_batch *= past.shape[size_t(d)];
  Staging s(ctx, out);
  const int64_t* pw = s.upload(w);
  by_width(past.dtype, [&](auto tag) {
    using T = decltype(tag);
    launch(ctx.op, n, tensor_scatter_kernel<T>, s.in<T>(0), s.in<T>(1), s.out<T>(0), pw, inner, past.shape[size_t(p.axis)],
           ctx.input(1).shape[size_t(p.axis)], per_batch, p.circular);
  });
  s.finish();
}

// ---- TopK --------------------------------------------------------------------------

// One thread per input element (line l, position a): its rank in the line under
// math::topk_precedes (a strict total order, so ranks are distinct and the CPU's sort
// agrees); ranks below k write Values (NaN canonical) and Indices.
template <bool LARGEST, class T>
AIVM_KERNEL topk_kernel(int64_t total, const T* x, T* v, int64_t* idx, int64_t n, int64_t inner, int64_t k) {
  for (int64_t e = grid_first(); e < total; e += grid_stride()) {
    const int64_t i = e % inner, a = (e / inner) % n, o = e / (inner * n);
    const T* line = x + o * n * inner + i;
    const T va = line[a * inner];
    int64_t rank = 0;
    for (int64_t b = 0; b < n && rank < k; ++b) rank += math::topk_precedes<LARGEST>(line[b * inner], b, va, a) ? 1 : 0;
    if (rank < k) {
      const int64_t at = (o * k + rank) * inner + i;
      if constexpr (std::is_floating_point_v<T>) v[at] = math::canon(va);
      else v[at] = va;
      idx[at] = a;
    }
  }
}

template <bool LARGEST, class T> void topk_typed(const OpContext& ctx, const ops::TopKParams& p, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int64_t n = x.shape[size_t(p.axis)];
  int64_t inner = 1;
  for (size_t d = size_t(p.axis) + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  if (p.k == 0 || x.numel() == 0) return;
  Staging s(ctx, out);
  launch(ctx.op, x.numel(), topk_kernel<LARGEST, T>, s.in<T>(0), s.out<T>(0), s.out<int64_t>(1), n, inner, p.k);
  s.finish();
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

}  // namespace aivm::cuda
