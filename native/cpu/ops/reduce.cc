// ReduceSum, ReduceMean, ReduceMax, ReduceMin (ONNX opset 18, axes as an
// optional int64 input; the older `axes` attribute is accepted too).
//
// The canonical order (docs/numerics/reduce.md): the reduced elements of one
// output are enumerated in row-major order of the reduced axes (the reduced
// axes taken in increasing axis order, the last one fastest); element k of that
// enumeration goes to partial k % 16 and the partials are combined by
// canonical_sum's fixed tree. Float sums therefore equal op_common's
// canonical_sum over that sequence, bit for bit. Max, min and integer
// (wrapping) sums are associative and commutative, so they use the same
// structure without any order mattering.
//
// Threads split independent outputs only. SIMD lanes run along a contiguous
// reduced run (inside canonical_sum) or across neighbouring outputs that each
// keep their own 16 partials (when the innermost axis is kept).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/arg_select.h"
#include "ops/reduce.h"

// GCC's -O2 "very cheap" vectorizer cost model refuses every loop whose trip
// count is not a known multiple of the vector width; the dynamic model only
// changes which loops are vectorized, never the operations or their order
// (-ffp-contract=off, no fast-math). This file's functions only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

enum class Kind { SUM, MEAN, MAX, MIN };

// ---- Attributes and axes ------------------------------------------------------

// The plan (reduced axes, keepdims, noop_with_empty_axes) is shared with the
// CUDA ops: ops/reduce.h.
using ops::ReducePlan;

// ---- Combining rules ----------------------------------------------------------------

struct SumF {
  using T = float;
  static T init() { return -0.0f; }
  static T comb(T a, T b) { return a + b; }
};
struct MaxF {
  using T = float;
  static T init() { return -std::numeric_limits<float>::infinity(); }
  static T comb(T a, T b) { return max_f32(a, b); }
};
struct MinF {
  using T = float;
  static T init() { return std::numeric_limits<float>::infinity(); }
  static T comb(T a, T b) { return min_f32(a, b); }
};
// float64: the same rules in binary64 (canonical NaN 0x7FF8000000000000).
struct SumD {
  using T = double;
  static T init() { return -0.0; }
  static T comb(T a, T b) { return a + b; }
};
struct MaxD {
  using T = double;
  static T init() { return -std::numeric_limits<double>::infinity(); }
  static T comb(T a, T b) { return math::max_f64(a, b); }
};
struct MinD {
  using T = double;
  static T init() { return std::numeric_limits<double>::infinity(); }
  static T comb(T a, T b) { return math::min_f64(a, b); }
};
template <class I> struct SumI {
  using T = I;
  static T init() { return 0; }
  static T comb(T a, T b) {
    using U = std::make_unsigned_t<I>;
    return T(U(a) + U(b));  // wraps modulo 2^bits
  }
};
template <class I> struct MaxI {
  using T = I;
  static T init() { return std::numeric_limits<I>::min(); }
  static T comb(T a, T b) { return a > b ? a : b; }
};
template <class I> struct MinI {
  using T = I;
  static T init() { return std::numeric_limits<I>::max(); }
  static T comb(T a, T b) { return a < b ? a : b; }
};

// Reduction of a contiguous run of n >= 1 elements in the canonical structure.
template <class Op> typename Op::T reduce_run(const typename Op::T* x, int64_t n) {
  using T = typename Op::T;
  if constexpr (std::is_same_v<Op, SumF>) {
    return canonical_sum(x, n, 1);
  } else {
    T acc[kSumLanes];
    for (int j = 0; j < kSumLanes; ++j) acc[j] = Op::init();
    int64_t i = 0;
    for (; i + kSumLanes <= n; i += kSumLanes) {
      for (int j = 0; j < kSumLanes; ++j) acc[j] = Op::comb(acc[j], x[i + j]);
    }
    for (int j = 0; i < n; ++i, ++j) acc[j] = Op::comb(acc[j], x[i]);
    for (int w = kSumLanes / 2; w >= 1; w /= 2) {
      for (int j = 0; j < w; ++j) acc[j] = Op::comb(acc[j], acc[j + w]);
    }
    return acc[0];
  }
}

// The canonical NaN of a float type.
template <class T> T nan_of() {
  if constexpr (std::is_same_v<T, double>) return math::nan_f64();
  else return canonical_nan();
}

// Result for an output whose reduced set is empty (ONNX 18: max of nothing is
// -inf / the dtype's minimum, min of nothing is +inf / the maximum; a sum is 0;
// a mean is 0/0, the canonical NaN).
template <class Op, Kind K> typename Op::T empty_value() {
  using T = typename Op::T;
  if constexpr (K == Kind::MEAN) return nan_of<T>();
  else if constexpr (K == Kind::SUM) return T(0);
  else return Op::init();
}

