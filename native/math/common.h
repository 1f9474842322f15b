// native/math/common.h — shared definitions for the portable math library.
//
// Every function in native/math is declared with AIVM_MATH_FN, which gives it
// INTERNAL linkage ("static inline"). This matters: the same headers are
// compiled several times into one binary with different -m ISA flags
// (plain SSE2, -mavx2 -mfma, -mavx512f, NEON). With external linkage
// ("inline" alone) the linker would keep one copy of each function and could
// make the plain-SSE2 path call a copy compiled with AVX-512 instructions,
// crashing on CPUs without it. "static" keeps one private copy per TU.
//
// Nothing here (or anywhere in native/math) calls the platform math library:
// only IEEE-754 + - * / sqrt, comparisons, conversions and bit manipulation,
// which are correctly rounded and therefore bit-identical on every conforming
// machine (see docs/numerics/math.md).
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define AIVM_MATH_FN static inline __host__ __device__
#else
#define AIVM_MATH_FN static inline
#endif

namespace aivm {
namespace math {

// ---- bit casts (memcpy based: well defined, compiles to a register move;
// CUDA device code uses the equivalent intrinsics) ----
AIVM_MATH_FN uint32_t f32_to_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}
AIVM_MATH_FN float f32_from_bits(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}
AIVM_MATH_FN uint64_t f64_to_bits(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__double_as_longlong(x));
#else
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}
AIVM_MATH_FN double f64_from_bits(uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(u));
#else
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

// ---- classification (bit based, independent of compiler flags) ----
AIVM_MATH_FN bool is_nan_f32(float x) { return (f32_to_bits(x) & 0x7fffffffu) > 0x7f800000u; }
AIVM_MATH_FN bool is_inf_f32(float x) { return (f32_to_bits(x) & 0x7fffffffu) == 0x7f800000u; }
AIVM_MATH_FN bool is_finite_f32(float x) { return (f32_to_bits(x) & 0x7fffffffu) < 0x7f800000u; }
AIVM_MATH_FN bool sign_bit_f32(float x) { return (f32_to_bits(x) >> 31) != 0; }
AIVM_MATH_FN bool is_nan_f64(double x) {
  return (f64_to_bits(x) & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}
AIVM_MATH_FN bool is_finite_f64(double x) {
  return (f64_to_bits(x) & 0x7fffffffffffffffull) < 0x7ff0000000000000ull;
}
AIVM_MATH_FN bool is_inf_f64(double x) {
  return (f64_to_bits(x) & 0x7fffffffffffffffull) == 0x7ff0000000000000ull;
}
AIVM_MATH_FN bool sign_bit_f64(double x) { return (f64_to_bits(x) >> 63) != 0; }

AIVM_MATH_FN float abs_f32(float x) { return f32_from_bits(f32_to_bits(x) & 0x7fffffffu); }
AIVM_MATH_FN double abs_f64(double x) { return f64_from_bits(f64_to_bits(x) & 0x7fffffffffffffffull); }
// Magnitude of x with the sign bit of s.
AIVM_MATH_FN float copysign_f32(float x, float s) {
  return f32_from_bits((f32_to_bits(x) & 0x7fffffffu) | (f32_to_bits(s) & 0x80000000u));
}

// Canonical values, built from bits so no expression (0.0/0.0, 1.0/0.0) is
// needed: the sign of a NaN produced by an invalid operation differs between
// x86 (negative) and AArch64 (positive).
AIVM_MATH_FN float nan_f32() { return f32_from_bits(0x7fc00000u); }
AIVM_MATH_FN double nan_f64() { return f64_from_bits(0x7ff8000000000000ull); }
AIVM_MATH_FN float inf_f32() { return f32_from_bits(0x7f800000u); }
AIVM_MATH_FN double inf_f64() { return f64_from_bits(0x7ff0000000000000ull); }

// 2^k for an integer k with -1022 <= k <= 1023 (a normal double), exactly.
AIVM_MATH_FN double pow2i_f64(int k) {
  return f64_from_bits(static_cast<uint64_t>(k + 1023) << 52);
}

}  // namespace math
}  // namespace aivm
