// Tests for Cast: every (from, to) pair over the 13 dtypes, bit equality
// across ISAs and threads, each conversion against an independent reference
// written from the definitions in docs/numerics/cast.md (float16 exhaustively,
// float16/bfloat16 rounding against a nearest-value search), special values,
// and the error paths.
#include <cfloat>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "engine/selftest.h"
#include "test_util.h"

using aivm::Attrs;
using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

const int64_t kSizes[] = {1, 3, 7, 17, 31, 33, 1000, 1023, 4097, 40000};
const int64_t kTags[] = {1, 6, 7, 9};  // the four dtypes of the first numerics version
const DType kAll[] = {
#define AIVM_TEST_DTYPE(e, tag, name, T, array) DType::e,
    AIVM_DTYPES(AIVM_TEST_DTYPE)
#undef AIVM_TEST_DTYPE
};

Attrs to_attr(int64_t to) { return attrs1("to", attr_int(to)); }

Tensor cast(const Tensor& x, int64_t to) { return run("Cast", {&x}, to_attr(to))[0]; }

// Floats whose bit patterns are k * 65521 mod 2^32 (every class and exponent),
// plus the values on and around every integer range boundary.
Tensor float_inputs() {
  std::vector<float> v;
  for (uint64_t k = 0; k < 65536; ++k) v.push_back(from_bits(uint32_t(k * 65521u)));
  const float edges[] = {0.0f, -0.0f, 0.5f, -0.5f, 0.99999994f, -0.99999994f, 1.0f, -1.0f, 1.5f, -1.5f, 2.5f,
                         16777216.0f, 16777218.0f, 2147483520.0f, -2147483520.0f, 2147483648.0f, -2147483648.0f,
                         2147483904.0f, -2147483904.0f, 4294967296.0f, 9223371487098961920.0f,
                         -9223371487098961920.0f, 9223372036854775808.0f, -9223372036854775808.0f,
                         9223373136366403584.0f, -9223373136366403584.0f, 1e30f, -1e30f, FLT_MAX, -FLT_MAX,
                         INFINITY, -INFINITY, NAN, -NAN, from_bits(0x7F800001u), from_bits(0xFFC12345u),
                         FLT_MIN, -FLT_MIN, from_bits(1), from_bits(0x80000001u)};
  for (float e : edges) v.push_back(e);
  for (int i = -300; i <= 300; ++i) v.push_back(float(i) * 0.25f);
  return tensor_f32({int64_t(v.size())}, v);
}

std::vector<int64_t> i64_values() {
  std::vector<int64_t> v = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min() + 1,
                            std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max() - 1,
                            0, 1, -1, 2, -2,
                            (int64_t(1) << 24) + 1, (int64_t(1) << 24) + 3, -(int64_t(1) << 24) - 1,
                            (int64_t(1) << 25) + 2, (int64_t(1) << 25) + 6, (int64_t(1) << 53) + 1,
                            (int64_t(1) << 62) + (int64_t(1) << 38), (int64_t(1) << 62) + (int64_t(1) << 38) + 1,
                            int64_t(1) << 31, -(int64_t(1) << 31), (int64_t(1) << 31) - 1, -(int64_t(1) << 31) - 1,
                            int64_t(1) << 32, (int64_t(1) << 32) - 1, (int64_t(1) << 32) + 5, -(int64_t(1) << 32) - 5};
  for (uint64_t i = 0; i < 5000; ++i) v.push_back(int64_t(aivm::rng_u64(3, 4, i)));        // full range
  for (uint64_t i = 0; i < 5000; ++i) v.push_back(int64_t(aivm::rng_u64(3, 5, i)) >> 36);  // around 2^24..2^28
  return v;
}

std::vector<int32_t> i32_values() {
  std::vector<int32_t> v = {INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1,
                            (1 << 24) + 1, (1 << 24) + 3, -(1 << 24) - 1, (1 << 30) + 65, (1 << 30) + 64};
  for (uint64_t i = 0; i < 5000; ++i) v.push_back(int32_t(uint32_t(aivm::rng_u64(3, 6, i))));
  return v;
}

// ---- Independent references ----------------------------------------------------
// float -> integer: NaN -> 0, else truncate toward zero in double (exact for
// every float) and clamp to the integer range.
template <class I> I ref_float_to_int(float x) {
  if (std::isnan(x)) return 0;
  double t = std::trunc(double(x));
  if (t >= std::ldexp(1.0, int(sizeof(I) * 8 - 1))) return std::numeric_limits<I>::max();
  if (t <= -std::ldexp(1.0, int(sizeof(I) * 8 - 1))) return std::numeric_limits<I>::min();
  return I(t);
}

// integer -> float, round to nearest even, by hand: find the float neighbours
// below and above |v| and pick the nearer one (the even one on a tie).
float ref_int_to_float(int64_t v) {
  bool neg = v < 0;
  uint64_t m = neg ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  if (m < (uint64_t(1) << 24)) return neg ? -float(int64_t(m)) : float(int64_t(m));
  int shift = 0;
  while ((m >> shift) >= (uint64_t(1) << 24)) ++shift;
  uint64_t q = m >> shift, rem = m & ((uint64_t(1) << shift) - 1), half = uint64_t(1) << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;  // may carry to 2^24: still exact below
  float r = std::ldexp(float(q), shift);
  return neg ? -r : r;
}

// int64 -> int32: the value modulo 2^32, mapped into [-2^31, 2^31).
int32_t ref_wrap32(int64_t v) {
  int64_t m = v % (int64_t(1) << 32);
  if (m < 0) m += int64_t(1) << 32;
  if (m >= (int64_t(1) << 31)) m -= int64_t(1) << 32;
  return int32_t(m);
}

}  // namespace

