// native/math/remainder.h — the remainders of ONNX Mod: float32 remainder of a
// truncated division (C's fmodf, Mod with fmod=1), computed exactly on the
// significands' integers, and the integer remainders (fmod=1: truncated, the
// sign of the dividend; fmod=0: floored, the sign of the divisor).
// The remainder x - trunc(x/y)*y is always representable, so the result is
// unique; computing it with integer shifts and subtractions (long division,
// one bit per step) gives it on every backend without the platform's libm.
#pragma once

#include "canonical.h"
#include "common.h"

namespace aivm {
namespace math {

// The integer significand of a finite non-zero magnitude (bits without the
// sign) scaled into [2^23, 2^24), and its exponent e such that the value is
// significand * 2^(e - 150).
AIVM_MATH_FN uint32_t fmod_significand(uint32_t mag, int& e) {
  e = int(mag >> 23);
  if (e != 0) return (mag & 0x7fffffu) | 0x800000u;
  uint32_t m = mag;  // subnormal: shift up to the normal range, one exponent step per bit
  e = 1;
  while ((m & 0x800000u) == 0) {
    m <<= 1;
    --e;
  }
  return m;
}

// fmod(x, y): the sign of x, magnitude below |y|. NaN (canonical) for a NaN,
// an infinite x or a zero y; x itself for an infinite y or |x| < |y|.
// With x = mx 2^ex and y = my 2^ey (scaled as above), |x| mod |y| is
// (mx 2^(ex-ey) mod my) 2^ey: the exponent gap is consumed up to 40 bits at a
// time by exact 64-bit integer remainders (r < my < 2^24, so r << 40 < 2^64),
// at most 7 of them for float32's 277-bit range.
AIVM_MATH_FN float fmod_f32(float x, float y) {
  const uint32_t ux = f32_to_bits(x), uy = f32_to_bits(y);
  const uint32_t sign = ux & 0x80000000u;
  const uint32_t ax = ux & 0x7fffffffu, ay = uy & 0x7fffffffu;
  if (ax >= 0x7f800000u || ay == 0 || ay > 0x7f800000u) return canonical_nan();
  if (ay == 0x7f800000u || ax < ay) return x;
  int ex = 0, ey = 0;
  const uint64_t mx = fmod_significand(ax, ex);
  const uint64_t my = fmod_significand(ay, ey);
  uint64_t r = mx % my;
  for (int gap = ex - ey; gap > 0;) {
    const int k = gap < 40 ? gap : 40;
    r = (r << k) % my;
    gap -= k;
  }
  if (r == 0) return f32_from_bits(sign);
  // r 2^ey, exactly representable (x and y are multiples of 2^-149, so is r 2^ey):
  // normalize r to [2^23, 2^24), then a normal or (shifting out only zeros) subnormal.
  int e = ey;
  while ((r & 0x800000u) == 0) {
    r <<= 1;
    --e;
  }
  const uint32_t m = uint32_t(r);
  const uint32_t mag = e > 0 ? ((m & 0x7fffffu) | (uint32_t(e) << 23)) : (m >> (1 - e));
  return f32_from_bits(mag | sign);
}

// fmod in binary64, the same algorithm: significands scaled into [2^52, 2^53),
// value = significand * 2^(e - 1075); the gap is consumed up to 11 bits at a
// time (r < my < 2^53, so r << 11 < 2^64), at most 196 steps for binary64's
// 2098-bit range. NaN results are the canonical 0x7FF8000000000000.
AIVM_MATH_FN uint64_t fmod_significand_f64(uint64_t mag, int& e) {
  e = int(mag >> 52);
  if (e != 0) return (mag & 0xfffffffffffffull) | 0x10000000000000ull;
  uint64_t m = mag;
  e = 1;
  while ((m & 0x10000000000000ull) == 0) {
    m <<= 1;
    --e;
  }
  return m;
}

AIVM_MATH_FN double fmod_f64(double x, double y) {
  const uint64_t ux = f64_to_bits(x), uy = f64_to_bits(y);
  const uint64_t sign = ux & 0x8000000000000000ull;
  const uint64_t ax = ux & 0x7fffffffffffffffull, ay = uy & 0x7fffffffffffffffull;
  if (ax >= 0x7ff0000000000000ull || ay == 0 || ay > 0x7ff0000000000000ull) return nan_f64();
  if (ay == 0x7ff0000000000000ull || ax < ay) return x;
  int ex = 0, ey = 0;
  const uint64_t mx = fmod_significand_f64(ax, ex);
  const uint64_t my = fmod_significand_f64(ay, ey);
  uint64_t r = mx % my;
  for (int gap = ex - ey; gap > 0;) {
    const int k = gap < 11 ? gap : 11;
    r = (r << k) % my;
    gap -= k;
  }
  if (r == 0) return f64_from_bits(sign);
  int e = ey;
  while ((r & 0x10000000000000ull) == 0) {
    r <<= 1;
    --e;
  }
  const uint64_t mag = e > 0 ? ((r & 0xfffffffffffffull) | (uint64_t(e) << 52)) : (r >> (1 - e));
  return f64_from_bits(mag | sign);
}

// Integer remainders; the divisor is never 0 (the op refuses a zero before
// computing). b == -1 gives 0 directly: MIN % -1 overflows in C++.
template <class T> AIVM_MATH_FN T mod_trunc_int(T a, T b) { return b == T(-1) ? T(0) : T(a % b); }
template <class T> AIVM_MATH_FN T mod_floor_int(T a, T b) {
  const T r = mod_trunc_int(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? T(r + b) : r;  // |r| < |b| and opposite signs: no overflow
}

}  // namespace math
}  // namespace aivm
