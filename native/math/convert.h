// native/math/convert.h — one element converted between any two dtypes: the
// definition of Cast (docs/numerics/cast.md), shared by the CPU computes (once
// per ISA) and the CUDA kernels (nvcc and the host emulation), so every backend
// runs the same code. float16 and bfloat16 are converted with integer bit
// operations only (no _Float16, F16C or __half): every compiler and ISA agrees.
//
// cast_element<From, To>(v) reads v as a number of its own kind (float for
// float16/bfloat16/float8/float32, double for float64, the integer itself for
// integers, 0 or 1 for bool; all exact) and writes that number in To's kind,
// rounding at most once.
#pragma once

#include <cstdint>
#include <type_traits>

#include "aivm/dtype.h"
#include "common.h"

namespace aivm {
namespace math {

// ---- Binary floating-point formats ------------------------------------------------

#if defined(__CUDACC__)
#define AIVM_MATH_MEMBER __host__ __device__
#else
#define AIVM_MATH_MEMBER
#endif

// A format with `mant` stored fraction bits, `ebits` exponent bits and bias
// 2^(ebits-1) - 1. Its canonical NaN is the positive quiet NaN with no payload.
struct FloatFormat {
  int mant;
  int ebits;
  AIVM_MATH_MEMBER constexpr int bias() const { return (1 << (ebits - 1)) - 1; }
  AIVM_MATH_MEMBER constexpr uint64_t exp_mask() const { return (uint64_t(1) << ebits) - 1; }
  AIVM_MATH_MEMBER constexpr uint64_t inf_bits() const { return exp_mask() << mant; }
  AIVM_MATH_MEMBER constexpr uint64_t nan_bits() const { return inf_bits() | (uint64_t(1) << (mant - 1)); }
  AIVM_MATH_MEMBER constexpr uint64_t sign_bit() const { return uint64_t(1) << (mant + ebits); }
};
constexpr FloatFormat kF16{10, 5}, kBF16{7, 8}, kF32{23, 8}, kF64{52, 11};

// The canonical NaN bits of a float dtype's format (hashes and casts write only these).
constexpr uint16_t kF16CanonicalNan = uint16_t(kF16.nan_bits());    // 0x7E00
constexpr uint16_t kBF16CanonicalNan = uint16_t(kBF16.nan_bits());  // 0x7FC0
constexpr uint32_t kF32CanonicalNan = uint32_t(kF32.nan_bits());    // 0x7FC00000
constexpr uint64_t kF64CanonicalNan = kF64.nan_bits();              // 0x7FF8000000000000

AIVM_MATH_FN int clz64(uint64_t v) {  // v != 0
#if defined(__CUDA_ARCH__)
  return __clzll(static_cast<long long>(v));
#else
  return __builtin_clzll(v);
#endif
}

// The magnitude bits (exponent and fraction fields, no sign) of the value
// sig * 2^exp (sig > 0, exact) in a format with `mant` fraction bits and
// exponent bias `bias`, rounded to nearest, ties to even, once, subnormal
// results included, with an unbounded exponent: a result past the format's
// largest finite value is returned as the bits above it (callers clamp).
AIVM_MATH_FN uint64_t round_magnitude(uint64_t sig, int exp, int mant, int bias) {
  const int lz = clz64(sig);
  sig <<= lz;  // now sig in [2^63, 2^64): the value is sig * 2^(exp - lz)
  int e = exp - lz + 63 + bias;  // the value's biased exponent
  int shift = 63 - mant;         // bits below a normal result's last place
  if (e < 1) {                   // subnormal: the last place is that of exponent 1
    shift += 1 - e;
    e = 1;
  }
  uint64_t q;
  if (shift >= 64) {
    // Below half the smallest subnormal, or (shift 64) between half and one of it.
    q = shift == 64 && sig > (uint64_t(1) << 63) ? 1 : 0;
  } else {
    q = sig >> shift;
    const uint64_t rem = sig & ((uint64_t(1) << shift) - 1), half = uint64_t(1) << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
  }
  // q holds the implicit bit (normal) or not (subnormal); adding it to (e - 1)
  // in the exponent field gives the encoding, and a carry out of the
  // significand moves into the exponent.
  return (uint64_t(e - 1) << mant) + q;
}

// The bits of the value (-1)^neg * sig * 2^exp (sig > 0, exact) in format f,
// rounded to nearest, ties to even, once: subnormal results and overflow to
// infinity included.
AIVM_MATH_FN uint64_t round_to_format(bool neg, uint64_t sig, int exp, FloatFormat f) {
  uint64_t bits = round_magnitude(sig, exp, f.mant, f.bias());
  if (bits > f.inf_bits()) bits = f.inf_bits();
  return (neg ? f.sign_bit() : 0) | bits;
}

// float or double x in format f (narrower than x's), rounded once; NaN -> f's canonical NaN.
template <class F> AIVM_MATH_FN uint64_t float_to_format(F x, FloatFormat f) {
  constexpr FloatFormat src = sizeof(F) == 8 ? kF64 : kF32;
  const uint64_t u = sizeof(F) == 8 ? f64_to_bits(double(x)) : uint64_t(f32_to_bits(float(x)));
  const bool neg = (u & src.sign_bit()) != 0;
  const uint64_t e = (u >> src.mant) & src.exp_mask(), m = u & ((uint64_t(1) << src.mant) - 1);
  if (e == src.exp_mask()) return m ? f.nan_bits() : (neg ? f.sign_bit() : 0) | f.inf_bits();
  if (e == 0 && m == 0) return neg ? f.sign_bit() : 0;
  const uint64_t sig = e ? m | (uint64_t(1) << src.mant) : m;
  return round_to_format(neg, sig, int(e ? e : 1) - src.bias() - src.mant, f);
}

// ---- float16 and bfloat16 <-> float (exact) -------------------------------------

AIVM_MATH_FN float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  int e = (h >> 10) & 0x1F;
  uint32_t m = h & 0x3FFu;
  if (e == 0x1F) return f32_from_bits(m ? kF32CanonicalNan : sign | 0x7F800000u);
  if (e == 0) {
    if (m == 0) return f32_from_bits(sign);
    e = 1;  // subnormal m * 2^-24: shift m up to an implicit bit
    while (!(m & 0x400u)) {
      m <<= 1;
      --e;
    }
    m &= 0x3FFu;
  }
  return f32_from_bits(sign | (uint32_t(e - 15 + 127) << 23) | (m << 13));
}

AIVM_MATH_FN float bf16_to_f32(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;  // bfloat16 is the top half of a float32
  return f32_from_bits((u & 0x7FFFFFFFu) > 0x7F800000u ? kF32CanonicalNan : u);
}

// ---- float -> integer, integer -> integer ------------------------------------------

// NaN -> 0, else truncation toward zero, saturated to I's range (unsigned:
// negative -> 0). The bounds are powers of two, exact in F, and a value
// strictly inside them truncates to a representable integer, so the final C++
// conversion is always in range (defined, and the same on every machine).
template <class I, class F> AIVM_MATH_FN I float_to_int(F x) {
  constexpr int kBits = int(sizeof(I)) * 8;
  if (x != x) return I(0);
  if constexpr (std::is_signed<I>::value) {
    constexpr I kMax = I((uint64_t(1) << (kBits - 1)) - 1);
    constexpr F kTwoPow = F(uint64_t(1) << (kBits - 1));  // 2^(bits-1)
    if (x >= kTwoPow) return kMax;
    if (x <= -kTwoPow) return I(-kMax - 1);  // -2^(bits-1) is min itself
  } else {
    constexpr F kTwoPow = F(uint64_t(1) << (kBits - 1)) * F(2);  // 2^bits
    if (x >= kTwoPow) return I(~uint64_t(0) >> (64 - kBits));
    if (x <= F(0)) return I(0);
  }
  return I(x);
}

// The low bits of v's two's complement (v given as its 64-bit pattern) as I:
// wraps modulo 2^bits, through unsigned arithmetic (defined in every C++).
template <class I> AIVM_MATH_FN I wrap_int(uint64_t v) {
  constexpr int kBits = int(sizeof(I)) * 8;
  constexpr uint64_t kMask = ~uint64_t(0) >> (64 - kBits);
  v &= kMask;
  if constexpr (std::is_signed<I>::value) {
    // v >= 2^(bits-1) stands for v - 2^bits = -(2^bits - 1 - v) - 1, in range all along.
    if (v >> (kBits - 1)) return I(-int64_t(~v & kMask) - 1);
  }
  return I(v);
}

// ---- integer -> float ---------------------------------------------------------------

// The IEEE conversions in round-to-nearest-even (cvtsi2ss / scvtf; on the device
// the _rn intrinsics): one rounding from the exact integer.
template <class I> AIVM_MATH_FN float int_to_f32(I v) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(I) == 8 && std::is_signed<I>::value) return __ll2float_rn((long long)v);
  else if constexpr (sizeof(I) == 8) return __ull2float_rn((unsigned long long)v);
  else if constexpr (std::is_signed<I>::value) return __int2float_rn(int(v));
  else return __uint2float_rn(unsigned(v));