// ---- Bit equality across ISAs and threads ---------------------------------------

TEST(every_pair_same_bits_everywhere) {
  for (int64_t to : kTags) {
    Attrs a = to_attr(to);
    for (int64_t n : kSizes) {
      Tensor f = aivm::st_special({n}, 100 + uint64_t(n));
      Tensor wide = aivm::st_uniform({n}, 200 + uint64_t(n), -3e19f, 3e19f);
      Tensor i64 = aivm::st_ints(DType::I64, {n}, 300 + uint64_t(n), -((int64_t(1) << 62) - 1), (int64_t(1) << 62) - 1);
      Tensor i32 = aivm::st_ints(DType::I32, {n}, 400 + uint64_t(n), INT32_MIN, INT32_MAX);
      Tensor b = aivm::st_bools({n}, 500 + uint64_t(n));
      for (const Tensor* x : {&f, &wide, &i64, &i32, &b}) run_everywhere("Cast", {x}, a);
    }
    Tensor fi = float_inputs();
    run_everywhere("Cast", {&fi}, a);
    Tensor e = tensor_i64({2}, {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()});
    run_everywhere("Cast", {&e}, a);
    Tensor scalar = tensor_f32({}, {-7.5f});
    std::vector<Tensor> y = run_everywhere("Cast", {&scalar}, a);
    CHECK(y[0].shape == Shape({}));
    Tensor empty = aivm::make_tensor(DType::I64, {4, 0, 2});
    y = run_everywhere("Cast", {&empty}, a);
    CHECK(y[0].shape == Shape({4, 0, 2}) && y[0].numel() == 0);
  }
}

TEST(output_dtype_and_shape) {
  Tensor x = tensor_f32({2, 3}, {1, 2, 3, 4, 5, 6});
  for (DType d : kAll) {
    Tensor y = cast(x, int64_t(d));
    CHECK(y.dtype == d);
    CHECK(y.shape == Shape({2, 3}));
  }
}

// ---- From float32 ----------------------------------------------------------------

TEST(float_to_int_truncates_and_saturates) {
  Tensor x = float_inputs();
  Tensor y32 = cast(x, 6), y64 = cast(x, 7);
  int bad32 = 0, bad64 = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = x.ptr<float>()[i];
    bad32 += y32.ptr<int32_t>()[i] != ref_float_to_int<int32_t>(v);
    bad64 += y64.ptr<int64_t>()[i] != ref_float_to_int<int64_t>(v);
  }
  CHECK_MSG(bad32 == 0, std::to_string(bad32) + " int32 mismatches");
  CHECK_MSG(bad64 == 0, std::to_string(bad64) + " int64 mismatches");
  // Spot checks of the documented rules.
  Tensor s = tensor_f32({10}, {NAN, -NAN, INFINITY, -INFINITY, 2147483648.0f, -2147483904.0f, -0.0f, -2.9f, 2.9f,
                               9223372036854775808.0f});
  Tensor a = cast(s, 6), b = cast(s, 7);
  const int32_t want32[] = {0, 0, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, 0, -2, 2, INT32_MAX};
  const int64_t want64[] = {0, 0, INT64_MAX, INT64_MIN, int64_t(1) << 31, -2147483904LL, 0, -2, 2, INT64_MAX};
  for (int i = 0; i < 10; ++i) {
    CHECK_MSG(a.ptr<int32_t>()[i] == want32[i], "int32 element " + std::to_string(i));
    CHECK_MSG(b.ptr<int64_t>()[i] == want64[i], "int64 element " + std::to_string(i));
  }
}

TEST(float_to_bool_and_float) {
  Tensor x = float_inputs();
  Tensor b = cast(x, 9), f = cast(x, 1);
  int bad = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = x.ptr<float>()[i];
    uint8_t want_b = (std::isnan(v) || v != 0.0f) ? 1 : 0;  // NaN -> true, +-0 -> false
    uint32_t want_f = std::isnan(v) ? kCanonNan : bits_of(v);  // exact copy, NaN canonical
    bad += b.ptr<uint8_t>()[i] != want_b;
    bad += bits_of(f.ptr<float>()[i]) != want_f;
  }
  CHECK_MSG(bad == 0, std::to_string(bad) + " mismatches");
}

// ---- From integers -----------------------------------------------------------------

TEST(int64_conversions) {
  std::vector<int64_t> v = i64_values();
  Tensor x = tensor_i64({int64_t(v.size())}, v);
  Tensor f = run_everywhere("Cast", {&x}, to_attr(1))[0];
  Tensor i32 = run_everywhere("Cast", {&x}, to_attr(6))[0];
  Tensor i64 = cast(x, 7), b = cast(x, 9);
  int bad_f = 0, bad_i = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    bad_f += bits_of(f.ptr<float>()[i]) != bits_of(ref_int_to_float(v[i]));
    bad_i += i32.ptr<int32_t>()[i] != ref_wrap32(v[i]);
    bad_i += i64.ptr<int64_t>()[i] != v[i];
    bad_i += b.ptr<uint8_t>()[i] != uint8_t(v[i] != 0);
  }
  CHECK_MSG(bad_f == 0, std::to_string(bad_f) + " int64->float32 mismatches");
  CHECK_MSG(bad_i == 0, std::to_string(bad_i) + " integer mismatches");
  // Ties round to even: 2^24 + 1 -> 2^24, 2^24 + 3 -> 2^24 + 4.
  Tensor t = tensor_i64({3}, {(int64_t(1) << 24) + 1, (int64_t(1) << 24) + 3, std::numeric_limits<int64_t>::max()});
  Tensor tf = cast(t, 1);
  CHECK(tf.ptr<float>()[0] == 16777216.0f);
  CHECK(tf.ptr<float>()[1] == 16777220.0f);
  CHECK(tf.ptr<float>()[2] == 9223372036854775808.0f);
  // Wrap: 2^32 + 5 -> 5, 2^31 -> INT32_MIN.
  Tensor w = tensor_i64({2}, {(int64_t(1) << 32) + 5, int64_t(1) << 31});
  Tensor wi = cast(w, 6);
  CHECK(wi.ptr<int32_t>()[0] == 5 && wi.ptr<int32_t>()[1] == INT32_MIN);
}

