// test/native/math_accuracy.cc — accuracy and determinism tests for native/math.
//
// Standalone program (not part of the engine, so it MAY use libm as the
// reference). Build, e.g.:
//   g++ -O2 -std=c++17 -ffp-contract=off -fno-fast-math -I native -pthread
//       test/native/math_accuracy.cc -o /tmp/math_acc
// (also with -mavx2 -mfma and -mavx512f -mfma: --digest must print the same).
//
// Modes:
//   (default) / --sample N  every N-th float bit pattern (default N = 1009)
//   --exhaustive            all 2^32 bit patterns that are finite floats (pow:
//                           a large deterministic sample, see below)
//   --digest                FNV-1a hash of every function's output bits over a
//                           fixed input set; equal across ISA flags => the math
//                           is bit-identical
//   --json                  print results as JSON
//   --threads T             worker threads (default 2)
//   --only a,b,...          only these unary functions (names as printed,
//                           e.g. sin_f32,cos_f32); pow and fma are skipped
//   --ref long|double       reference: long double libm (expl, erfcl, ...) or
//                           binary64 libm (exp, erfc, ...). Default: long for
//                           sampled runs, double for --exhaustive (4x faster;
//                           glibc's binary64 functions are accurate to ~1 double
//                           ulp = 2^-29 float ulp, far below what is measured).
// Exit status: 0 when every function is within its limit (exp/log and the
// trig.h functions 1 ulp, others 2 ulp), every special value is right and fma is bit-exact.
#include <atomic>
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "math/transcendental.h"
#include "math/trig.h"

namespace m = aivm::math;

namespace {

// ---------------------------------------------------------------- helpers --
uint64_t splitmix64(uint64_t i) {  // counter-based generator: value of index i
  uint64_t z = i * 0x9E3779B97F4A7C15ull + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint32_t bits_of(float x) { return m::f32_to_bits(x); }
float from_bits(uint32_t u) { return m::f32_from_bits(u); }

// |y - ref| / ulp(ref), ulp = spacing of binary32 at |ref| (2^-149 for the
// subnormal range). ref beyond FLT_MAX: inf is correct when ref rounds to inf;
// an infinite y is otherwise measured as +-2^128.
double ulp_error_slow(float y, long double ref);

// Fast path for a binary64 reference (the exhaustive mode): the same quantity
// computed with double arithmetic and the exponent read from the bits; the
// long double path below handles zeros, infinities and NaN.
double ulp_error(float y, long double ref) {
  const double rd = static_cast<double>(ref);
  if (static_cast<long double>(rd) == ref && std::isfinite(rd) && rd != 0.0 && std::isfinite(y)) {
    uint64_t bits;
    std::memcpy(&bits, &rd, 8);
    const int biased = int((bits >> 52) & 0x7ff);
    if (biased != 0) {
      int ue = biased - 1022 - 24;  // frexp exponent minus 24
      if (ue < -149) ue = -149;
      const uint64_t scale_bits = uint64_t(1023 - ue) << 52;  // 2^-ue, exact
      double scale;
      std::memcpy(&scale, &scale_bits, 8);
      return std::fabs(double(y) - rd) * scale;
    }
  }
  return ulp_error_slow(y, ref);
}

double ulp_error_slow(float y, long double ref) {
  if (std::isnan(ref)) return std::isnan(y) ? 0.0 : INFINITY;
  if (std::isnan(y)) return INFINITY;
  const float rf = static_cast<float>(ref);
  if (std::isinf(rf) || std::isinf(ref)) {
    if (y == rf) return 0.0;
    if (std::isinf(ref)) return INFINITY;
  }
  long double yl = y;
  if (std::isinf(y)) yl = std::copysign(0x1p128L, static_cast<long double>(y));
  const long double a = std::fabs(ref);
  int e = 0;
  if (a != 0) std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
  int ue = e - 24;
  if (a == 0 || ue < -149) ue = -149;
  return static_cast<double>(std::fabs(yl - ref) / std::ldexp(1.0L, ue));
}

template <class F>
void parallel_blocks(uint64_t n, int threads, F fn) {  // fn(tid, begin, end)
  const uint64_t block = 1u << 16;
  const uint64_t nblocks = (n + block - 1) / block;
  std::atomic<uint64_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (;;) {
        const uint64_t b = next.fetch_add(1);
        if (b >= nblocks) break;
        const uint64_t lo = b * block, hi = lo + block < n ? lo + block : n;
        fn(t, lo, hi);
      }
    });
  }
  for (auto& th : pool) th.join();
}

