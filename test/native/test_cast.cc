// Tests for Cast: every (from, to) pair over float32, int32, int64 and bool,
// bit equality across ISAs and threads, each conversion against an independent
// reference written from the definitions in docs/numerics/cast.md, special
// values, and the error paths.
#include <cfloat>
#include <cmath>
#include <limits>

#include "engine/selftest.h"
#include "test_util.h"

using aivm::Attrs;
using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

const int64_t kSizes[] = {1, 3, 7, 17, 31, 33, 1000, 1023, 4097, 40000};
const int64_t kTags[] = {1, 6, 7, 9};

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
  const DType want[] = {DType::F32, DType::I32, DType::I64, DType::BOOL};
  for (int i = 0; i < 4; ++i) {
    Tensor y = cast(x, kTags[i]);
    CHECK(y.dtype == want[i]);
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
  for (int64_t bad : {0LL, 2LL, 3LL, 4LL, 5LL, 8LL, 10LL, 11LL, 12LL, 13LL, 16LL, 17LL, 19LL, -1LL, 1LL << 40}) {
    CHECK_THROWS_CODE(E_ATTR, cast(x, bad));
  }
  try {
    cast(x, 3);
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
  unknown.set("round_mode", aivm::attr_string("up"));
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

TEST(selftest_cases_run) {
  aivm::CaseList cases;
  aivm::selftest_cases_cast(cases);
  CHECK(cases.size() > 40);
  for (const auto& c : cases) run_case_everywhere(c);
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