TEST(int32_conversions) {
  std::vector<int32_t> v = i32_values();
  Tensor x = tensor_i32({int64_t(v.size())}, v);
  Tensor f = run_everywhere("Cast", {&x}, to_attr(1))[0];
  Tensor i32 = cast(x, 6), i64 = cast(x, 7), b = cast(x, 9);
  int bad = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    bad += bits_of(f.ptr<float>()[i]) != bits_of(ref_int_to_float(v[i]));
    bad += i32.ptr<int32_t>()[i] != v[i];
    bad += i64.ptr<int64_t>()[i] != int64_t(v[i]);
    bad += b.ptr<uint8_t>()[i] != uint8_t(v[i] != 0);
  }
  CHECK_MSG(bad == 0, std::to_string(bad) + " mismatches");
}

// ---- From bool -----------------------------------------------------------------------

TEST(bool_conversions) {
  // Bytes other than 0 and 1 should not occur, but count as true.
  Tensor x = tensor_bool({5}, {0, 1, 1, 2, 255});
  Tensor f = run_everywhere("Cast", {&x}, to_attr(1))[0];
  Tensor a = run_everywhere("Cast", {&x}, to_attr(6))[0];
  Tensor b = run_everywhere("Cast", {&x}, to_attr(7))[0];
  Tensor c = run_everywhere("Cast", {&x}, to_attr(9))[0];
  for (int i = 0; i < 5; ++i) {
    int want = i == 0 ? 0 : 1;
    CHECK(bits_of(f.ptr<float>()[i]) == (want ? 0x3F800000u : 0u));  // false -> +0
    CHECK(a.ptr<int32_t>()[i] == want);
    CHECK(b.ptr<int64_t>()[i] == want);
    CHECK(c.ptr<uint8_t>()[i] == want);
  }
}

// ---- Errors and attributes --------------------------------------------------------------

TEST(errors_and_attributes) {
  Tensor x = tensor_f32({2}, {1.5f, -2.5f});
  // 8 string, 14 complex64, 15 complex128 (the float8 types 17-20 and 24 are dtypes:
  // test_float8.cc; the 4- and 2-bit types 21-23 and 25-26 too: test_sub_byte.cc).
  for (int64_t bad : {0LL, 8LL, 14LL, 15LL, 27LL, -1LL, 1LL << 40}) {
    CHECK_THROWS_CODE(E_ATTR, cast(x, bad));
  }
  try {
    cast(x, 8);
    CHECK(false);
  } catch (const aivm::Error& e) {
    std::string m = e.what();
    CHECK_MSG(m.find("Cast") != std::string::npos && m.find("unsupported target dtype") != std::string::npos &&
                  m.find("'to'") != std::string::npos,
              m);
  }
  CHECK_THROWS_CODE(E_ATTR, run("Cast", {&x}));  // 'to' is required
  Attrs as_float;
  as_float.set("to", aivm::attr_float(1.0f));
  CHECK_THROWS_CODE(E_ATTR, run("Cast", {&x}, as_float));
  Attrs as_string;
  as_string.set("to", aivm::attr_string("float"));
  CHECK_THROWS_CODE(E_ATTR, run("Cast", {&x}, as_string));
  Attrs unknown = to_attr(1);
  unknown.set("rounding", aivm::attr_string("up"));
  CHECK_THROWS_CODE(E_ATTR, run("Cast", {&x}, unknown));
  // saturate (opset 19, float8 only) is accepted and changes nothing.
  for (int64_t s : {0, 1}) {
    Attrs sat = to_attr(6);
    sat.set("saturate", aivm::attr_int(s));
    Tensor y = run_everywhere("Cast", {&x}, sat)[0];
    CHECK(y.ptr<int32_t>()[0] == 1 && y.ptr<int32_t>()[1] == -2);
  }
  Attrs sat_bad = to_attr(6);
  sat_bad.set("saturate", aivm::attr_string("yes"));
  CHECK_THROWS_CODE(E_ATTR, run("Cast", {&x}, sat_bad));
  CHECK_THROWS_CODE(E_ARITY, run("Cast", {&x, &x}, to_attr(1)));
  CHECK_THROWS_CODE(E_ARITY, run("Cast", {}, to_attr(1)));
  CHECK_THROWS_CODE(E_ARITY, run("Cast", {nullptr}, to_attr(1)));
}

