// The float8 storage dtypes (FLOAT8E4M3FN 17, FLOAT8E4M3FNUZ 18, FLOAT8E5M2 19,
// FLOAT8E5M2FNUZ 20, FLOAT8E8M0 24): Cast to and from every dtype, saturate and
// round_mode (docs/numerics/cast.md), hashing of their NaNs, and the element-moving
// ops. References are written again here from the format definitions (ONNX's
// Operators.md Cast tables; onnx.numpy_helper.to_float8e8m0 for e8m0): values by
// formula, rounding by searching all 256 patterns for the nearest. Every Cast runs
// through run_everywhere (every ISA x 1-4 threads, emulated CUDA where built).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "test_util.h"

using aivm::Attrs;
using aivm::DType;
using aivm::Tensor;
using namespace aivm_test;

namespace {

struct Fmt {
  DType dtype;
  const char* name;
  int mant, bias;
  bool uz, has_inf;
};
const Fmt kFmts[] = {{DType::F8E4M3FN, "e4m3fn", 3, 7, false, false},
                     {DType::F8E4M3FNUZ, "e4m3fnuz", 3, 8, true, false},
                     {DType::F8E5M2, "e5m2", 2, 15, false, true},
                     {DType::F8E5M2FNUZ, "e5m2fnuz", 2, 16, true, false}};

bool is_nan_pattern(uint8_t b, const Fmt& f) {
  if (f.uz) return b == 0x80;
  if (f.has_inf) return (b & 0x7F) > 0x7C;
  return (b & 0x7F) == 0x7F;
}
bool is_inf_pattern(uint8_t b, const Fmt& f) { return f.has_inf && (b & 0x7F) == 0x7C; }

// The value of a pattern, by formula.
double value_of(uint8_t b, const Fmt& f) {
  if (is_nan_pattern(b, f)) return NAN;
  const double s = (b & 0x80) ? -1.0 : 1.0;
  if (is_inf_pattern(b, f)) return s * INFINITY;
  const int ebits = 7 - f.mant;
  const int e = (b >> f.mant) & ((1 << ebits) - 1), m = b & ((1 << f.mant) - 1);
  const double frac = double(m) / double(1 << f.mant);
  return s * (e ? std::ldexp(1.0 + frac, e - f.bias) : std::ldexp(frac, 1 - f.bias));
}
double e8m0_value(uint8_t b) { return b == 0xFF ? NAN : std::ldexp(1.0, int(b) - 127); }

// The largest finite magnitude pattern.
uint8_t max_mag(const Fmt& f) {
  uint8_t best = 0;
  for (int p = 0; p < 0x80; ++p) {
    if (!is_nan_pattern(uint8_t(p), f) && !is_inf_pattern(uint8_t(p), f) && value_of(uint8_t(p), f) > value_of(best, f)) best = uint8_t(p);
  }
  return best;
}

// x (any double) as a pattern: the nearest finite magnitude by search, ties to the
// even pattern; past the largest value, a virtual next value (one top-binade step
// further, the parity of the pattern after max) stands for overflow, which gives
// max (saturate) or inf / NaN. NaN -> the canonical NaN (0x7F, 0x80, 0x7E, 0x80).
uint8_t ref_to_f8(double x, const Fmt& f, bool saturate) {
  const uint8_t canon_nan = f.uz ? 0x80 : f.has_inf ? 0x7E : 0x7F;
  if (std::isnan(x)) return canon_nan;
  const bool neg = std::signbit(x);
  const uint8_t sign = neg ? 0x80 : 0;
  const uint8_t mx = max_mag(f);
  const uint8_t overflow = saturate ? uint8_t(sign | mx) : f.has_inf ? uint8_t(sign | 0x7C) : canon_nan;
  const double a = std::fabs(x);
  if (std::isinf(a)) return overflow;
  const double vmax = value_of(mx, f), next = vmax + (vmax - value_of(uint8_t(mx - 1), f));
  if (a > next) return overflow;  // (the distances below would round alike)
  int best = -1;
  double best_d = 0;
  for (int p = 0; p <= mx + 1; ++p) {
    const double v = p == mx + 1 ? next : value_of(uint8_t(p), f);
    const double d = std::fabs(v - a);
    if (best < 0 || d < best_d || (d == best_d && (p & 1) == 0)) best = p, best_d = d;
  }
  if (best == mx + 1) return overflow;
  if (best == 0 && f.uz) return 0;
  return uint8_t(sign | best);
}

// e8m0 by the definition of docs/numerics/cast.md, by comparisons with powers of two.
uint8_t ref_to_e8m0(double x, bool saturate, const std::string& mode) {
  if (std::isnan(x)) return 0xFF;
  const double a = std::fabs(x);
  if (std::isinf(a)) return saturate ? 0xFE : 0xFF;
  if (a == 0) return saturate ? 0x00 : 0xFF;
  int lo = -1200;
  while (std::ldexp(1.0, lo + 1) <= a) ++lo;  // 2^lo <= a < 2^(lo+1)
  int k = lo;
  if (mode == "up") k = std::ldexp(1.0, lo) == a ? lo : lo + 1;
  if (mode == "nearest") k = a - std::ldexp(1.0, lo) >= std::ldexp(1.0, lo + 1) - a ? lo + 1 : lo;
  if (k > 127) return saturate ? 0xFE : 0xFF;
  if (k < -127) return saturate ? 0x00 : 0xFF;
  return uint8_t(k + 127);
}

// onnx.numpy_helper.to_float8e8m0 on float32 bits (the ONNX reference), written
// again from its description, for agreement on normal float32 inputs.
uint8_t onnx_reference_e8m0(float x, bool saturate, const std::string& mode) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  uint32_t e = (b >> 23) & 0xFF;
  if (e == 0xFF) return 0xFF;
  bool up = false;
  if (mode == "up") up = (b & 0x7FFFFF) != 0;
  if (mode == "nearest") up = (b & 0x400000) && ((b & 0x200000) || (b & 0x1FFFFF) || e > 0);
  if (up && saturate && e == 0xFE) up = false;
  return uint8_t(e + (up ? 1 : 0));
}