#else
  return float(v);
#endif
}
template <class I> AIVM_MATH_FN double int_to_f64(I v) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(I) == 8 && std::is_signed<I>::value) return __ll2double_rn((long long)v);
  else if constexpr (sizeof(I) == 8) return __ull2double_rn((unsigned long long)v);
  else if constexpr (std::is_signed<I>::value) return __int2double_rn(int(v));
  else return __uint2double_rn(unsigned(v));
#else
  return double(v);
#endif
}
// An integer in format f, rounded once from its exact value (no detour through
// double, which would round twice for |v| > 2^53).
template <class I> AIVM_MATH_FN uint64_t int_to_format(I v, FloatFormat f) {
  if (v == 0) return 0;
  if constexpr (std::is_signed<I>::value) {
    const uint64_t u = uint64_t(int64_t(v));  // two's complement, sign-extended
    if (v < 0) return round_to_format(true, 0 - u, 0, f);
    return round_to_format(false, u, 0, f);
  } else {
    return round_to_format(false, uint64_t(v), 0, f);
  }
}

// ---- float <-> double --------------------------------------------------------------

AIVM_MATH_FN float f64_to_f32(double x) {
  if (x != x) return f32_from_bits(kF32CanonicalNan);
#if defined(__CUDA_ARCH__)
  return __double2float_rn(x);
#else
  return float(x);  // the IEEE conversion, round to nearest even
#endif
}
AIVM_MATH_FN double f32_to_f64(float x) { return x != x ? f64_from_bits(kF64CanonicalNan) : double(x); }

