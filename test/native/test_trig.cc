// Tests for the trigonometric and hyperbolic unary ops (Sin, Cos, Tan, Asin,
// Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh; native/math/trig.h, unary
// family): equal bits on every ISA, thread count and emulated cuda, accuracy
// against long-double libm references (a test may use libm; the engine never
// does), huge arguments of sin/cos/tan, special values and error paths.
// The exhaustive accuracy sweep over all 2^32 inputs is math_accuracy's.
#include <cfloat>
#include <cmath>
#include <limits>

#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

const char* const kTrigOps[] = {"Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh"};

const int64_t kSizes[] = {1, 3, 7, 17, 33, 1023, 4097, 40000};

// Bit patterns k * 65521 mod 2^32: every sign, exponent and class.
Tensor bit_sweep(int64_t n = 65536) {
  Tensor t = aivm::make_tensor(DType::F32, {n});
  for (int64_t k = 0; k < n; ++k) t.ptr<float>()[k] = from_bits(uint32_t(uint64_t(k) * 65521u));
  return t;
}

Tensor uniform(int64_t n, uint64_t stream, float lo, float hi) {
  Tensor t = aivm::make_tensor(DType::F32, {n});
  for (int64_t i = 0; i < n; ++i) {
    const float u = 0.5f * (aivm::rng_f32(7, stream, uint64_t(i)) + 1.0f);  // [0, 1)
    t.ptr<float>()[i] = lo + (hi - lo) * u;
  }
  return t;
}

Tensor concat(const std::vector<Tensor>& parts) {
  int64_t n = 0;
  for (const auto& p : parts) n += p.numel();
  Tensor t = aivm::make_tensor(DType::F32, {n});
  int64_t off = 0;
  for (const auto& p : parts) {
    std::memcpy(t.ptr<float>() + off, p.data, p.nbytes());
    off += p.numel();
  }
  return t;
}

// Floats next to multiples of pi/2 (the hardest arguments for the reduction):
// the float nearest k * pi/2 and its neighbours, k up to 2^20, plus every
// power of two and its neighbours up to FLT_MAX.
Tensor reduction_hard_cases() {
  std::vector<float> v;
  for (int64_t k = 1; k <= (int64_t(1) << 20); k = k < 4096 ? k + 1 : k * 3 / 2 + 1) {
    const float c = float((long double)k * 1.57079632679489661923132169163975144L);
    uint32_t b = bits_of(c);
    for (int d = -2; d <= 2; ++d) v.push_back(from_bits(b + uint32_t(d)));
  }
  for (int e = -149; e <= 127; ++e) {
    const float p = std::ldexp(1.0f, e);
    for (int d = -1; d <= 1; ++d) v.push_back(from_bits(bits_of(p) + uint32_t(d)));
  }
  v.push_back(FLT_MAX);
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  return tensor_f32({int64_t(v.size())}, v);
}

// Reference value as float32 arithmetic would see it (+-inf beyond FLT_MAX + half an ulp).
double as_f32_range(long double r) {
  const long double overflow = 0x1.ffffffp127L;
  if (r >= overflow) return INFINITY;
  if (r <= -overflow) return -INFINITY;
  return double(r);
}

using RefFn = long double (*)(long double);
long double ref_sin(long double x) { return sinl(x); }
long double ref_cos(long double x) { return cosl(x); }
long double ref_tan(long double x) { return tanl(x); }
long double ref_asin(long double x) { return fabsl(x) > 1 ? NAN : asinl(x); }
long double ref_acos(long double x) { return fabsl(x) > 1 ? NAN : acosl(x); }
long double ref_atan(long double x) { return atanl(x); }
long double ref_sinh(long double x) { return sinhl(x); }
long double ref_cosh(long double x) { return coshl(x); }
long double ref_asinh(long double x) { return asinhl(x); }
long double ref_acosh(long double x) { return x < 1 ? NAN : acoshl(x); }
long double ref_atanh(long double x) { return fabsl(x) > 1 ? NAN : atanhl(x); }

