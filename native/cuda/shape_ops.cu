// CUDA data-movement ops: Transpose, Reshape, Concat, Split, Slice, Gather,
// Expand, with the definitions of native/cpu/ops/shape_ops.cc
// (docs/numerics/shape_ops.md). They copy element bits and never compute on
// them: elements move as unsigned integers of the dtype's width, so NaN
// payloads, -0 and bool bytes other than 0/1 pass through untouched.
//
// All but Gather are one strided copy: a thread per element of an index space
// (row-major over `shape`) reads the input at sum(i_d * in_stride_d) and writes
// the output at sum(i_d * out_stride_d), both in int64. Each op only chooses
// the shape, strides and base offsets on the host. infer has validated every
// shape-carrying input, so compute reads them without checking again; Gather's
// indices are checked here on the host, before any launch (ops/shape_ops.h,
// the CPU's own check).
#include <cstdint>
#include <vector>

#include "core/element_width.h"
#include "core/shape_util.h"
#include "ops/shape_ops.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace aivm::cuda {
namespace {

// An index space and how it maps into the input and the output (elements).
struct CopyMap {
  int rank;
  Dims shape, in_stride, out_stride;
  int64_t in_base, out_base;
};

template <class T> AIVM_KERNEL strided_copy_kernel(int64_t n, const T* x, T* y, CopyMap m) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    int64_t q = i, io = m.in_base, oo = m.out_base;
    for (int d = m.rank - 1; d >= 0; --d) {
      const int64_t r = q % m.shape.v[d];
      q /= m.shape.v[d];
      io += r * m.in_stride.v[d];
      oo += r * m.out_stride.v[d];
    }
    y[oo] = x[io];
  }
}

// Copies input `in` into output `outp` of the staged op through `m` over `shape`.
void strided_copy(const OpContext& ctx, Staging& s, size_t in, size_t outp, DType dtype, const Shape& shape,
                  const std::vector<int64_t>& in_stride, const std::vector<int64_t>& out_stride, int64_t in_base,
                  int64_t out_base) {
  const CopyMap m{int(shape.size()), dims_of(shape), dims_of(in_stride), dims_of(out_stride), in_base, out_base};
  const int64_t n = dims_product(shape, 0, int(shape.size()));
  by_width(dtype, [&](auto tag) {
    using T = decltype(tag);
    launch(ctx.op, n, strided_copy_kernel<T>, s.in<T>(in), s.out<T>(outp), m);
  });
}

// ---- Transpose: Y[i] = X[j] with j[perm[k]] = i[k] ----------------------------

void compute_transpose(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const std::vector<int64_t>& perm = ctx.params_as<ops::TransposeParams>().perm;
  const std::vector<int64_t> xs = strides_of(x.shape);
  std::vector<int64_t> is(perm.size());
  for (size_t j = 0; j < perm.size(); ++j) is[j] = xs[size_t(perm[j])];
  Staging s(ctx, out);
  strided_copy(ctx, s, 0, 0, x.dtype, out[0].shape, is, strides_of(out[0].shape), 0, 0);
  s.finish();
}

// ---- Reshape: the bytes unchanged ---------------------------------------------

void compute_reshape(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  Staging s(ctx, out);
  strided_copy(ctx, s, 0, 0, x.dtype, {x.numel()}, {1}, {1}, 0, 0);
  s.finish();
}

// ---- Concat and Split: one launch per piece ------------------------------------
// Piece k is the slab [off_k, off_k + size_k) of the big tensor along `axis`:
// its elements keep their index space, and the big tensor's strides (with the
// slab's start as base) say where they sit there.

void compute_concat(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& y = out[0];
  const int axis = ctx.params_as<ops::AxisParams>().axis;
  const std::vector<int64_t> ys = strides_of(y.shape);
  Staging s(ctx, out);
  int64_t off = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor& xi = ctx.input(i);
    strided_copy(ctx, s, i, 0, y.dtype, xi.shape, strides_of(xi.shape), ys, 0, off * ys[size_t(axis)]);
    off += xi.shape[size_t(axis)];
  }
  s.finish();
}