namespace {

// ---- Every dtype ---------------------------------------------------------------------
// References below are written from docs/numerics/cast.md without the engine's
// bit code: values by formula, rounding by searching the nearest value.

uint64_t bits_at(const Tensor& t, int64_t i) {
  uint64_t v = 0;
  const size_t w = aivm::dtype_size(t.dtype);
  std::memcpy(&v, t.ptr<uint8_t>() + size_t(i) * w, w);
  return v;
}

// A 1-D tensor of dtype d holding the given element bit patterns.
Tensor from_bits_of(DType d, const std::vector<uint64_t>& bits) {
  Tensor t = aivm::make_tensor(d, {int64_t(bits.size())});
  const size_t w = aivm::dtype_size(d);
  for (size_t i = 0; i < bits.size(); ++i) std::memcpy(t.ptr<uint8_t>() + i * w, &bits[i], w);
  return t;
}

Tensor doubles(const std::vector<double>& v) { return tensor_of(DType::F64, {int64_t(v.size())}, v); }

uint64_t dbits(double x) {
  uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}

// The value of float16 / bfloat16 bits by the formula sign * 2^(e-bias) * (1 + m/2^M),
// subnormals sign * 2^(1-bias) * m/2^M; NaN for a NaN.
double half_value(uint16_t h, bool bf) {
  const int M = bf ? 7 : 10, bias = bf ? 127 : 15, emax = bf ? 255 : 31;
  const int e = (h >> M) & emax, m = h & ((1 << M) - 1);
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (e == emax) return m ? NAN : sign * INFINITY;
  if (e == 0) return sign * std::ldexp(double(m), 1 - bias - M);
  return sign * std::ldexp(1.0 + double(m) / double(1 << M), e - bias);
}

// The float16 / bfloat16 bits nearest x, ties to the even pattern: a binary
// search over the finite values, with infinity standing at 2^(emax+1), where
// the next value would be were the exponent unbounded (IEEE overflow).
uint16_t ref_nearest16(double x, bool bf) {
  if (std::isnan(x)) return bf ? 0x7FC0 : 0x7E00;
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0, inf = bf ? 0x7F80 : 0x7C00;
  const double beyond = bf ? std::ldexp(1.0, 128) : 65536.0, a = std::fabs(x);
  auto value = [&](uint16_t b) { return b == inf ? beyond : half_value(b, bf); };
  if (a >= beyond) return sign | inf;
  uint16_t lo = 0, hi = inf;  // value(lo) <= a < value(hi)
  while (hi - lo > 1) {
    const uint16_t mid = uint16_t((lo + hi) / 2);
    if (value(mid) <= a) lo = mid;
    else hi = mid;
  }
  if (value(lo) == a) return sign | lo;
  const double twice = 2 * a, sum = value(lo) + value(hi);  // both exact
  return sign | (twice < sum ? lo : twice > sum ? hi : (lo & 1) ? hi : lo);
}

// Values on, just below and just above every float16 and bfloat16 halfway point
// (in float32 and in float64 steps), both signs, plus the boundaries.
std::vector<double> halfway_values(bool f64_steps) {
  std::vector<double> v;
  for (bool bf : {false, true}) {
    const uint16_t last = bf ? 0x7F7F : 0x7BFF;
    const double beyond = bf ? std::ldexp(1.0, 128) : 65536.0;  // where infinity stands for rounding
    for (uint16_t b = 0; b <= last; ++b) {
      const double mid = (half_value(b, bf) + (b == last ? beyond : half_value(uint16_t(b + 1), bf))) / 2;
      for (double x : {mid, f64_steps ? std::nextafter(mid, 0.0) : double(std::nextafterf(float(mid), 0.0f)),
                       f64_steps ? std::nextafter(mid, INFINITY) : double(std::nextafterf(float(mid), INFINITY))}) {
        v.push_back(x);
        v.push_back(-x);
      }
    }
  }
  for (double x : std::initializer_list<double>{0.0, -0.0, 65504.0, 65519.99, 65520.0, 65536.0, 1e300, -1e300, 5.960464477539063e-08,
                   2.9802322387695312e-08, 2.98023223876953125e-08 * (1 + 1e-15), 6.097555160522461e-05, INFINITY,
                   -INFINITY, NAN, 3.3895313892515355e38, 3.3961775292304416e38, 1e-45, 1e-300}) {
    v.push_back(x);
  }
  return v;
}

template <class I> I ref_float_to_int_any(double x) {
  constexpr int bits = int(sizeof(I)) * 8;
  if (std::isnan(x)) return 0;
  const double t = std::trunc(x);
  if (std::is_signed<I>::value) {
    if (t >= std::ldexp(1.0, bits - 1)) return std::numeric_limits<I>::max();
    if (t <= -std::ldexp(1.0, bits - 1)) return std::numeric_limits<I>::min();
  } else {
    if (t >= std::ldexp(1.0, bits)) return std::numeric_limits<I>::max();
    if (t <= 0) return 0;
  }
  return I(t);
}

// The magnitude m rounded to p+1 significant bits, ties to even (unbounded
// exponent), as a double (exact: at most 53 bits).
double ref_round_int(unsigned __int128 m, int p) {
  int shift = 0;
  while ((m >> shift) >> (p + 1)) ++shift;
  unsigned __int128 q = m >> shift;
  if (shift) {
    const unsigned __int128 rem = m - (q << shift), half = (unsigned __int128)1 << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
  }
  return std::ldexp(double(uint64_t(q)), shift);
}

// Expected bits of the integer v in dtype `to` (a float dtype), by ref_round_int.
uint64_t ref_int_to_float_bits(__int128 v, DType to) {
  const bool neg = v < 0;
  const unsigned __int128 m = neg ? (unsigned __int128)(-v) : (unsigned __int128)v;
  const int p = to == DType::F16 ? 10 : to == DType::BF16 ? 7 : to == DType::F32 ? 23 : 52;
  const double r = neg ? -ref_round_int(m, p) : ref_round_int(m, p);
  if (to == DType::F32) return bits_of(float(r));  // exact: r has at most 24 bits and is in range
  if (to == DType::F64) return dbits(r);
  const bool bf = to == DType::BF16;
  if (std::fabs(r) > (bf ? 3.3895313892515355e38 : 65504.0)) return (neg ? 0x8000 : 0) | (bf ? 0x7F80 : 0x7C00);
  return ref_nearest16(r, bf);  // r is representable: its own bits
}

// The exact integer value of element i of an integer tensor.
__int128 int_value(const Tensor& t, int64_t i) {
  switch (t.dtype) {
    case DType::I8: return t.ptr<int8_t>()[i];
    case DType::U8: return t.ptr<uint8_t>()[i];
    case DType::I16: return t.ptr<int16_t>()[i];
    case DType::U16: return t.ptr<uint16_t>()[i];
    case DType::I32: return t.ptr<int32_t>()[i];
    case DType::U32: return t.ptr<uint32_t>()[i];
    case DType::I64: return t.ptr<int64_t>()[i];
    case DType::U64: return t.ptr<uint64_t>()[i];
    default: return t.ptr<uint8_t>()[i] != 0;  // bool
  }
}

bool is_int(DType d) {
  return d == DType::I8 || d == DType::U8 || d == DType::I16 || d == DType::U16 || d == DType::I32 || d == DType::U32 ||
         d == DType::I64 || d == DType::U64;
}
bool is_f8_dtype(DType d) {
  return d == DType::F8E4M3FN || d == DType::F8E4M3FNUZ || d == DType::F8E5M2 || d == DType::F8E5M2FNUZ ||
         d == DType::F8E8M0;
}
bool is_signed_int(DType d) { return d == DType::I8 || d == DType::I16 || d == DType::I32 || d == DType::I64; }

// v modulo 2^bits, as the bits of a two's complement (or unsigned) integer of that width.
uint64_t ref_wrap(__int128 v, DType to) {
  const int bits = int(aivm::dtype_size(to)) * 8;
  const __int128 mod = (__int128)1 << bits;
  __int128 r = v % mod;
  if (r < 0) r += mod;
  return uint64_t(r);  // the low `bits` bits: what bits_at reads back for either signedness
}

// Integers around every halfway point of the float formats (p = 7, 10, 23, 52
// fraction bits), beyond 2^53 included, both signs, plus the extremes.
std::vector<uint64_t> halfway_ints(bool is_signed) {
  std::vector<uint64_t> v = {0, 1, 2, 3, ~uint64_t(0), ~uint64_t(0) - 1, uint64_t(1) << 63, (uint64_t(1) << 63) - 1,
                             (uint64_t(1) << 53) + 1, (uint64_t(1) << 54) + 2, 65504, 65519, 65520, 65535, 65536};
  uint64_t k = 0;
  for (int p : {7, 10, 23, 52}) {
    for (int len = p + 2; len <= (is_signed ? 63 : 64); ++len) {
      for (int rep = 0; rep < 4; ++rep) {
        const uint64_t top = uint64_t(1) << (len - 1);
        uint64_t base = (aivm::rng_u64(11, uint64_t(p), k++) & (top - 1)) | top;
        base &= ~((uint64_t(1) << (len - p - 1)) - 1);  // representable with p+1 bits
        const uint64_t half = uint64_t(1) << (len - p - 2);
        for (uint64_t x : {base + half - 1, base + half, base + half + 1, base + 1, base - 1}) {
          v.push_back(x);
          if (is_signed) v.push_back(0 - x);
        }
      }
    }
  }
  return v;
}

}  // namespace