struct Stat {
  double max_ulp = 0;
  float worst_x = 0, worst_y = 0, got = 0;
  long double ref = 0;
  uint64_t count = 0;
  uint64_t worst_key = UINT64_MAX;  // deterministic tie break: smallest key
  void add(double err, uint64_t key, float x, float y, float g, long double r) {
    ++count;
    if (err > max_ulp || (err == max_ulp && err > 0 && key < worst_key)) {
      max_ulp = err; worst_key = key; worst_x = x; worst_y = y; got = g; ref = r;
    }
  }
  void merge(const Stat& o) {
    count += o.count;
    if (o.max_ulp > max_ulp || (o.max_ulp == max_ulp && o.worst_key < worst_key)) {
      const uint64_t c = count;
      *this = o;
      count = c;
    }
  }
};

// ------------------------------------------------------------- references --
bool g_ref_long = true;
long double R_exp(long double x) { return g_ref_long ? expl(x) : exp(static_cast<double>(x)); }
long double R_log(long double x) { return g_ref_long ? logl(x) : log(static_cast<double>(x)); }
long double R_log1p(long double x) { return g_ref_long ? log1pl(x) : log1p(static_cast<double>(x)); }
long double R_tanh(long double x) { return g_ref_long ? tanhl(x) : tanh(static_cast<double>(x)); }
long double R_erf(long double x) { return g_ref_long ? erfl(x) : erf(static_cast<double>(x)); }
long double R_erfc(long double x) { return g_ref_long ? erfcl(x) : erfc(static_cast<double>(x)); }
long double R_pow(long double x, long double y) {
  return g_ref_long ? powl(x, y) : pow(static_cast<double>(x), static_cast<double>(y));
}

long double R_sin(long double x) { return g_ref_long ? sinl(x) : sin(static_cast<double>(x)); }
long double R_cos(long double x) { return g_ref_long ? cosl(x) : cos(static_cast<double>(x)); }
long double R_tan(long double x) { return g_ref_long ? tanl(x) : tan(static_cast<double>(x)); }
long double R_asin(long double x) { return g_ref_long ? asinl(x) : asin(static_cast<double>(x)); }
long double R_acos(long double x) { return g_ref_long ? acosl(x) : acos(static_cast<double>(x)); }
long double R_atan(long double x) { return g_ref_long ? atanl(x) : atan(static_cast<double>(x)); }
long double R_sinh(long double x) { return g_ref_long ? sinhl(x) : sinh(static_cast<double>(x)); }
long double R_cosh(long double x) { return g_ref_long ? coshl(x) : cosh(static_cast<double>(x)); }
long double R_asinh(long double x) { return g_ref_long ? asinhl(x) : asinh(static_cast<double>(x)); }
long double R_acosh(long double x) { return g_ref_long ? acoshl(x) : acosh(static_cast<double>(x)); }
long double R_atanh(long double x) { return g_ref_long ? atanhl(x) : atanh(static_cast<double>(x)); }

long double ref_sigmoid(long double x) { return 1.0L / (1.0L + R_exp(-x)); }
long double ref_gelu_erf(long double x) {
  if (std::isinf(x)) return x < 0 ? -0.0L : x;
  return 0.5L * x * R_erfc(-x * 0.707106781186547524400844362104849039L);
}
long double ref_gelu_tanh(long double x) {
  if (std::isinf(x)) return x < 0 ? -0.0L : x;
  const long double u = 0.797884560802865355879892119868763737L * (x + 0.044715L * x * x * x);
  return x / (1.0L + R_exp(-2.0L * u));
}
long double ref_softplus(long double x) {
  return (x > 0 ? x : 0.0L) + R_log1p(R_exp(-std::fabs(x)));
}

