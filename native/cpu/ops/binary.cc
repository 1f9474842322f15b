// Computes of the broadcasting binary ops (Add, Sub, Mul, Div, Pow, PRelu), the
// comparisons (Equal, Less, Greater, GreaterOrEqual, LessOrEqual), the logical
// ops (And, Or, Xor), the bitwise ops (BitwiseAnd, BitwiseOr, BitwiseXor, BitShift),
// the variadic Min, Max, Sum and Mean, Mod, and the ternary
// Where; their contracts are native/ops/binary.cc. Each output element is one
// IEEE operation on its two inputs (the variadic ops: one per input, in input
// order), so SIMD width and threads cannot change a bit.
#include <cstdint>
#include <type_traits>

#include "ops/binary.h"
#include "core/element_width.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/bitwise.h"
#include "math/remainder.h"
#include "math/transcendental.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// Applies f elementwise over the broadcast of a and b into out.
template <class Ta, class Tb, class To, class F>
void apply_broadcast(const OpContext& ctx, const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const Ta* pa = a.ptr<Ta>();
  const Tb* pb = b.ptr<Tb>();
  To* po = out.ptr<To>();
  if (a.shape == out.shape && b.shape == out.shape) {
    ctx.parallel_for(out.numel(), kMinChunkElements, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  BroadcastRows rows(out.shape, {&a.shape, &b.shape});
  int64_t inner = rows.inner();
  int64_t sa = rows.inner_stride(0), sb = rows.inner_stride(1);
  const int64_t min_rows = rows_per_chunk(inner);
  ctx.parallel_for(rows.rows(), min_rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const Ta* ra = pa + rows.row_offset(0, r);
      const Tb* rb = pb + rows.row_offset(1, r);
      To* ro = po + r * inner;
      if (sa == 1 && sb == 1) {
        for (int64_t i = 0; i < inner; ++i) ro[i] = f(ra[i], rb[i]);
      } else if (sa == 1) {
        Tb bv = rb[0];
        for (int64_t i = 0; i < inner; ++i) ro[i] = f(ra[i], bv);
      } else if (sb == 1) {
        Ta av = ra[0];
        for (int64_t i = 0; i < inner; ++i) ro[i] = f(av, rb[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) ro[i] = f(ra[0], rb[0]);
      }
    }
  });
}

// Integer arithmetic wraps modulo 2^bits (two's complement), computed unsigned
// so it is defined behaviour in C++.
template <class T> T wrap_add(T a, T b) { using U = std::make_unsigned_t<T>; return T(U(a) + U(b)); }
template <class T> T wrap_sub(T a, T b) { using U = std::make_unsigned_t<T>; return T(U(a) - U(b)); }
template <class T> T wrap_mul(T a, T b) { using U = std::make_unsigned_t<T>; return T(U(a) * U(b)); }

// Truncating integer division; MIN / -1 wraps to MIN; x / 0 is refused before running.
template <class T> T int_div(T a, T b) {
  if (b == -1) return wrap_sub<T>(T(0), a);
  return T(a / b);
}

using ops::check_no_zero_divisor;  // shared with cuda/binary.cu

enum class Arith { ADD, SUB, MUL, DIV };

template <Arith K, class T> T arith(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (K == Arith::ADD) return a + b;
    if constexpr (K == Arith::SUB) return a - b;
    if constexpr (K == Arith::MUL) return a * b;
    if constexpr (K == Arith::DIV) return a / b;
  } else {
    if constexpr (K == Arith::ADD) return wrap_add(a, b);
    if constexpr (K == Arith::SUB) return wrap_sub(a, b);
    if constexpr (K == Arith::MUL) return wrap_mul(a, b);
    if constexpr (K == Arith::DIV) return int_div(a, b);
  }
}