TEST(float16_all_patterns_exact) {
  std::vector<uint64_t> all(65536);
  for (uint64_t i = 0; i < 65536; ++i) all[i] = i;
  for (bool bf : {false, true}) {
    const DType d = bf ? DType::BF16 : DType::F16;
    const uint16_t nan = bf ? 0x7FC0 : 0x7E00;
    Tensor h = from_bits_of(d, all);
    Tensor f = run_everywhere("Cast", {&h}, to_attr(1))[0];
    Tensor g = run_everywhere("Cast", {&h}, to_attr(11))[0];
    Tensor back = run_everywhere("Cast", {&f}, to_attr(int64_t(d)))[0];
    Tensor back64 = run_everywhere("Cast", {&g}, to_attr(int64_t(d)))[0];
    Tensor same = run_everywhere("Cast", {&h}, to_attr(int64_t(d)))[0];
    Tensor other = run_everywhere("Cast", {&h}, to_attr(bf ? 10 : 16))[0];
    int bad = 0;
    for (int64_t i = 0; i < 65536; ++i) {
      const double want = half_value(uint16_t(i), bf);
      const float fv = f.ptr<float>()[i];
      const double gv = g.ptr<double>()[i];
      if (std::isnan(want)) {
        bad += bits_of(fv) != kCanonNan || dbits(gv) != 0x7FF8000000000000ull;
        bad += bits_at(back, i) != nan || bits_at(back64, i) != nan || bits_at(same, i) != nan;
      } else {
        bad += double(fv) != want || std::signbit(fv) != std::signbit(want) || bits_of(fv) != bits_of(float(want));
        bad += dbits(gv) != dbits(want);
        bad += bits_at(back, i) != uint64_t(i) || bits_at(back64, i) != uint64_t(i) || bits_at(same, i) != uint64_t(i);
      }
      bad += bits_at(other, i) != ref_nearest16(want, !bf);
    }
    CHECK_MSG(bad == 0, std::string(bf ? "bfloat16" : "float16") + ": " + std::to_string(bad) + " mismatches");
  }
}

