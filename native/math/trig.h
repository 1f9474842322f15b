// native/math/trig.h — sin, cos, tan, asin, acos, atan, sinh, cosh, asinh,
// acosh, atanh for float32, shared by every backend (CPU per ISA, CUDA).
//
// Each function evaluates in binary64 from + - * / sqrt, integer arithmetic and
// the exp/log helpers of exp_log.h, and rounds ONCE to float: the binary64
// value carries a relative error of a few 2^-53, so the float result is within
// 0.5 ulp + a tiny fraction of an ulp (measured: docs/numerics/math.md).
// Nothing here calls the platform math library.
//
// Argument reduction of sin/cos/tan is exact enough over the WHOLE float range:
// |x| <= pi/4 is used as is; above, x * 2/pi is computed in fixed point with
// integers (Payne–Hanek): x = M * 2^E with a 24-bit integer M, multiplied by a
// 96-bit window of the bits of 2/pi that starts where the product's weight
// drops below 4 (bits of higher weight only add multiples of 4 quadrants). The
// 96-bit product modulo 4 gives the quadrant q (nearest integer) and the
// fraction f = x*2/pi - q in [-1/2, 1/2] with an absolute error below 2^-70,
// while the float closest to a multiple of pi/2 (0x1.f37c8ap+95, found by a
// scan of every float) has |r| = |f| pi/2 = 2^-29.2: the reduced argument
// r = f * pi/2 is relatively accurate to ~2^-52 everywhere.
#pragma once

#include "common.h"
#include "exp_log.h"

