// Computes of the data-movement ops (contracts: native/ops/shape_ops.cc):
// Transpose, Reshape, Concat, Split, Slice, Gather, Expand.
// They copy element bits and never compute on them, so every ISA and thread
// count gives the same bytes by construction (NaN payloads, -0 and non-0/1 bool
// bytes survive untouched). Elements are moved as unsigned integers of the
// dtype's width (never as float), and contiguous runs go through memcpy.
//
// Shape-carrying inputs (Reshape's shape, Split's split, Slice's starts/ends/
// axes/steps, Expand's shape) are read and fully validated in infer (they are
// the ops' data_inputs), so compute only ever sees in-range values. Gather's
// indices decide no shape: they are checked in compute, so a Program can infer
// a Gather whose indices are only known at run time.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/element_width.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "ops/shape_ops.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// ---- Shared helpers ----------------------------------------------------------

// Element-by-element copies through a stride or an index list. Vectorizing
// them means gather instructions, which are slower than scalar loads on many
// AVX2/AVX-512 CPUs (measured 1.6-2x slower on AMD EPYC), so vectorization is
// turned off for these two loops only. Integer copies: no effect on any bit.
#if defined(__clang__)
#define AIVM_SHAPE_NOVEC_FN
#define AIVM_SHAPE_NOVEC_LOOP _Pragma("clang loop vectorize(disable)")
#elif defined(__GNUC__)
#define AIVM_SHAPE_NOVEC_FN __attribute__((optimize("no-tree-vectorize")))
#define AIVM_SHAPE_NOVEC_LOOP
#else
#define AIVM_SHAPE_NOVEC_FN
#define AIVM_SHAPE_NOVEC_LOOP
#endif

template <class T> AIVM_SHAPE_NOVEC_FN void strided_copy(T* dst, const T* src, int64_t n, int64_t stride) {
  AIVM_SHAPE_NOVEC_LOOP
  for (int64_t j = 0; j < n; ++j) dst[j] = src[j * stride];
}

template <class T> AIVM_SHAPE_NOVEC_FN void indexed_copy(T* dst, const T* src, const int64_t* idx, int64_t n) {
  AIVM_SHAPE_NOVEC_LOOP
  for (int64_t j = 0; j < n; ++j) dst[j] = src[idx[j]];
}

// Copies `count` elements of `es` bytes, split over threads in independent pieces.
void parallel_copy(const OpContext& ctx, void* dst, const void* src, int64_t count, size_t es) {
  if (count == 0) return;
  uint8_t* d = static_cast<uint8_t*>(dst);
  const uint8_t* s = static_cast<const uint8_t*>(src);
  ctx.parallel_for(count, kMinChunkElements, [&](int64_t b, int64_t e) {
    std::memcpy(d + size_t(b) * es, s + size_t(b) * es, size_t(e - b) * es);
  });
}

// Reading int tensors, Slice's per-axis clamping and Gather's index check are
// shared with the CUDA ops: ops/shape_ops.h.
using ops::read_ints;
using ops::SliceDim;

// ---- Transpose ---------------------------------------------------------------

// One axis of a strided copy: extent, input stride, output stride (elements).
struct Axis {
  int64_t n, is, os;
};

// Input and output offsets of linear index `idx` over `axes` (row-major).
inline void decode(const std::vector<Axis>& axes, int64_t idx, int64_t* in_off, int64_t* out_off) {
  int64_t io = 0, oo = 0;
  for (size_t a = axes.size(); a-- > 0;) {
    int64_t q = idx / axes[a].n;
    int64_t r = idx - q * axes[a].n;
    io += r * axes[a].is;
    oo += r * axes[a].os;
    idx = q;
  }
  *in_off = io;
  *out_off = oo;
}

// Walks linear indices over `axes` one step at a time, keeping the input and
// output offsets up to date (cheaper than decode() per row).
class Odometer {
 public:
  Odometer(const std::vector<Axis>& axes, int64_t start) : axes_(axes), idx_(axes.size(), 0) {
    int64_t q = start;
    for (size_t a = axes.size(); a-- > 0;) {
      idx_[a] = q % axes[a].n;
      q /= axes[a].n;
      in += idx_[a] * axes[a].is;
      out += idx_[a] * axes[a].os;
    }
  }
  void next() {
    for (size_t a = axes_.size(); a-- > 0;) {
      in += axes_[a].is;
      out += axes_[a].os;
      if (++idx_[a] < axes_[a].n) return;
      in -= axes_[a].n * axes_[a].is;
      out -= axes_[a].n * axes_[a].os;
      idx_[a] = 0;
    }
  }
  int64_t in = 0, out = 0;

 private:
  const std::vector<Axis>& axes_;
  std::vector<int64_t> idx_;
};