TEST(narrowing_to_16_bit_floats_rounds_once_to_nearest_even) {
  // From float32: the halfway points in float32 steps and the float32 bit sweep.
  std::vector<double> v32 = halfway_values(false);
  Tensor fi = float_inputs();
  for (int64_t i = 0; i < fi.numel(); ++i) v32.push_back(fi.ptr<float>()[i]);
  std::vector<float> f32;
  for (double x : v32) f32.push_back(float(x));  // exact: every value above is a float32
  Tensor x32 = tensor_f32({int64_t(f32.size())}, f32);
  // From float64: halfway points in float64 steps (a detour through float32
  // would round twice there), plus random doubles near both formats' ranges.
  std::vector<double> v64 = halfway_values(true);
  for (uint64_t i = 0; i < 100000; ++i) {
    const uint64_t r = aivm::rng_u64(12, 1, i);
    const int e = int(r % 300) - 150;
    v64.push_back(std::ldexp(1.0 + double(r >> 12) * 0x1p-52, e) * ((r >> 11) & 1 ? -1 : 1));
  }
  Tensor x64 = doubles(v64);
  for (bool bf : {false, true}) {
    const int64_t to = bf ? 16 : 10;
    Tensor y32 = run_everywhere("Cast", {&x32}, to_attr(to))[0];
    Tensor y64 = run_everywhere("Cast", {&x64}, to_attr(to))[0];
    int bad = 0;
    for (size_t i = 0; i < f32.size(); ++i) bad += bits_at(y32, int64_t(i)) != ref_nearest16(double(f32[i]), bf);
    for (size_t i = 0; i < v64.size(); ++i) bad += bits_at(y64, int64_t(i)) != ref_nearest16(v64[i], bf);
    CHECK_MSG(bad == 0, std::string(bf ? "bfloat16: " : "float16: ") + std::to_string(bad) + " mismatches");
  }
  // Spot checks: the overflow threshold, the smallest subnormal's half, -0, ties.
  Tensor s = doubles({65519.99, 65520.0, -65520.0, 0x1p-25, 0x1p-25 + 0x1p-70, -0.0, 1.0 + 0x1p-11, 1.0 + 3 * 0x1p-11,
                      1.0 + 0x1p-11 + 0x1p-40});
  Tensor h = cast(s, 10);
  const uint16_t want[] = {0x7BFF, 0x7C00, 0xFC00, 0x0000, 0x0001, 0x8000, 0x3C00, 0x3C02, 0x3C01};
  for (int i = 0; i < 9; ++i) CHECK_MSG(bits_at(h, i) == want[i], "float16 spot check " + std::to_string(i));
}

TEST(float64_to_float32_and_back) {
  const double flt_overflow = 0x1.ffffffp127;  // FLT_MAX + half an ulp: the tie rounds to infinity
  std::vector<double> v = {1.0 + 0x1p-24, 1.0 + 0x1p-24 + 0x1p-50, 1.0 + 3 * 0x1p-24, -0.0, 0x1p-150, 0x1p-150 + 0x1p-200,
                           flt_overflow, std::nextafter(flt_overflow, 0.0), 1e300, -1e300, NAN, -NAN, INFINITY};
  Tensor x = doubles(v);
  Tensor y = run_everywhere("Cast", {&x}, to_attr(1))[0];
  const uint32_t want[] = {0x3F800000u, 0x3F800001u, 0x3F800002u, 0x80000000u, 0u, 1u, 0x7F800000u, 0x7F7FFFFFu,
                           0x7F800000u, 0xFF800000u, kCanonNan, kCanonNan, 0x7F800000u};
  for (size_t i = 0; i < v.size(); ++i) CHECK_MSG(bits_at(y, int64_t(i)) == want[i], "element " + std::to_string(i));
  // float32 -> float64 is exact, NaN canonical; float64 -> float64 canonicalizes NaN only.
  Tensor fi = float_inputs();
  Tensor g = run_everywhere("Cast", {&fi}, to_attr(11))[0];
  Tensor gg = run_everywhere("Cast", {&g}, to_attr(11))[0];
  int bad = 0;
  for (int64_t i = 0; i < fi.numel(); ++i) {
    const float f = fi.ptr<float>()[i];
    const uint64_t want64 = std::isnan(f) ? 0x7FF8000000000000ull : dbits(double(f));
    bad += bits_at(g, i) != want64 || bits_at(gg, i) != want64;
  }
  Tensor nan_payload = from_bits_of(DType::F64, {0xFFF0000000000001ull, 0x7FF4000000000000ull});
  Tensor c = cast(nan_payload, 11);
  bad += bits_at(c, 0) != 0x7FF8000000000000ull || bits_at(c, 1) != 0x7FF8000000000000ull;
  CHECK_MSG(bad == 0, std::to_string(bad) + " mismatches");
}

