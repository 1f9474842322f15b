// CUDA binary ops (Add Sub Mul Div Pow PRelu Equal Less Greater GreaterOrEqual
// LessOrEqual And Or Xor BitwiseAnd BitwiseOr BitwiseXor BitShift), the variadic Min Max Sum Mean, Mod and the ternary Where: one thread per output element, the same per-element definitions as
// native/cpu/ops/binary.cc (docs/numerics/binary.md). Each element is one IEEE
// operation (or math::pow_f32, or a select) on its own input elements, so the
// broadcast walk order cannot change a bit.
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/element_width.h"
#include "core/shape_util.h"
#include "ops/binary.h"
#include "cuda/device.h"
#include "cuda/ops.h"
#include "math/bitwise.h"
#include "math/remainder.h"
#include "math/transcendental.h"

namespace aivm::cuda {
namespace {

// numpy broadcasting: the element offset, in an input, of output element i.
// The row-major digits of i over the output shape are dotted with the input's
// broadcast strides (0 on the dimensions it is broadcast along, and on the
// leading dimensions it lacks: core/shape_util.h broadcast_strides).
AIVM_HD int64_t broadcast_offset(int64_t i, const Dims& shape, int rank, const Dims& strides) {
  int64_t off = 0;
  for (int d = rank - 1; d >= 0; --d) {
    const int64_t dim = shape.v[d];  // never 0: an empty output launches nothing
    off += (i % dim) * strides.v[d];
    i /= dim;
  }
  return off;
}

// The output shape and each input's broadcast strides, as kernel arguments.
struct Broadcast {
  bool flat;  // every input has the output's shape: offset i, no index arithmetic
  int rank;
  Dims shape;
  Dims strides[3];
};

Broadcast broadcast_of(const Shape& out, const std::vector<const Tensor*>& inputs) {
  Broadcast b{};
  b.flat = true;
  b.rank = int(out.size());
  b.shape = dims_of(out);
  for (size_t k = 0; k < inputs.size(); ++k) {
    b.flat = b.flat && inputs[k]->shape == out;
    b.strides[k] = dims_of(broadcast_strides(inputs[k]->shape, out));
  }
  return b;
}

enum class Op : int { ADD, SUB, MUL, DIV, POW, EQ, LT, GT, GE, LE, PRELU, AND, OR, XOR, FMOD, MOD_FLOOR, BIT_AND, BIT_OR, BIT_XOR, SHL, SHR };

// Integer -> float32 rounded to nearest even (Pow's integer exponents), the
// IEEE conversion the CPU's float(v) is.
template <class T> AIVM_HD float to_f32(T v) {
  if constexpr (std::is_same<T, float>::value) {
    return v;
  } else {
#if defined(__CUDA_ARCH__)
    if constexpr (sizeof(T) == 8) return __ll2float_rn((long long)v);
    else return __int2float_rn(int(v));
#else
    return float(v);
#endif
  }
}

// One output element. float: one correctly rounded operation (NaN payloads are
// not part of the contract, docs/NUMERICS.md §4, so no canon() here: the CPU
// does not canonicalize either). Integers: two's complement, wrapping modulo
// 2^bits, computed unsigned; Div truncates toward zero, MIN / -1 wraps to MIN
// (zero divisors were refused on the host). Comparisons: IEEE, NaN compares
// false, -0 == +0.
template <Op K, class Ta, class Tb, class To> AIVM_HD To apply_op(Ta a, Tb b) {
  if constexpr (K == Op::POW) {
    return math::pow_f32(a, to_f32(b));
  } else if constexpr (K == Op::FMOD) {
    // Mod with fmod=1 (float: exact, math::fmod_f32) and fmod=0 (integers only).
    if constexpr (std::is_same<Ta, float>::value) return math::fmod_f32(a, b);
    else if constexpr (std::is_same<Ta, double>::value) return math::fmod_f64(a, b);
    else return math::mod_trunc_int<Ta>(a, b);
  } else if constexpr (K == Op::MOD_FLOOR) {
    return math::mod_floor_int<Ta>(a, b);
  } else if constexpr (K == Op::BIT_AND) {
    return math::bitwise<math::BitOp::AND, Ta>(a, b);
  } else if constexpr (K == Op::BIT_OR) {
    return math::bitwise<math::BitOp::OR, Ta>(a, b);
  } else if constexpr (K == Op::BIT_XOR) {
    return math::bitwise<math::BitOp::XOR, Ta>(a, b);
  } else if constexpr (K == Op::SHL) {
    return math::bit_shift<true, Ta>(a, b);
  } else if constexpr (K == Op::SHR) {
    return math::bit_shift<false, Ta>(a, b);
  } else if constexpr (K == Op::PRELU) {
    // x < 0 ? slope * x : x, NaN canonical (the CPU's prelu_f32).
    return canon(a < 0.0f ? mul_rn(b, a) : a);
  } else if constexpr (K == Op::EQ) {
    return uint8_t(a == b);
  } else if constexpr (K == Op::LT) {
    return uint8_t(a < b);
  } else if constexpr (K == Op::GT) {
    return uint8_t(a > b);
  } else if constexpr (K == Op::GE) {
    return uint8_t(a >= b);
  } else if constexpr (K == Op::LE) {
    return uint8_t(a <= b);
  } else if constexpr (K == Op::AND) {
    return uint8_t(a != 0 && b != 0);  // any non-zero byte is true, as on the CPU
  } else if constexpr (K == Op::OR) {
    return uint8_t(a != 0 || b != 0);
  } else if constexpr (K == Op::XOR) {
    return uint8_t((a != 0) != (b != 0));
  } else if constexpr (std::is_floating_point<Ta>::value) {  // float32 or float64: the *_rn overloads
    if constexpr (K == Op::ADD) return add_rn(a, b);
    if constexpr (K == Op::SUB) return sub_rn(a, b);
    if constexpr (K == Op::MUL) return mul_rn(a, b);
    if constexpr (K == Op::DIV) return div_rn(a, b);
  } else {
    using U = typename std::make_unsigned<Ta>::type;
    if constexpr (K == Op::ADD) return Ta(U(a) + U(b));
    if constexpr (K == Op::SUB) return Ta(U(a) - U(b));
    if constexpr (K == Op::MUL) return Ta(U(a) * U(b));
    if constexpr (K == Op::DIV) return b == Ta(-1) ? Ta(U(0) - U(a)) : Ta(a / b);
  }
}

template <Op K, class Ta, class Tb, class To>
AIVM_KERNEL binary_kernel(int64_t n, const Ta* a, const Tb* b, To* y, Broadcast bc) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const int64_t ia = bc.flat ? i : broadcast_offset(i, bc.shape, bc.rank, bc.strides[0]);
    const int64_t ib = bc.flat ? i : broadcast_offset(i, bc.shape, bc.rank, bc.strides[1]);
    y[i] = apply_op<K, Ta, Tb, To>(a[ia], b[ib]);
  }
}

