// native/math/erf.h — erf / erfc in binary64 and erf_f32.
//
// Two fixed-cost pieces, no data-dependent iteration counts:
//  * |x| < 2: Maclaurin series erf(x) = 2/sqrt(pi) * sum_{n=0}^{31}
//    (-1)^n x^(2n+1) / (n! (2n+1)), evaluated by Horner in x^2. With x^2 <= 4
//    the first omitted term is < 2^-56; the alternating sum loses ~4 bits to
//    cancellation at x = 2, leaving ~2^-49 relative error.
//  * |x| >= 2: erfc from the even part of Laplace's continued fraction
//      erfc(x) = (2x/sqrt(pi)) e^{-x^2} / (2x^2+1 - 1*2/(2x^2+5 - 3*4/(2x^2+9 - ...)))
//    evaluated bottom-up with a FIXED depth of 28 levels: truncation error is
//    ~2^-54 at x = 2 and shrinks quickly for larger x. e^{-x^2} is computed
//    from the exact double-double square of x (Dekker), so the large
//    exponent loses nothing: erfc stays ~2^-48 accurate down to the float
//    subnormal range (x ~ 10.5) and beyond.
// erfc(x) for 0 <= x < 2 is 1 - erf(x): absolute error ~2^-52, i.e. relative
// error at most ~2^-45 (erfc(2) = 4.7e-3). For x < 0, erfc(x) = 1 + erf(-x)
// (or 2 - erfc(-x)), which has no cancellation.
#pragma once

#include "common.h"
#include "exp_log.h"

namespace aivm {
namespace math {

// erf(x) for |x| < 2 (series above). Odd: keeps the sign of zero.
AIVM_MATH_FN double erf_series_f64(double x) {
  // c_n = (-1)^n * 2 / (sqrt(pi) * n! * (2n+1)), n = 0..31, rounded to double.
  const double c[32] = {
      0x1.20dd750429b6dp+0,  -0x1.812746b0379e7p-2, 0x1.ce2f21a042be2p-4,  -0x1.b82ce31288b51p-6,
      0x1.565bcd0e6a53fp-8,  -0x1.c02db40040b86p-11, 0x1.f9a326f9b89b7p-14, -0x1.f4d25c3e0c2ebp-17,
      0x1.b9e6c9dc651a3p-20, -0x1.5f742ec43e71ap-23, 0x1.fcc5720624c1cp-27, -0x1.51d7181c5d36dp-30,
      0x1.9e6ad5e55a730p-34, -0x1.d8453cb0c46eap-38, 0x1.f683ae4a97007p-42, -0x1.f56f071a885cfp-46,
      0x1.d70b3537f4765p-50, -0x1.a2007af3447f6p-54, 0x1.5f7919bc67b8cp-58, -0x1.18cc8a061c479p-62,
      0x1.ab5cc31489f29p-67, -0x1.3676fc48c133cp-71, 0x1.af83c2fb19fa6p-76, -0x1.1f690c2b2753ap-80,
      0x1.6f928977a0028p-85, -0x1.c40abff27ce65p-90, 0x1.0baeaddb047b0p-94, -0x1.31b7776e54127p-99,
      0x1.512193be51298p-104, -0x1.67657a57148a3p-109, 0x1.72c97f9dd3b8dp-114, -0x1.7298e545013acp-119,
  };
  const double z = x * x;
  double q = c[31];
  for (int n = 30; n >= 0; --n) q = q * z + c[n];
  return x * q;
}

// e^{-x^2} for 0 <= x <= 30 without the error of rounding x^2: x^2 = hi + lo
// exactly (Veltkamp split + Dekker product, no FMA needed), then
// e^{-hi - lo} = e^{-hi} * (1 - lo) since |lo| <= 2^-53 hi <= 2^-43.
AIVM_MATH_FN double exp_neg_sq_f64(double x) {
  const double c = 134217729.0 * x;  // 2^27 + 1
  const double xh = c - (c - x);
  const double xl = x - xh;
  const double hi = x * x;
  const double lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl;
  return exp_f64(-hi) * (1.0 - lo);
}

// erfc(x) for x >= 2 by the continued fraction above (fixed depth 28).
// x is clamped to 30: erfc(30) ~ 1e-393 is already 0 in double, and the clamp
// keeps inf out of the recurrence.
AIVM_MATH_FN double erfc_cf_f64(double x) {
  if (x > 30.0) x = 30.0;
  const double z = 2.0 * x * x;
  const int depth = 28;
  double f = z + (4.0 * depth + 1.0);
  for (int n = depth; n >= 1; --n) {
    const double dn = static_cast<double>(n);
    f = (z + (4.0 * dn - 3.0)) - ((2.0 * dn - 1.0) * (2.0 * dn)) / f;
  }
  const double two_over_sqrtpi = 0x1.20dd750429b6dp+0;
  return (two_over_sqrtpi * x) * exp_neg_sq_f64(x) / f;
}

// erf(x) in binary64. erf(+-inf) = +-1, erf(-0) = -0, NaN -> NaN.
AIVM_MATH_FN double erf_f64(double x) {
  if (is_nan_f64(x)) return x + x;
  const double a = abs_f64(x);
  if (a < 2.0) return erf_series_f64(x);
  const double r = 1.0 - erfc_cf_f64(a);
  return x < 0.0 ? -r : r;
}

// erfc(x) = 1 - erf(x) in binary64. erfc(-inf) = 2, erfc(inf) = 0.
AIVM_MATH_FN double erfc_f64(double x) {
  if (is_nan_f64(x)) return x + x;
  if (x >= 2.0) return erfc_cf_f64(x);
  if (x > -2.0) return 1.0 - erf_series_f64(x);  // x < 0: 1 + erf(|x|), no cancellation
  return 2.0 - erfc_cf_f64(-x);
}

// erf_f32: erf_f64 rounded once to float.
AIVM_MATH_FN float erf_f32(float x) { return static_cast<float>(erf_f64(static_cast<double>(x))); }

}  // namespace math
}  // namespace aivm
