// native/math/pow.h — pow_f32 with the C99 / IEEE-754 special cases.
//
// General case: |x|^y = exp(y * log|x|) in binary64. log_f64 and exp_f64 are
// ~2^-51 accurate; y*log|x| is at most ~104 in magnitude where the float result
// is finite and non-zero, so the absolute error of the exponent is < 2^-44 and
// the result, rounded once to float, is within 0.5 ulp + 2^-20 ulp.
#pragma once

#include "common.h"
#include "exp_log.h"

namespace aivm {
namespace math {

AIVM_MATH_FN float pow_f32(float x, float y) {
  // pow(x, +-0) = 1 for any x (NaN included); pow(1, y) = 1 for any y.
  if (y == 0.0f) return 1.0f;
  if (x == 1.0f) return 1.0f;
  if (is_nan_f32(x) || is_nan_f32(y)) return x + y;
  const float ax = abs_f32(x);
  const bool y_neg = y < 0.0f;
  if (is_inf_f32(y)) {
    if (ax == 1.0f) return 1.0f;                 // pow(-1, +-inf) = 1
    const bool big = ax > 1.0f;
    return (big != y_neg) ? inf_f32() : 0.0f;    // |x|>1,+inf or |x|<1,-inf -> inf
  }
  // Classify y: integer? odd? Every float with |y| >= 2^24 is an even integer.
  bool y_int = true, y_odd = false;
  if (abs_f32(y) < 16777216.0f) {
    const int32_t i = static_cast<int32_t>(y);  // truncation, exact range
    y_int = static_cast<float>(i) == y;
    y_odd = y_int && (i & 1) != 0;
  }
  const bool x_neg = sign_bit_f32(x);
  if (x == 0.0f) {
    // +-0: negative y -> inf (signed only for odd y); positive -> 0 (same rule).
    const float mag = y_neg ? inf_f32() : 0.0f;
    return (y_odd && x_neg) ? -mag : mag;
  }
  if (is_inf_f32(x)) {
    const float mag = y_neg ? 0.0f : inf_f32();
    return (y_odd && x_neg) ? -mag : mag;
  }
  if (x_neg && !y_int) return nan_f32();  // negative base, non-integer exponent
  const double r = exp_f64(static_cast<double>(y) * log_f64(static_cast<double>(ax)));
  const float rf = static_cast<float>(r);
  return (x_neg && y_odd) ? -rf : rf;
}

}  // namespace math
}  // namespace aivm
