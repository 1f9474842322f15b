// Tests for the unary family (Neg, Abs, Sqrt, Reciprocal, Relu, LeakyRelu, HardSigmoid, HardSwish,
// Sigmoid, Tanh, Exp, Log, Erf, Gelu, Softplus, Clip): bit equality across
// ISAs and threads, accuracy against long-double references written here from
// the ONNX definitions (libm is fine as a reference in tests), special values,
// and every error path.
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

const int64_t kSizes[] = {1, 3, 7, 17, 31, 33, 1000, 1023, 4097, 40000};  // 40000: several thread chunks

// Floats whose bit patterns are k * 65521 mod 2^32: every sign, exponent and
// class (zeros, subnormals, normals, inf, NaNs with payloads) is represented.
Tensor bit_sweep(int64_t n = 65536) {
  Tensor t = aivm::make_tensor(DType::F32, {n});
  for (int64_t k = 0; k < n; ++k) t.ptr<float>()[k] = from_bits(uint32_t(uint64_t(k) * 65521u));
  return t;
}

Tensor uniform(int64_t n, uint64_t stream, float lo, float hi) {
  Tensor t = aivm::make_tensor(DType::F32, {n});
  for (int64_t i = 0; i < n; ++i) {
    float u = 0.5f * (aivm::rng_f32(7, stream, uint64_t(i)) + 1.0f);  // [0, 1)
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

// A float64 reference value as float32 arithmetic would see it: values whose
// round-to-nearest would overflow are +-inf (threshold FLT_MAX + half an ulp).
double as_f32_range(long double r) {
  const long double overflow = 0x1.ffffffp127L;
  if (r >= overflow) return INFINITY;
  if (r <= -overflow) return -INFINITY;
  return double(r);
}

using RefFn = long double (*)(long double);

// Checks y = op(x) against ref within max_ulp for every non-NaN x whose
// reference is not NaN; NaN references must give the canonical NaN.
void check_accuracy(const char* op, const Tensor& x, RefFn ref, double max_ulp, const Attrs& attrs = {}) {
  Tensor y = run(op, {&x}, attrs)[0];
  std::vector<double> want;
  std::vector<float> got;
  int nan_bad = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    float xi = x.ptr<float>()[i];
    float yi = y.ptr<float>()[i];
    if (std::isnan(xi)) {
      nan_bad += bits_of(yi) != kCanonNan;
      continue;
    }
    long double r = ref((long double)xi);
    if (std::isnan(r)) {
      nan_bad += bits_of(yi) != kCanonNan;
      continue;
    }
    want.push_back(as_f32_range(r));
    got.push_back(yi);
  }
  CHECK_MSG(nan_bad == 0, std::string(op) + ": " + std::to_string(nan_bad) + " NaN results are not canonical");
  Tensor g = tensor_f32({int64_t(got.size())}, got);
  check_close(g, want, max_ulp, 0.0, op);
}

// Inputs for the accuracy checks: the bit sweep plus dense uniform ranges
// where the function is interesting.
Tensor accuracy_inputs(float lo, float hi, uint64_t stream) {
  return concat({bit_sweep(), uniform(50000, stream, lo, hi), uniform(20000, stream + 1, -1.0f, 1.0f),
                 uniform(5000, stream + 2, -1e-3f, 1e-3f)});
}

// Runs op over every size in kSizes on st_special inputs (NaN, inf, -0,
// subnormals mixed in) and demands identical bits on every ISA and thread count.
void check_everywhere_sizes(const char* op, const Attrs& attrs, uint64_t stream) {
  for (int64_t n : kSizes) {
    Tensor x = aivm::st_special({n}, stream + uint64_t(n));
    run_everywhere(op, {&x}, attrs);
  }
  Tensor sweep = bit_sweep();
  run_everywhere(op, {&sweep}, attrs);
  Tensor scalar = aivm::st_special({}, stream);
  run_everywhere(op, {&scalar}, attrs);
  Tensor empty = aivm::make_tensor(DType::F32, {0, 5});
  std::vector<Tensor> out = run_everywhere(op, {&empty}, attrs);
  CHECK(out[0].shape == Shape({0, 5}));
}

const char* const kFloatOps[] = {"Neg", "Abs", "Sqrt", "Reciprocal", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
                                 "Exp", "Log", "Erf", "Gelu", "Softplus", "Clip", "HardSigmoid", "HardSwish"};

// ---- References, straight from the ONNX definitions, in long double ----------
long double ref_sqrt(long double x) { return x < 0 ? NAN : sqrtl(x); }
long double ref_recip(long double x) { return 1.0L / x; }
long double ref_sigmoid(long double x) { return 1.0L / (1.0L + expl(-x)); }
long double ref_tanh(long double x) { return tanhl(x); }
long double ref_exp(long double x) { return expl(x); }
long double ref_log(long double x) { return x < 0 ? NAN : logl(x); }
long double ref_erf(long double x) { return erfl(x); }
// log(1 + e^x); for x > 0 rewritten x + log(1 + e^-x) so e^x cannot overflow.
long double ref_softplus(long double x) { return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x)); }
// 0.5 x (1 + erf(x / sqrt 2)), with 1 + erf(z) = erfc(-z) to avoid cancellation.
long double ref_gelu_erf(long double x) {
  if (std::isinf(x)) return x > 0 ? x : 0.0L;
  return 0.5L * x * erfcl(-x / sqrtl(2.0L));
}
// 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), with 1 + tanh(u) = 2 / (1 + e^(-2u)).
long double ref_gelu_tanh(long double x) {
  if (std::isinf(x)) return x > 0 ? x : 0.0L;
  long double u = sqrtl(2.0L / 3.14159265358979323846264338327950288L) * (x + 0.044715L * x * x * x);
  return x / (1.0L + expl(-2.0L * u));
}

}  // namespace