// y = op(x) within max_ulp of the reference for every non-NaN x with a
// non-NaN reference; NaN inputs and domain errors must give the canonical NaN.
void check_accuracy(const char* op, const Tensor& x, RefFn ref, double max_ulp) {
  const Tensor y = run_everywhere(op, {&x})[0];
  std::vector<double> want;
  std::vector<float> got;
  int nan_bad = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float xi = x.ptr<float>()[i];
    const float yi = y.ptr<float>()[i];
    const long double r = std::isnan(xi) ? NAN : ref((long double)xi);
    if (std::isnan(r)) {
      nan_bad += bits_of(yi) != kCanonNan;
      continue;
    }
    want.push_back(as_f32_range(r));
    got.push_back(yi);
  }
  CHECK_MSG(nan_bad == 0, std::string(op) + ": " + std::to_string(nan_bad) + " NaN results are not canonical");
  const Tensor g = tensor_f32({int64_t(got.size())}, got);
  check_close(g, want, max_ulp, 0.0, op);
}

Tensor accuracy_inputs(float lo, float hi, uint64_t stream) {
  return concat({bit_sweep(), uniform(50000, stream, lo, hi), uniform(20000, stream + 1, -1.0f, 1.0f),
                 uniform(5000, stream + 2, -1e-3f, 1e-3f)});
}

}  // namespace

// ---- Bit equality across ISAs, threads, sizes and emulated cuda ----------------

TEST(trig_ops_same_bits_everywhere) {
  uint64_t stream = 7000;
  const Tensor sweep = bit_sweep();
  const Tensor hard = reduction_hard_cases();
  for (const char* op : kTrigOps) {
    for (int64_t n : kSizes) {
      const Tensor x = aivm::st_special({n}, stream + uint64_t(n));
      run_everywhere(op, {&x});
    }
    run_everywhere(op, {&sweep});
    run_everywhere(op, {&hard});
    const Tensor scalar = aivm::st_special({}, stream);
    run_everywhere(op, {&scalar});
    const Tensor empty = aivm::make_tensor(DType::F32, {0, 5});
    CHECK(run_everywhere(op, {&empty})[0].shape == Shape({0, 5}));
    stream += 100000;
  }
}

// ---- Accuracy: binary64 evaluation rounded once, so within 1 ulp (measured
// 0.5 + a few 2^-20 ulp; the exhaustive figures are in docs/numerics/math.md) --

TEST(trig_within_1_ulp) {
  check_accuracy("Sin", accuracy_inputs(-10.0f, 10.0f, 1), ref_sin, 1.0);
  check_accuracy("Cos", accuracy_inputs(-10.0f, 10.0f, 2), ref_cos, 1.0);
  check_accuracy("Tan", accuracy_inputs(-10.0f, 10.0f, 3), ref_tan, 1.0);
  check_accuracy("Asin", accuracy_inputs(-1.0f, 1.0f, 4), ref_asin, 1.0);
  check_accuracy("Acos", accuracy_inputs(-1.0f, 1.0f, 5), ref_acos, 1.0);
  check_accuracy("Atan", accuracy_inputs(-100.0f, 100.0f, 6), ref_atan, 1.0);
  check_accuracy("Sinh", accuracy_inputs(-95.0f, 95.0f, 7), ref_sinh, 1.0);
  check_accuracy("Cosh", accuracy_inputs(-95.0f, 95.0f, 8), ref_cosh, 1.0);
  check_accuracy("Asinh", accuracy_inputs(-1e4f, 1e4f, 9), ref_asinh, 1.0);
  check_accuracy("Acosh", accuracy_inputs(1.0f, 1e4f, 10), ref_acosh, 1.0);
  check_accuracy("Acosh", uniform(50000, 11, 1.0f, 1.01f), ref_acosh, 1.0);
  check_accuracy("Atanh", accuracy_inputs(-1.0f, 1.0f, 12), ref_atanh, 1.0);
}

// Sin, Cos and Tan next to multiples of pi/2 and at huge arguments, where the
// Payne-Hanek reduction has to supply ~30 extra bits.
TEST(trig_reduction_hard_cases_within_1_ulp) {
  const Tensor hard = reduction_hard_cases();
  check_accuracy("Sin", hard, ref_sin, 1.0);
  check_accuracy("Cos", hard, ref_cos, 1.0);
  check_accuracy("Tan", hard, ref_tan, 1.0);
}

// ---- Special values ---------------------------------------------------------------