template <Op K, class Ta, class Tb, class To> void run_binary(const OpContext& ctx, std::vector<Tensor>& out) {
  const Broadcast bc = broadcast_of(out[0].shape, {&ctx.input(0), &ctx.input(1)});
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), binary_kernel<K, Ta, Tb, To>, s.in<Ta>(0), s.in<Tb>(1), s.out<To>(0), bc);
  s.finish();
}

template <Op K> void compute_arith(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (ctx.input(0).dtype) {
    case DType::F32: return run_binary<K, float, float, float>(ctx, out);
    case DType::F64: return run_binary<K, double, double, double>(ctx, out);
    case DType::I64:
      if (K == Op::DIV) ops::check_no_zero_divisor(ctx, ctx.input(1));
      return run_binary<K, int64_t, int64_t, int64_t>(ctx, out);
    case DType::I32:
      if (K == Op::DIV) ops::check_no_zero_divisor(ctx, ctx.input(1));
      return run_binary<K, int32_t, int32_t, int32_t>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// Pow: float32 base; the exponent's dtype picks the kernel.
void compute_pow(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (ctx.input(1).dtype) {
    case DType::F32: return run_binary<Op::POW, float, float, float>(ctx, out);
    case DType::I64: return run_binary<Op::POW, float, int64_t, float>(ctx, out);
    case DType::I32: return run_binary<Op::POW, float, int32_t, float>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// Comparisons output bool bytes 0 / 1; bool inputs (Equal only) compare bytes.
template <Op K> void compute_cmp(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (ctx.input(0).dtype) {
    case DType::F32: return run_binary<K, float, float, uint8_t>(ctx, out);
    case DType::F64: return run_binary<K, double, double, uint8_t>(ctx, out);
    case DType::I64: return run_binary<K, int64_t, int64_t, uint8_t>(ctx, out);
    case DType::I32: return run_binary<K, int32_t, int32_t, uint8_t>(ctx, out);
    case DType::BOOL: return run_binary<K, uint8_t, uint8_t, uint8_t>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// Where copies bits, so it moves unsigned words of the element's size (a float
// NaN's payload is kept exactly, as the CPU's copy keeps it).
template <class W> AIVM_KERNEL where_kernel(int64_t n, const uint8_t* c, const W* x, const W* y, W* o, Broadcast bc) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const int64_t ic = bc.flat ? i : broadcast_offset(i, bc.shape, bc.rank, bc.strides[0]);
    const int64_t ix = bc.flat ? i : broadcast_offset(i, bc.shape, bc.rank, bc.strides[1]);
    const int64_t iy = bc.flat ? i : broadcast_offset(i, bc.shape, bc.rank, bc.strides[2]);
    o[i] = c[ic] ? x[ix] : y[iy];
  }
}

template <class W> void run_where(const OpContext& ctx, std::vector<Tensor>& out) {
  const Broadcast bc = broadcast_of(out[0].shape, {&ctx.input(0), &ctx.input(1), &ctx.input(2)});
  Staging s(ctx, out);
  launch(ctx.op, out[0].numel(), where_kernel<W>, s.in<uint8_t>(0), s.in<W>(1), s.in<W>(2), s.out<W>(0), bc);
  s.finish();
}

void compute_where(const OpContext& ctx, std::vector<Tensor>& out) {
  by_width(out[0].dtype, [&](auto tag) { run_where<decltype(tag)>(ctx, out); });
}

void compute_prelu(const OpContext& ctx, std::vector<Tensor>& out) {
  run_binary<Op::PRELU, float, float, float>(ctx, out);
}

void compute_mod(const OpContext& ctx, std::vector<Tensor>& out) {
  const bool fmod = ctx.params_as<ops::ModParams>().fmod;
  switch (ctx.input(0).dtype) {
    case DType::F32: return run_binary<Op::FMOD, float, float, float>(ctx, out);
    case DType::F64: return run_binary<Op::FMOD, double, double, double>(ctx, out);
    case DType::I64:
      ops::check_no_zero_divisor(ctx, ctx.input(1));
      return fmod ? run_binary<Op::FMOD, int64_t, int64_t, int64_t>(ctx, out)
                  : run_binary<Op::MOD_FLOOR, int64_t, int64_t, int64_t>(ctx, out);
    case DType::I32:
      ops::check_no_zero_divisor(ctx, ctx.input(1));
      return fmod ? run_binary<Op::FMOD, int32_t, int32_t, int32_t>(ctx, out)
                  : run_binary<Op::MOD_FLOOR, int32_t, int32_t, int32_t>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

template <Op K> void compute_logical(const OpContext& ctx, std::vector<Tensor>& out) {
  run_binary<K, uint8_t, uint8_t, uint8_t>(ctx, out);
}

// BitwiseAnd, BitwiseOr, BitwiseXor, BitShift: math/bitwise.h, as on the CPU.
template <Op K> void compute_bitwise(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (ctx.input(0).dtype) {
    case DType::I32: return run_binary<K, int32_t, int32_t, int32_t>(ctx, out);
    case DType::I64: return run_binary<K, int64_t, int64_t, int64_t>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

void compute_bitshift(const OpContext& ctx, std::vector<Tensor>& out) {
  if (ctx.params_as<ops::BitShiftParams>().left) compute_bitwise<Op::SHL>(ctx, out);
  else compute_bitwise<Op::SHR>(ctx, out);
}

// Min, Max, Sum, Mean: the CPU's fold (cpu/ops/binary.cc), one kernel per input
// over the device output; float Min/Max by math::min_f32/max_f32.
enum class Fold : int { MIN, MAX, SUM };

template <Fold K, class T> AIVM_HD T fold_step(T acc, T x) {
  if constexpr (std::is_same<T, double>::value) {
    if constexpr (K == Fold::MIN) return min_f64(acc, x);
    if constexpr (K == Fold::MAX) return max_f64(acc, x);
    if constexpr (K == Fold::SUM) return add_rn(acc, x);
  } else if constexpr (std::is_same<T, float>::value) {
    if constexpr (K == Fold::MIN) return math::min_f32(acc, x);
    if constexpr (K == Fold::MAX) return math::max_f32(acc, x);
    if constexpr (K == Fold::SUM) return add_rn(acc, x);
  } else {
    using U = typename std::make_unsigned<T>::type;
    if constexpr (K == Fold::MIN) return x < acc ? x : acc;
    if constexpr (K == Fold::MAX) return x > acc ? x : acc;
    if constexpr (K == Fold::SUM) return T(U(acc) + U(x));
  }
}

// step 0: y = x; later steps: y = fold_step(y, x); `last` (float Min/Max): canonical NaN.
template <Fold K, class T>
AIVM_KERNEL fold_kernel(int64_t n, const T* x, T* y, Broadcast bc, bool first, bool last) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const T v = x[bc.flat ? i : broadcast_offset(i, bc.shape, bc.rank, bc.strides[0])];
    T r = first ? v : fold_step<K, T>(y[i], v);
    if constexpr (std::is_floating_point<T>::value && K != Fold::SUM) {
      if (last) r = canon(r);
    }
    y[i] = r;
  }
}

template <class T> AIVM_KERNEL divide_kernel(int64_t n, T* y, T d) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) y[i] = div_rn(y[i], d);
}

template <Fold K, class T> void run_fold(const OpContext& ctx, std::vector<Tensor>& out, bool mean) {
  Staging s(ctx, out);
  const int64_t n = out[0].numel();
  const size_t count = ctx.num_inputs();
  for (size_t k = 0; k < count; ++k) {
    const Broadcast bc = broadcast_of(out[0].shape, {&ctx.input(k)});
    launch(ctx.op, n, fold_kernel<K, T>, s.in<T>(k), s.out<T>(0), bc, k == 0, k + 1 == count);
  }
  if constexpr (std::is_floating_point<T>::value) {
    if (mean) launch(ctx.op, n, divide_kernel<T>, s.out<T>(0), T(count));
  }
  s.finish();
}

template <Fold K> void compute_fold(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (out[0].dtype) {
    case DType::F32: return run_fold<K, float>(ctx, out, false);
    case DType::F64: return run_fold<K, double>(ctx, out, false);
    case DType::I32: return run_fold<K, int32_t>(ctx, out, false);
    case DType::I64: return run_fold<K, int64_t>(ctx, out, false);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

void compute_mean(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (out[0].dtype) {
    case DType::F32: return run_fold<Fold::SUM, float>(ctx, out, true);
    case DType::F64: return run_fold<Fold::SUM, double>(ctx, out, true);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

}  // namespace

void add_binary_computes(ComputeTable& t) {
  t.add(OpId::Add, compute_arith<Op::ADD>);
  t.add(OpId::Sub, compute_arith<Op::SUB>);
  t.add(OpId::Mul, compute_arith<Op::MUL>);
  t.add(OpId::Div, compute_arith<Op::DIV>);
  t.add(OpId::Pow, compute_pow);
  t.add(OpId::Equal, compute_cmp<Op::EQ>);
  t.add(OpId::Less, compute_cmp<Op::LT>);
  t.add(OpId::Greater, compute_cmp<Op::GT>);
  t.add(OpId::Where, compute_where);
  t.add(OpId::PRelu, compute_prelu);
  t.add(OpId::GreaterOrEqual, compute_cmp<Op::GE>);
  t.add(OpId::LessOrEqual, compute_cmp<Op::LE>);
  t.add(OpId::And, compute_logical<Op::AND>);
  t.add(OpId::Or, compute_logical<Op::OR>);
  t.add(OpId::Xor, compute_logical<Op::XOR>);
  t.add(OpId::Min, compute_fold<Fold::MIN>);
  t.add(OpId::Max, compute_fold<Fold::MAX>);
  t.add(OpId::Sum, compute_fold<Fold::SUM>);
  t.add(OpId::Mean, compute_mean);
  t.add(OpId::Mod, compute_mod);
  t.add(OpId::BitwiseAnd, compute_bitwise<Op::BIT_AND>);
  t.add(OpId::BitwiseOr, compute_bitwise<Op::BIT_OR>);
  t.add(OpId::BitwiseXor, compute_bitwise<Op::BIT_XOR>);
  t.add(OpId::BitShift, compute_bitshift);
}

}  // namespace aivm::cuda