// ---- Bit equality across ISAs, threads and sizes --------------------------------

TEST(every_op_same_bits_everywhere) {
  uint64_t stream = 100;
  for (const char* op : kFloatOps) {
    check_everywhere_sizes(op, {}, stream);
    stream += 100000;
  }
}

TEST(attribute_variants_same_bits_everywhere) {
  for (float alpha : {0.0f, 0.2f, -1.5f, 7.0f, INFINITY, NAN}) {
    check_everywhere_sizes("LeakyRelu", attrs1("alpha", aivm::attr_float(alpha)), 31);
  }
  check_everywhere_sizes("Gelu", attrs1("approximate", aivm::attr_string("tanh")), 32);
  check_everywhere_sizes("Gelu", attrs1("approximate", aivm::attr_string("none")), 33);
  Tensor lo = tensor_f32({}, {-0.5f}), hi = tensor_f32({1}, {0.75f});
  Tensor zp = tensor_f32({}, {0.0f}), zm = tensor_f32({}, {-0.0f}), nan = tensor_f32({}, {NAN});
  for (int64_t n : kSizes) {
    Tensor x = aivm::st_special({n}, 900 + uint64_t(n));
    run_everywhere("Clip", {&x, &lo, &hi});
    run_everywhere("Clip", {&x, &lo});
    run_everywhere("Clip", {&x, nullptr, &hi});
    run_everywhere("Clip", {&x, &hi, &lo});  // min > max
    run_everywhere("Clip", {&x, &zp, &zm});
    run_everywhere("Clip", {&x, &zm, &zp});
    run_everywhere("Clip", {&x, &nan, &hi});
  }
}

TEST(integer_forms_same_bits_everywhere) {
  for (int64_t n : kSizes) {
    Tensor a = aivm::st_ints(DType::I64, {n}, 1000 + uint64_t(n), -((int64_t(1) << 62) - 1), (int64_t(1) << 62) - 1);
    Tensor b = aivm::st_ints(DType::I32, {n}, 2000 + uint64_t(n), INT32_MIN, INT32_MAX);
    Tensor lo64 = tensor_i64({}, {-(int64_t(1) << 40)}), hi64 = tensor_i64({1}, {int64_t(1) << 41});
    Tensor lo32 = tensor_i32({}, {-1000000}), hi32 = tensor_i32({1}, {123456789});
    for (const char* op : {"Neg", "Abs"}) {
      run_everywhere(op, {&a});
      run_everywhere(op, {&b});
    }
    run_everywhere("Clip", {&a, &lo64, &hi64});
    run_everywhere("Clip", {&b, &lo32, &hi32});
    run_everywhere("Clip", {&b, nullptr, &hi32});
  }
}

