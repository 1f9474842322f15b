// float64 compute (issue: float64): Add, Sub, Mul, Div, Neg, Abs, Sqrt, Exp, Log,
// Min, Max, Sum, Mean, Mod, Equal, Less, Greater, GreaterOrEqual, LessOrEqual,
// IsNaN, IsInf, ReduceSum, ReduceMean, ReduceMax, ReduceMin, ArgMax, ArgMin on
// IEEE binary64, under float32's rules (docs/numerics/*.md, "float64").
// References: the one IEEE operation computed here (Add..Div, Sqrt, also checked
// against long double), glibc's exact fmod (Mod), the documented canonical
// structures written again here (sums, folds, scans), and long double expl / logl
// for exp_f64 / log_f64 (sampled; the measured maxima are printed and bounded).
// Every run goes through run_everywhere: every ISA x 1-4 threads (and emulated
// CUDA where built) must give the scalar bits.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "math/exp_log.h"
#include "test_util.h"

using aivm::DType;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

constexpr double kInfD = std::numeric_limits<double>::infinity();
constexpr uint64_t kCanonNan64 = 0x7FF8000000000000ull;

uint64_t bits64(double x) {
  uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}
double from_bits64(uint64_t u) {
  double x;
  std::memcpy(&x, &u, 8);
  return x;
}

Tensor tensor_f64(const Shape& shape, const std::vector<double>& v) { return tensor_of(DType::F64, shape, v); }

// NaNs of both signs and with payloads, infinities, zeros, subnormals, extremes.
const std::vector<double> kSpecials = {from_bits64(0x7FF8000000000000ull), from_bits64(0xFFF8000000000001ull),
                                       from_bits64(0x7FF0000000000001ull), kInfD, -kInfD, 0.0, -0.0, 5e-324, -5e-324,
                                       2.2250738585072014e-308, -1e-310, DBL_MAX, -DBL_MAX, 1.0, -1.0, 0.5, 3.0, -2.0};

// Random doubles over a wide exponent range, about 1 in 8 replaced by a special.
Tensor random_f64(const Shape& shape, uint64_t stream, int exp_span = 40) {
  Tensor t = aivm::make_tensor(DType::F64, shape);
  double* p = t.ptr<double>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const uint64_t r = aivm::rng_u64(11, stream, uint64_t(i));
    const double m = 1.0 + double(r >> 12) * 0x1p-52;  // [1, 2), all 52 fraction bits
    const int e = int((r >> 4) % uint64_t(2 * exp_span + 1)) - exp_span;
    p[i] = ((r & 1) ? -1.0 : 1.0) * std::ldexp(m, e);
    if (((r >> 1) & 7) == 0) p[i] = kSpecials[(r >> 40) % kSpecials.size()];
  }
  return t;
}

double at(const Tensor& t, int64_t i) { return t.ptr<double>()[i]; }

// Equal bits, or (when `any_nan`) both NaN with any payload (float arithmetic's
// NaN payloads are not part of the contract, as for float32).
bool same(double got, double ref, bool any_nan) {
  if (ref != ref) return any_nan ? got != got : bits64(got) == kCanonNan64;
  return bits64(got) == bits64(ref);
}

// Distance in binary64 ulps (ulp of the reference's binade; 2^-1074 below 2^-1022).
double ulp64(double got, long double ref) {
  if (std::isnan(ref)) return std::isnan(got) ? 0 : INFINITY;
  if (std::isinf(ref) || std::fabs(ref) > (long double)DBL_MAX) {
    // ref beyond DBL_MAX: got must be what rounding gives, within one ulp of DBL_MAX's binade.
    if (std::isinf(got)) return (std::fabs(ref) >= (long double)DBL_MAX) ? 0 : INFINITY;
    return double(std::fabs((long double)got - ref) / std::ldexp(1.0L, 1023 - 52));
  }
  const long double a = std::fabs(ref);
  int e = 0;
  std::frexp(a, &e);  // a = m 2^e, m in [0.5, 1)
  const int ulp_exp = std::max(e - 53, -1074);
  return double(std::fabs((long double)got - ref) / std::ldexp(1.0L, ulp_exp));
}