namespace aivm {
namespace math {

// Correctly rounded binary64 square root (an IEEE operation, the same bits
// everywhere): sqrtsd / fsqrt, __dsqrt_rn on the GPU.
AIVM_MATH_FN double sqrt_f64_rn(double x) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(x);
#else
  return __builtin_sqrt(x);
#endif
}

// sin(r) and cos(r) for |r| <= pi/4 (+ a little), Taylor polynomials in
// binary64. sin: terms up to r^21/21!, truncation r^23/23! < 2^-78 relative;
// cos: up to r^20/20!, truncation r^22/22! < 2^-76. Coefficients are
// (-1)^n / n! rounded to double. Odd sin keeps the sign of a zero r.
AIVM_MATH_FN double sin_poly_f64(double r) {
  const double z = r * r;
  double q = 0x1.71b8ef6dcf572p-66;          // 1/21!
  q = q * z - 0x1.2f49b46814157p-57;          // -1/19!
  q = q * z + 0x1.952c77030ad4ap-49;          // 1/17!
  q = q * z - 0x1.ae7f3e733b81fp-41;          // -1/15!
  q = q * z + 0x1.6124613a86d09p-33;          // 1/13!
  q = q * z - 0x1.ae64567f544e4p-26;          // -1/11!
  q = q * z + 0x1.71de3a556c734p-19;          // 1/9!
  q = q * z - 0x1.a01a01a01a01ap-13;          // -1/7!
  q = q * z + 0x1.1111111111111p-7;           // 1/5!
  q = q * z - 0x1.5555555555555p-3;           // -1/3!
  return r + r * (z * q);
}

AIVM_MATH_FN double cos_poly_f64(double r) {
  const double z = r * r;
  double q = 0x1.e542ba4020225p-62;           // 1/20!
  q = q * z - 0x1.6827863b97d97p-53;          // -1/18!
  q = q * z + 0x1.ae7f3e733b81fp-45;          // 1/16!
  q = q * z - 0x1.93974a8c07c9dp-37;          // -1/14!
  q = q * z + 0x1.1eed8eff8d898p-29;          // 1/12!
  q = q * z - 0x1.27e4fb7789f5cp-22;          // -1/10!
  q = q * z + 0x1.a01a01a01a01ap-16;          // 1/8!
  q = q * z - 0x1.6c16c16c16c17p-10;          // -1/6!
  q = q * z + 0x1.5555555555555p-5;           // 1/4!
  q = q * z - 0.5;                            // -1/2!
  return 1.0 + z * q;
}

// Reduction of a finite float by pi/2: *q = the quadrant (0..3) of |x|, and the
// returned r = |x| - (k*4 + q) * pi/2 in [-pi/4, pi/4] (binary64). Callers
// apply the sign of x themselves (sin and tan are odd, cos even).
AIVM_MATH_FN double reduce_pio2_f32(float x, int* q) {
  const uint32_t mag = f32_to_bits(x) & 0x7fffffffu;
  if (mag <= 0x3f490fdau) {  // |x| <= 0.78539813 < pi/4: no reduction
    *q = 0;
    return static_cast<double>(f32_from_bits(mag));
  }
  // |x| = M * 2^E, M a 24-bit integer (x is normal here: |x| > pi/4).
  const uint64_t M = (mag & 0x7fffffu) | 0x800000u;
  const int E = static_cast<int>(mag >> 23) - 150;  // -24 <= E <= 104
  // Bits of 2/pi, b_1 b_2 ... (2/pi = 0.b_1 b_2 ... in binary), behind 32 zero
  // bits so that a window may start before b_1. Bit index j of the table holds
  // b_(j-31). 224 bits of 2/pi suffice: the last window ends at b_198.
  const uint32_t T[8] = {0x00000000u, 0xa2f9836eu, 0x4e441529u, 0xfc2757d1u,
                         0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu};
  // The window W = b_(E-1) ... b_(E+94) (96 bits, LSB weight 2^-(E+94)); the
  // terms M * b_i * 2^(E-i) with i < E-1 are multiples of 4 and drop out.
  // b_(E-1) is table bit E + 30 (>= 6; the last bit read, E + 125, is < 256).
  uint32_t w[3];
  for (int k = 0; k < 3; ++k) {
    const int j = E + 30 + 32 * k;
    const int wi = j >> 5, sh = j & 31;
    const uint64_t pair = (static_cast<uint64_t>(T[wi]) << 32) | T[wi + 1];
    w[k] = static_cast<uint32_t>((pair << sh) >> 32);  // 32 bits from bit j
  }
  // P = M * W mod 2^96 (the product's weight 2^(E - (E+94)) = 2^-94 per unit,
  // so P * 2^-94 = x * 2/pi mod 4, truncated), as three 32-bit words.
  const uint64_t p2 = M * w[2];
  const uint64_t p1 = M * w[1] + (p2 >> 32);
  const uint64_t p0 = M * w[0] + (p1 >> 32);
  const uint64_t hi = (p0 << 32) | (p1 & 0xffffffffu);  // P >> 32, weight 2^-62, mod 2^64
  const uint32_t lo = static_cast<uint32_t>(p2);        // the last 32 bits, weight 2^-94
  // Nearest quadrant (a tie cannot happen: 2/pi is irrational), and the
  // signed fraction; the arithmetic is modulo 2^64, i.e. modulo 4 quadrants.
  const uint64_t qq = (hi + (1ull << 61)) >> 62;
  const int64_t fhi = static_cast<int64_t>(hi - (qq << 62));
  *q = static_cast<int>(qq & 3u);
  const double f = static_cast<double>(fhi) * 0x1p-62 + static_cast<double>(lo) * 0x1p-94;
  return f * 0x1.921fb54442d18p+0;  // * pi/2
}

AIVM_MATH_FN float sin_f32(float x) {
  if (!is_finite_f32(x)) return nan_f32();  // NaN, +-inf
  int q;
  const double r = reduce_pio2_f32(x, &q);
  double y = (q & 1) ? cos_poly_f64(r) : sin_poly_f64(r);
  if (q & 2) y = -y;
  const float s = static_cast<float>(y);
  return sign_bit_f32(x) ? -s : s;
}

AIVM_MATH_FN float cos_f32(float x) {
  if (!is_finite_f32(x)) return nan_f32();
  int q;
  const double r = reduce_pio2_f32(x, &q);
  double y = (q & 1) ? sin_poly_f64(r) : cos_poly_f64(r);
  if (((q + 1) & 2) != 0) y = -y;  // q = 1, 2 negative: cos(r + pi/2) = -sin r, cos(r + pi) = -cos r
  return static_cast<float>(y);
}

AIVM_MATH_FN float tan_f32(float x) {
  if (!is_finite_f32(x)) return nan_f32();
  int q;
  const double r = reduce_pio2_f32(x, &q);
  const double s = sin_poly_f64(r), c = cos_poly_f64(r);
  // tan(r + q pi/2): tan r for even q, -cot r for odd q (|r| >= 2^-29.2 for any float).
  const float t = static_cast<float>((q & 1) ? -c / s : s / c);
  return sign_bit_f32(x) ? -t : t;
}

// atan(a) in binary64 for a >= 0 (a may be +inf). a > 1: pi/2 - atan(1/a);
// then the half-angle step atan(a) = 2 atan(a / (1 + sqrt(1 + a^2))) brings a
// to [0, tan(pi/8) = 0.4143], where the series sum (-1)^n t^(2n+1)/(2n+1),
// n = 0..22, is truncated below 0.4143^46/47 < 2^-63 relative.
AIVM_MATH_FN double atan_pos_f64(double a) {
  const bool inv = a > 1.0;
  if (inv) a = 1.0 / a;
  const double t = a / (1.0 + sqrt_f64_rn(1.0 + a * a));
  const double z = t * t;
  // p = sum_{n=1}^{22} (-1)^(n-1) z^(n-1) / (2n+1), Horner from the smallest term.
  const double c[22] = {1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17,
                        1.0 / 19, 1.0 / 21, 1.0 / 23, 1.0 / 25, 1.0 / 27, 1.0 / 29, 1.0 / 31, 1.0 / 33,
                        1.0 / 35, 1.0 / 37, 1.0 / 39, 1.0 / 41, 1.0 / 43, 1.0 / 45};
  double p = c[21];
  for (int n = 20; n >= 0; --n) p = c[n] - z * p;
  // atan(t) = t - t z p; atan(a) = 2 atan(t).
  const double at = 2.0 * (t - t * (z * p));
  // pi/2 - at with pi/2 = hi + lo (lo = pi/2 - hi to double precision).
  return inv ? 0x1.921fb54442d18p+0 - (at - 0x1.1a62633145c07p-54) : at;
}

AIVM_MATH_FN float atan_f32(float x) {
  if (is_nan_f32(x)) return nan_f32();
  const float r = static_cast<float>(atan_pos_f64(static_cast<double>(abs_f32(x))));
  return sign_bit_f32(x) ? -r : r;
}

// asin(x) = atan(x / sqrt((1 - x)(1 + x))): 1 - x and 1 + x are exact in
// binary64, and atan's relative condition number is below 1. asin(+-1) =
// atan(inf) = +-pi/2; |x| > 1 is a domain error (NaN). Odd.
AIVM_MATH_FN float asin_f32(float x) {
  const float ax = abs_f32(x);
  if (!(ax <= 1.0f)) return nan_f32();  // NaN or |x| > 1
  const double a = static_cast<double>(ax);
  const double d = sqrt_f64_rn((1.0 - a) * (1.0 + a));
  const float r = static_cast<float>(atan_pos_f64(a / d));  // a / +0 = +inf at |x| = 1
  return sign_bit_f32(x) ? -r : r;
}

// acos(x) = 2 atan(sqrt((1 - x) / (1 + x))) for x in [-1, 1]: no cancellation
// anywhere (acos(-1) = 2 atan(inf) = pi, acos(1) = +0).
AIVM_MATH_FN float acos_f32(float x) {
  if (!(abs_f32(x) <= 1.0f)) return nan_f32();
  const double d = static_cast<double>(x);
  return static_cast<float>(2.0 * atan_pos_f64(sqrt_f64_rn((1.0 - d) / (1.0 + d))));
}

// sinh(a) = (e^a - e^-a)/2 = (em + em/(em + 1))/2 with em = expm1(a), relatively
// accurate for tiny a too. a > 90 overflows float (sinh(89.42) > FLT_MAX) and is
// clamped so double stays finite. Odd.
AIVM_MATH_FN float sinh_f32(float x) {
  if (is_nan_f32(x)) return nan_f32();
  double a = static_cast<double>(abs_f32(x));
  if (a > 90.0) a = 90.0;
  const double em = expm1_f64(a);
  const float r = static_cast<float>(0.5 * (em + em / (em + 1.0)));
  return sign_bit_f32(x) ? -r : r;
}

// cosh(a) = (e^a + 1/e^a)/2; a clamped to 90 as in sinh (inf after rounding).
AIVM_MATH_FN float cosh_f32(float x) {
  if (is_nan_f32(x)) return nan_f32();
  double a = static_cast<double>(abs_f32(x));
  if (a > 90.0) a = 90.0;
  const double e = exp_f64(a);
  return static_cast<float>(0.5 * (e + 1.0 / e));
}

// asinh(a) = log1p(a + a^2 / (1 + sqrt(1 + a^2))) (= log(a + sqrt(a^2 + 1)));
// a^2 <= 2^256 cannot overflow binary64; log1p's condition number is below 1.
// asinh(+-inf) = +-inf. Odd.
AIVM_MATH_FN float asinh_f32(float x) {
  if (is_nan_f32(x)) return nan_f32();
  const double a = static_cast<double>(abs_f32(x));
  const double a2 = a * a;
  const double u = is_inf_f64(a) ? a : a + a2 / (1.0 + sqrt_f64_rn(1.0 + a2));
  const float r = static_cast<float>(log1p_f64(u));
  return sign_bit_f32(x) ? -r : r;
}

// acosh(x) = log1p(t + sqrt(t (2 + t))), t = x - 1 (exact in binary64), x >= 1;
// x < 1 is a domain error (NaN); acosh(1) = +0, acosh(inf) = inf.
AIVM_MATH_FN float acosh_f32(float x) {
  if (!(x >= 1.0f)) return nan_f32();  // NaN or x < 1
  const double t = static_cast<double>(x) - 1.0;
  const double u = is_inf_f64(t) ? t : t + sqrt_f64_rn(t * (2.0 + t));
  return static_cast<float>(log1p_f64(u));
}

// atanh(a) = log1p(2a / (1 - a)) / 2 for 0 <= a < 1 (1 - a exact); atanh(+-1)
// = +-inf, |x| > 1 a domain error (NaN). Odd.
AIVM_MATH_FN float atanh_f32(float x) {
  const float ax = abs_f32(x);
  if (!(ax <= 1.0f)) return nan_f32();
  const double a = static_cast<double>(ax);
  const float r = ax == 1.0f ? inf_f32() : static_cast<float>(0.5 * log1p_f64((2.0 * a) / (1.0 - a)));
  return sign_bit_f32(x) ? -r : r;
}

}  // namespace math
}  // namespace aivm