void compute_split(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int axis = ctx.params_as<ops::SplitParams>().axis;
  const std::vector<int64_t> xs = strides_of(x.shape);
  Staging s(ctx, out);
  int64_t off = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    // infer gave output k the k-th split size along axis.
    strided_copy(ctx, s, 0, k, x.dtype, out[k].shape, xs, strides_of(out[k].shape), off * xs[size_t(axis)], 0);
    off += out[k].shape[size_t(axis)];
  }
  s.finish();
}

// ---- Slice: Y index i along an axis <- X index start + i * step ------------------

void compute_slice(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int rank = x.rank();
  // The contract's plan (ops/shape_ops.h): each named axis clamped by ops::slice_dim.
  const std::vector<ops::SliceDim>& plan = ctx.params_as<ops::SlicePlan>().dims;
  if (out[0].numel() == 0) return;  // nothing to copy (and no stride is ever applied)
  const std::vector<int64_t> xs = strides_of(x.shape);
  std::vector<int64_t> is(static_cast<size_t>(rank));
  int64_t base = 0;
  for (size_t d = 0; d < size_t(rank); ++d) {
    base += plan[d].start * xs[d];
    is[d] = plan[d].step * xs[d];  // a step applied at least once stays inside the input
  }
  Staging s(ctx, out);
  strided_copy(ctx, s, 0, 0, x.dtype, out[0].shape, is, strides_of(out[0].shape), base, 0);
  s.finish();
}

// ---- Gather: Y[a..., j..., b...] = X[a..., pos[j], b...] ----------------------

// Output element i = (o, j, r) over [outer, count, inner] reads data row
// (o, pos[j]) at column r.
template <class T>
AIVM_KERNEL gather_kernel(int64_t n, const T* x, T* y, const int64_t* pos, int64_t count, int64_t dim,
                          int64_t inner) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const int64_t r = i % inner, t = i / inner;
    const int64_t j = t % count, o = t / count;
    y[i] = x[(o * dim + pos[j]) * inner + r];
  }
}

void compute_gather(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int axis = ctx.params_as<ops::AxisParams>().axis;
  const std::vector<int64_t> idx = ops::read_ints(ctx.input(1));
  const int64_t dim = x.shape[size_t(axis)];
  ops::check_gather_indices(ctx, idx, axis, dim);  // before any device work, as the CPU
  const int64_t total = out[0].numel();
  if (total == 0) return;
  // Indices made non-negative once, on the host.
  std::vector<int64_t> pos(idx.size());
  for (size_t j = 0; j < idx.size(); ++j) pos[j] = idx[j] < 0 ? idx[j] + dim : idx[j];
  const int64_t inner = dims_product(x.shape, axis + 1, x.rank());
  Staging s(ctx, out);
  const int64_t* p = s.upload(pos);
  by_width(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    launch(ctx.op, total, gather_kernel<T>, s.in<T>(0), s.out<T>(0), p, int64_t(pos.size()), dim, inner);
  });
  s.finish();
}

// ---- Expand: numpy broadcast, stride 0 along broadcast axes ---------------------

void compute_expand(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const Shape& ys = out[0].shape;
  Staging s(ctx, out);
  strided_copy(ctx, s, 0, 0, x.dtype, ys, broadcast_strides(x.shape, ys), strides_of(ys), 0, 0);
  s.finish();
}

}  // namespace

void add_shape_ops_computes(ComputeTable& t) {
  t.add(OpId::Transpose, compute_transpose);
  t.add(OpId::Reshape, compute_reshape);
  t.add(OpId::Concat, compute_concat);
  t.add(OpId::Split, compute_split);
  t.add(OpId::Slice, compute_slice);
  t.add(OpId::Gather, compute_gather);
  t.add(OpId::Expand, compute_expand);
}

}  // namespace aivm::cuda