template <Arith K> void compute_arith(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  switch (a.dtype) {
    case DType::F32:
      apply_broadcast<float, float, float>(ctx, a, b, out[0], arith<K, float>);
      break;
    case DType::F64:
      // One IEEE binary64 operation, as float32's (no contraction: -ffp-contract=off).
      apply_broadcast<double, double, double>(ctx, a, b, out[0], arith<K, double>);
      break;
    case DType::I64:
      if (K == Arith::DIV) check_no_zero_divisor(ctx, b);
      apply_broadcast<int64_t, int64_t, int64_t>(ctx, a, b, out[0], arith<K, int64_t>);
      break;
    case DType::I32:
      if (K == Arith::DIV) check_no_zero_divisor(ctx, b);
      apply_broadcast<int32_t, int32_t, int32_t>(ctx, a, b, out[0], arith<K, int32_t>);
      break;
    default:
      fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

void compute_pow(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.input(1);
  auto pw = [](float a, float b) { return math::pow_f32(a, b); };
  switch (y.dtype) {
    case DType::F32: apply_broadcast<float, float, float>(ctx, x, y, out[0], pw); break;
    case DType::I64:
      apply_broadcast<float, int64_t, float>(ctx, x, y, out[0],
                                             [](float a, int64_t b) { return math::pow_f32(a, float(b)); });
      break;
    case DType::I32:
      apply_broadcast<float, int32_t, float>(ctx, x, y, out[0],
                                             [](float a, int32_t b) { return math::pow_f32(a, float(b)); });
      break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

enum class Cmp { EQ, LT, GT, GE, LE };

// IEEE comparisons: NaN compares false with everything, -0 == +0.
template <Cmp K, class T> uint8_t compare(T a, T b) {
  if constexpr (K == Cmp::EQ) return a == b;
  if constexpr (K == Cmp::LT) return a < b;
  if constexpr (K == Cmp::GT) return a > b;
  if constexpr (K == Cmp::GE) return a >= b;
  if constexpr (K == Cmp::LE) return a <= b;
}

enum class Logic { AND, OR, XOR };

// On truth values: any non-zero byte is true, so a bool tensor whose bytes are
// not all 0 / 1 still gives 0 / 1.
template <Logic K> uint8_t logic(uint8_t a, uint8_t b) {
  const bool x = a != 0, y = b != 0;
  if constexpr (K == Logic::AND) return x && y;
  if constexpr (K == Logic::OR) return x || y;
  if constexpr (K == Logic::XOR) return x != y;
}

template <Logic K> void compute_logical(const OpContext& ctx, std::vector<Tensor>& out) {
  apply_broadcast<uint8_t, uint8_t, uint8_t>(ctx, ctx.input(0), ctx.input(1), out[0], logic<K>);
}

template <Cmp K> void compute_cmp(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  switch (a.dtype) {
    case DType::F32: apply_broadcast<float, float, uint8_t>(ctx, a, b, out[0], compare<K, float>); break;
    case DType::F64: apply_broadcast<double, double, uint8_t>(ctx, a, b, out[0], compare<K, double>); break;
    case DType::I64: apply_broadcast<int64_t, int64_t, uint8_t>(ctx, a, b, out[0], compare<K, int64_t>); break;
    case DType::I32: apply_broadcast<int32_t, int32_t, uint8_t>(ctx, a, b, out[0], compare<K, int32_t>); break;
    case DType::BOOL: apply_broadcast<uint8_t, uint8_t, uint8_t>(ctx, a, b, out[0], compare<K, uint8_t>); break;
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

template <class T> void where_typed(const OpContext& ctx, Tensor& out) {
  const Tensor& c = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  BroadcastRows rows(out.shape, {&c.shape, &x.shape, &y.shape});
  int64_t inner = rows.inner();
  int64_t sc = rows.inner_stride(0), sx = rows.inner_stride(1), sy = rows.inner_stride(2);
  const uint8_t* pc = c.ptr<uint8_t>();
  const T* px = x.ptr<T>();
  const T* py = y.ptr<T>();
  T* po = out.ptr<T>();
  const int64_t min_rows = rows_per_chunk(inner);
  ctx.parallel_for(rows.rows(), min_rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* rc = pc + rows.row_offset(0, r);
      const T* rx = px + rows.row_offset(1, r);
      const T* ry = py + rows.row_offset(2, r);
      T* ro = po + r * inner;
      for (int64_t i = 0; i < inner; ++i) ro[i] = rc[i * sc] ? rx[i * sx] : ry[i * sy];
    }
  });
}

void compute_where(const OpContext& ctx, std::vector<Tensor>& out) {
  // Elements are chosen, never computed on: copied as unsigned integers of
  // their width, so every dtype works and a NaN's payload is kept.
  by_width(out[0].dtype, [&](auto tag) { where_typed<decltype(tag)>(ctx, out[0]); });
}

// PRelu: x < 0 ? slope * x : x, one IEEE multiply where x is negative; -0 and
// +0 pass unchanged (neither is < 0), a NaN becomes the canonical NaN (whichever
// operand an x86 multiply would propagate, every ISA writes the same bits).
inline float prelu_f32(float x, float slope) {
  const float y = x < 0.0f ? slope * x : x;
  return y != y ? canonical_nan() : y;
}

void compute_prelu(const OpContext& ctx, std::vector<Tensor>& out) {
  apply_broadcast<float, float, float>(ctx, ctx.input(0), ctx.input(1), out[0], prelu_f32);
}

// Mod: float32 by math::fmod_f32 (exact), integers truncated or floored as the
// fmod attribute says; a zero integer divisor is refused before computing.
template <class T> void mod_typed(const OpContext& ctx, std::vector<Tensor>& out, bool fmod) {
  check_no_zero_divisor(ctx, ctx.input(1));
  if (fmod) apply_broadcast<T, T, T>(ctx, ctx.input(0), ctx.input(1), out[0], math::mod_trunc_int<T>);
  else apply_broadcast<T, T, T>(ctx, ctx.input(0), ctx.input(1), out[0], math::mod_floor_int<T>);
}

void compute_mod(const OpContext& ctx, std::vector<Tensor>& out) {
  const bool fmod = ctx.params_as<ops::ModParams>().fmod;
  switch (out[0].dtype) {
    case DType::F32: return apply_broadcast<float, float, float>(ctx, ctx.input(0), ctx.input(1), out[0], math::fmod_f32);
    case DType::F64: return apply_broadcast<double, double, double>(ctx, ctx.input(0), ctx.input(1), out[0], math::fmod_f64);
    case DType::I32: return mod_typed<int32_t>(ctx, out, fmod);
    case DType::I64: return mod_typed<int64_t>(ctx, out, fmod);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// ---- BitwiseAnd, BitwiseOr, BitwiseXor, BitShift (math/bitwise.h) -------------------

template <math::BitOp K> void compute_bitwise(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  switch (a.dtype) {
    case DType::I32: return apply_broadcast<int32_t, int32_t, int32_t>(ctx, a, b, out[0], math::bitwise<K, int32_t>);
    case DType::I64: return apply_broadcast<int64_t, int64_t, int64_t>(ctx, a, b, out[0], math::bitwise<K, int64_t>);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

template <bool LEFT> void bitshift_dir(const OpContext& ctx, std::vector<Tensor>& out) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  switch (a.dtype) {
    case DType::I32: return apply_broadcast<int32_t, int32_t, int32_t>(ctx, a, b, out[0], math::bit_shift<LEFT, int32_t>);
    case DType::I64: return apply_broadcast<int64_t, int64_t, int64_t>(ctx, a, b, out[0], math::bit_shift<LEFT, int64_t>);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

void compute_bitshift(const OpContext& ctx, std::vector<Tensor>& out) {
  if (ctx.params_as<ops::BitShiftParams>().left) bitshift_dir<true>(ctx, out);
  else bitshift_dir<false>(ctx, out);
}

// ---- Min, Max, Sum, Mean ---------------------------------------------------------

enum class Fold { MIN, MAX, SUM };

// One step of the fold. Float Min/Max: math::min_f32/max_f32 (NaN wins, as the
// canonical NaN; -0 < +0), so the result does not depend on the inputs' order;
// Sum: one IEEE addition per input, in input order; integers wrap.
template <Fold K, class T> T fold_step(T acc, T x) {
  if constexpr (std::is_same_v<T, double>) {
    if constexpr (K == Fold::MIN) return math::min_f64(acc, x);
    if constexpr (K == Fold::MAX) return math::max_f64(acc, x);
    if constexpr (K == Fold::SUM) return acc + x;
  } else if constexpr (std::is_floating_point_v<T>) {
    if constexpr (K == Fold::MIN) return math::min_f32(acc, x);
    if constexpr (K == Fold::MAX) return math::max_f32(acc, x);
    if constexpr (K == Fold::SUM) return acc + x;
  } else {
    if constexpr (K == Fold::MIN) return x < acc ? x : acc;
    if constexpr (K == Fold::MAX) return x > acc ? x : acc;
    if constexpr (K == Fold::SUM) return wrap_add(acc, x);
  }
}

// out = input 0 (broadcast), then out = step(out, input k) for k = 1, 2, ...: each
// element sees its inputs in input order, whatever the threads.
template <Fold K, class T> void fold_inputs(const OpContext& ctx, Tensor& out) {
  const Tensor& first = ctx.input(0);
  apply_broadcast<T, T, T>(ctx, first, first, out, [](T x, T) { return x; });
  for (size_t k = 1; k < ctx.num_inputs(); ++k) apply_broadcast<T, T, T>(ctx, out, ctx.input(k), out, fold_step<K, T>);
  if constexpr (std::is_floating_point_v<T> && K != Fold::SUM) {
    if (ctx.num_inputs() > 1) return;  // min_f32 and max_f32 wrote any NaN canonical
    // A single input's NaN is written canonical too.
    T* p = out.ptr<T>();
    ctx.parallel_for(out.numel(), kMinChunkElements, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = math::canon(p[i]);
    });
  }
}

template <Fold K> void compute_fold(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (out[0].dtype) {
    case DType::F32: return fold_inputs<K, float>(ctx, out[0]);
    case DType::F64: return fold_inputs<K, double>(ctx, out[0]);
    case DType::I32: return fold_inputs<K, int32_t>(ctx, out[0]);
    case DType::I64: return fold_inputs<K, int64_t>(ctx, out[0]);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

// Mean: the Sum, then one IEEE division by the number of inputs (float32 or float64).
template <class T> void mean_typed(const OpContext& ctx, std::vector<Tensor>& out) {
  fold_inputs<Fold::SUM, T>(ctx, out[0]);
  const T n = T(ctx.num_inputs());
  T* p = out[0].ptr<T>();
  ctx.parallel_for(out[0].numel(), kMinChunkElements, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = p[i] / n;
  });
}

void compute_mean(const OpContext& ctx, std::vector<Tensor>& out) {
  switch (out[0].dtype) {
    case DType::F32: return mean_typed<float>(ctx, out);
    case DType::F64: return mean_typed<double>(ctx, out);
    default: fail(ErrorCode::E_INTERNAL, ctx.op, "dtype escaped inference");
  }
}

}  // namespace

void add_binary_computes(ComputeTable& t) {
  t.add(OpId::Add, compute_arith<Arith::ADD>);
  t.add(OpId::Sub, compute_arith<Arith::SUB>);
  t.add(OpId::Mul, compute_arith<Arith::MUL>);
  t.add(OpId::Div, compute_arith<Arith::DIV>);
  t.add(OpId::Pow, compute_pow);
  t.add(OpId::Equal, compute_cmp<Cmp::EQ>);
  t.add(OpId::Less, compute_cmp<Cmp::LT>);
  t.add(OpId::Greater, compute_cmp<Cmp::GT>);
  t.add(OpId::Where, compute_where);
  t.add(OpId::PRelu, compute_prelu);
  t.add(OpId::GreaterOrEqual, compute_cmp<Cmp::GE>);
  t.add(OpId::LessOrEqual, compute_cmp<Cmp::LE>);
  t.add(OpId::And, compute_logical<Logic::AND>);
  t.add(OpId::Or, compute_logical<Logic::OR>);
  t.add(OpId::Xor, compute_logical<Logic::XOR>);
  t.add(OpId::Min, compute_fold<Fold::MIN>);
  t.add(OpId::Max, compute_fold<Fold::MAX>);
  t.add(OpId::Sum, compute_fold<Fold::SUM>);
  t.add(OpId::Mean, compute_mean);
  t.add(OpId::Mod, compute_mod);
  t.add(OpId::BitwiseAnd, compute_bitwise<math::BitOp::AND>);
  t.add(OpId::BitwiseOr, compute_bitwise<math::BitOp::OR>);
  t.add(OpId::BitwiseXor, compute_bitwise<math::BitOp::XOR>);
  t.add(OpId::BitShift, compute_bitshift);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
