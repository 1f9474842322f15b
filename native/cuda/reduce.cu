// CUDA ReduceSum, ReduceMean, ReduceMax, ReduceMin: one thread per output
// element, the definitions of native/cpu/ops/reduce.cc (docs/numerics/reduce.md).
// The axes plan (axes input or attribute, keepdims, noop_with_empty_axes) is
// the CPU's own code, ops/reduce.h.
//
// The canonical order: the reduced elements of one output are enumerated in
// row-major order of the reduced axes (increasing axis order, the last one
// fastest); element k goes to partial k % 16, partials start at the combining
// rule's identity (-0 for float sums) and are combined by the fixed tree
// 8/4/2/1. The CPU reaches this same sequence through merged axis groups and
// SIMD lanes across outputs; a thread here walks it directly with an odometer
// over the reduced axes, so float sums round identically. Max, min and integer
// (wrapping) sums do not depend on the order but use the same structure.
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/shape_util.h"
#include "math/arg_select.h"
#include "ops/reduce.h"
#include "cuda/device.h"
#include "cuda/ops.h"

namespace aivm::cuda {
namespace {

enum class Kind { SUM, MEAN, MAX, MIN };

// ---- Combining rules (the CPU's SumF/MaxF/MinF/SumI/MaxI/MinI) -----------------
// Their identities (-0, -inf, +inf, the integer extremes) come from the host as
// a kernel argument, so device code needs no numeric_limits.

struct SumF {
  using T = float;
  static AIVM_HD T comb(T a, T b) { return add_rn(a, b); }
};
struct MaxF {
  using T = float;
  static AIVM_HD T comb(T a, T b) { return max_f32(a, b); }
};
struct MinF {
  using T = float;
  static AIVM_HD T comb(T a, T b) { return min_f32(a, b); }
};
struct SumD {
  using T = double;
  static AIVM_HD T comb(T a, T b) { return add_rn(a, b); }
};
struct MaxD {
  using T = double;
  static AIVM_HD T comb(T a, T b) { return max_f64(a, b); }
};
struct MinD {
  using T = double;
  static AIVM_HD T comb(T a, T b) { return min_f64(a, b); }
};
template <class I> struct SumI {
  using T = I;
  static AIVM_HD T comb(T a, T b) {
    using U = typename std::make_unsigned<I>::type;
    return T(U(a) + U(b));  // wraps modulo 2^bits
  }
};
template <class I> struct MaxI {
  using T = I;
  static AIVM_HD T comb(T a, T b) { return a > b ? a : b; }
};
template <class I> struct MinI {
  using T = I;
  static AIVM_HD T comb(T a, T b) { return a < b ? a : b; }
};

// The index spaces of one reduction: kept axes (their output linear index is
// the output element's index) and reduced axes, each as extent and input
// stride. Size-1 axes are left out: they change neither index nor order.
struct Axes {
  int n;
  Dims size, stride;
};

// Output o: reduce x[base(o) + off(k)] over k = 0..R-1 in the canonical order,
// then the CPU's finish(): ReduceMean's one division by float(R), and the
// canonical NaN for any NaN float result.
template <class Op, Kind K>
AIVM_KERNEL reduce_kernel(int64_t n, const typename Op::T* x, typename Op::T* y, typename Op::T init, Axes kept,
                          Axes red, int64_t R, typename Op::T count) {
  using T = typename Op::T;
  constexpr int kLanes = 16;  // cpu kSumLanes
  for (int64_t o = grid_first(); o < n; o += grid_stride()) {
    int64_t base = 0, q = o;
    for (int d = kept.n - 1; d >= 0; --d) {
      base += (q % kept.size.v[d]) * kept.stride.v[d];
      q /= kept.size.v[d];
    }
    T acc[kLanes];
    for (int j = 0; j < kLanes; ++j) acc[j] = init;
    int64_t idx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t off = 0;
    for (int64_t k = 0; k < R; ++k) {
      acc[k % kLanes] = Op::comb(acc[k % kLanes], x[base + off]);
      // Next reduced element in row-major order (last reduced axis fastest).
      for (int d = red.n - 1; d >= 0; --d) {
        off += red.stride.v[d];
        if (++idx[d] < red.size.v[d]) break;
        off -= red.size.v[d] * red.stride.v[d];
        idx[d] = 0;
      }
    }
    for (int w = kLanes / 2; w >= 1; w /= 2) {
      for (int j = 0; j < w; ++j) acc[j] = Op::comb(acc[j], acc[j + w]);
    }
    T v = acc[0];
    if constexpr (K == Kind::MEAN) v = div_rn(v, count);
    if constexpr (std::is_floating_point<T>::value) v = canon(v);
    y[o] = v;
  }
}

template <class T> AIVM_KERNEL fill_kernel(int64_t n, T* y, T v) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = v;
}

template <class T> AIVM_KERNEL copy_kernel(int64_t n, const T* x, T* y) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = x[i];
}

// Identity of the combining rule (the CPU's Op::init()).
template <class Op, Kind K> typename Op::T identity() {
  using T = typename Op::T;
  using L = std::numeric_limits<T>;
  constexpr bool kFloat = std::is_floating_point<T>::value;
  if constexpr (K == Kind::SUM || K == Kind::MEAN) return kFloat ? T(-0.0f) : T(0);
  else if constexpr (K == Kind::MAX) return kFloat ? -L::infinity() : L::min();
  else return kFloat ? L::infinity() : L::max();
}