// ---- float8 (FLOAT8E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0) --------------------------------
// Storage formats only: Cast converts to and from them (docs/numerics/cast.md);
// every value reads exactly as a float.

// Cast's float8 attributes: saturate (ONNX default 1) and, for float8e8m0,
// round_mode (ONNX default "up").
enum class E8M0Round : uint8_t { UP, DOWN, NEAREST };
struct CastMode {
  bool saturate = true;
  E8M0Round round = E8M0Round::UP;
};

// A float8 format with sign, exponent and fraction fields: `mant` fraction bits,
// `ebits` exponent bits, exponent bias `bias`, the largest finite magnitude
// `max_mag`, the infinity `inf` (0: none), the canonical NaN `nan` (the one NaN
// a cast writes) and `uz` (FNUZ: no negative zero, 0x80 is the only NaN).
struct F8Format {
  int mant, ebits, bias;
  uint32_t max_mag, inf;
  uint8_t nan;
  bool uz;
};
constexpr F8Format kE4M3FN{3, 4, 7, 0x7E, 0, 0x7F, false};      // max 448, NaN S.1111.111
constexpr F8Format kE4M3FNUZ{3, 4, 8, 0x7F, 0, 0x80, true};     // max 240
constexpr F8Format kE5M2{2, 5, 15, 0x7B, 0x7C, 0x7E, false};    // max 57344, inf, NaN S.11111.xx
constexpr F8Format kE5M2FNUZ{2, 5, 16, 0x7F, 0, 0x80, true};    // max 57344

template <DType D> AIVM_MATH_MEMBER constexpr F8Format f8_format() {
  return D == DType::F8E4M3FN ? kE4M3FN : D == DType::F8E4M3FNUZ ? kE4M3FNUZ : D == DType::F8E5M2 ? kE5M2 : kE5M2FNUZ;
}
template <DType D> AIVM_MATH_MEMBER constexpr bool is_f8() {
  return D == DType::F8E4M3FN || D == DType::F8E4M3FNUZ || D == DType::F8E5M2 || D == DType::F8E5M2FNUZ;
}

// The float32 with biased exponent e (1..254) and fraction bits m (23 bits).
AIVM_MATH_FN float f32_of_fields(uint32_t e, uint32_t m) { return f32_from_bits((e << 23) | m); }