TEST(floats_to_every_integer_truncate_and_saturate) {
  std::vector<Tensor> sources;
  sources.push_back(float_inputs());
  std::vector<double> d = halfway_values(true);
  for (double x : {127.9, 128.0, -128.0, -128.9, -129.0, 255.9, 256.0, -0.9, -1.0, 32767.5, 32768.0, -32768.5, -32769.0,
                   65535.9, 65536.0, 4294967295.9, 4294967296.0, 18446744073709549568.0, 18446744073709551616.0,
                   9223372036854774784.0, 9223372036854775808.0, -9223372036854775808.0, -9223372036854777856.0}) {
    d.push_back(x);
    d.push_back(-x);
  }
  sources.push_back(doubles(d));
  std::vector<uint64_t> all(65536);
  for (uint64_t i = 0; i < 65536; ++i) all[i] = i;
  sources.push_back(from_bits_of(DType::F16, all));
  sources.push_back(from_bits_of(DType::BF16, all));
  for (const Tensor& x : sources) {
    // The exact value of each element (float16/bfloat16 by formula).
    auto value = [&](int64_t i) {
      switch (x.dtype) {
        case DType::F32: return double(x.ptr<float>()[i]);
        case DType::F64: return x.ptr<double>()[i];
        default: return half_value(uint16_t(bits_at(x, i)), x.dtype == DType::BF16);
      }
    };
    for (DType to : kAll) {
      if (!is_int(to)) continue;
      Tensor y = run_everywhere("Cast", {&x}, to_attr(int64_t(to)))[0];
      int bad = 0;
      for (int64_t i = 0; i < x.numel(); ++i) {
        const double v = value(i);
        uint64_t want = 0;
        switch (to) {
          case DType::I8: want = uint8_t(ref_float_to_int_any<int8_t>(v)); break;
          case DType::U8: want = ref_float_to_int_any<uint8_t>(v); break;
          case DType::I16: want = uint16_t(ref_float_to_int_any<int16_t>(v)); break;
          case DType::U16: want = ref_float_to_int_any<uint16_t>(v); break;
          case DType::I32: want = uint32_t(ref_float_to_int_any<int32_t>(v)); break;
          case DType::U32: want = ref_float_to_int_any<uint32_t>(v); break;
          case DType::I64: want = uint64_t(ref_float_to_int_any<int64_t>(v)); break;
          default: want = ref_float_to_int_any<uint64_t>(v); break;
        }
        bad += bits_at(y, i) != want;
      }
      CHECK_MSG(bad == 0, std::string(aivm::dtype_name(x.dtype)) + " -> " + aivm::dtype_name(to) + ": " +
                              std::to_string(bad) + " mismatches");
    }
  }
}

TEST(integers_to_every_dtype) {
  // Every integer dtype as source: halfway points of every float format (past
  // 2^53 for the 64-bit ones), random full-range patterns and the extremes.
  std::vector<uint64_t> s = halfway_ints(true), u = halfway_ints(false);
  for (uint64_t i = 0; i < 3000; ++i) {
    s.push_back(aivm::rng_u64(13, 1, i));
    u.push_back(aivm::rng_u64(13, 2, i) >> (i % 64));
  }
  for (DType from : kAll) {
    if (!is_int(from) && from != DType::BOOL) continue;
    Tensor x = from_bits_of(from, is_signed_int(from) ? s : u);  // keeps the low bits of each pattern
    for (DType to : kAll) {
      if (is_f8_dtype(to)) continue;          // test_float8.cc: integers to every float8 format
      if (aivm::sub_byte_bits(to)) continue;  // test_sub_byte.cc: integers to the 4- and 2-bit types
      Tensor y = run_everywhere("Cast", {&x}, to_attr(int64_t(to)))[0];
      int bad = 0;
      for (int64_t i = 0; i < x.numel(); ++i) {
        const __int128 v = int_value(x, i);
        uint64_t want;
        if (to == DType::BOOL) want = v != 0;
        else if (is_int(to)) want = ref_wrap(v, to);
        else want = ref_int_to_float_bits(v, to);
        bad += bits_at(y, i) != want;
      }
      CHECK_MSG(bad == 0, std::string(aivm::dtype_name(from)) + " -> " + aivm::dtype_name(to) + ": " +
                              std::to_string(bad) + " mismatches");
    }
  }
}

TEST(every_dtype_to_bool_and_bool_to_every_dtype) {
  Tensor b = tensor_bool({4}, {0, 1, 2, 255});
  for (DType to : kAll) {
    Tensor y = run_everywhere("Cast", {&b}, to_attr(int64_t(to)))[0];
    const uint64_t one = to == DType::F32 ? 0x3F800000u : to == DType::F64 ? 0x3FF0000000000000ull
                         : to == DType::F16 ? 0x3C00 : to == DType::BF16 ? 0x3F80
                         : to == DType::F8E4M3FN ? 0x38 : to == DType::F8E5M2 ? 0x3C
                         : to == DType::F8E4M3FNUZ || to == DType::F8E5M2FNUZ ? 0x40 : to == DType::F8E8M0 ? 0x7F
                         : to == DType::F4E2M1 ? 0x2 : 1;
    for (int64_t i = 0; i < 4; ++i) CHECK_MSG(bits_at(y, i) == (i ? one : 0), aivm::dtype_name(to));
  }
  // Zero (either sign) is false; anything else, NaN included, is true.
  const std::pair<DType, std::vector<uint64_t>> cases[] = {
      {DType::F16, {0x0000, 0x8000, 0x0001, 0x7E00, 0xFC00, 0x3C00}},
      {DType::BF16, {0x0000, 0x8000, 0x0001, 0x7FC1, 0xFF80, 0x3F80}},
      {DType::F64, {0, 0x8000000000000000ull, 1, 0x7FF0000000000001ull, 0xFFF0000000000000ull, 0x3FF0000000000000ull}},
      {DType::U64, {0, 0, 1, 0x8000000000000000ull, ~uint64_t(0), 256}},
      {DType::I8, {0, 0, 1, 0x80, 0xFF, 0x7F}}};
  for (const auto& c : cases) {
    Tensor x = from_bits_of(c.first, c.second);
    Tensor y = run_everywhere("Cast", {&x}, to_attr(9))[0];
    for (int64_t i = 0; i < 6; ++i) CHECK_MSG(bits_at(y, i) == (i >= 2 ? 1u : 0u), aivm::dtype_name(c.first));
  }
}