// ---- Accuracy against long-double references -------------------------------------
// Tolerances: Sqrt and Reciprocal are one correctly rounded IEEE operation
// (<= 0.5 ulp). exp/log are evaluated in binary64 and rounded once, so they
// must be within 1 ulp (the contract's bound; measured ~0.5). The composite
// functions (sigmoid, tanh, erf, gelu, softplus) are also binary64-evaluated
// and rounded once; the contract allows 2 ulp.

TEST(sqrt_and_reciprocal_correctly_rounded) {
  check_accuracy("Sqrt", accuracy_inputs(0.0f, 1e6f, 1), ref_sqrt, 0.5);
  check_accuracy("Reciprocal", accuracy_inputs(-1e3f, 1e3f, 2), ref_recip, 0.5);
}

TEST(exp_log_within_1_ulp) {
  check_accuracy("Exp", accuracy_inputs(-104.0f, 89.0f, 3), ref_exp, 1.0);
  check_accuracy("Log", accuracy_inputs(0.0f, 1e30f, 4), ref_log, 1.0);
  check_accuracy("Log", uniform(50000, 5, 0.5f, 2.0f), ref_log, 1.0);
}

TEST(activations_within_2_ulp) {
  check_accuracy("Sigmoid", accuracy_inputs(-110.0f, 90.0f, 6), ref_sigmoid, 2.0);
  check_accuracy("Tanh", accuracy_inputs(-10.0f, 10.0f, 7), ref_tanh, 2.0);
  check_accuracy("Erf", accuracy_inputs(-5.0f, 5.0f, 8), ref_erf, 2.0);
  check_accuracy("Softplus", accuracy_inputs(-110.0f, 100.0f, 9), ref_softplus, 2.0);
  check_accuracy("Gelu", accuracy_inputs(-15.0f, 10.0f, 10), ref_gelu_erf, 2.0);
  check_accuracy("Gelu", accuracy_inputs(-15.0f, 10.0f, 11), ref_gelu_erf, 2.0,
                 attrs1("approximate", aivm::attr_string("none")));
  check_accuracy("Gelu", accuracy_inputs(-12.0f, 10.0f, 12), ref_gelu_tanh, 2.0,
                 attrs1("approximate", aivm::attr_string("tanh")));
}

// ---- Exact ops: Neg, Abs, Relu, LeakyRelu ----------------------------------------

TEST(exact_ops_match_definition) {
  Tensor x = concat({bit_sweep(), aivm::st_special({4097}, 77)});
  Tensor neg = run("Neg", {&x})[0], abs = run("Abs", {&x})[0], relu = run("Relu", {&x})[0];
  const float alpha = 0.37f;
  Tensor leaky = run("LeakyRelu", {&x}, attrs1("alpha", aivm::attr_float(alpha)))[0];
  Tensor leaky_default = run("LeakyRelu", {&x})[0];
  int bad = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = x.ptr<float>()[i];
    bool nan = std::isnan(v);
    uint32_t want_neg = nan ? kCanonNan : (bits_of(v) ^ 0x80000000u);
    uint32_t want_abs = nan ? kCanonNan : (bits_of(v) & 0x7FFFFFFFu);
    uint32_t want_relu = nan ? kCanonNan : (v > 0 ? bits_of(v) : 0u);
    // The product of two floats is exact in double; one rounding to float is
    // then the correctly rounded float product.
    auto leaky_ref = [&](float a) {
      return nan ? kCanonNan : (v < 0 ? bits_of(float(double(a) * double(v))) : bits_of(v));
    };
    bad += bits_of(neg.ptr<float>()[i]) != want_neg;
    bad += bits_of(abs.ptr<float>()[i]) != want_abs;
    bad += bits_of(relu.ptr<float>()[i]) != want_relu;
    bad += bits_of(leaky.ptr<float>()[i]) != leaky_ref(alpha);
    bad += bits_of(leaky_default.ptr<float>()[i]) != leaky_ref(0.01f);
  }
  CHECK_MSG(bad == 0, std::to_string(bad) + " mismatches");
}