struct Unary {
  const char* name;
  float (*fn)(float);
  long double (*ref)(long double);
  double limit;
};
const Unary kUnary[] = {
    {"exp_f32", m::exp_f32, R_exp, 1.0},
    {"log_f32", m::log_f32, R_log, 1.0},
    {"tanh_f32", m::tanh_f32, R_tanh, 2.0},
    {"erf_f32", m::erf_f32, R_erf, 2.0},
    {"sigmoid_f32", m::sigmoid_f32, ref_sigmoid, 2.0},
    {"gelu_erf_f32", m::gelu_erf_f32, ref_gelu_erf, 2.0},
    {"gelu_tanh_f32", m::gelu_tanh_f32, ref_gelu_tanh, 2.0},
    {"softplus_f32", m::softplus_f32, ref_softplus, 2.0},
    // native/math/trig.h: binary64 evaluation rounded once, limit 1 ulp.
    {"sin_f32", m::sin_f32, R_sin, 1.0},
    {"cos_f32", m::cos_f32, R_cos, 1.0},
    {"tan_f32", m::tan_f32, R_tan, 1.0},
    {"asin_f32", m::asin_f32, R_asin, 1.0},
    {"acos_f32", m::acos_f32, R_acos, 1.0},
    {"atan_f32", m::atan_f32, R_atan, 1.0},
    {"sinh_f32", m::sinh_f32, R_sinh, 1.0},
    {"cosh_f32", m::cosh_f32, R_cosh, 1.0},
    {"asinh_f32", m::asinh_f32, R_asinh, 1.0},
    {"acosh_f32", m::acosh_f32, R_acosh, 1.0},
    {"atanh_f32", m::atanh_f32, R_atanh, 1.0},
};