// A float8 pattern's value (exact in float32; NaN -> float32's canonical NaN).
AIVM_MATH_FN float f8_to_f32(uint8_t b, F8Format f) {
  const uint32_t mag = b & 0x7Fu;
  const uint32_t sign = uint32_t(b & 0x80u) << 24;
  if (f.uz ? b == 0x80u : (f.inf ? mag > f.inf : mag == 0x7Fu)) return f32_from_bits(kF32CanonicalNan);
  if (f.inf && mag == f.inf) return f32_from_bits(sign | 0x7F800000u);
  int e = int(mag >> f.mant);
  uint32_t m = mag & ((1u << f.mant) - 1);
  if (e == 0) {
    if (m == 0) return f32_from_bits(sign);  // +-0 (FNUZ: 0x80 was NaN above)
    e = 1;  // subnormal m * 2^(1 - bias - mant): shift m up to an implicit bit
    while (!(m & (1u << f.mant))) {
      m <<= 1;
      --e;
    }
    m &= (1u << f.mant) - 1;
  }
  return f32_from_bits(sign | (uint32_t(e - f.bias + 127) << 23) | (m << (23 - f.mant)));
}

// float8e8m0: 2^(b - 127) for b in 0..254 (2^-127 is a float32 subnormal), 0xFF NaN.
AIVM_MATH_FN float e8m0_to_f32(uint8_t b) {
  if (b == 0xFFu) return f32_from_bits(kF32CanonicalNan);
  return f32_from_bits(b ? uint32_t(b) << 23 : 0x00400000u);
}

// The exact value of a finite non-zero float or double x as (-1)^neg sig 2^exp.
template <class F> AIVM_MATH_FN void float_fields(F x, bool& neg, uint64_t& sig, int& exp) {
  constexpr FloatFormat src = sizeof(F) == 8 ? kF64 : kF32;
  const uint64_t u = sizeof(F) == 8 ? f64_to_bits(double(x)) : uint64_t(f32_to_bits(float(x)));
  neg = (u & src.sign_bit()) != 0;
  const uint64_t e = (u >> src.mant) & src.exp_mask(), m = u & ((uint64_t(1) << src.mant) - 1);
  sig = e ? m | (uint64_t(1) << src.mant) : m;
  exp = int(e ? e : 1) - src.bias() - src.mant;
}

// The number x (float, double or integer) as a pattern of float8 format f.
// NaN -> f.nan. saturate: +-inf and results beyond the largest finite value
// give +-max; otherwise they give +-inf (E5M2) or NaN (the others), as ONNX's
// tables. Finite x rounds once, to nearest even, subnormals included; FNUZ has
// no -0 (a negative value rounding to zero, and -0, give +0).
template <class N> AIVM_MATH_FN uint8_t to_f8(N x, F8Format f, bool saturate) {
  bool neg = false;
  uint64_t sig = 0;
  int exp = 0;
  if constexpr (std::is_floating_point<N>::value) {
    if (x != x) return f.nan;
    float_fields(x, neg, sig, exp);
    const bool inf = sizeof(N) == 8 ? !is_finite_f64(double(x)) : !is_finite_f32(float(x));
    const uint32_t sign = neg ? 0x80u : 0u;
    if (inf) return uint8_t(saturate ? sign | f.max_mag : f.inf ? sign | f.inf : f.nan);
    if (sig == 0) return uint8_t(f.uz ? 0u : sign);
  } else {
    if (x == 0) return 0;
    if constexpr (std::is_signed<N>::value) {
      neg = x < 0;
      const uint64_t u = uint64_t(int64_t(x));
      sig = neg ? 0 - u : u;
    } else {
      sig = uint64_t(x);
    }
  }
  const uint32_t sign = neg ? 0x80u : 0u;
  const uint64_t mag = round_magnitude(sig, exp, f.mant, f.bias);
  if (mag > f.max_mag) return uint8_t(saturate ? sign | f.max_mag : f.inf ? sign | f.inf : f.nan);
  if (mag == 0 && f.uz) return 0;
  return uint8_t(sign | uint32_t(mag));
}