// Checks a broadcasting binary op with float64 output against f.
template <class F>
void check_binary_f64(const std::string& op, const Tensor& a, const Tensor& b, F f, bool any_nan,
                      const aivm::Attrs& attrs = {}) {
  std::vector<Tensor> y = run_everywhere(op, {&a, &b}, attrs);
  CHECK(y[0].dtype == DType::F64);
  int bad = 0;
  int64_t first = -1;
  for (int64_t i = 0; i < y[0].numel(); ++i) {
    const double x = at(a, broadcast_source(y[0].shape, a.shape, i)), z = at(b, broadcast_source(y[0].shape, b.shape, i));
    if (!same(at(y[0], i), f(x, z), any_nan)) {
      if (first < 0) first = i;
      ++bad;
    }
  }
  CHECK_MSG(bad == 0, op + ": " + std::to_string(bad) + " wrong, first at " + std::to_string(first));
}

const std::vector<std::pair<Shape, Shape>> kShapes = {
    {{1000}, {1000}}, {{2, 3, 5}, {5}}, {{4, 1, 7}, {3, 1}}, {{33}, {}}, {{0, 3}, {3}}, {{}, {}}, {{17, 1}, {1, 40}}};

}  // namespace

TEST(f64_arith_is_one_ieee_operation) {
  uint64_t stream = 1;
  for (const auto& s : kShapes) {
    Tensor a = random_f64(s.first, stream++), b = random_f64(s.second, stream++);
    check_binary_f64("Add", a, b, [](double x, double y) { return x + y; }, true);
    check_binary_f64("Sub", a, b, [](double x, double y) { return x - y; }, true);
    check_binary_f64("Mul", a, b, [](double x, double y) { return x * y; }, true);
    check_binary_f64("Div", a, b, [](double x, double y) { return x / y; }, true);
  }
  // Against long double too (the result is the exact value correctly rounded: within half an ulp).
  Tensor a = random_f64({4096}, 90, 300), b = random_f64({4096}, 91, 300);
  std::vector<Tensor> y = run_everywhere("Mul", {&a, &b});
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const long double ref = (long double)at(a, i) * (long double)at(b, i);  // 106 bits exact? no: 64; still far inside 1/2 ulp
    if (std::isfinite(ref) && std::fabs(ref) < (long double)DBL_MAX && std::fabs(ref) > 0x1p-1000L) worst = std::max(worst, ulp64(at(y[0], i), ref));
  }
  CHECK_MSG(worst <= 0.5 + 1e-3, "Mul vs long double: " + std::to_string(worst));
  // Special values: signed zeros, infinities, overflow, subnormal results.
  Tensor p = tensor_f64({6}, {-0.0, kInfD, DBL_MAX, 5e-324, 1.0, -0.0});
  Tensor q = tensor_f64({6}, {-0.0, -kInfD, DBL_MAX, 0.5, 3.0, 0.0});
  const Tensor add_t = run_everywhere("Add", {&p, &q})[0];
  const double* add = add_t.ptr<double>();
  CHECK(bits64(add[0]) == bits64(-0.0) && std::isnan(add[1]) && add[2] == kInfD && add[3] == 0.5 && add[4] == 4.0 &&
        bits64(add[5]) == 0);
  const Tensor div_t = run_everywhere("Div", {&p, &q})[0];
  const double* div = div_t.ptr<double>();
  CHECK(std::isnan(div[0]) && std::isnan(div[1]) && div[2] == 1.0 && div[3] == 1e-323 && div[4] == 1.0 / 3.0 &&
        std::isnan(div[5]));
}

