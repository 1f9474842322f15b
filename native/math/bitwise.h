// native/math/bitwise.h — the per-element definitions of BitwiseAnd, BitwiseOr,
// BitwiseXor, BitwiseNot and BitShift (docs/numerics/binary.md, unary.md) on
// int32 and int64 bit patterns, shared by the CPU computes and the CUDA kernels.
// Everything is computed on the unsigned representation, so it is defined C++
// and the same on every machine.
#pragma once

#include <type_traits>

#include "common.h"

namespace aivm {
namespace math {

enum class BitOp { AND, OR, XOR };

template <BitOp K, class T> AIVM_MATH_FN T bitwise(T a, T b) {
  using U = typename std::make_unsigned<T>::type;
  if constexpr (K == BitOp::AND) return T(U(a) & U(b));
  else if constexpr (K == BitOp::OR) return T(U(a) | U(b));
  else return T(U(a) ^ U(b));
}

template <class T> AIVM_MATH_FN T bitwise_not(T a) {
  using U = typename std::make_unsigned<T>::type;
  return T(U(~U(a)));
}

// BitShift: a LOGICAL shift of x's bit pattern (zeros shifted in from either
// side, also for a negative x: the loader runs uint8/16/32 widened to int64 and
// uint64 on int64's bits, so the pattern is the unsigned value). The amount n is
// read as unsigned too: n outside [0, bits) (negative included: it is a huge
// unsigned value) shifts every bit out, giving 0. (C++ leaves those shifts
// undefined and x86 masks the amount, so they are decided here.)
template <bool LEFT, class T> AIVM_MATH_FN T bit_shift(T x, T n) {
  using U = typename std::make_unsigned<T>::type;
  constexpr U kBits = U(sizeof(T) * 8);
  const U un = U(n), ux = U(x);
  if (un >= kBits) return T(0);
  return T(U(LEFT ? U(ux << un) : U(ux >> un)));
}

}  // namespace math
}  // namespace aivm