// Float results leave as the canonical NaN whenever they are NaN: which NaN an
// x86 add propagates depends on operand order, which the compiler may commute
// differently in scalar and vector code. `count` is the reduced element count
// converted to T (ReduceMean: float(R) or double(R), rounded to nearest).
template <class Op, Kind K> typename Op::T finish(typename Op::T v, typename Op::T count) {
  using T = typename Op::T;
  if constexpr (K == Kind::MEAN) v = v / count;
  if constexpr (std::is_floating_point_v<T>) return v != v ? nan_of<T>() : v;
  else return v;
}

// ---- The reduction proper ----------------------------------------------------------

// Outputs of neighbouring kept positions processed together when the innermost
// (merged) axis is kept.
constexpr int64_t kOutTile = 64;

template <class Op, Kind K> void reduce_typed(const OpContext& ctx, const ReducePlan& plan, Tensor& out) {
  using T = typename Op::T;
  const Tensor& x = ctx.input(0);
  const T* px = x.ptr<T>();
  T* py = out.ptr<T>();
  const int64_t total_out = out.numel();
  if (total_out == 0) return;
  if (plan.identity) {
    std::memcpy(py, px, size_t(total_out) * sizeof(T));
    return;
  }
  int64_t R = 1;
  for (int d = 0; d < x.rank(); ++d) {
    if (plan.reduced[size_t(d)]) R *= x.shape[size_t(d)];
  }
  if (R == 0) {
    const T e = empty_value<Op, K>();
    for (int64_t i = 0; i < total_out; ++i) py[i] = e;
    return;
  }
  const T count = T(R);
  // Merge neighbouring axes of the same kind (size-1 axes dropped): the merged
  // groups alternate kept / reduced and keep the row-major order of both.
  std::vector<int64_t> gsize;
  std::vector<bool> gred;
  for (int d = 0; d < x.rank(); ++d) {
    int64_t s = x.shape[size_t(d)];
    if (s == 1) continue;
    bool r = plan.reduced[size_t(d)];
    if (!gsize.empty() && gred.back() == r) gsize.back() *= s;
    else {
      gsize.push_back(s);
      gred.push_back(r);
    }
  }
  if (gsize.empty() || gred.back()) {
    // A kept innermost group of size 1 makes every layout one of two shapes below.
    if (gsize.empty() || std::count(gred.begin(), gred.end(), true) > 1) {
      gsize.push_back(1);
      gred.push_back(false);
    }
  }
  const size_t ng = gsize.size();
  std::vector<int64_t> gstride(ng);
  for (size_t g = ng, acc = 1; g-- > 0;) {
    gstride[g] = int64_t(acc);
    acc *= size_t(gsize[g]);
  }
  // Element offsets of the reduced index space (row-major over reduced groups)
  // and of the kept index space without the innermost kept group.
  auto offsets = [&](bool reduced, size_t end_group) {
    std::vector<int64_t> offs{0};
    for (size_t g = 0; g < end_group; ++g) {
      if (gred[g] != reduced) continue;
      std::vector<int64_t> next;
      next.reserve(offs.size() * size_t(gsize[g]));
      for (int64_t o : offs) {
        for (int64_t i = 0; i < gsize[g]; ++i) next.push_back(o + i * gstride[g]);
      }
      offs.swap(next);
    }
    return offs;
  };

  if (gred.back()) {
    // Exactly one reduced group, innermost: each output reduces a contiguous run.
    int64_t min_out = rows_per_chunk(R);
    ctx.parallel_for(total_out, min_out, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) py[o] = finish<Op, K>(reduce_run<Op>(px + o * R, R), count);
    });
    return;
  }

  // Innermost group kept (size inner): output (q, p) reduces x[base[q] + off[k] + p]
  // over k, each p with its own 16 partials (k % 16), combined by the fixed tree.
  const int64_t inner = gsize.back();
  const std::vector<int64_t> off = offsets(true, ng - 1);
  const std::vector<int64_t> base = offsets(false, ng - 1);
  const int64_t tiles = (inner + kOutTile - 1) / kOutTile;
  const int64_t per_unit = R * std::min(inner, kOutTile);
  const int64_t min_units = rows_per_chunk(per_unit);
  ctx.parallel_for(int64_t(base.size()) * tiles, min_units, [&](int64_t begin, int64_t end) {
    T acc[kSumLanes][kOutTile];
    for (int64_t u = begin; u < end; ++u) {
      const int64_t q = u / tiles, p0 = (u % tiles) * kOutTile;
      const int64_t w = std::min(kOutTile, inner - p0);
      const T* xq = px + base[size_t(q)] + p0;
      for (int j = 0; j < kSumLanes; ++j) {
        for (int64_t p = 0; p < w; ++p) acc[j][p] = Op::init();
      }
      for (int64_t k = 0; k < R; ++k) {
        const T* xr = xq + off[size_t(k)];
        T* a = acc[k % kSumLanes];
        for (int64_t p = 0; p < w; ++p) a[p] = Op::comb(a[p], xr[p]);
      }
      for (int h = kSumLanes / 2; h >= 1; h /= 2) {
        for (int j = 0; j < h; ++j) {
          for (int64_t p = 0; p < w; ++p) acc[j][p] = Op::comb(acc[j][p], acc[j + h][p]);
        }
      }
      T* yq = py + q * inner + p0;
      for (int64_t p = 0; p < w; ++p) yq[p] = finish<Op, K>(acc[0][p], count);
    }
  });
}