Tensor bytes_of_dtype(DType d, const std::vector<uint8_t>& v) { return tensor_of(d, {int64_t(v.size())}, v); }
Tensor all_patterns(DType d) {
  std::vector<uint8_t> v(256);
  for (int i = 0; i < 256; ++i) v[size_t(i)] = uint8_t(i);
  return bytes_of_dtype(d, v);
}

Attrs cast_to(DType d, int saturate = 1, const char* round = nullptr) {
  Attrs a = attrs1("to", attr_int(int64_t(d)));
  a.set("saturate", attr_int(saturate));
  if (round) a.set("round_mode", attr_string(round));
  return a;
}

uint32_t f32_bits(float x) { return bits_of(x); }

// Inputs around every rounding boundary of a format: each pair of neighbouring
// magnitudes (and max with its virtual next), their midpoint and the doubles and
// floats just around it, both signs; plus the zero / subnormal edges.
std::vector<double> boundary_values(const Fmt& f) {
  std::vector<double> v;
  const uint8_t mx = max_mag(f);
  for (int p = 0; p <= mx; ++p) {
    const double lo = value_of(uint8_t(p), f);
    const double hi = p == mx ? lo + (lo - value_of(uint8_t(p - 1), f)) : value_of(uint8_t(p + 1), f);
    const double mid = (lo + hi) / 2;
    for (double x : {lo, mid, std::nextafter(mid, 0.0), std::nextafter(mid, 1e300), double(std::nextafter(float(mid), 0.0f)),
                     double(std::nextafter(float(mid), 1e30f)), hi, hi * 4, mid * 1.0000001}) {
      v.push_back(x);
      v.push_back(-x);
    }
  }
  for (double x : {0.0, 1e-30, 1e300, 65504.0, 57344.0, 61439.0, 61440.0, 61441.0, 448.0, 463.9, 464.0, 464.1, 480.0,
                   240.0, 247.9, 248.0, 256.0, 1e6}) {
    v.push_back(x);
    v.push_back(-x);
  }
  return v;
}

}  // namespace