// HardSigmoid: the float product and then the float sum, each correctly rounded
// (computed exactly in double, rounded once to float), clamped to [+0, 1];
// HardSwish: x times that with alpha = 1/6, beta = 0.5, rounded once.
TEST(hard_sigmoid_and_hard_swish_match_definition) {
  Tensor x = concat({bit_sweep(), aivm::st_special({4097}, 78)});
  auto hs = [](float v, float alpha, float beta) {
    const float t = float(double(alpha) * double(v));
    const float u = float(double(t) + double(beta));
    return u > 0 ? (u < 1 ? u : 1.0f) : 0.0f;
  };
  int bad = 0;
  for (auto [alpha, beta] : {std::pair<float, float>{0.2f, 0.5f}, {0.35f, -0.1f}, {-1.0f, 0.0f}, {1.0f / 6.0f, 0.5f}}) {
    aivm::Attrs a;
    a.set("alpha", aivm::attr_float(alpha));
    a.set("beta", aivm::attr_float(beta));
    const std::vector<Tensor> y = run_everywhere("HardSigmoid", {&x}, a);
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float v = x.ptr<float>()[i];
      const float r = hs(v, alpha, beta);
      bad += bits_of(y[0].ptr<float>()[i]) != (std::isnan(v) || std::isnan(r) ? kCanonNan : bits_of(r));
    }
  }
  const std::vector<Tensor> d = run_everywhere("HardSigmoid", {&x});  // alpha 0.2, beta 0.5
  const std::vector<Tensor> w = run_everywhere("HardSwish", {&x});
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.ptr<float>()[i];
    const float r = hs(v, 0.2f, 0.5f);
    bad += bits_of(d[0].ptr<float>()[i]) != (std::isnan(v) ? kCanonNan : bits_of(r));
    const float sw = float(double(v) * double(hs(v, 1.0f / 6.0f, 0.5f)));
    bad += bits_of(w[0].ptr<float>()[i]) != (std::isnan(sw) || std::isnan(v) ? kCanonNan : bits_of(sw));
  }
  CHECK_MSG(bad == 0, std::to_string(bad) + " mismatches");
  // Written out: the clamp's ends (a sum of -0 gives +0), the infinities.
  Tensor e = tensor_f32({6}, {-2.5f, 2.5f, 0.0f, -3.0f, INFINITY, -INFINITY});
  const std::vector<Tensor> he = run_everywhere("HardSigmoid", {&e});
  const std::vector<Tensor> we = run_everywhere("HardSwish", {&e});
  CHECK(bits_of(he[0].ptr<float>()[0]) == 0u && he[0].ptr<float>()[1] == 1.0f && he[0].ptr<float>()[2] == 0.5f);
  CHECK(bits_of(we[0].ptr<float>()[3]) == 0x80000000u);  // -3 * +0 = -0
  CHECK(we[0].ptr<float>()[4] == INFINITY && bits_of(we[0].ptr<float>()[5]) == kCanonNan);
}

TEST(integer_neg_abs_wrap) {
  const int64_t mn = std::numeric_limits<int64_t>::min(), mx = std::numeric_limits<int64_t>::max();
  Tensor a = tensor_i64({6}, {mn, mn + 1, -5, 0, 7, mx});
  std::vector<Tensor> neg = run_everywhere("Neg", {&a}), abs = run_everywhere("Abs", {&a});
  const int64_t want_neg[] = {mn, mx, 5, 0, -7, mn + 1};
  const int64_t want_abs[] = {mn, mx, 5, 0, 7, mx};
  for (int i = 0; i < 6; ++i) {
    CHECK(neg[0].ptr<int64_t>()[i] == want_neg[i]);
    CHECK(abs[0].ptr<int64_t>()[i] == want_abs[i]);
  }
  CHECK(neg[0].dtype == DType::I64);
  Tensor b = tensor_i32({5}, {INT32_MIN, INT32_MIN + 1, -3, 0, INT32_MAX});
  std::vector<Tensor> neg32 = run_everywhere("Neg", {&b}), abs32 = run_everywhere("Abs", {&b});
  const int32_t want_neg32[] = {INT32_MIN, INT32_MAX, 3, 0, INT32_MIN + 1};
  const int32_t want_abs32[] = {INT32_MIN, INT32_MAX, 3, 0, INT32_MAX};
  for (int i = 0; i < 5; ++i) {
    CHECK(neg32[0].ptr<int32_t>()[i] == want_neg32[i]);
    CHECK(abs32[0].ptr<int32_t>()[i] == want_abs32[i]);
  }
  CHECK(neg32[0].dtype == DType::I32);
}

// ---- Special values ---------------------------------------------------------------