template <class T> void transpose_typed(const OpContext& ctx, const Tensor& x, Tensor& y, const std::vector<int64_t>& perm) {
  const T* in = x.ptr<T>();
  T* out = y.ptr<T>();
  int64_t total = y.numel();
  if (total == 0) return;
  std::vector<int64_t> in_strides = strides_of(x.shape);
  // Output axes in output order, size-1 axes dropped, and neighbours merged when
  // they are also neighbours (in the same order) in the input.
  std::vector<Axis> axes;
  for (size_t j = 0; j < perm.size(); ++j) {
    int64_t n = x.shape[size_t(perm[j])];
    if (n == 1) continue;
    int64_t is = in_strides[size_t(perm[j])];
    if (!axes.empty() && axes.back().is == is * n) {
      axes.back().n *= n;
      axes.back().is = is;
    } else {
      axes.push_back({n, is, 0});
    }
  }
  int64_t acc = 1;
  for (size_t a = axes.size(); a-- > 0;) {
    axes[a].os = acc;
    acc *= axes[a].n;
  }
  if (axes.empty() || axes.back().is == 1) {
    // The innermost output axis is contiguous in the input: copy runs.
    int64_t run = axes.empty() ? 1 : axes.back().n;
    if (axes.size() <= 1) {
      parallel_copy(ctx, out, in, total, sizeof(T));
      return;
    }
    std::vector<Axis> outer(axes.begin(), axes.end() - 1);
    int64_t rows = total / run;
    ctx.parallel_for(rows, rows_per_chunk(run), [&](int64_t b, int64_t e) {
      Odometer od(outer, b);
      for (int64_t r = b; r < e; ++r, od.next()) std::memcpy(out + od.out, in + od.in, size_t(run) * sizeof(T));
    });
    return;
  }
  // The innermost output axis L is strided in the input; the input's contiguous
  // axis K sits somewhere else in the output. Copy K x L tiles so both the reads
  // (along K) and the writes (along L) stay within a few cache lines.
  constexpr int64_t kTile = 32;
  size_t last = axes.size() - 1;
  size_t k = 0;
  while (axes[k].is != 1) ++k;
  Axis ak = axes[k], al = axes[last];
  std::vector<Axis> outer;
  for (size_t a = 0; a < last; ++a) {
    if (a != k) outer.push_back(axes[a]);
  }
  int64_t tk = (ak.n + kTile - 1) / kTile, tl = (al.n + kTile - 1) / kTile;
  int64_t items = (total / (ak.n * al.n)) * tk * tl;
  ctx.parallel_for(items, std::max<int64_t>(1, kMinChunkElements / (kTile * kTile)), [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      int64_t jl = it % tl, rest = it / tl;
      int64_t ik = rest % tk, o = rest / tk;
      int64_t io, oo;
      decode(outer, o, &io, &oo);
      int64_t i0 = ik * kTile, i1 = std::min(ak.n, i0 + kTile);
      int64_t j0 = jl * kTile, j1 = std::min(al.n, j0 + kTile);
      // 8x8 blocks through a tiny buffer: each block reads 8 short input runs
      // (contiguous in i) and writes 8 short output runs (contiguous in j).
      // Walking the strided side element by element is 2-3x slower, worst for
      // power-of-two strides whose lines all fall into one cache set.
      const T* src = in + io;  // element (i, j) at src[i + j * al.is]
      T* dst = out + oo;       // element (i, j) at dst[i * ak.os + j]
      int64_t i = i0;
      for (; i + 8 <= i1; i += 8) {
        int64_t j = j0;
        for (; j + 8 <= j1; j += 8) {
          T blk[8][8];
          for (int a = 0; a < 8; ++a) {
            for (int c = 0; c < 8; ++c) blk[c][a] = src[(j + a) * al.is + i + c];
          }
          for (int c = 0; c < 8; ++c) {
            for (int a = 0; a < 8; ++a) dst[(i + c) * ak.os + j + a] = blk[c][a];
          }
        }
        for (; j < j1; ++j) {
          for (int c = 0; c < 8; ++c) dst[(i + c) * ak.os + j] = src[j * al.is + i + c];
        }
      }
      for (; i < i1; ++i) {
        for (int64_t j = j0; j < j1; ++j) dst[i * ak.os + j] = src[j * al.is + i];
      }
    }
  });
}

void compute_transpose(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const std::vector<int64_t>& perm = ctx.params_as<ops::TransposeParams>().perm;
  by_width(x.dtype, [&](auto tag) { transpose_typed<decltype(tag)>(ctx, x, out[0], perm); });
}

// ---- Reshape -----------------------------------------------------------------

void compute_reshape(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  parallel_copy(ctx, out[0].data, x.data, x.numel(), dtype_size(x.dtype));
}