TEST(f64_neg_abs_sqrt) {
  Tensor x = random_f64({4097}, 5, 600);
  Tensor s = tensor_f64({static_cast<int64_t>(kSpecials.size())}, kSpecials);
  for (const Tensor* t : {&x, &s}) {
    const Tensor neg = run_everywhere("Neg", {t})[0], abs = run_everywhere("Abs", {t})[0], sq = run_everywhere("Sqrt", {t})[0];
    int bad = 0;
    double worst = 0;
    for (int64_t i = 0; i < t->numel(); ++i) {
      const double v = at(*t, i);
      bad += !same(at(neg, i), v != v ? NAN : from_bits64(bits64(v) ^ (1ull << 63)), false);
      bad += !same(at(abs, i), v != v ? NAN : from_bits64(bits64(v) & ~(1ull << 63)), false);
      bad += !same(at(sq, i), std::sqrt(v), false);  // glibc sqrt: correctly rounded
      if (v > 0 && std::isfinite(v)) worst = std::max(worst, ulp64(at(sq, i), std::sqrt((long double)v)));
    }
    CHECK(bad == 0);
    CHECK_MSG(worst <= 0.5 + 1e-3, "Sqrt vs long double: " + std::to_string(worst));
  }
  Tensor z = tensor_f64({4}, {-0.0, -1.0, kInfD, -kInfD});
  const Tensor r_t = run_everywhere("Sqrt", {&z})[0];
  const double* r = r_t.ptr<double>();
  CHECK(bits64(r[0]) == bits64(-0.0) && bits64(r[1]) == kCanonNan64 && r[2] == kInfD && bits64(r[3]) == kCanonNan64);
}

// exp_f64 / log_f64 against long double expl / logl, sampled. Prints the measured
// maxima (docs/numerics/math.md quotes them).
TEST(f64_exp_log_accuracy_sampled) {
  double worst_exp = 0, worst_log = 0, at_exp = 0, at_log = 0;
  int64_t n_exp = 0, n_log = 0;
  auto try_exp = [&](double x) {
    const double e = ulp64(aivm::math::exp_f64(x), expl((long double)x));
    ++n_exp;
    if (e > worst_exp) worst_exp = e, at_exp = x;
  };
  auto try_log = [&](double x) {
    const double e = ulp64(aivm::math::log_f64(x), logl((long double)x));
    ++n_log;
    if (e > worst_log) worst_log = e, at_log = x;
  };
  // exp: a dense grid over the whole finite-result range, small |x| over every binade, and the edges.
  for (int64_t i = 0; i <= 2000000; ++i) try_exp(-745.2 + 1455.0 * double(i) / 2000000.0 + 1e-7 * double(i % 7));
  for (int64_t i = 0; i < 400000; ++i) {
    const uint64_t r = aivm::rng_u64(21, 0, uint64_t(i));
    try_exp(((r & 1) ? -1.0 : 1.0) * std::ldexp(1.0 + double(r >> 12) * 0x1p-52, -int((r >> 1) % 64)));
  }
  for (double x : {709.782712893384, 709.7827128933839, -745.1332191019411, -745.13321910194, -708.4, -708.39641853226408})
    try_exp(x);
  // log: every 2^-20th positive double bit pattern (subnormals included), and near 1.
  for (uint64_t u = 1; u < 0x7FF0000000000000ull; u += 0x0000100000000001ull) try_log(from_bits64(u));
  for (int64_t i = 0; i < 1000000; ++i) {
    const uint64_t r = aivm::rng_u64(22, 0, uint64_t(i));
    try_log(1.0 + ((r & 1) ? -1.0 : 1.0) * std::ldexp(1.0 + double(r >> 12) * 0x1p-52, -1 - int((r >> 1) % 60)));
  }
  std::printf("  exp_f64: %lld samples, max %.4f ulp at %a\n  log_f64: %lld samples, max %.4f ulp at %a\n",
              (long long)n_exp, worst_exp, at_exp, (long long)n_log, worst_log, at_log);
  // Bounds with a margin over the measured 1.14 / 1.96 ulp (docs/numerics/math.md). exp_f64 and
  // log_f64 also define float32 Exp, Log, Pow, Softplus... bits (rounded once), so they are
  // not changed within the numerics version; these figures are what float64 Exp and Log give.
  CHECK_MSG(worst_exp <= 1.5, "exp_f64 " + std::to_string(worst_exp) + " ulp");
  CHECK_MSG(worst_log <= 2.5, "log_f64 " + std::to_string(worst_log) + " ulp");
}

