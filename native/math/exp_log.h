// native/math/exp_log.h — exp, expm1, log, log1p (binary64 internals) and
// their float wrappers exp_f32 / log_f32.
//
// The binary64 helpers are accurate to a few double ulps (~2^-51 relative),
// far more than a float result needs: each float function evaluates in double
// and rounds ONCE to float, so it is correctly rounded except when the exact
// value lies within ~2^-27 ulp of a float rounding boundary (<= 0.5 + 2^-27
// ulp error). Only + - * / , comparisons, conversions and bit operations are
// used: bit-identical on every IEEE-754 machine.
#pragma once

#include "common.h"

namespace aivm {
namespace math {

// expm1 Taylor polynomial P(r) = r + r^2/2! + ... + r^13/13! for |r| <= ln2/2.
// Truncation error r^14/14! <= 4e-18 (relative to r: < 2^-55). Coefficients
// are 1/n! rounded to double.
AIVM_MATH_FN double expm1_poly_f64(double r) {
  double q = 0x1.6124613a86d09p-33;         // 1/13!
  q = q * r + 0x1.1eed8eff8d898p-29;        // 1/12!
  q = q * r + 0x1.ae64567f544e4p-26;        // 1/11!
  q = q * r + 0x1.27e4fb7789f5cp-22;        // 1/10!
  q = q * r + 0x1.71de3a556c734p-19;        // 1/9!
  q = q * r + 0x1.a01a01a01a01ap-16;        // 1/8!
  q = q * r + 0x1.a01a01a01a01ap-13;        // 1/7!
  q = q * r + 0x1.6c16c16c16c17p-10;        // 1/6!
  q = q * r + 0x1.1111111111111p-7;         // 1/5!
  q = q * r + 0x1.5555555555555p-5;         // 1/4!
  q = q * r + 0x1.5555555555555p-3;         // 1/3!
  q = q * r + 0.5;                          // 1/2!
  q = q * r + 1.0;                          // 1/1!
  return q * r;
}

// The core of exp shared by exp_f64 and exp_f32: returns exp(r) = 1 + P(r) and
// sets *k so that exp(x) = exp(r) * 2^k, for finite |x| <= ~745.
// Cody–Waite reduction (see exp_f64): k = round(x / ln2) with the 1.5*2^52
// trick (exact, round to nearest even, no libm), r = x - k*ln2_hi - k*ln2_lo.
AIVM_MATH_FN double exp_reduced_f64(double x, int* k) {
  const double ln2_hi = 0x1.62e42feep-1;          // 6.93147180369123816490e-01
  const double ln2_lo = 0x1.a39ef35793c76p-33;    // 1.90821492927058770002e-10
  const double inv_ln2 = 0x1.71547652b82fep+0;
  const double shifter = 0x1.8p52;
  const double kd = (x * inv_ln2 + shifter) - shifter;
  *k = static_cast<int>(kd);
  const double r = (x - kd * ln2_hi) - kd * ln2_lo;
  return 1.0 + expm1_poly_f64(r);
}

// exp(x) in binary64.
// Cody–Waite reduction: k = round(x / ln2), r = x - k*ln2_hi - k*ln2_lo with
// |r| <= ln2/2. ln2_hi has 21 trailing zero bits, so k*ln2_hi is exact for
// every |k| <= 1100 and x - k*ln2_hi is exact (Sterbenz); ln2_lo carries the
// rest of ln2. exp(r) = 1 + P(r) (degree-13 Taylor), then scaled by 2^k in
// TWO exact-or-once-rounded multiplications (2^k1 * 2^k2, k = k1 + k2) so that
// results near overflow and in the double subnormal range are still rounded
// only once.
AIVM_MATH_FN double exp_f64(double x) {
  if (is_nan_f64(x)) return x + x;
  if (x > 709.782712893384) return inf_f64();     // > log(DBL_MAX)
  if (x < -745.1332191019412) return 0.0;         // < log(2^-1075): rounds to 0
  int k;
  const double er = exp_reduced_f64(x, &k);
  const int k1 = k / 2;
  const int k2 = k - k1;
  return (er * pow2i_f64(k1)) * pow2i_f64(k2);
}

// expm1(x) = exp(x) - 1 in binary64, relatively accurate near 0.
// |x| < ln2/2: the Taylor polynomial directly (no cancellation);
// otherwise exp(x) - 1 loses at most ~2 bits (|exp(x) - 1| >= 0.29).
AIVM_MATH_FN double expm1_f64(double x) {
  if (is_nan_f64(x)) return x + x;
  if (x > -0.34657359027997264 && x < 0.34657359027997264) return expm1_poly_f64(x);
  return exp_f64(x) - 1.0;
}

// log(x) in binary64.
// x = m * 2^e with m in [sqrt(2)/2, sqrt(2)); log(x) = e*ln2 + log(m) with
// log(m) = 2*atanh(s) = 2(s + s^3/3 + ... + s^21/21), s = (m-1)/(m+1),
// |s| <= 0.1716, so the truncation error is below 2^-55 relative.
// m - 1 is exact (Sterbenz) so log(m) is relatively accurate near x = 1.
// e*ln2 is added as hi + lo parts. Double subnormals are pre-scaled by 2^54.
AIVM_MATH_FN double log_f64(double x) {
  if (is_nan_f64(x)) return x + x;
  if (x < 0.0) return nan_f64();
  if (x == 0.0) return -inf_f64();
  if (!is_finite_f64(x)) return x;  // +inf
  int e = 0;
  if (x < 0x1p-1022) {
    x *= 0x1p54;
    e = -54;
  }
  const uint64_t bits = f64_to_bits(x);
  e += static_cast<int>(bits >> 52) - 1023;
  uint64_t mbits = bits & 0x000fffffffffffffull;
  // sqrt(2) = 0x1.6a09e667f3bcd p0: mantissas above it take exponent -1.
  if (mbits > 0x6a09e667f3bcdull) {
    mbits |= 0x3fe0000000000000ull;  // m in [sqrt2/2, 1)
    e += 1;
  } else {
    mbits |= 0x3ff0000000000000ull;  // m in [1, sqrt2]
  }
  const double m = f64_from_bits(mbits);
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double q = 0x1.8618618618618p-4;          // 2/21
  q = q * z + 0x1.af286bca1af28p-4;         // 2/19
  q = q * z + 0x1.e1e1e1e1e1e1ep-4;         // 2/17
  q = q * z + 0x1.1111111111111p-3;         // 2/15
  q = q * z + 0x1.3b13b13b13b14p-3;         // 2/13
  q = q * z + 0x1.745d1745d1746p-3;         // 2/11
  q = q * z + 0x1.c71c71c71c71cp-3;         // 2/9
  q = q * z + 0x1.2492492492492p-2;         // 2/7
  q = q * z + 0x1.999999999999ap-2;         // 2/5
  q = q * z + 0x1.5555555555555p-1;         // 2/3
  // log(m) = 2s + s*z*q, written so the leading term 2s is added last.
  const double logm = 2.0 * s + s * (z * q);
  const double ed = static_cast<double>(e);
  const double ln2_hi = 0x1.62e42feep-1;
  const double ln2_lo = 0x1.a39ef35793c76p-33;
  return ed * ln2_hi + (ed * ln2_lo + logm);
}

// log1p(x) in binary64: u = 1 + x rounded, then log1p(x) = log(u) * x/(u-1)
// (Goldberg's trick: the factor x/(u-1) cancels the rounding error of u to
// first order, so the result is relatively accurate for tiny x too).
AIVM_MATH_FN double log1p_f64(double x) {
  if (is_nan_f64(x)) return x + x;
  if (x == -1.0) return -inf_f64();
  if (x < -1.0) return nan_f64();
  if (!is_finite_f64(x)) return x;  // +inf
  const double u = 1.0 + x;
  if (u == 1.0) return x;  // |x| < 2^-53: log1p(x) = x to double precision; keeps -0
  return log_f64(u) * (x / (u - 1.0));
}

// ---- float functions: binary64 evaluation, one final rounding ----

// exp_f32: the same reduction and polynomial as exp_f64, then one rounding;
// it returns exactly the bits of (float)exp_f64(x), but has no early return,
// so loops over it vectorize (Softmax is built on it). For float inputs the
// result is inf above 88.73 and rounds to +0 below -103.98, so x is clamped to
// [-104, 89] (exp(89) still overflows float, exp(-104) still rounds to +0),
// which keeps k in [-151, 129]: 2^k is a normal double and er * 2^k is exact.
// Float-subnormal results (x in [-103.9, -87.3]) are normal doubles, so they
// are as accurate as any other result. NaN is selected back in at the end.
AIVM_MATH_FN float exp_f32(float x) {
  // Branch-free: the range tests and selects are integer masks on the bits.
  // With ?: GCC threads the special cases into branches around the (trapping)
  // float code and then refuses to vectorize the loop.
  const uint32_t b = f32_to_bits(x);
  const uint32_t mag = b & 0x7fffffffu;
  const uint32_t nan = 0u - uint32_t(mag > 0x7f800000u);                           // all ones if NaN
  const uint32_t above = 0u - uint32_t((b < 0x80000000u) & (b > 0x42b20000u));     // x > 89 (or +inf)
  const uint32_t below = 0u - uint32_t((b >= 0x80000000u) & (mag > 0x42d00000u));  // x < -104 (or -inf)
  const uint32_t keep = ~(nan | above | below);
  // 0x42b20000 = 89.0f, 0xc2d00000 = -104.0f; NaN is replaced by 0 for the math.
  const uint32_t xcb = (b & keep) | (0x42b20000u & above) | (0xc2d00000u & below);
  const uint32_t quiet_nan = f32_to_bits(x + x);
  const double xd = static_cast<double>(f32_from_bits(xcb));
  int k;
  const double er = exp_reduced_f64(xd, &k);
  const uint32_t y = f32_to_bits(static_cast<float>(er * pow2i_f64(k)));
  return f32_from_bits((y & ~nan) | (quiet_nan & nan));
}

// log_f32: log_f64 then round (float subnormal inputs are normal doubles).
// log(+-0) = -inf, log(x<0) = NaN, log(inf) = inf.
AIVM_MATH_FN float log_f32(float x) { return static_cast<float>(log_f64(static_cast<double>(x))); }

}  // namespace math
}  // namespace aivm