TEST(every_pattern_reads_exactly) {
  for (const Fmt& f : kFmts) {
    Tensor x = all_patterns(f.dtype);
    const Tensor y32 = run_everywhere("Cast", {&x}, cast_to(DType::F32))[0];
    const Tensor y64 = run_everywhere("Cast", {&x}, cast_to(DType::F64))[0];
    const Tensor y16 = run_everywhere("Cast", {&x}, cast_to(DType::F16))[0];
    int bad = 0;
    for (int b = 0; b < 256; ++b) {
      const double v = value_of(uint8_t(b), f);
      const float g = y32.ptr<float>()[b];
      if (std::isnan(v)) {
        bad += f32_bits(g) != 0x7FC00000u;
        bad += y16.ptr<uint16_t>()[b] != 0x7E00;
      } else {
        bad += f32_bits(g) != f32_bits(float(v)) || float(v) != v;  // exact in float32
        double d;
        std::memcpy(&d, y64.ptr<double>() + b, 8);
        bad += std::memcmp(&d, &v, 8) != 0;
      }
    }
    // float16 holds every e4m3/e5m2 value exactly: Cast back gives the pattern (NaN canonical).
    const Tensor back = run_everywhere("Cast", {&y16}, cast_to(f.dtype, 0))[0];
    const Tensor back32 = run_everywhere("Cast", {&y32}, cast_to(f.dtype, 0))[0];
    for (int b = 0; b < 256; ++b) {
      uint8_t want = uint8_t(b);
      if (is_nan_pattern(uint8_t(b), f)) want = f.uz ? 0x80 : f.has_inf ? 0x7E : 0x7F;
      bad += back.ptr<uint8_t>()[b] != want || back32.ptr<uint8_t>()[b] != want;
    }
    CHECK_MSG(bad == 0, std::string(f.name) + ": " + std::to_string(bad));
  }
  Tensor e = all_patterns(DType::F8E8M0);
  const Tensor y = run_everywhere("Cast", {&e}, cast_to(DType::F32))[0];
  const Tensor back = run_everywhere("Cast", {&y}, cast_to(DType::F8E8M0, 0, "down"))[0];
  int bad = 0;
  for (int b = 0; b < 256; ++b) {
    const double v = e8m0_value(uint8_t(b));
    bad += std::isnan(v) ? f32_bits(y.ptr<float>()[b]) != 0x7FC00000u : double(y.ptr<float>()[b]) != v;
    bad += back.ptr<uint8_t>()[b] != uint8_t(b);
  }
  CHECK_MSG(bad == 0, "e8m0: " + std::to_string(bad));
}

TEST(narrowing_rounds_once_to_nearest_even_with_both_saturate_modes) {
  // Sources: every float16 pattern, float32 and float64 boundary values, random float32.
  std::vector<uint16_t> h(65536);
  for (int i = 0; i < 65536; ++i) h[size_t(i)] = uint16_t(i);
  const Tensor half = tensor_of(DType::F16, {65536}, h);
  const Tensor half_as_f64 = run("Cast", {&half}, cast_to(DType::F64))[0];
  for (const Fmt& f : kFmts) {
    std::vector<double> d = boundary_values(f);
    for (uint64_t i = 0; i < 20000; ++i) {
      const uint64_t r = aivm::rng_u64(17, 1, i);
      float x;
      const uint32_t u = uint32_t(r);
      std::memcpy(&x, &u, 4);
      if (std::isfinite(x) && std::fabs(x) < 1e-12f) x = std::ldexp(float(r >> 40) / 16777216.0f, -int((r >> 32) % 30));
      else if (std::isfinite(x)) x = float(std::ldexp(double((r >> 40) | 1) / 16777216.0, int((r >> 32) % 40) - 24));
      d.push_back((r >> 63) ? -double(x) : double(x));
    }
    std::vector<float> fl(d.begin(), d.end());  // the float32 roundings of the same values
    const Tensor f64 = tensor_of(DType::F64, {int64_t(d.size())}, d);
    const Tensor f32 = tensor_f32({int64_t(fl.size())}, fl);
    for (int sat : {1, 0}) {
      int bad = 0;
      int64_t first = -1;
      for (const Tensor* src : {&half, &f32, &f64}) {
        const Tensor y = run_everywhere("Cast", {src}, cast_to(f.dtype, sat))[0];
        for (int64_t i = 0; i < src->numel(); ++i) {
          const double v = src == &half ? half_as_f64.ptr<double>()[i] : src == &f32 ? double(fl[size_t(i)]) : d[size_t(i)];
          if (y.ptr<uint8_t>()[i] != ref_to_f8(v, f, sat != 0)) {
            if (first < 0) first = i;
            ++bad;
          }
        }
      }
      CHECK_MSG(bad == 0, std::string(f.name) + " saturate=" + std::to_string(sat) + ": " + std::to_string(bad) +
                              " mismatches, first " + std::to_string(first));
    }
  }
}

