// CUDA indexing ops (Trilu, GatherElements, Pad): one thread per output element,
// moving element bits as the CPU does (cpu/ops/indexing.cc); index values are
// checked on the host before any device work, with the CPU's error.
#include <cstdint>
#include <vector>

#include "core/element_width.h"
#include "core/shape_util.h"
#include "cuda/device.h"
#include "cuda/ops.h"
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

}  // namespace

void add_indexing_computes(ComputeTable& t) {
  t.add(OpId::Trilu, compute_trilu);
  t.add(OpId::GatherElements, compute_gather_elements);
  t.add(OpId::Pad, compute_pad);
}

}  // namespace aivm::cuda
