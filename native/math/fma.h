// native/math/fma.h — correctly rounded binary32 fused multiply-add.
//
// fma_f32 uses the hardware instruction where the target is known to have it
// (x86 built with -mfma, AArch64, CUDA device code); otherwise the software
// version below, which returns the SAME bits (verified bit-for-bit against
// hardware fmaf by test/native/math_accuracy.cc). fma_f32_soft is always
// available so the test can exercise it on FMA machines too.
#pragma once

#include "common.h"

namespace aivm {
namespace math {

// Software fma from binary64 + - * only.
//  1. p = a*b in double is EXACT (24+24 = 48 significant bits <= 53, and the
//     exponent range of a product of two floats fits double).
//  2. s = p + c rounded to double, and TwoSum gives the exact error e
//     (p + c = s + e exactly).
//  3. If e != 0, replace s by its "round to odd" value: when s's last mantissa
//     bit is even, step s one ulp toward e. Rounding-to-odd to 53 bits followed
//     by one round-to-nearest-even to 24 bits (53 >= 24 + 2) equals a single
//     correct rounding of the exact a*b + c — also into the float subnormal
//     range and to overflow (float's range lies strictly inside double's).
//  4. Non-finite p or s (only possible with inf/nan operands) fall back to
//     (float)(p + c), which produces the IEEE answers: inf - inf = NaN,
//     0 * inf = NaN, inf + finite = inf.
// Signed zeros: p carries the IEEE sign of a*b, and p + c in round-to-nearest
// gives -0 only for (-0) + (-0), exactly as fma specifies; exact
// cancellation of non-zero values gives +0 (e == 0 there, s is returned as is).
AIVM_MATH_FN float fma_f32_soft(float a, float b, float c) {
  const double p = static_cast<double>(a) * static_cast<double>(b);
  const double cd = static_cast<double>(c);
  double s = p + cd;
  if (!is_finite_f64(p) || !is_finite_f64(s)) return static_cast<float>(p + cd);
  // TwoSum (Knuth): exact error of s = fl(p + cd), no precondition on |p|, |cd|.
  const double bb = s - p;
  const double e = (p - (s - bb)) + (cd - bb);
  if (e != 0.0) {
    uint64_t bits = f64_to_bits(s);
    if ((bits & 1u) == 0) {
      // s != 0 here (s == 0 implies p == -cd exactly, hence e == 0).
      // Same sign of s and e: the exact value is larger in magnitude.
      const bool away = (s > 0.0) == (e > 0.0);
      bits = away ? bits + 1 : bits - 1;
      s = f64_from_bits(bits);
    }
  }
  return static_cast<float>(s);
}

// The fused multiply-add used by every backend.
AIVM_MATH_FN float fma_f32(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#elif defined(__FMA__) || defined(__aarch64__)
  return __builtin_fmaf(a, b, c);  // one vfmadd / fmadd instruction
#else
  return fma_f32_soft(a, b, c);
#endif
}

}  // namespace math
}  // namespace aivm