template <Kind K> void compute_reduce(const OpContext& ctx, std::vector<Tensor>& out) {
  const ReducePlan& plan = ctx.params_as<ReducePlan>();
  switch (ctx.input(0).dtype) {
    case DType::F32:
      if constexpr (K == Kind::SUM || K == Kind::MEAN) reduce_typed<SumF, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MAX) reduce_typed<MaxF, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MIN) reduce_typed<MinF, K>(ctx, plan, out[0]);
      break;
    case DType::F64:
      if constexpr (K == Kind::SUM || K == Kind::MEAN) reduce_typed<SumD, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MAX) reduce_typed<MaxD, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MIN) reduce_typed<MinD, K>(ctx, plan, out[0]);
      break;
    case DType::I64:
      if constexpr (K == Kind::SUM) reduce_typed<SumI<int64_t>, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MAX) reduce_typed<MaxI<int64_t>, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MIN) reduce_typed<MinI<int64_t>, K>(ctx, plan, out[0]);
      break;
    case DType::I32:
      if constexpr (K == Kind::SUM) reduce_typed<SumI<int32_t>, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MAX) reduce_typed<MaxI<int32_t>, K>(ctx, plan, out[0]);
      if constexpr (K == Kind::MIN) reduce_typed<MinI<int32_t>, K>(ctx, plan, out[0]);
      break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// ---- ArgMax, ArgMin ---------------------------------------------------------------

// One output per (outer, inner) position, each a sequential scan along the axis
// (math/arg_select.h): threads split the outputs only.
template <bool MAX, bool LAST, class T> void arg_typed(const OpContext& ctx, const ops::ArgPlan& p, Tensor& out) {
  const T* x = ctx.input(0).ptr<T>();
  int64_t* y = out.ptr<int64_t>();
  const int64_t n = p.outer * p.inner;
  const int64_t min_chunk = rows_per_chunk(p.dim);
  ctx.parallel_for(n, min_chunk, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t o = i / p.inner, r = i % p.inner;
      y[i] = math::arg_select<MAX, LAST>(x + o * p.dim * p.inner + r, p.dim, p.inner);
    }
  });
}

template <bool MAX, class T> void arg_last(const OpContext& ctx, const ops::ArgPlan& p, Tensor& out) {
  if (p.last) arg_typed<MAX, true, T>(ctx, p, out);
  else arg_typed<MAX, false, T>(ctx, p, out);
}

template <bool MAX> void compute_arg(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::ArgPlan& p = ctx.params_as<ops::ArgPlan>();
  switch (ctx.input(0).dtype) {
    case DType::F32: return arg_last<MAX, float>(ctx, p, out[0]);
    case DType::F64: return arg_last<MAX, double>(ctx, p, out[0]);
    case DType::I32: return arg_last<MAX, int32_t>(ctx, p, out[0]);
    case DType::I64: return arg_last<MAX, int64_t>(ctx, p, out[0]);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

}  // namespace

void add_reduce_computes(ComputeTable& t) {
  t.add(OpId::ReduceSum, compute_reduce<Kind::SUM>);
  t.add(OpId::ReduceMean, compute_reduce<Kind::MEAN>);
  t.add(OpId::ReduceMax, compute_reduce<Kind::MAX>);
  t.add(OpId::ReduceMin, compute_reduce<Kind::MIN>);
  t.add(OpId::ArgMax, compute_arg<true>);
  t.add(OpId::ArgMin, compute_arg<false>);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