TEST(trig_special_values) {
  const float inf = INFINITY;
  const Tensor x = tensor_f32({9}, {0.0f, -0.0f, inf, -inf, 1.0f, -1.0f, 2.0f, 0.5f, FLT_TRUE_MIN});
  auto y = [&](const char* op) { return run_everywhere(op, {&x})[0]; };
  auto is = [](const Tensor& t, int i, uint32_t want) { return bits_of(t.ptr<float>()[i]) == want; };
  const uint32_t PZ = 0, NZ = 0x80000000u, PINF = 0x7F800000u, NINF = 0xFF800000u, ONE = 0x3F800000u;
  const uint32_t PIO2 = bits_of(0x1.921fb6p+0f), PI = bits_of(0x1.921fb6p+1f), NAN_ = kCanonNan;
  Tensor t = y("Sin");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, NAN_) && is(t, 3, NAN_) && is(t, 8, 1u));
  t = y("Cos");
  CHECK(is(t, 0, ONE) && is(t, 1, ONE) && is(t, 2, NAN_) && is(t, 3, NAN_) && is(t, 8, ONE));
  t = y("Tan");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, NAN_) && is(t, 3, NAN_) && is(t, 8, 1u));
  t = y("Asin");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, NAN_) && is(t, 3, NAN_) && is(t, 4, PIO2) &&
        is(t, 5, PIO2 | 0x80000000u) && is(t, 6, NAN_));
  t = y("Acos");
  CHECK(is(t, 0, PIO2) && is(t, 1, PIO2) && is(t, 2, NAN_) && is(t, 3, NAN_) && is(t, 4, PZ) && is(t, 5, PI) &&
        is(t, 6, NAN_));
  t = y("Atan");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, PIO2) && is(t, 3, PIO2 | 0x80000000u));
  t = y("Sinh");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, PINF) && is(t, 3, NINF) && is(t, 8, 1u));
  t = y("Cosh");
  CHECK(is(t, 0, ONE) && is(t, 1, ONE) && is(t, 2, PINF) && is(t, 3, PINF));
  t = y("Asinh");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, PINF) && is(t, 3, NINF) && is(t, 8, 1u));
  t = y("Acosh");  // acosh(0.5), acosh(0), acosh(-inf): domain errors
  CHECK(is(t, 0, NAN_) && is(t, 1, NAN_) && is(t, 2, PINF) && is(t, 3, NAN_) && is(t, 4, PZ) && is(t, 5, NAN_) &&
        is(t, 7, NAN_));
  t = y("Atanh");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, NAN_) && is(t, 3, NAN_) && is(t, 4, PINF) && is(t, 5, NINF) &&
        is(t, 6, NAN_));
  // Overflow of sinh/cosh at float range ends; NaN payloads and signs in: canonical NaN out.
  const Tensor big = tensor_f32({2}, {90.0f, -FLT_MAX});
  const Tensor s = run_everywhere("Sinh", {&big})[0], c = run_everywhere("Cosh", {&big})[0];
  CHECK(is(s, 0, PINF) && is(s, 1, NINF) && is(c, 0, PINF) && is(c, 1, PINF));
  const Tensor nans = tensor_f32({4}, {from_bits(0x7FC00000u), from_bits(0xFFC00001u), from_bits(0x7F800001u),
                                       from_bits(0xFFFFFFFFu)});
  for (const char* op : kTrigOps) {
    const Tensor r = run_everywhere(op, {&nans})[0];
    for (int i = 0; i < 4; ++i) CHECK_MSG(is(r, i, kCanonNan), std::string(op) + " element " + std::to_string(i));
  }
}

// ---- Errors -------------------------------------------------------------------------

TEST(trig_errors) {
  const Tensor f = tensor_f32({3}, {0.1f, 0.2f, 0.3f});
  const Tensor i64 = tensor_i64({3}, {1, 2, 3});
  const Tensor i32 = tensor_i32({3}, {1, 2, 3});
  const Tensor bl = tensor_bool({3}, {0, 1, 0});
  Tensor f64 = aivm::make_tensor(DType::F64, {2});
  f64.ptr<double>()[0] = 0.5;
  f64.ptr<double>()[1] = 1.5;
  for (const char* op : kTrigOps) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&i64}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&i32}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&bl}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&f64}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&f, &f}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {nullptr}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&f}, attrs1("bogus", aivm::attr_int(1))));
  }
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