TEST(integers_and_bool_to_float8) {
  std::vector<int64_t> v = {0, 1, -1, 2, 3, 7, 9, 17, 31, 33, 100, 239, 240, 247, 248, 249, 255, 256, 447, 448, 463, 464, 465,
                            479, 480, 1000, 57343, 57344, 61439, 61440, 61441, 65536, std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min(), int64_t(1) << 40, (int64_t(1) << 53) + 1};
  for (uint64_t i = 0; i < 3000; ++i) v.push_back(int64_t(aivm::rng_u64(19, 1, i)) >> (i % 63));
  const size_t n0 = v.size();
  for (size_t i = 0; i < n0; ++i) v.push_back(int64_t(0 - uint64_t(v[i])));  // -MIN wraps to MIN
  const Tensor x64 = tensor_i64({int64_t(v.size())}, v);
  std::vector<int32_t> v32;
  for (int64_t x : v) v32.push_back(int32_t(x));
  const Tensor x32 = tensor_i32({int64_t(v32.size())}, v32);
  const Tensor u8 = run("Cast", {&x64}, cast_to(DType::U8))[0];
  for (const Fmt& f : kFmts) {
    for (int sat : {1, 0}) {
      int bad = 0;
      const Tensor y = run_everywhere("Cast", {&x64}, cast_to(f.dtype, sat))[0];
      const Tensor z = run_everywhere("Cast", {&x32}, cast_to(f.dtype, sat))[0];
      const Tensor w = run_everywhere("Cast", {&u8}, cast_to(f.dtype, sat))[0];
      for (size_t i = 0; i < v.size(); ++i) {
        // The exact integer rounded once: a long double holds every int64 exactly.
        auto ref = [&](long double e) {
          const double dv = double(e);  // exact unless |e| > 2^53; then only the sticky bit matters, far from any f8 tie
          return ref_to_f8(dv, f, sat != 0);
        };
        bad += y.ptr<uint8_t>()[i] != ref((long double)v[i]);
        bad += z.ptr<uint8_t>()[i] != ref((long double)v32[i]);
        bad += w.ptr<uint8_t>()[i] != ref((long double)u8.ptr<uint8_t>()[i]);
      }
      CHECK_MSG(bad == 0, std::string(f.name) + " saturate=" + std::to_string(sat) + ": " + std::to_string(bad));
    }
    Tensor b = tensor_bool({3}, {0, 1, 7});
    const Tensor y = run_everywhere("Cast", {&b}, cast_to(f.dtype))[0];
    CHECK(y.ptr<uint8_t>()[0] == 0 && y.ptr<uint8_t>()[1] == ref_to_f8(1.0, f, true) && y.ptr<uint8_t>()[2] == y.ptr<uint8_t>()[1]);
  }
}