// Result for an empty reduced set (the CPU's empty_value(): a float sum is +0,
// a mean 0/0 = the canonical NaN, max/min their identities).
template <class Op, Kind K> typename Op::T empty_value() {
  using T = typename Op::T;
  if constexpr (K == Kind::MEAN && std::is_same<T, double>::value) return math::nan_f64();
  else if constexpr (K == Kind::MEAN) return math::f32_from_bits(0x7FC00000u);
  else if constexpr (K == Kind::SUM) return T(0);
  else return identity<Op, K>();
}

template <class Op, Kind K>
void reduce_typed(const OpContext& ctx, const ops::ReducePlan& plan, std::vector<Tensor>& out) {
  using T = typename Op::T;
  const Tensor& x = ctx.input(0);
  const int64_t total_out = out[0].numel();
  if (total_out == 0) return;
  Staging s(ctx, out);
  if (plan.identity) {
    launch(ctx.op, total_out, copy_kernel<T>, s.in<T>(0), s.out<T>(0));
  } else {
    const std::vector<int64_t> strides = strides_of(x.shape);
    std::vector<int64_t> ks, kst, rs, rst;
    int64_t R = 1;
    for (int d = 0; d < x.rank(); ++d) {
      const int64_t n = x.shape[size_t(d)];
      if (plan.reduced[size_t(d)]) R *= n;
      if (n == 1) continue;
      (plan.reduced[size_t(d)] ? rs : ks).push_back(n);
      (plan.reduced[size_t(d)] ? rst : kst).push_back(strides[size_t(d)]);
    }
    if (R == 0) {
      launch(ctx.op, total_out, fill_kernel<T>, s.out<T>(0), empty_value<Op, K>());
    } else {
      const Axes kept{int(ks.size()), dims_of(ks), dims_of(kst)};
      const Axes red{int(rs.size()), dims_of(rs), dims_of(rst)};
      launch(ctx.op, total_out, reduce_kernel<Op, K>, s.in<T>(0), s.out<T>(0), identity<Op, K>(), kept, red, R, T(R));
    }
  }
  s.finish();
}

template <Kind K> void compute_reduce(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::ReducePlan& plan = ctx.params_as<ops::ReducePlan>();
  switch (ctx.input(0).dtype) {
    case DType::F32:
      if constexpr (K == Kind::SUM || K == Kind::MEAN) reduce_typed<SumF, K>(ctx, plan, out);
      if constexpr (K == Kind::MAX) reduce_typed<MaxF, K>(ctx, plan, out);
      if constexpr (K == Kind::MIN) reduce_typed<MinF, K>(ctx, plan, out);
      break;
    case DType::F64:
      if constexpr (K == Kind::SUM || K == Kind::MEAN) reduce_typed<SumD, K>(ctx, plan, out);
      if constexpr (K == Kind::MAX) reduce_typed<MaxD, K>(ctx, plan, out);
      if constexpr (K == Kind::MIN) reduce_typed<MinD, K>(ctx, plan, out);
      break;
    case DType::I64:
      if constexpr (K == Kind::SUM) reduce_typed<SumI<int64_t>, K>(ctx, plan, out);
      if constexpr (K == Kind::MAX) reduce_typed<MaxI<int64_t>, K>(ctx, plan, out);
      if constexpr (K == Kind::MIN) reduce_typed<MinI<int64_t>, K>(ctx, plan, out);
      break;
    case DType::I32:
      if constexpr (K == Kind::SUM) reduce_typed<SumI<int32_t>, K>(ctx, plan, out);
      if constexpr (K == Kind::MAX) reduce_typed<MaxI<int32_t>, K>(ctx, plan, out);
      if constexpr (K == Kind::MIN) reduce_typed<MinI<int32_t>, K>(ctx, plan, out);
      break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// ---- ArgMax, ArgMin: one thread per output, the CPU's scan (math/arg_select.h) ----

template <bool MAX, bool LAST, class T>
AIVM_KERNEL arg_kernel(int64_t n, const T* x, int64_t* y, int64_t dim, int64_t inner) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const int64_t o = i / inner, r = i % inner;
    y[i] = math::arg_select<MAX, LAST>(x + o * dim * inner + r, dim, inner);
  }
}

template <bool MAX, class T> void run_arg(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::ArgPlan& p = ctx.params_as<ops::ArgPlan>();
  Staging s(ctx, out);
  if (p.last) launch(ctx.op, p.outer * p.inner, arg_kernel<MAX, true, T>, s.in<T>(0), s.out<int64_t>(0), p.dim, p.inner);
  else launch(ctx.op, p.outer * p.inner, arg_kernel<MAX, false, T>, s.in<T>(0), s.out<int64_t>(0), p.dim, p.inner);
  s.finish();
}

template <bool MAX> void compute_arg(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (ctx.input(0).dtype) {
    case DType::F32: return run_arg<MAX, float>(ctx, out);
    case DType::F64: return run_arg<MAX, double>(ctx, out);
    case DType::I32: return run_arg<MAX, int32_t>(ctx, out);
    case DType::I64: return run_arg<MAX, int64_t>(ctx, out);
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

}  // namespace aivm::cuda