TEST(nan_inputs_give_canonical_nan) {
  Tensor x = tensor_f32({5}, {from_bits(0x7FC00000u), from_bits(0xFFC00001u), from_bits(0x7F800001u),
                              from_bits(0xFFFFFFFFu), from_bits(0x7FA5A5A5u)});
  Tensor lo = tensor_f32({}, {-1.0f}), hi = tensor_f32({}, {1.0f});
  for (const char* op : kFloatOps) {
    std::vector<Tensor> y = std::string(op) == "Clip" ? run_everywhere(op, {&x, &lo, &hi}) : run_everywhere(op, {&x});
    for (int i = 0; i < 5; ++i) {
      CHECK_MSG(bits_of(y[0].ptr<float>()[i]) == kCanonNan, std::string(op) + " element " + std::to_string(i));
    }
  }
  Tensor g = run("Gelu", {&x}, attrs1("approximate", aivm::attr_string("tanh")))[0];
  for (int i = 0; i < 5; ++i) CHECK(bits_of(g.ptr<float>()[i]) == kCanonNan);
}

TEST(signed_zero_and_infinity_rules) {
  const float inf = INFINITY;
  Tensor x = tensor_f32({5}, {0.0f, -0.0f, inf, -inf, -1.0f});
  auto y = [&](const char* op, const Attrs& a = {}) { return run_everywhere(op, {&x}, a)[0]; };
  auto is = [](const Tensor& t, int i, uint32_t want) { return bits_of(t.ptr<float>()[i]) == want; };
  const uint32_t PZ = 0, NZ = 0x80000000u, PINF = 0x7F800000u, NINF = 0xFF800000u, ONE = 0x3F800000u;
  Tensor t = y("Neg");
  CHECK(is(t, 0, NZ) && is(t, 1, PZ) && is(t, 2, NINF) && is(t, 3, PINF));
  t = y("Abs");
  CHECK(is(t, 0, PZ) && is(t, 1, PZ) && is(t, 2, PINF) && is(t, 3, PINF));
  t = y("Sqrt");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, PINF) && is(t, 3, kCanonNan) && is(t, 4, kCanonNan));
  t = y("Reciprocal");
  CHECK(is(t, 0, PINF) && is(t, 1, NINF) && is(t, 2, PZ) && is(t, 3, NZ));
  t = y("Relu");
  CHECK(is(t, 0, PZ) && is(t, 1, PZ) && is(t, 2, PINF) && is(t, 3, PZ) && is(t, 4, PZ));
  t = y("LeakyRelu");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, PINF) && is(t, 3, NINF) && is(t, 4, bits_of(-0.01f)));
  t = y("Exp");
  CHECK(is(t, 0, ONE) && is(t, 1, ONE) && is(t, 2, PINF) && is(t, 3, PZ));
  t = y("Log");
  CHECK(is(t, 0, NINF) && is(t, 1, NINF) && is(t, 2, PINF) && is(t, 3, kCanonNan) && is(t, 4, kCanonNan));
  t = y("Tanh");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, ONE) && is(t, 3, bits_of(-1.0f)));
  t = y("Sigmoid");
  CHECK(is(t, 0, bits_of(0.5f)) && is(t, 1, bits_of(0.5f)) && is(t, 2, ONE) && is(t, 3, PZ));
  t = y("Erf");
  CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, ONE) && is(t, 3, bits_of(-1.0f)));
  t = y("Softplus");
  CHECK(is(t, 2, PINF) && is(t, 3, PZ));
  for (const char* mode : {"none", "tanh"}) {
    t = y("Gelu", attrs1("approximate", aivm::attr_string(mode)));
    CHECK(is(t, 0, PZ) && is(t, 1, NZ) && is(t, 2, PINF) && is(t, 3, NZ));
  }
}

// ---- Clip --------------------------------------------------------------------------

// Reference: y = min(max(x, lo), hi) where NaN anywhere gives NaN and +0 > -0.
float ref_clip(float x, float lo, float hi) {
  if (std::isnan(x) || std::isnan(lo) || std::isnan(hi)) return from_bits(kCanonNan);
  auto mx = [](float a, float b) {
    if (a == b) return std::signbit(a) ? b : a;
    return a > b ? a : b;
  };
  auto mn = [](float a, float b) {
    if (a == b) return std::signbit(a) ? a : b;
    return a < b ? a : b;
  };
  return mn(mx(x, lo), hi);
}