// ---- Concat and Split: runs of whole rows ------------------------------------

// Copies between one big tensor viewed as [outer, big_row] and pieces viewed as
// [outer, row_k], piece k occupying columns [col_k, col_k + row_k) of each big
// row. to_big: Concat direction. Work is split over big-tensor elements, so the
// threads balance however uneven the pieces are.
void gather_rows(const OpContext& ctx, uint8_t* big, int64_t outer, int64_t big_row, const std::vector<int64_t>& col,
                 const std::vector<int64_t>& row, const std::vector<uint8_t*>& piece, size_t es, bool to_big) {
  int64_t total = outer * big_row;
  if (total == 0) return;
  ctx.parallel_for(total, kMinChunkElements, [&](int64_t b, int64_t e) {
    int64_t o = b / big_row, c = b - o * big_row;
    // Piece holding column c: the last one starting at or before c with a non-empty row.
    size_t k = size_t(std::upper_bound(col.begin(), col.end(), c) - col.begin()) - 1;
    int64_t pos = b;
    while (pos < e) {
      while (c >= col[k] + row[k]) ++k;  // skip empty pieces and finished ones
      int64_t n = std::min(col[k] + row[k] - c, e - pos);
      uint8_t* p = piece[k] + size_t(o * row[k] + (c - col[k])) * es;
      uint8_t* q = big + size_t(pos) * es;
      if (to_big) std::memcpy(q, p, size_t(n) * es);
      else std::memcpy(p, q, size_t(n) * es);
      pos += n;
      c += n;
      if (c == big_row) {
        c = 0;
        k = 0;
        ++o;
      }
    }
  });
}

void compute_concat(const OpContext& ctx, std::vector<Tensor>& out) {
  Tensor& y = out[0];
  const int axis = ctx.params_as<ops::AxisParams>().axis;
  int64_t outer = dims_product(y.shape, 0, axis);
  int64_t inner = dims_product(y.shape, axis + 1, y.rank());
  std::vector<int64_t> col, row;
  std::vector<uint8_t*> piece;
  int64_t c = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor& xi = ctx.input(i);
    col.push_back(c);
    row.push_back(xi.shape[size_t(axis)] * inner);
    piece.push_back(static_cast<uint8_t*>(const_cast<void*>(xi.data)));
    c += row.back();
  }
  gather_rows(ctx, y.ptr<uint8_t>(), outer, c, col, row, piece, dtype_size(y.dtype), true);
}

void compute_split(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  int axis;
  const ops::SplitParams& split = ctx.params_as<ops::SplitParams>();
  axis = split.axis;
  const std::vector<int64_t>& sizes = split.sizes;
  int64_t outer = dims_product(x.shape, 0, axis);
  int64_t inner = dims_product(x.shape, axis + 1, x.rank());
  std::vector<int64_t> col, row;
  std::vector<uint8_t*> piece;
  int64_t c = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    col.push_back(c);
    row.push_back(sizes[k] * inner);
    piece.push_back(out[k].ptr<uint8_t>());
    c += row.back();
  }
  gather_rows(ctx, static_cast<uint8_t*>(const_cast<void*>(x.data)), outer, c, col, row, piece,
              dtype_size(x.dtype), false);
}

// ---- Slice -------------------------------------------------------------------

// Copies `total` output elements laid out by `axes` (extent and input stride per
// output axis, row-major; the last axis is the inner run): each row of the run is
// one memcpy (input stride 1), one fill (stride 0, a broadcast) or a strided copy.
// Rows are independent, so they are split across threads. Slice and Expand share it.
template <class T> void copy_by_axes(const OpContext& ctx, const T* in, T* out, const std::vector<Axis>& axes,
                                     int64_t total) {
  int64_t run = axes.empty() ? 1 : axes.back().n;
  int64_t run_stride = axes.empty() ? 1 : axes.back().is;
  std::vector<Axis> outer(axes.begin(), axes.empty() ? axes.end() : axes.end() - 1);
  int64_t acc = run;
  for (size_t a = outer.size(); a-- > 0;) {
    outer[a].os = acc;
    acc *= outer[a].n;
  }
  ctx.parallel_for(total / run, rows_per_chunk(run), [&](int64_t b, int64_t e) {
    Odometer od(outer, b);
    for (int64_t r = b; r < e; ++r, od.next()) {
      const T* src = in + od.in;
      T* dst = out + od.out;
      if (run_stride == 1) {
        std::memcpy(dst, src, size_t(run) * sizeof(T));
      } else if (run_stride == 0) {
        // A plain loop, not std::fill: template copies shared between ISA
        // objects are what check-isa-leaks guards against.
        const T v = *src;
        for (int64_t j = 0; j < run; ++j) dst[j] = v;
      } else {
        strided_copy(dst, src, run, run_stride);
      }
    }
  });
}