// The number x as float8e8m0 (2^k, k in [-127, 127]), from x's exact value
// (no intermediate float32 rounding): |x| = 2^E (1 + t), t in [0, 1); the sign is
// ignored (ONNX leaves negative inputs unspecified). round UP: E + (t > 0),
// DOWN: E, NEAREST: E + (t >= 1/2) (the nearer power of two, ties up). NaN ->
// 0xFF. With saturate, +-inf and results above 2^127 give 0xFE (2^127), zero and
// results below 2^-127 give 0x00 (2^-127); without, all of these give 0xFF (NaN).
template <class N> AIVM_MATH_FN uint8_t to_e8m0(N x, CastMode m) {
  uint64_t sig = 0;
  int exp = 0;
  if constexpr (std::is_floating_point<N>::value) {
    if (x != x) return 0xFF;
    const bool inf = sizeof(N) == 8 ? !is_finite_f64(double(x)) : !is_finite_f32(float(x));
    if (inf) return m.saturate ? 0xFE : 0xFF;
    bool neg;
    float_fields(x, neg, sig, exp);
  } else {
    if constexpr (std::is_signed<N>::value) {
      const uint64_t u = uint64_t(int64_t(x));
      sig = x < 0 ? 0 - u : u;
    } else {
      sig = uint64_t(x);
    }
  }
  if (sig == 0) return m.saturate ? 0x00 : 0xFF;
  const int lz = clz64(sig);
  const int e = exp + 63 - lz;              // |x| in [2^e, 2^(e+1))
  const uint64_t t = (sig << lz) << 1;      // the bits below the leading one, left-aligned
  const bool up = m.round == E8M0Round::UP ? t != 0 : m.round == E8M0Round::NEAREST ? (t >> 63) != 0 : false;
  const int biased = e + (up ? 1 : 0) + 127;
  if (biased > 254) return m.saturate ? 0xFE : 0xFF;
  if (biased < 0) return m.saturate ? 0x00 : 0xFF;
  return uint8_t(biased);
}

// ---- Sub-byte types (UINT4, INT4, FLOAT4E2M1, UINT2, INT2), stored one per byte ------------
// Only an element byte's low `bits` bits count (dtype.h); these read them, and write
// canonical bytes (sign-extended for int4/int2).

// The low `bits` bits of v as a `bits`-bit integer: sign-extended or zero-extended.
AIVM_MATH_FN int64_t sub_byte_int(uint64_t v, int bits, bool is_signed) {
  const uint64_t mask = (uint64_t(1) << bits) - 1, sign = uint64_t(1) << (bits - 1);
  v &= mask;
  return is_signed && (v & sign) ? int64_t(v) - int64_t(mask) - 1 : int64_t(v);
}

// ONNX's cast to a 4- or 2-bit integer (docs/numerics/cast.md): a float rounds to the
// nearest integer, ties to even, which is then taken modulo 2^bits (ONNX's "rounding to
// the nearest-integer (with ties to even) and truncating"; NaN and infinities give 0); an
// integer is taken modulo 2^bits, like every narrowing integer cast.
template <class N> AIVM_MATH_FN int64_t to_sub_byte_int(N x, int bits, bool is_signed) {
  uint64_t low = 0;  // the result's two's complement bits, modulo 2^64
  if constexpr (std::is_floating_point<N>::value) {
    const bool finite = sizeof(N) == 8 ? is_finite_f64(double(x)) : is_finite_f32(float(x));
    if (x != x || !finite || x == N(0)) return 0;
    bool neg = false;
    uint64_t sig = 0;
    int exp = 0;
    float_fields(x, neg, sig, exp);
    uint64_t q;
    if (exp >= 0) {
      q = exp >= 64 ? 0 : sig << exp;  // only the low 64 bits matter
    } else if (-exp >= 64) {
      q = 0;  // |x| < 2^53 * 2^-64 < 1/2
    } else {
      const int shift = -exp;
      q = sig >> shift;
      const uint64_t rem = sig & ((uint64_t(1) << shift) - 1), half = uint64_t(1) << (shift - 1);
      if (rem > half || (rem == half && (q & 1))) ++q;
    }
    low = neg ? 0 - q : q;
  } else if constexpr (std::is_signed<N>::value) {
    low = uint64_t(int64_t(x));
  } else {
    low = uint64_t(x);
  }
  return sub_byte_int(low, bits, is_signed);
}

// float4e2m1: sign, 2 exponent bits (bias 1), 1 fraction bit; no infinity or NaN.
// Magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6.
// (A function, not a namespace-scope constant: device code may not read a host struct constant.)
AIVM_MATH_MEMBER constexpr F8Format e2m1_format() { return F8Format{1, 2, 1, 0x7, 0, 0x80, false}; }  // nan 0x80: see to_f4e2m1