TEST(f64_exp_log_ops_and_special_values) {
  Tensor x = random_f64({5000}, 7, 10);
  const Tensor e = run_everywhere("Exp", {&x})[0], l = run_everywhere("Log", {&x})[0];
  int bad = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = at(x, i);
    bad += !same(at(e, i), aivm::math::exp_f64(v), false) + !same(at(l, i), aivm::math::log_f64(v), false);
  }
  CHECK(bad == 0);
  Tensor s = tensor_f64({12}, {-kInfD, kInfD, NAN, -0.0, 0.0, 709.782712893384, 709.7827128933841, -745.1332191019412,
                               -745.1332191019411, 1e-300, -1000.0, 1.0});
  const Tensor ex_t = run_everywhere("Exp", {&s})[0];
  const double* ex = ex_t.ptr<double>();
  CHECK(bits64(ex[0]) == 0 && ex[1] == kInfD && bits64(ex[2]) == kCanonNan64 && ex[3] == 1.0 && ex[4] == 1.0);
  CHECK(std::isfinite(ex[5]) && ex[5] > 1.79e308 && ex[6] == kInfD);
  CHECK(bits64(ex[7]) == 0 && ex[8] == 5e-324 && ex[9] == 1.0 && bits64(ex[10]) == 0 &&
        std::fabs(ex[11] - 2.718281828459045) <= 0x1p-51);
  Tensor t = tensor_f64({10}, {-kInfD, kInfD, NAN, -0.0, 0.0, -1.0, 5e-324, DBL_MAX, 1.0, 2.2250738585072014e-308});
  const Tensor lg_t = run_everywhere("Log", {&t})[0];
  const double* lg = lg_t.ptr<double>();
  CHECK(bits64(lg[0]) == kCanonNan64 && lg[1] == kInfD && bits64(lg[2]) == kCanonNan64 && lg[3] == -kInfD &&
        lg[4] == -kInfD && bits64(lg[5]) == kCanonNan64);
  CHECK(std::fabs(lg[6] - -744.4400719213812) < 1e-12 && std::fabs(lg[7] - 709.782712893384) < 1e-12 && bits64(lg[8]) == 0 &&
        std::fabs(lg[9] - -708.3964185322641) < 1e-12);
}