TEST(clip_float_semantics) {
  Tensor x = concat({bit_sweep(), aivm::st_special({1023}, 5)});
  const float bounds[][2] = {{-0.5f, 0.75f}, {0.0f, -0.0f}, {-0.0f, 0.0f}, {0.0f, 0.0f}, {-0.0f, -0.0f},
                             {2.0f, 1.0f},   {-INFINITY, INFINITY}, {NAN, 1.0f}, {-1.0f, NAN}, {1e-40f, 1e30f}};
  for (const auto& b : bounds) {
    Tensor lo = tensor_f32({}, {b[0]}), hi = tensor_f32({1}, {b[1]});
    Tensor y = run_everywhere("Clip", {&x, &lo, &hi})[0];
    int bad = 0;
    for (int64_t i = 0; i < x.numel(); ++i) bad += bits_of(y.ptr<float>()[i]) != bits_of(ref_clip(x.ptr<float>()[i], b[0], b[1]));
    CHECK_MSG(bad == 0, std::to_string(bad) + " mismatches for bounds " + std::to_string(b[0]) + ", " + std::to_string(b[1]));
  }
  // min > max: every non-NaN element becomes max (ONNX).
  Tensor lo = tensor_f32({}, {3.0f}), hi = tensor_f32({}, {-2.0f});
  Tensor small = tensor_f32({4}, {-5.0f, 0.0f, 2.5f, 10.0f});
  Tensor y = run("Clip", {&small, &lo, &hi})[0];
  for (int i = 0; i < 4; ++i) CHECK(y.ptr<float>()[i] == -2.0f);
  // Omitted bounds: only min, only max, neither (a copy with NaN canonicalized).
  Tensor only_min = run("Clip", {&small, &lo})[0];
  Tensor only_max = run("Clip", {&small, nullptr, &hi})[0];
  Tensor neither = run("Clip", {&small})[0];
  Tensor neither2 = run("Clip", {&small, nullptr, nullptr})[0];
  const float want_min[] = {3.0f, 3.0f, 3.0f, 10.0f}, want_max[] = {-5.0f, -2.0f, -2.0f, -2.0f};
  for (int i = 0; i < 4; ++i) {
    CHECK(only_min.ptr<float>()[i] == want_min[i]);
    CHECK(only_max.ptr<float>()[i] == want_max[i]);
    CHECK(neither.ptr<float>()[i] == small.ptr<float>()[i]);
    CHECK(neither2.ptr<float>()[i] == small.ptr<float>()[i]);
  }
  // Empty input.
  Tensor empty = aivm::make_tensor(DType::F32, {3, 0});
  CHECK(run_everywhere("Clip", {&empty, &lo, &hi})[0].shape == Shape({3, 0}));
}

TEST(clip_integers) {
  Tensor a = tensor_i64({6}, {std::numeric_limits<int64_t>::min(), -101, -100, 0, 250, std::numeric_limits<int64_t>::max()});
  Tensor lo = tensor_i64({}, {-100}), hi = tensor_i64({1}, {250});
  Tensor y = run_everywhere("Clip", {&a, &lo, &hi})[0];
  const int64_t want[] = {-100, -100, -100, 0, 250, 250};
  for (int i = 0; i < 6; ++i) CHECK(y.ptr<int64_t>()[i] == want[i]);
  Tensor y_hi = run("Clip", {&a, nullptr, &hi})[0];
  CHECK(y_hi.ptr<int64_t>()[0] == std::numeric_limits<int64_t>::min() && y_hi.ptr<int64_t>()[5] == 250);
  Tensor b = tensor_i32({4}, {INT32_MIN, -8, 8, INT32_MAX});
  Tensor lo32 = tensor_i32({}, {5}), hi32 = tensor_i32({}, {-5});  // min > max -> all max
  Tensor z = run("Clip", {&b, &lo32, &hi32})[0];
  for (int i = 0; i < 4; ++i) CHECK(z.ptr<int32_t>()[i] == -5);
  Tensor z2 = run("Clip", {&b, &hi32})[0];
  const int32_t want2[] = {-5, -5, 8, INT32_MAX};
  for (int i = 0; i < 4; ++i) CHECK(z2.ptr<int32_t>()[i] == want2[i]);
  CHECK(z2.dtype == DType::I32);
}

// ---- Errors -------------------------------------------------------------------------