AIVM_MATH_FN float f4e2m1_to_f32(uint8_t b) {
  const uint32_t mag = b & 0x7u, e = mag >> 1, m = mag & 1u;
  const float v = e == 0 ? float(m) * 0.5f : float(2u + m) * float(1u << e) * 0.25f;  // exact
  return (b & 0x8u) ? -v : v;
}

// x rounded to nearest even, saturated to +-6 (infinities too), as ONNX's float4
// table; NaN gives 0x8 (-0), as ONNX's reference implementation and conformance
// data (its float4 note says 6; docs/numerics/cast.md). Built on to_f8 with the
// sign moved from bit 7 to bit 3.
template <class N> AIVM_MATH_FN uint8_t to_f4e2m1(N x) {
  const uint8_t b = to_f8(x, e2m1_format(), true);
  return uint8_t(((b & 0x80u) >> 4) | (b & 0x7u));
}

template <DType D> AIVM_MATH_MEMBER constexpr bool is_sub_byte_int() {
  return D == DType::U4 || D == DType::I4 || D == DType::U2 || D == DType::I2;
}

// ---- One element, From -> To ---------------------------------------------------------

// The exact number an element stands for, in a C++ type of its kind.
template <DType D> AIVM_MATH_FN auto cast_read(storage_t<D> v) {
  if constexpr (D == DType::F16) return f16_to_f32(v);
  else if constexpr (D == DType::BF16) return bf16_to_f32(v);
  else if constexpr (is_f8<D>()) return f8_to_f32(v, f8_format<D>());
  else if constexpr (D == DType::F8E8M0) return e8m0_to_f32(v);
  else if constexpr (D == DType::BOOL) return uint8_t(v != 0);  // any non-zero byte is true
  else if constexpr (D == DType::F4E2M1) return f4e2m1_to_f32(v);
  else if constexpr (is_sub_byte_int<D>()) return int8_t(sub_byte_int(uint8_t(v), sub_byte_bits(D), std::is_signed<storage_t<D>>::value));
  else return v;  // float, double, the integers
}

// The number x (float, double or an integer) as an element of To; `mode`
// matters for the float8 targets only.
template <DType To, class N> AIVM_MATH_FN storage_t<To> cast_write(N x, CastMode mode = CastMode{}) {
  using T = storage_t<To>;
  constexpr bool kFloatIn = std::is_floating_point<N>::value;
  if constexpr (is_f8<To>()) {
    return to_f8(x, f8_format<To>(), mode.saturate);
  } else if constexpr (To == DType::F4E2M1) {
    return to_f4e2m1(x);
  } else if constexpr (is_sub_byte_int<To>()) {
    return T(to_sub_byte_int(x, sub_byte_bits(To), std::is_signed<T>::value));
  } else if constexpr (To == DType::F8E8M0) {
    return to_e8m0(x, mode);
  } else if constexpr (To == DType::BOOL) {
    return uint8_t(x != N(0));  // NaN -> true, +-0 -> false
  } else if constexpr (To == DType::F32) {
    if constexpr (sizeof(N) == 8 && kFloatIn) return f64_to_f32(x);
    else if constexpr (kFloatIn) return x != x ? f32_from_bits(kF32CanonicalNan) : x;
    else return int_to_f32(x);
  } else if constexpr (To == DType::F64) {
    if constexpr (kFloatIn) return x != x ? f64_from_bits(kF64CanonicalNan) : double(x);
    else return int_to_f64(x);
  } else if constexpr (To == DType::F16 || To == DType::BF16) {
    constexpr FloatFormat f = To == DType::F16 ? kF16 : kBF16;
    if constexpr (kFloatIn) return T(float_to_format(x, f));
    else return T(int_to_format(x, f));
  } else if constexpr (kFloatIn) {
    return float_to_int<T>(x);
  } else {
    // Sign- or zero-extend to 64 bits, then keep the low bits.
    if constexpr (std::is_signed<N>::value) return wrap_int<T>(uint64_t(int64_t(x)));
    else return wrap_int<T>(uint64_t(x));
  }
}

template <DType From, DType To> AIVM_MATH_FN storage_t<To> cast_element(storage_t<From> v, CastMode mode = CastMode{}) {
  return cast_write<To>(cast_read<From>(v), mode);
}

}  // namespace math
}  // namespace aivm