// The float64 min/max rules (NaN wins, canonical; -0 < +0).
double min_ref(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
double max_ref(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

TEST(f64_variadic_min_max_sum_mean) {
  const Shape s0 = {2, 3, 4}, s1 = {4}, s2 = {3, 1};
  Tensor a = random_f64(s0, 30), b = random_f64(s1, 31), c = random_f64(s2, 32);
  for (const char* op : {"Min", "Max", "Sum", "Mean"}) {
    for (int n : {1, 2, 3}) {
      std::vector<const Tensor*> in = {&a, &b, &c};
      in.resize(size_t(n));
      const Tensor y = run_everywhere(op, in)[0];
      CHECK(y.dtype == DType::F64 && y.shape == s0);
      int bad = 0;
      for (int64_t i = 0; i < y.numel(); ++i) {
        double acc = at(*in[0], broadcast_source(s0, in[0]->shape, i));
        for (int k = 1; k < n; ++k) {
          const double v = at(*in[size_t(k)], broadcast_source(s0, in[size_t(k)]->shape, i));
          acc = op[1] == 'i' ? min_ref(acc, v) : op[1] == 'a' ? max_ref(acc, v) : acc + v;
        }
        if (op[1] == 'e') acc = acc / double(n);
        bad += !same(at(y, i), acc, op[1] == 'u' || op[1] == 'e');
      }
      CHECK_MSG(bad == 0, std::string(op) + " x" + std::to_string(n));
    }
  }
  Tensor z = tensor_f64({2}, {-0.0, 0.0}), w = tensor_f64({2}, {0.0, -0.0});
  const Tensor mn_t = run_everywhere("Min", {&z, &w})[0];
  const double* mn = mn_t.ptr<double>();
  const Tensor mx_t = run_everywhere("Max", {&z, &w})[0];
  const double* mx = mx_t.ptr<double>();
  CHECK(bits64(mn[0]) == bits64(-0.0) && bits64(mn[1]) == bits64(-0.0) && bits64(mx[0]) == 0 && bits64(mx[1]) == 0);
  Tensor nan1 = tensor_f64({1}, {from_bits64(0xFFF8000000000123ull)});
  CHECK(bits64(run_everywhere("Max", {&nan1})[0].ptr<double>()[0]) == kCanonNan64);
}

TEST(f64_mod_is_exact_fmod) {
  uint64_t stream = 40;
  const aivm::Attrs fm = attrs1("fmod", attr_int(1));
  for (const auto& s : kShapes) {
    Tensor a = random_f64(s.first, stream++, 1000), b = random_f64(s.second, stream++, 1000);
    check_binary_f64("Mod", a, b, [](double x, double y) { return std::fmod(x, y); }, false, fm);
  }
  // Close exponents (many quotient bits kept) and the whole range with subnormal divisors.
  Tensor a = random_f64({20000}, 50, 8), b = random_f64({20000}, 51, 8);
  check_binary_f64("Mod", a, b, [](double x, double y) { return std::fmod(x, y); }, false, fm);
  Tensor cd = random_f64({1250, 4}, 52, 1020), d = tensor_f64({4}, {5e-324, -3e-320, 1.5e-310, 7.0});
  check_binary_f64("Mod", cd, d, [](double x, double y) { return std::fmod(x, y); }, false, fm);
  Tensor p = tensor_f64({7}, {5.5, -5.5, kInfD, 3.0, -0.0, 1e308, NAN}), q = tensor_f64({7}, {2.0, 2.0, 1.0, 0.0, 1.0, 3.0, 1.0});
  const Tensor r_t = run_everywhere("Mod", {&p, &q}, fm)[0];
  const double* r = r_t.ptr<double>();
  CHECK(r[0] == 1.5 && r[1] == -1.5 && bits64(r[2]) == kCanonNan64 && bits64(r[3]) == kCanonNan64 &&
        bits64(r[4]) == bits64(-0.0) && r[5] == std::fmod(1e308, 3.0) && bits64(r[6]) == kCanonNan64);
  CHECK_THROWS_CODE(E_ATTR, run("Mod", {&p, &q}, attrs1("fmod", attr_int(0))));
  CHECK_THROWS_CODE(E_ATTR, run("Mod", {&p, &q}));
}

TEST(f64_comparisons_and_tests) {
  uint64_t stream = 60;
  for (const auto& s : kShapes) {
    Tensor a = random_f64(s.first, stream++, 2), b = random_f64(s.second, stream++, 2);
    // A coarse grid so that equal pairs occur.
    for (Tensor* t : {&a, &b}) {
      for (int64_t i = 0; i < t->numel(); ++i) {
        double& v = t->ptr<double>()[i];
        if (std::isfinite(v)) v = std::round(v * 2) / 2;
      }
    }
    const char* ops[] = {"Equal", "Less", "Greater", "GreaterOrEqual", "LessOrEqual"};
    for (int k = 0; k < 5; ++k) {
      const Tensor y = run_everywhere(ops[k], {&a, &b})[0];
      CHECK(y.dtype == DType::BOOL);
      int bad = 0;
      for (int64_t i = 0; i < y.numel(); ++i) {
        const double x = at(a, broadcast_source(y.shape, a.shape, i)), z = at(b, broadcast_source(y.shape, b.shape, i));
        const bool ref = k == 0 ? x == z : k == 1 ? x < z : k == 2 ? x > z : k == 3 ? x >= z : x <= z;
        bad += y.ptr<uint8_t>()[i] != uint8_t(ref);
      }
      CHECK_MSG(bad == 0, ops[k]);
    }
  }
  Tensor s = tensor_f64({static_cast<int64_t>(kSpecials.size())}, kSpecials);
  const Tensor nan = run_everywhere("IsNaN", {&s})[0], inf = run_everywhere("IsInf", {&s})[0];
  const Tensor neg = run_everywhere("IsInf", {&s}, attrs1("detect_positive", attr_int(0)))[0];
  int bad = 0;
  for (int64_t i = 0; i < s.numel(); ++i) {
    const double v = at(s, i);
    bad += nan.ptr<uint8_t>()[i] != uint8_t(std::isnan(v)) + 0;
    bad += inf.ptr<uint8_t>()[i] != uint8_t(std::isinf(v));
    bad += neg.ptr<uint8_t>()[i] != uint8_t(std::isinf(v) && v < 0);
  }
  CHECK(bad == 0);
}

// ---- Reductions -----------------------------------------------------------------

// The documented canonical sum in binary64: 16 partials from -0, k -> k mod 16, tree 8/4/2/1; empty +0.
double canonical_sum_f64(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double acc[16];
  for (double& x : acc) x = -0.0;
  for (size_t i = 0; i < v.size(); ++i) acc[i % 16] += v[i];
  for (int w = 8; w >= 1; w /= 2)
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
  return acc[0];
}

// The reduced elements of each output, in row-major order of the reduced axes.
std::vector<std::vector<double>> reduced_lists(const Tensor& x, const std::vector<bool>& red) {
  int64_t outs = 1;
  for (size_t d = 0; d < x.shape.size(); ++d) outs *= red[d] ? 1 : x.shape[d];
  std::vector<std::vector<double>> lists(size_t(std::max<int64_t>(outs, 0)));
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i, o = 0, scale = 1;
    for (int d = int(x.shape.size()) - 1; d >= 0; --d) {
      const int64_t c = rem % x.shape[size_t(d)];
      rem /= x.shape[size_t(d)];
      if (!red[size_t(d)]) {
        o += c * scale;
        scale *= x.shape[size_t(d)];
      }
    }
    lists[size_t(o)].push_back(at(x, i));
  }
  return lists;
}

TEST(f64_reductions_follow_the_canonical_order) {
  struct C {
    Shape shape;
    std::vector<int64_t> axes;
  };
  const std::vector<C> cases = {{{1000}, {0}}, {{4, 5, 37}, {0, 2}}, {{4, 5, 37}, {1}}, {{3, 70}, {1}}, {{70, 3}, {0}},
                                {{2, 3, 4, 5}, {1, 3}}, {{2, 0, 3}, {1}}, {{}, {}}, {{6, 129}, {0, 1}}};
  uint64_t stream = 80;
  for (const C& c : cases) {
    Tensor x = random_f64(c.shape, stream++, 30);
    std::vector<bool> red(c.shape.size(), c.axes.empty());
    for (int64_t a : c.axes) red[size_t(a)] = true;
    Tensor axes = vector_i64(c.axes);
    const auto lists = reduced_lists(x, red);
    for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"}) {
      const Tensor y = run_everywhere(op, {&x, &axes}, attrs1("keepdims", attr_int(0)))[0];
      CHECK(y.dtype == DType::F64 && size_t(y.numel()) == lists.size());
      int bad = 0;
      for (size_t o = 0; o < lists.size(); ++o) {
        const auto& v = lists[o];
        double ref;
        if (op[6] == 'S') ref = canonical_sum_f64(v);
        else if (op[6] == 'M' && op[7] == 'e') ref = v.empty() ? NAN : canonical_sum_f64(v) / double(v.size());
        else {
          ref = op[8] == 'x' ? -kInfD : kInfD;
          for (double e : v) ref = op[8] == 'x' ? max_ref(ref, e) : min_ref(ref, e);
        }
        bad += !same(at(y, int64_t(o)), ref, false);  // every float64 reduction writes the canonical NaN
      }
      CHECK_MSG(bad == 0, std::string(op) + " " + std::to_string(bad) + " wrong");
    }
  }
  // Accuracy of the sum against long double: within (ceil(R/16) + 4) 2^-53 sum|v|.
  Tensor x = random_f64({100000}, 99, 3);
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (!std::isfinite(at(x, i)) || std::fabs(at(x, i)) > 1e300) x.ptr<double>()[i] = 1.0;
  }
  Tensor none = vector_i64({});
  const double got = run_everywhere("ReduceSum", {&x, &none})[0].ptr<double>()[0];
  long double exact = 0, abs_sum = 0;
  for (int64_t i = 0; i < x.numel(); ++i) exact += at(x, i), abs_sum += std::fabs(at(x, i));
  CHECK(std::fabs((long double)got - exact) <= (100000 / 16 + 5) * 0x1p-53L * abs_sum);
}