TEST(errors) {
  Tensor f = tensor_f32({3}, {1.0f, 2.0f, 3.0f});
  Tensor i64 = tensor_i64({3}, {1, 2, 3});
  Tensor i32 = tensor_i32({3}, {1, 2, 3});
  Tensor bl = tensor_bool({3}, {0, 1, 0});
  for (const char* op : {"Sqrt", "Reciprocal", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Log", "Erf", "Gelu",
                         "Softplus", "HardSigmoid", "HardSwish"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&i64}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&i32}));
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&bl}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {&f, &f}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {}));
    CHECK_THROWS_CODE(E_ARITY, run(op, {nullptr}));
    CHECK_THROWS_CODE(E_ATTR, run(op, {&f}, attrs1("bogus", aivm::attr_int(1))));
  }
  CHECK_THROWS_CODE(E_DTYPE, run("Neg", {&bl}));
  CHECK_THROWS_CODE(E_DTYPE, run("Abs", {&bl}));
  CHECK_THROWS_CODE(E_DTYPE, run("Clip", {&bl}));
  // Gelu's approximate must be the string "none" or "tanh".
  CHECK_THROWS_CODE(E_ATTR, run("Gelu", {&f}, attrs1("approximate", aivm::attr_string("foo"))));
  CHECK_THROWS_CODE(E_ATTR, run("Gelu", {&f}, attrs1("approximate", aivm::attr_string(""))));
  CHECK_THROWS_CODE(E_ATTR, run("Gelu", {&f}, attrs1("approximate", aivm::attr_string("TANH"))));
  CHECK_THROWS_CODE(E_ATTR, run("Gelu", {&f}, attrs1("approximate", aivm::attr_int(1))));
  // LeakyRelu's alpha is a float (an int is accepted as a float).
  CHECK_THROWS_CODE(E_ATTR, run("LeakyRelu", {&f}, attrs1("alpha", aivm::attr_string("0.1"))));
  CHECK(run("LeakyRelu", {&f}, attrs1("alpha", aivm::attr_int(2)))[0].ptr<float>()[0] == 1.0f);
  // Clip bounds: the input's dtype, scalar shape.
  Tensor lo_i64 = tensor_i64({}, {0}), lo_2 = tensor_f32({2}, {0.0f, 1.0f}), lo_11 = tensor_f32({1, 1}, {0.0f});
  Tensor lo_0 = aivm::make_tensor(DType::F32, {0}), lo_f = tensor_f32({}, {0.0f});
  CHECK_THROWS_CODE(E_DTYPE, run("Clip", {&f, &lo_i64}));
  CHECK_THROWS_CODE(E_DTYPE, run("Clip", {&f, nullptr, &lo_i64}));
  CHECK_THROWS_CODE(E_DTYPE, run("Clip", {&i64, &lo_f}));
  CHECK_THROWS_CODE(E_DTYPE, run("Clip", {&i32, &lo_i64}));
  CHECK_THROWS_CODE(E_SHAPE, run("Clip", {&f, &lo_2}));
  CHECK_THROWS_CODE(E_SHAPE, run("Clip", {&f, &lo_11}));
  CHECK_THROWS_CODE(E_SHAPE, run("Clip", {&f, &lo_0}));
  CHECK_THROWS_CODE(E_SHAPE, run("Clip", {&f, &lo_f, &lo_2}));
  CHECK_THROWS_CODE(E_ARITY, run("Clip", {&f, &lo_f, &lo_f, &lo_f}));
  CHECK_THROWS_CODE(E_ARITY, run("Clip", {nullptr, &lo_f}));
  // Opset-6 style min/max attributes are not supported: unknown attribute.
  CHECK_THROWS_CODE(E_ATTR, run("Clip", {&f}, attrs1("min", aivm::attr_float(0.0f))));
  // Messages name the input and what was expected.
  try {
    run("Clip", {&f, &lo_2});
    CHECK(false);
  } catch (const aivm::Error& e) {
    std::string m = e.what();
    CHECK_MSG(m.find("Clip") != std::string::npos && m.find("min") != std::string::npos &&
                  m.find("[2]") != std::string::npos,
              m);
  }
  try {
    run("Sqrt", {&i64});
    CHECK(false);
  } catch (const aivm::Error& e) {
    std::string m = e.what();
    CHECK_MSG(m.find("float32") != std::string::npos && m.find("int64") != std::string::npos, m);
  }
}

TEST(selftest_cases_run) {
  aivm::CaseList cases;
  aivm::selftest_cases_unary(cases);
  CHECK(cases.size() > 100);
  for (const auto& c : cases) run_case_everywhere(c);
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