TEST(onnx_saturate_tables) {
  // Operators.md, Cast: x = 0, -0, NaN, -NaN, Inf, -Inf, [x] > max, [x] < -max (1e6, -1e6).
  const std::vector<float> x = {0.0f, -0.0f, NAN, -NAN, INFINITY, -INFINITY, 1e6f, -1e6f};
  const Tensor t = tensor_f32({8}, x);
  struct Row {
    DType d;
    std::vector<uint8_t> sat, nosat;
  };
  const Row rows[] = {
      {DType::F8E4M3FN, {0x00, 0x80, 0x7F, 0x7F, 0x7E, 0xFE, 0x7E, 0xFE}, {0x00, 0x80, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F}},
      {DType::F8E4M3FNUZ, {0x00, 0x00, 0x80, 0x80, 0x7F, 0xFF, 0x7F, 0xFF}, {0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
      {DType::F8E5M2, {0x00, 0x80, 0x7E, 0x7E, 0x7B, 0xFB, 0x7B, 0xFB}, {0x00, 0x80, 0x7E, 0x7E, 0x7C, 0xFC, 0x7C, 0xFC}},
      {DType::F8E5M2FNUZ, {0x00, 0x00, 0x80, 0x80, 0x7F, 0xFF, 0x7F, 0xFF}, {0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
      // e8m0 (round up): 0 -> 2^-127 (0x00) / NaN; +-inf -> 2^127 (0xFE) / NaN; sign ignored.
      {DType::F8E8M0, {0x00, 0x00, 0xFF, 0xFF, 0xFE, 0xFE, 0x93, 0x93}, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x93, 0x93}}};
  for (const Row& r : rows) {
    for (int sat : {1, 0}) {
      const Tensor y = run_everywhere("Cast", {&t}, cast_to(r.d, sat))[0];
      const auto& want = sat ? r.sat : r.nosat;
      for (int i = 0; i < 8; ++i) {
        CHECK_MSG(y.ptr<uint8_t>()[i] == want[size_t(i)], std::string(aivm::dtype_name(r.d)) + " sat=" + std::to_string(sat) +
                                                               " element " + std::to_string(i) + " got " +
                                                               std::to_string(y.ptr<uint8_t>()[i]));
      }
    }
  }
  // The ONNX node tests' inputs (test_cast_FLOAT_to_FLOAT8E4M3FN ...): the values read back.
  const std::vector<float> onnx = {0.47892547f, 0.48033667f, 0.49968487f, 0.81910545f, 0.47031248f, 0.7229038f, 1000000.0f,
                                   1e-7f, NAN, INFINITY, INFINITY, -INFINITY, -0.0000001f, 0.0000001f, -1000000.0f};
  const Tensor o = tensor_f32({15}, onnx);
  for (const Fmt& f : kFmts) {
    const Tensor y = run_everywhere("Cast", {&o}, cast_to(f.dtype))[0];
    for (int i = 0; i < 15; ++i) CHECK(y.ptr<uint8_t>()[i] == ref_to_f8(onnx[size_t(i)], f, true));
  }
  const Tensor e = tensor_f32({8}, {0.0f, 0.124f, 0.25f, 0.5f, 1.1f, 2.0f, 4.0f, 8.0f});
  const Tensor ye = run_everywhere("Cast", {&e}, cast_to(DType::F8E8M0, 1, "up"))[0];
  const uint8_t want_e[] = {0x00, 0x7C, 0x7D, 0x7E, 0x80, 0x80, 0x81, 0x82};  // onnx test_cast_e8m0_FLOAT_to_FLOAT8E8M0
  for (int i = 0; i < 8; ++i) CHECK(ye.ptr<uint8_t>()[i] == want_e[i]);
}

TEST(e8m0_round_modes) {
  std::vector<double> d;
  for (int k = -140; k <= 130; ++k) {
    const double p = std::ldexp(1.0, k);
    for (double x : {p, p * 1.25, p * 1.5, std::nextafter(p * 1.5, 0.0), std::nextafter(p * 1.5, 1e300), p * 1.75,
                     std::nextafter(p, 0.0), std::nextafter(p, 1e300), double(std::nextafter(float(p), 0.0f))}) {
      d.push_back(x);
      d.push_back(-x);
    }
  }
  for (double x : {0.0, -0.0, 3e38, 3.4e38, 1e300, 5e-324, 1e-45}) d.push_back(x);
  std::vector<float> fl(d.begin(), d.end());
  const Tensor f64 = tensor_of(DType::F64, {int64_t(d.size())}, d);
  const Tensor f32 = tensor_f32({int64_t(fl.size())}, fl);
  for (const char* mode : {"up", "down", "nearest"}) {
    for (int sat : {1, 0}) {
      int bad = 0, onnx_diff = 0;
      const Tensor y64 = run_everywhere("Cast", {&f64}, cast_to(DType::F8E8M0, sat, mode))[0];
      const Tensor y32 = run_everywhere("Cast", {&f32}, cast_to(DType::F8E8M0, sat, mode))[0];
      for (size_t i = 0; i < d.size(); ++i) {
        bad += y64.ptr<uint8_t>()[i] != ref_to_e8m0(d[i], sat != 0, mode);
        bad += y32.ptr<uint8_t>()[i] != ref_to_e8m0(fl[i], sat != 0, mode);
        // ONNX's reference agrees on every normal float32 (it reads float32 bits; subnormals and zero differ).
        if (std::isnormal(fl[i])) onnx_diff += y32.ptr<uint8_t>()[i] != onnx_reference_e8m0(fl[i], sat != 0, mode);
      }
      CHECK_MSG(bad == 0 && onnx_diff == 0, std::string(mode) + " sat=" + std::to_string(sat) + ": " + std::to_string(bad) +
                                                " / onnx " + std::to_string(onnx_diff));
    }
  }
  // Integers and float16.
  const Tensor ints = tensor_i64({6}, {1, 3, 6, -7, std::numeric_limits<int64_t>::max(), 0});
  const Tensor yi = run_everywhere("Cast", {&ints}, cast_to(DType::F8E8M0, 1, "nearest"))[0];
  const uint8_t want[] = {127, 129, 130, 130, 127 + 63, 0};
  for (int i = 0; i < 6; ++i) CHECK(yi.ptr<uint8_t>()[i] == want[i]);
}

TEST(float8_to_every_dtype_and_between_formats) {
  const DType all[] = {
#define AIVM_TEST_DTYPE(e, tag, name, T, array) DType::e,
      AIVM_DTYPES(AIVM_TEST_DTYPE)
#undef AIVM_TEST_DTYPE
  };
  for (const Fmt& f : kFmts) {
    Tensor x = all_patterns(f.dtype);
    const Tensor as64 = run("Cast", {&x}, cast_to(DType::F64))[0];
    for (DType to : all) {
      // Each output equals the cast of the exact value (float64, itself checked above).
      const Tensor y = run_everywhere("Cast", {&x}, cast_to(to))[0];
      const Tensor z = run("Cast", {&as64}, cast_to(to))[0];
      CHECK_MSG(same_bits(y, z), std::string(f.name) + " -> " + aivm::dtype_name(to));
    }
    for (const Fmt& g : kFmts) {
      const Tensor y = run_everywhere("Cast", {&x}, cast_to(g.dtype))[0];
      int bad = 0;
      for (int b = 0; b < 256; ++b) bad += y.ptr<uint8_t>()[b] != ref_to_f8(value_of(uint8_t(b), f), g, true);
      CHECK_MSG(bad == 0, std::string(f.name) + " -> " + g.name);
    }
  }
}

TEST(moves_hashing_and_refusals) {
  for (DType d : {DType::F8E4M3FN, DType::F8E4M3FNUZ, DType::F8E5M2, DType::F8E5M2FNUZ, DType::F8E8M0}) {
    std::vector<uint8_t> v(24);
    for (size_t i = 0; i < v.size(); ++i) v[i] = uint8_t(aivm::rng_u64(23, 0, i));
    const Tensor x = tensor_of(d, {2, 3, 4}, v);
    const Tensor t = run_everywhere("Transpose", {&x}, attrs1("perm", attr_ints({2, 0, 1})))[0];
    CHECK(t.dtype == d && t.ptr<uint8_t>()[1] == v[4] && t.ptr<uint8_t>()[2] == v[8] && t.ptr<uint8_t>()[3] == v[12]);
    const Tensor c = run_everywhere("Concat", {&x, &x}, attrs1("axis", attr_int(0)))[0];
    CHECK(c.dtype == d && std::memcmp(c.ptr<uint8_t>() + 24, v.data(), 24) == 0);
    const Tensor idx = tensor_i64({2}, {1, 0});
    const Tensor g = run_everywhere("Gather", {&x, &idx})[0];
    CHECK(g.dtype == d && std::memcmp(g.ptr<uint8_t>(), v.data() + 12, 12) == 0);
    CHECK_THROWS_CODE(E_DTYPE, run("Add", {&x, &x}));
    CHECK_THROWS_CODE(E_DTYPE, run("Relu", {&x}));
  }
  // Hashes see one NaN per format.
  auto h = [](DType d, uint8_t b) {
    const Tensor t = tensor_of(d, {1}, std::vector<uint8_t>{b});
    return aivm::encode_tensors({&t});
  };
  CHECK(h(DType::F8E4M3FN, 0xFF) == h(DType::F8E4M3FN, 0x7F) && h(DType::F8E4M3FN, 0x7E) != h(DType::F8E4M3FN, 0x7F));
  CHECK(h(DType::F8E5M2, 0xFD) == h(DType::F8E5M2, 0x7E) && h(DType::F8E5M2, 0x7F) == h(DType::F8E5M2, 0x7E) &&
        h(DType::F8E5M2, 0x7C) != h(DType::F8E5M2, 0x7E));
  const Tensor x = tensor_f32({1}, {1.0f});
  CHECK_THROWS_CODE(E_ATTR, run("Cast", {&x}, cast_to(DType::F8E8M0, 1, "even")));
  Attrs bad_type = cast_to(DType::F8E8M0);
  bad_type.set("round_mode", attr_int(1));
  CHECK_THROWS_CODE(E_ATTR, run("Cast", {&x}, bad_type));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