// --only: the selected unary functions (empty: all, plus pow and fma).
std::string g_only;
bool selected(const char* name) {
  if (g_only.empty()) return true;
  const std::string n = name;
  size_t at = 0;
  while (at <= g_only.size()) {
    const size_t comma = g_only.find(',', at);
    const size_t end = comma == std::string::npos ? g_only.size() : comma;
    if (g_only.compare(at, end - at, n) == 0 && end - at == n.size()) return true;
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return false;
}

struct Result {
  std::string name;
  Stat st;
  double limit;
  bool pass() const { return st.max_ulp <= limit; }
};

// ---------------------------------------------------------- unary sweeps --
Stat run_unary(const Unary& u, uint64_t stride, int threads) {
  const uint64_t n = ((1ull << 32) + stride - 1) / stride;
  std::vector<Stat> part(threads);
  parallel_blocks(n, threads, [&](int t, uint64_t lo, uint64_t hi) {
    Stat& s = part[t];
    for (uint64_t i = lo; i < hi; ++i) {
      const uint32_t b = static_cast<uint32_t>(i * stride);
      if ((b & 0x7f800000u) == 0x7f800000u) continue;  // inf / nan: special tests
      const float x = from_bits(b);
      const float y = u.fn(x);
      const long double r = u.ref(x);
      s.add(ulp_error(y, r), b, x, 0, y, r);
    }
  });
  Stat all;
  for (auto& p : part) all.merge(p);
  return all;
}

// ------------------------------------------------------------------- pow --
// Pair k of the deterministic pow sample (families chosen so that most
// results are finite, non-trivial floats).
void pow_pair(uint64_t k, float* x, float* y) {
  const uint64_t r = splitmix64(k), r2 = splitmix64(k ^ 0xA5A5A5A5A5A5A5A5ull);
  const double u01 = (r2 >> 11) * 0x1p-53;
  switch (k % 5) {
    case 0:  // raw bit patterns
      *x = from_bits(static_cast<uint32_t>(r));
      *y = from_bits(static_cast<uint32_t>(r >> 32));
      break;
    case 1: {  // positive x anywhere, y such that y*log2(x) spans [-155, 130]
      *x = from_bits(static_cast<uint32_t>(r) & 0x7f7fffffu);
      const double l2 = log2(static_cast<double>(*x));
      *y = l2 == 0 ? 1.5f : static_cast<float>((-155.0 + 285.0 * u01) / l2);
      break;
    }
    case 2: {  // negative x, integer y
      *x = -from_bits(0x3c000000u + static_cast<uint32_t>(r % 0x07000000u));  // ~[2^-7, 2^7)
      *y = static_cast<float>(static_cast<int>(r >> 40) % 41 - 20);
      break;
    }
    case 3: {  // x near 1, large |y|
      *x = from_bits(0x3f800000u + static_cast<uint32_t>(r % 4096) - 2048);
      *y = static_cast<float>((u01 - 0.5) * 2.0e6);
      break;
    }
    default: {  // moderate x and y
      *x = static_cast<float>(u01 * 16.0);
      *y = static_cast<float>(static_cast<int64_t>(r >> 40) % 4096) / 64.0f - 32.0f;
      break;
    }
  }
}

std::vector<float> special_floats() {
  std::vector<float> v = {0.0f, 1.0f, 2.0f, 3.0f, 0.5f, 0.25f, 1.5f, 2.5f, 10.0f, 100.0f,
                          1e-3f, 1e-10f, 1e10f, 1e30f, 16777216.0f, 16777217.0f, 8388609.0f,
                          FLT_MIN, FLT_TRUE_MIN, FLT_MAX, 0x1.fffffep-127f, INFINITY,
                          nextafterf(1.0f, 2.0f), nextafterf(1.0f, 0.0f), 0.3333333f, 7.0f,
                          88.0f, 89.0f, 127.0f, 128.0f, 150.0f, 4.5f, 1e-40f};
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  v.push_back(NAN);
  v.push_back(from_bits(0xffc00001u));
  return v;
}

bool exact_ref(long double r) {  // results that must match bit-for-bit
  return std::isnan(r) || std::isinf(r) || r == 0 || r == 1 || r == -1;
}

int g_special_failures = 0;
void special_fail(const char* what, float x, float y, float got, long double want) {
  ++g_special_failures;
  std::fprintf(stderr, "SPECIAL FAIL %s(%a, %a) = %a (bits %08x), want %La\n", what, x, y, got,
               bits_of(got), want);
}

Stat run_pow(uint64_t npairs, int threads) {
  std::vector<Stat> part(threads);
  parallel_blocks(npairs, threads, [&](int t, uint64_t lo, uint64_t hi) {
    for (uint64_t k = lo; k < hi; ++k) {
      float x, y;
      pow_pair(k, &x, &y);
      if (std::isnan(x) || std::isnan(y)) continue;
      const float g = m::pow_f32(x, y);
      const long double r = R_pow(x, y);
      part[t].add(ulp_error(g, r), k, x, y, g, r);
    }
  });
  Stat all;
  for (auto& p : part) all.merge(p);
  // Special grid: C99 special cases are checked bit-exactly (signed zeros
  // and infinities) against powl, the rest by ulp error.
  const auto sp = special_floats();
  for (float x : sp)
    for (float y : sp) {
      const float g = m::pow_f32(x, y);
      const long double r = powl(x, y);
      if (exact_ref(r)) {
        const bool ok = std::isnan(r) ? std::isnan(g)
                                      : (g == r && std::signbit(g) == std::signbit(r));
        if (!ok) special_fail("pow_f32", x, y, g, r);
      }
      all.add(ulp_error(g, r), UINT64_MAX - 1, x, y, g, r);
    }
  return all;
}

// -------------------------------------------------------- special values --
void check_special(const char* name, float (*fn)(float), float x, float want) {
  const float g = fn(x);
  const bool ok = std::isnan(want) ? std::isnan(g) : bits_of(g) == bits_of(want);
  if (!ok) special_fail(name, x, 0, g, want);
}

void run_special_values() {
  const float inf = INFINITY, nan = NAN;
  const float nans[] = {nan, from_bits(0xffc00000u), from_bits(0x7f800001u), from_bits(0xffffffffu)};
  for (const Unary& u : kUnary)
    for (float q : nans) check_special(u.name, u.fn, q, nan);
#define SV(fn, x, want) check_special(#fn, m::fn, x, want)
  SV(exp_f32, -inf, 0.0f); SV(exp_f32, inf, inf); SV(exp_f32, 0.0f, 1.0f); SV(exp_f32, -0.0f, 1.0f);
  SV(exp_f32, 89.0f, inf); SV(exp_f32, -104.0f, 0.0f); SV(exp_f32, -103.0f, from_bits(0x00000001u));
  SV(log_f32, 0.0f, -inf); SV(log_f32, -0.0f, -inf); SV(log_f32, -1.0f, nan); SV(log_f32, -inf, nan);
  SV(log_f32, inf, inf); SV(log_f32, 1.0f, 0.0f); SV(log_f32, FLT_TRUE_MIN, -0x1.9d1da0p+6f);
  SV(tanh_f32, inf, 1.0f); SV(tanh_f32, -inf, -1.0f); SV(tanh_f32, 0.0f, 0.0f); SV(tanh_f32, -0.0f, -0.0f);
  SV(tanh_f32, FLT_TRUE_MIN, FLT_TRUE_MIN); SV(tanh_f32, -FLT_TRUE_MIN, -FLT_TRUE_MIN);
  SV(erf_f32, inf, 1.0f); SV(erf_f32, -inf, -1.0f); SV(erf_f32, 0.0f, 0.0f); SV(erf_f32, -0.0f, -0.0f);
  SV(sigmoid_f32, -inf, 0.0f); SV(sigmoid_f32, inf, 1.0f); SV(sigmoid_f32, 0.0f, 0.5f);
  SV(sigmoid_f32, -0.0f, 0.5f); SV(sigmoid_f32, -200.0f, 0.0f);
  SV(gelu_erf_f32, -inf, -0.0f); SV(gelu_erf_f32, inf, inf); SV(gelu_erf_f32, 0.0f, 0.0f);
  SV(gelu_erf_f32, -0.0f, -0.0f); SV(gelu_erf_f32, -20.0f, -0.0f); SV(gelu_erf_f32, FLT_MAX, FLT_MAX);
  SV(gelu_tanh_f32, -inf, -0.0f); SV(gelu_tanh_f32, inf, inf); SV(gelu_tanh_f32, 0.0f, 0.0f);
  SV(gelu_tanh_f32, -0.0f, -0.0f); SV(gelu_tanh_f32, -FLT_MAX, -0.0f); SV(gelu_tanh_f32, FLT_MAX, FLT_MAX);
  SV(softplus_f32, inf, inf); SV(softplus_f32, -inf, 0.0f); SV(softplus_f32, -200.0f, 0.0f);
  SV(softplus_f32, FLT_MAX, FLT_MAX);
  // trig.h: odd functions keep a zero's sign, domain errors give NaN.
  SV(sin_f32, 0.0f, 0.0f); SV(sin_f32, -0.0f, -0.0f); SV(sin_f32, inf, nan); SV(sin_f32, -inf, nan);
  SV(sin_f32, FLT_TRUE_MIN, FLT_TRUE_MIN); SV(sin_f32, -FLT_TRUE_MIN, -FLT_TRUE_MIN);
  SV(cos_f32, 0.0f, 1.0f); SV(cos_f32, -0.0f, 1.0f); SV(cos_f32, inf, nan); SV(cos_f32, -inf, nan);
  SV(tan_f32, 0.0f, 0.0f); SV(tan_f32, -0.0f, -0.0f); SV(tan_f32, inf, nan); SV(tan_f32, -inf, nan);
  SV(asin_f32, 0.0f, 0.0f); SV(asin_f32, -0.0f, -0.0f); SV(asin_f32, 1.0f, 0x1.921fb6p+0f);
  SV(asin_f32, -1.0f, -0x1.921fb6p+0f); SV(asin_f32, 2.0f, nan); SV(asin_f32, nextafterf(1.0f, 2.0f), nan);
  SV(asin_f32, inf, nan); SV(asin_f32, -inf, nan);
  SV(acos_f32, 1.0f, 0.0f); SV(acos_f32, -1.0f, 0x1.921fb6p+1f); SV(acos_f32, 0.0f, 0x1.921fb6p+0f);
  SV(acos_f32, -0.0f, 0x1.921fb6p+0f); SV(acos_f32, 2.0f, nan); SV(acos_f32, -inf, nan);
  SV(atan_f32, 0.0f, 0.0f); SV(atan_f32, -0.0f, -0.0f); SV(atan_f32, inf, 0x1.921fb6p+0f);
  SV(atan_f32, -inf, -0x1.921fb6p+0f); SV(atan_f32, FLT_MAX, 0x1.921fb6p+0f);
  SV(sinh_f32, 0.0f, 0.0f); SV(sinh_f32, -0.0f, -0.0f); SV(sinh_f32, inf, inf); SV(sinh_f32, -inf, -inf);
  SV(sinh_f32, 90.0f, inf); SV(sinh_f32, -FLT_MAX, -inf);
  SV(cosh_f32, 0.0f, 1.0f); SV(cosh_f32, -0.0f, 1.0f); SV(cosh_f32, inf, inf); SV(cosh_f32, -inf, inf);
  SV(cosh_f32, -90.0f, inf);
  SV(asinh_f32, 0.0f, 0.0f); SV(asinh_f32, -0.0f, -0.0f); SV(asinh_f32, inf, inf); SV(asinh_f32, -inf, -inf);
  SV(acosh_f32, 1.0f, 0.0f); SV(acosh_f32, inf, inf); SV(acosh_f32, 0.5f, nan); SV(acosh_f32, -inf, nan);
  SV(acosh_f32, 0.0f, nan);
  SV(atanh_f32, 0.0f, 0.0f); SV(atanh_f32, -0.0f, -0.0f); SV(atanh_f32, 1.0f, inf); SV(atanh_f32, -1.0f, -inf);
  SV(atanh_f32, 2.0f, nan); SV(atanh_f32, -inf, nan);
#undef SV
}

// ------------------------------------------------------------------- fma --
float fma_ref(float a, float b, float c) { return std::fma(a, b, c); }  // libm / hardware

// Triple k of the fma sample; families: raw bits, cancellation, subnormal
// results, exact halfway products (+- a sticky nudge), overflow.
void fma_triple(uint64_t k, float* a, float* b, float* c) {
  const uint64_t r = splitmix64(k), s = splitmix64(~k);
  auto rnd_float = [](uint64_t bits, int emin, int emax) {
    const uint32_t e = static_cast<uint32_t>(emin + 127 + static_cast<int>(bits % (emax - emin + 1)));
    return from_bits(((bits >> 8) & 0x80000000u) | (e << 23) | static_cast<uint32_t>((bits >> 20) & 0x7fffff));
  };
  switch (k % 6) {
    case 0:
      *a = from_bits(static_cast<uint32_t>(r)); *b = from_bits(static_cast<uint32_t>(r >> 32));
      *c = from_bits(static_cast<uint32_t>(s));
      break;
    case 1: {  // cancellation: c ~ -(a*b) +- a few ulps
      *a = rnd_float(r, -30, 30); *b = rnd_float(r >> 16 ^ s, -30, 30);
      const float p = *a * *b;
      *c = from_bits(bits_of(-p) + static_cast<uint32_t>(s % 7) - 3);
      break;
    }
    case 2:  // results near / in the subnormal range
      *a = rnd_float(r, -80, -60); *b = rnd_float(s, -80, -60);
      *c = from_bits(static_cast<uint32_t>(s >> 32) & 0x80ffffffu);  // subnormal or tiny normal
      break;
    case 3: {  // exact halfway: 12-bit x 13-bit odd integers give 25-bit products
      const uint32_t ma = 0x800u | (static_cast<uint32_t>(r) & 0x7ffu) | 1u;
      const uint32_t mb = 0x1000u | (static_cast<uint32_t>(r >> 16) & 0xfffu) | 1u;
      const int ea = static_cast<int>((r >> 32) % 200) - 100, eb = static_cast<int>((r >> 40) % 60) - 30;
      *a = std::ldexp(static_cast<float>(ma), ea - 11);
      *b = std::ldexp(static_cast<float>(mb), eb - 12);
      if (s & 1) *a = -*a;
      switch ((s >> 1) % 4) {
        case 0: *c = 0.0f; break;
        case 1: *c = FLT_TRUE_MIN; break;
        case 2: *c = -FLT_TRUE_MIN; break;
        default: *c = std::ldexp(1.0f, ea + eb - 40) * ((s & 64) ? 1.0f : -1.0f); break;
      }
      break;
    }
    case 4:  // overflow region
      *a = rnd_float(r, 60, 127); *b = rnd_float(s, 50, 70);
      *c = (s & 1) ? -FLT_MAX : rnd_float(s >> 3, 100, 127);
      break;
    default:  // general: similar exponents, random signs
      *a = rnd_float(r, -20, 20); *b = rnd_float(s, -20, 20); *c = rnd_float(r ^ s, -40, 40);
      break;
  }
}

struct FmaResult { uint64_t checked = 0, soft_mismatch = 0, fn_mismatch = 0; };

bool same_float(float x, float y) {
  return (std::isnan(x) && std::isnan(y)) || bits_of(x) == bits_of(y);
}

FmaResult run_fma(uint64_t ntriples, int threads) {
  std::vector<FmaResult> part(threads);
  std::atomic<int> printed{0};
  auto check = [&](FmaResult& f, float a, float b, float c) {
    const float want = fma_ref(a, b, c);
    const float s = m::fma_f32_soft(a, b, c), h = m::fma_f32(a, b, c);
    ++f.checked;
    if (!same_float(s, want)) {
      ++f.soft_mismatch;
      if (printed.fetch_add(1) < 10)
        std::fprintf(stderr, "FMA MISMATCH soft(%a, %a, %a) = %a, want %a\n", a, b, c, s, want);
    }
    if (!same_float(h, want)) ++f.fn_mismatch;
  };
  parallel_blocks(ntriples, threads, [&](int t, uint64_t lo, uint64_t hi) {
    for (uint64_t k = lo; k < hi; ++k) {
      float a, b, c;
      fma_triple(k, &a, &b, &c);
      check(part[t], a, b, c);
    }
  });
  FmaResult all;
  for (auto& p : part) {
    all.checked += p.checked; all.soft_mismatch += p.soft_mismatch; all.fn_mismatch += p.fn_mismatch;
  }
  // Edge cube: every combination of special operands, plus signed zeros.
  std::vector<float> e = {0.0f, FLT_TRUE_MIN, 0x1.fffffcp-127f, FLT_MIN, 1.0f, nextafterf(1.0f, 2.0f),
                          0x1.000002p+0f, 3.0f, 0x1p-75f, 0x1p+64f, 0x1.fffffep+63f, FLT_MAX,
                          INFINITY, 0.5f, 0x1.800002p-1f};
  const size_t n = e.size();
  for (size_t i = 0; i < n; ++i) e.push_back(-e[i]);
  e.push_back(NAN);
  for (float a : e)
    for (float b : e)
      for (float c : e) check(all, a, b, c);
  // Signed zero rules, explicitly (IEEE 754-2008 6.3).
  struct Z { float a, b, c, want; };
  const Z zs[] = {{0.0f, -1.0f, 0.0f, 0.0f},  {-0.0f, 1.0f, -0.0f, -0.0f}, {0.0f, 1.0f, -0.0f, 0.0f},
                  {-0.0f, -1.0f, -0.0f, 0.0f}, {1.0f, 1.0f, -1.0f, 0.0f},  {-0.0f, 0.0f, -0.0f, -0.0f},
                  {INFINITY, 0.0f, 1.0f, NAN},  {INFINITY, 1.0f, -INFINITY, NAN}};
  for (const Z& z : zs) {
    const float s = m::fma_f32_soft(z.a, z.b, z.c);
    if (!same_float(s, z.want)) special_fail("fma_f32_soft(a,b,c) [a,b shown]", z.a, z.b, s, z.want);
  }
  return all;
}

// ---------------------------------------------------------------- digest --
struct Fnv {
  uint64_t h = 0xcbf29ce484222325ull;
  void add(float y) {
    uint32_t b = std::isnan(y) ? 0x7fc00000u : bits_of(y);  // canonical NaN
    for (int i = 0; i < 4; ++i) { h ^= (b >> (8 * i)) & 0xffu; h *= 0x100000001b3ull; }
  }
};

int run_digest(bool json) {
  const uint64_t n = 1u << 20;
  std::vector<std::pair<std::string, uint64_t>> out;
  Fnv total;
  for (const Unary& u : kUnary) {
    Fnv f;
    for (uint64_t i = 0; i < n; ++i) f.add(u.fn(from_bits(static_cast<uint32_t>(i * 4099u + (i >> 10)))));
    // plus a dense run around the interesting range [-16, 16]
    for (uint64_t i = 0; i < n; ++i) f.add(u.fn(static_cast<float>((static_cast<double>(i) - n / 2) / 32768.0)));
    out.emplace_back(u.name, f.h);
  }
  {
    Fnv f;
    for (uint64_t k = 0; k < n; ++k) { float x, y; pow_pair(k, &x, &y); f.add(m::pow_f32(x, y)); }
    out.emplace_back("pow_f32", f.h);
  }
  {
    Fnv f, g;
    for (uint64_t k = 0; k < n; ++k) {
      float a, b, c; fma_triple(k, &a, &b, &c);
      f.add(m::fma_f32(a, b, c)); g.add(m::fma_f32_soft(a, b, c));
    }
    out.emplace_back("fma_f32", f.h);
    out.emplace_back("fma_f32_soft", g.h);
  }
  for (auto& p : out) { uint32_t lo = static_cast<uint32_t>(p.second), hi = static_cast<uint32_t>(p.second >> 32); total.add(from_bits(lo & 0x7fffffffu)); total.add(from_bits(hi & 0x7fffffffu)); total.h ^= p.second; }
  if (json) {
    std::printf("{\"digest\": \"%016" PRIx64 "\", \"functions\": {", total.h);
    for (size_t i = 0; i < out.size(); ++i)
      std::printf("%s\"%s\": \"%016" PRIx64 "\"", i ? ", " : "", out[i].first.c_str(), out[i].second);
    std::printf("}}\n");
  } else {
    for (auto& p : out) std::printf("%-14s %016" PRIx64 "\n", p.first.c_str(), p.second);
    std::printf("digest %016" PRIx64 "\n", total.h);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool exhaustive = false, json = false, digest = false;
  uint64_t stride = 1009;
  int threads = 2;
  int ref_mode = -1;  // -1 auto, 0 double, 1 long double
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--exhaustive") exhaustive = true;
    else if (a == "--json") json = true;
    else if (a == "--digest") digest = true;
    else if (a == "--sample" && i + 1 < argc) stride = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc) g_only = argv[++i];
    else if (a == "--ref" && i + 1 < argc) ref_mode = std::string(argv[++i]) == "long" ? 1 : 0;
    else {
      std::fprintf(stderr, "usage: %s [--exhaustive | --sample N] [--digest] [--json] [--threads T] [--ref long|double] [--only f,g]\n", argv[0]);
      return 2;
    }
  }
  if (digest) return run_digest(json);
  if (stride < 1) stride = 1;
  if (threads < 1) threads = 1;
  if (exhaustive) stride = 1;
  g_ref_long = ref_mode == -1 ? !exhaustive : ref_mode == 1;

  std::vector<Result> results;
  for (const Unary& u : kUnary) {
    if (!selected(u.name)) continue;
    Result r{u.name, run_unary(u, stride, threads), u.limit};
    results.push_back(r);
    if (!json) {
      std::printf("%-14s max_ulp %.7f at x=%a (0x%08x) got %a ref %.10Le  checked %" PRIu64 "  %s\n",
                  r.name.c_str(), r.st.max_ulp, r.st.worst_x, bits_of(r.st.worst_x), r.st.got, r.st.ref,
                  r.st.count, r.pass() ? "ok" : "FAIL");
      std::fflush(stdout);
    }
  }
  const uint64_t npairs = g_only.empty() ? (exhaustive ? (1ull << 28) : ((1ull << 32) / stride / 4 + 4096)) : 0;
  Result pr{"pow_f32", run_pow(npairs, threads), 2.0};
  if (g_only.empty()) results.push_back(pr);
  if (!json && g_only.empty())
    std::printf("%-14s max_ulp %.7f at x=%a y=%a got %a ref %.10Le  checked %" PRIu64 "  %s\n", "pow_f32",
                pr.st.max_ulp, pr.st.worst_x, pr.st.worst_y, pr.st.got, pr.st.ref, pr.st.count,
                pr.pass() ? "ok" : "FAIL");
  run_special_values();
  const uint64_t ntriples = !g_only.empty() ? 0 : exhaustive ? (1ull << 26) : (1ull << 22);
  const FmaResult fr = run_fma(ntriples, threads);
  const bool fma_ok = fr.soft_mismatch == 0 && fr.fn_mismatch == 0;
  bool pass = fma_ok && g_special_failures == 0;
  for (auto& r : results) pass = pass && r.pass();
  if (json) {
    std::printf("{\"mode\": \"%s\", \"stride\": %" PRIu64 ", \"reference\": \"%s\", \"functions\": [",
                exhaustive ? "exhaustive" : "sample", stride, g_ref_long ? "long double" : "double");
    for (size_t i = 0; i < results.size(); ++i) {
      const Result& r = results[i];
      std::printf("%s{\"name\": \"%s\", \"max_ulp\": %.7f, \"limit\": %.1f, \"worst_x\": \"%a\", "
                  "\"worst_x_bits\": \"0x%08x\", \"worst_y\": \"%a\", \"checked\": %" PRIu64 ", \"pass\": %s}",
                  i ? ", " : "", r.name.c_str(), r.st.max_ulp, r.limit, r.st.worst_x, bits_of(r.st.worst_x),
                  r.st.worst_y, r.st.count, r.pass() ? "true" : "false");
    }
    std::printf("], \"special_failures\": %d, \"fma\": {\"checked\": %" PRIu64 ", \"soft_mismatches\": %" PRIu64
                ", \"fma_f32_mismatches\": %" PRIu64 "}, \"pass\": %s}\n",
                g_special_failures, fr.checked, fr.soft_mismatch, fr.fn_mismatch, pass ? "true" : "false");
  } else {
    std::printf("special values: %s (%d failures)\n", g_special_failures ? "FAIL" : "ok", g_special_failures);
    std::printf("fma: %" PRIu64 " triples, fma_f32_soft mismatches %" PRIu64 ", fma_f32 mismatches %" PRIu64 "  %s\n",
                fr.checked, fr.soft_mismatch, fr.fn_mismatch, fma_ok ? "ok" : "FAIL");
    std::printf("reference: %s libm; %s\n", g_ref_long ? "long double" : "double", pass ? "PASS" : "FAIL");
  }
  return pass ? 0 : 1;
}
