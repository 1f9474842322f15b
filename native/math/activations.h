// native/math/activations.h — tanh, sigmoid, GELU (erf and tanh forms),
// softplus. Each is evaluated in binary64 from exp_log.h / erf.h and rounded
// once to float (error <= 0.5 ulp + tiny; see docs/numerics/math.md).
//
// Special values (all checked by test/native/math_accuracy.cc):
//   tanh(+-inf) = +-1, tanh(-0) = -0; sigmoid(-inf) = +0, sigmoid(inf) = 1;
//   gelu(-inf) = -0 (the limit of x*Phi(x) from the negative side, and what
//   large finite negative inputs already round to), gelu(inf) = inf,
//   gelu(-0) = -0; softplus(-inf) = +0, softplus(inf) = inf. NaN -> NaN.
#pragma once

#include "common.h"
#include "erf.h"
#include "exp_log.h"

namespace aivm {
namespace math {

// tanh(x) = sign(x) * (-em) / (2 + em), em = expm1(-2|x|) in [-1, 0].
// expm1 keeps relative accuracy for tiny |x|; for large |x| em -> -1 and the
// result -> 1 with no overflow. Odd by construction (sign reapplied at the end).
AIVM_MATH_FN float tanh_f32(float x) {
  if (is_nan_f32(x)) return x + x;
  const double a = static_cast<double>(abs_f32(x));
  const double em = expm1_f64(-2.0 * a);
  const float r = static_cast<float>(-em / (2.0 + em));
  return sign_bit_f32(x) ? -r : r;
}

// sigmoid(x) = 1 / (1 + exp(-x)). In double, exp(-x) neither overflows nor
// loses accuracy for any x where the float result is not 0 or 1, and for
// x -> -inf the quotient 1/inf = +0 is exact.
AIVM_MATH_FN float sigmoid_f32(float x) {
  if (is_nan_f32(x)) return x + x;
  return static_cast<float>(1.0 / (1.0 + exp_f64(-static_cast<double>(x))));
}

// gelu (erf form) = x * Phi(x) = 0.5 * x * erfc(-x / sqrt(2)).
// erfc (not 1 + erf) keeps relative accuracy in the negative tail, where the
// result is tiny (down to float subnormals near x = -14).
AIVM_MATH_FN float gelu_erf_f32(float x) {
  if (is_nan_f32(x)) return x + x;
  if (is_inf_f32(x)) return sign_bit_f32(x) ? -0.0f : x;
  const double d = static_cast<double>(x);
  const double inv_sqrt2 = 0x1.6a09e667f3bcdp-1;
  return static_cast<float>((0.5 * d) * erfc_f64(-d * inv_sqrt2));
}

// gelu (tanh form) = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3),
// computed as x * sigmoid(2u) = x / (1 + exp(-2u)), the identical function
// without the cancellation of 1 + tanh(u) for negative x. x^3 cannot overflow
// in double for float x.
AIVM_MATH_FN float gelu_tanh_f32(float x) {
  if (is_nan_f32(x)) return x + x;
  if (is_inf_f32(x)) return sign_bit_f32(x) ? -0.0f : x;
  const double d = static_cast<double>(x);
  const double sqrt_2_over_pi = 0x1.9884533d43651p-1;
  const double u = sqrt_2_over_pi * (d + 0.044715 * (d * d * d));
  return static_cast<float>(d / (1.0 + exp_f64(-2.0 * u)));
}

// softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
// exp(-|x|) is in (0, 1], so nothing overflows, and for x << 0 the result
// log1p(e^x) ~ e^x keeps full relative accuracy (float subnormals included).
AIVM_MATH_FN float softplus_f32(float x) {
  if (is_nan_f32(x)) return x + x;
  const double d = static_cast<double>(x);
  const double m = d > 0.0 ? d : 0.0;
  return static_cast<float>(m + log1p_f64(exp_f64(-abs_f64(d))));
}

}  // namespace math
}  // namespace aivm