TEST(every_pair_of_every_dtype_same_bits_everywhere) {
  Tensor fi = float_inputs();
  std::vector<int64_t> iv = i64_values();
  Tensor ii = tensor_i64({int64_t(iv.size())}, iv);
  for (DType from : kAll) {
    std::vector<uint64_t> raw(4097);  // every bit pattern class of the width
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = aivm::rng_u64(14, uint64_t(from), i);
    std::vector<Tensor> xs = {from_bits_of(from, raw), cast(fi, int64_t(from)), cast(ii, int64_t(from)),
                              aivm::make_tensor(from, {2, 0})};
    for (DType to : kAll) {
      for (const Tensor& x : xs) run_everywhere("Cast", {&x}, to_attr(int64_t(to)));
    }
  }
}

// ---- BitCast (opset 26): the same bits as another type of the same width -------------

TEST(bitcast_keeps_every_bit) {
  // float32 <-> int32, NaN payloads and -0 included; int64 -> float64; float16 -> int16;
  // bool -> uint8; int8 -> uint8: every byte as it was.
  const std::vector<uint32_t> fbits = {0x00000000u, 0x80000000u, 0x3F800000u, 0x7FC00001u, 0xFF800000u, 0x00000001u, 0xC2F6E979u};
  const Tensor f = from_bits_of(DType::F32, std::vector<uint64_t>(fbits.begin(), fbits.end()));
  const Tensor i = run_everywhere("BitCast", {&f}, to_attr(6))[0];
  CHECK(i.dtype == DType::I32);
  for (size_t k = 0; k < fbits.size(); ++k) CHECK(uint32_t(i.ptr<int32_t>()[k]) == fbits[k]);
  const Tensor back = run_everywhere("BitCast", {&i}, to_attr(1))[0];
  CHECK(back.dtype == DType::F32 && std::memcmp(back.data, f.data, f.nbytes()) == 0);
  const std::pair<DType, int64_t> pairs[] = {{DType::I64, 11}, {DType::F64, 7}, {DType::F16, 5}, {DType::BF16, 4}, {DType::U32, 1},
                                             {DType::BOOL, 2}, {DType::I8, 2}, {DType::U8, 17}, {DType::F8E5M2, 3}};
  for (const auto& [from, to] : pairs) {
    std::vector<uint64_t> raw(37);
    for (size_t k = 0; k < raw.size(); ++k) raw[k] = aivm::rng_u64(41, uint64_t(from), k);
    if (from == DType::BOOL) for (uint64_t& r : raw) r &= 1;
    const Tensor x = from_bits_of(from, raw);
    const Tensor y = run_everywhere("BitCast", {&x}, to_attr(to))[0];
    CHECK_MSG(int64_t(y.dtype) == to && y.shape == x.shape && std::memcmp(y.data, x.data, x.nbytes()) == 0,
              std::string(aivm::dtype_name(from)) + " -> " + std::to_string(to));
  }
  // Rank 0 and empty tensors.
  const Tensor s = tensor_f32({}, {2.0f});
  CHECK(run_everywhere("BitCast", {&s}, to_attr(12))[0].ptr<uint32_t>()[0] == 0x40000000u);
  const Tensor e = aivm::make_tensor(DType::I16, {3, 0});
  CHECK(run_everywhere("BitCast", {&e}, to_attr(10))[0].shape == aivm::Shape({3, 0}));
}

TEST(bitcast_sub_byte_writes_canonical_bytes_and_refuses_other_widths) {
  // int4 -1 (byte 0xFF) read as uint4 is 15; uint2 3 as int2 is -1; float4e2m1 0xF (-6) as int4 is -1.
  const Tensor i4 = tensor_of(DType::I4, {3}, std::vector<int8_t>{-1, 7, -8});
  const Tensor u4 = run_everywhere("BitCast", {&i4}, to_attr(21))[0];
  CHECK(u4.ptr<uint8_t>()[0] == 15 && u4.ptr<uint8_t>()[1] == 7 && u4.ptr<uint8_t>()[2] == 8);
  const Tensor back = run_everywhere("BitCast", {&u4}, to_attr(22))[0];
  CHECK(std::memcmp(back.data, i4.data, 3) == 0);
  const Tensor u2 = tensor_of(DType::U2, {2}, std::vector<uint8_t>{3, 1});
  const Tensor i2 = run_everywhere("BitCast", {&u2}, to_attr(26))[0];
  CHECK(i2.ptr<int8_t>()[0] == -1 && i2.ptr<int8_t>()[1] == 1);
  const Tensor f4 = tensor_of(DType::F4E2M1, {2}, std::vector<uint8_t>{0xF, 0x8});
  const Tensor f4i = run_everywhere("BitCast", {&f4}, to_attr(22))[0];
  CHECK(f4i.ptr<int8_t>()[0] == -1 && f4i.ptr<int8_t>()[1] == -8);
  // Widths must agree; 'to' must be a dtype.
  const Tensor f = tensor_f32({2}, {1.0f, 2.0f});
  for (int64_t to : {7LL, 10LL, 2LL, 22LL, 8LL, 0LL}) CHECK_THROWS_CODE(E_ATTR, run("BitCast", {&f}, to_attr(to)));
  CHECK_THROWS_CODE(E_ATTR, run("BitCast", {&i4}, to_attr(3)));
  CHECK_THROWS_CODE(E_ATTR, run("BitCast", {&f}, {}));
  CHECK_THROWS_CODE(E_ARITY, run("BitCast", {&f, &f}, to_attr(6)));
}

TEST(selftest_cases_run) {
  aivm::CaseList cases;
  aivm::selftest_cases_cast(cases);
  CHECK(cases.size() > 40);
  for (const auto& c : cases) run_case_everywhere(c);
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