template <class T> void slice_typed(const OpContext& ctx, const Tensor& x, Tensor& y, const std::vector<SliceDim>& plan) {
  int64_t total = y.numel();
  if (total == 0) return;
  std::vector<int64_t> in_strides = strides_of(x.shape);
  // Axes as (extent, input stride, output stride), with the start offsets folded
  // into `base`; trailing full axes are merged into one contiguous run.
  int64_t base = 0;
  std::vector<Axis> axes;
  for (size_t d = 0; d < plan.size(); ++d) {
    base += plan[d].start * in_strides[d];
    axes.push_back({plan[d].size, plan[d].step * in_strides[d], 0});
  }
  // Merge axis d into the (already merged) inner axis when the inner one is a
  // whole contiguous input row and d steps by 1.
  while (axes.size() >= 2) {
    Axis& in = axes.back();
    Axis& pre = axes[axes.size() - 2];
    if (in.is == 1 && pre.is == in.n) {
      pre.n *= in.n;
      pre.is = 1;
      axes.pop_back();
    } else {
      break;
    }
  }
  copy_by_axes(ctx, x.ptr<T>() + base, y.ptr<T>(), axes, total);
}

void compute_slice(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const std::vector<SliceDim>& plan = ctx.params_as<ops::SlicePlan>().dims;
  by_width(x.dtype, [&](auto tag) { slice_typed<decltype(tag)>(ctx, x, out[0], plan); });
}

// ---- Gather ------------------------------------------------------------------

template <class T> void gather_typed(const OpContext& ctx, const Tensor& x, Tensor& y, int axis,
                                     const std::vector<int64_t>& idx) {
  int64_t outer = dims_product(x.shape, 0, axis);
  int64_t dim = x.shape[size_t(axis)];
  int64_t inner = dims_product(x.shape, axis + 1, x.rank());
  int64_t n = int64_t(idx.size());
  if (outer == 0 || n == 0 || inner == 0) return;
  const T* in = x.ptr<T>();
  T* out = y.ptr<T>();
  // Indices made non-negative once (compute_gather has checked the range).
  std::vector<int64_t> pos(idx.size());
  for (size_t j = 0; j < idx.size(); ++j) pos[j] = idx[j] < 0 ? idx[j] + dim : idx[j];
  const int64_t* ip = pos.data();
  // Output row r = (o, j) is data row (o, pos[j]); walk each chunk in runs of one o.
  ctx.parallel_for(outer * n, rows_per_chunk(inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e;) {
      int64_t o = r / n, j = r - o * n;
      int64_t jend = std::min(n, j + (e - r));
      const T* src = in + o * dim * inner;
      T* dst = out + r * inner;
      if (inner == 1) {
        indexed_copy(dst, src, ip + j, jend - j);
      } else {
        for (int64_t t = j; t < jend; ++t) std::memcpy(dst + (t - j) * inner, src + ip[t] * inner, size_t(inner) * sizeof(T));
      }
      r += jend - j;
    }
  });
}

void compute_gather(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const int axis = ctx.params_as<ops::AxisParams>().axis;
  std::vector<int64_t> idx = read_ints(ctx.input(1));
  ops::check_gather_indices(ctx, idx, axis, x.shape[size_t(axis)]);
  by_width(x.dtype, [&](auto tag) { gather_typed<decltype(tag)>(ctx, x, out[0], axis, idx); });
}

// ---- Expand ------------------------------------------------------------------

template <class T> void expand_typed(const OpContext& ctx, const Tensor& x, Tensor& y) {
  int64_t total = y.numel();
  if (total == 0) return;
  // Output axes (size-1 ones dropped) with the input stride each reads at: 0
  // on a broadcast axis. Neighbours merge when the outer one steps exactly over
  // the inner one, which folds contiguous tails into one memcpy run and
  // broadcast tails into one fill.
  std::vector<int64_t> bs = broadcast_strides(x.shape, y.shape);
  std::vector<Axis> axes;
  for (size_t d = 0; d < y.shape.size(); ++d) {
    if (y.shape[d] == 1) continue;
    if (!axes.empty() && axes.back().is == bs[d] * y.shape[d]) {
      axes.back().n *= y.shape[d];
      axes.back().is = bs[d];
    } else {
      axes.push_back({y.shape[d], bs[d], 0});
    }
  }
  copy_by_axes(ctx, x.ptr<T>(), y.ptr<T>(), axes, total);
}

void compute_expand(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  by_width(x.dtype, [&](auto tag) { expand_typed<decltype(tag)>(ctx, x, out[0]); });
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

}  // namespace aivm::cpu::AIVM_ISA_NS