TEST(f64_argmax_argmin_scan) {
  Tensor x = random_f64({5, 40, 3}, 120, 1);
  for (int64_t i = 0; i < x.numel(); ++i) {
    double& v = x.ptr<double>()[i];
    if (std::isfinite(v)) v = std::round(v * 2) / 2;  // ties
  }
  for (const char* op : {"ArgMax", "ArgMin"}) {
    for (int last : {0, 1}) {
      aivm::Attrs at_;
      at_.set("axis", attr_int(1));
      at_.set("select_last_index", attr_int(last));
      const Tensor y = run_everywhere(op, {&x}, at_)[0];
      CHECK(y.dtype == DType::I64 && y.numel() == 15);
      int bad = 0;
      const bool mx = op[3] == 'M' && op[4] == 'a';
      for (int64_t o = 0; o < 5; ++o) {
        for (int64_t r = 0; r < 3; ++r) {
          // Two passes: the first NaN (or last), else the extreme value's first (or last) index.
          int64_t nan_at = -1, best_at = -1;
          double best = 0;
          for (int64_t k = 0; k < 40; ++k) {
            const double v = at(x, (o * 40 + k) * 3 + r);
            if (v != v) {
              if (nan_at < 0 || last) nan_at = k;
              continue;
            }
            if (best_at < 0 || (mx ? v > best : v < best) || (last && v == best)) best = v, best_at = k;
          }
          bad += y.ptr<int64_t>()[o * 3 + r] != (nan_at >= 0 ? nan_at : best_at);
        }
      }
      CHECK_MSG(bad == 0, std::string(op) + " last=" + std::to_string(last));
    }
  }
}

TEST(f64_refusals) {
  Tensor d = tensor_f64({2}, {1, 2});
  Tensor f = tensor_f32({2}, {1, 2});
  // float64 ops outside the list keep refusing float64.
  for (const char* op : {"Tanh", "Relu", "Sigmoid", "Reciprocal", "Floor", "Sign", "Erf", "Softmax"}) {
    CHECK_THROWS_CODE(E_DTYPE, run(op, {&d}));
  }
  CHECK_THROWS_CODE(E_DTYPE, run("Pow", {&d, &d}));
  CHECK_THROWS_CODE(E_DTYPE, run("MatMul", {&d, &d}));
  CHECK_THROWS_CODE(E_DTYPE, run("Add", {&d, &f}));
  CHECK_THROWS_CODE(E_DTYPE, run("Less", {&f, &d}));
  CHECK_THROWS_CODE(E_DTYPE, run("Max", {&d, &f}));
  CHECK_THROWS_CODE(E_DTYPE, run("BitwiseAnd", {&d, &d}));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
